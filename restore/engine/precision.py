"""The network's numeric precision at inference: float32, bfloat16 or int8, or ``auto``.

One `NetworkRunner` per precision turns a float32 ``N×H×W×3`` batch in [0, 1] into the
restored float32 batch, and a batch of pixels (uint8, uint16 or float) into restored pixels
of the same dtype (`NetworkRunner.run_pixels`); `restore.engine.restorer.Restorer` only
ever calls a runner.

* ``float32``: the Keras generator as trained, its batch normalisations folded into the
  convolutions (`restore.engine.folding`), through TensorFlow (oneDNN on a CPU).
* ``bfloat16``: the same weights in a generator built under Keras' ``mixed_bfloat16``
  policy: convolutions run in bfloat16 on the CPU's bfloat16 units through oneDNN, while
  the variables, the residual add and the output stay float32.
* ``int8``: the generator converted by TensorFlow's LiteRT converter to int8 weights and
  activations (calibrated on simulator frames), run by LiteRT (XNNPACK) with float32 input
  and output. Converting takes a while, so the converted model is cached on disk.

``auto`` (`choose_precision`) never trusts a mode blindly. A faster mode is a candidate
only where the CPU has the units for it (`cpu_flags`) and where the model's own
``config.json`` says it kept the quality: ``config["precision"]["qualified"]``, written
by ``python bench/speed.py --qualify`` after measuring the loss against float32 (at most
`QUALITY_BOUND`). The candidates are then timed once on the real input against float32,
and the fastest wins, so ``auto`` is never slower than float32.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from restore.engine.folding import fold_normalization
from restore.engine.pictures import FULL_SCALE, from_unit, to_unit

__all__ = [
    "AUTO",
    "PRECISIONS",
    "QUALITY_BOUND",
    "NetworkRunner",
    "PrecisionUnavailable",
    "available_precisions",
    "build_runner",
    "check_precision",
    "choose_precision",
    "cpu_flags",
]

log = logging.getLogger(__name__)

AUTO = "auto"
# Which CPU flags (as /proc/cpuinfo names them) make a mode worth trying; float32 always runs.
CPU_UNITS: dict[str, tuple[str, ...]] = {
    "float32": (),
    "bfloat16": ("avx512_bf16", "amx_bf16"),
    "int8": ("avx512_vnni", "avx_vnni", "amx_int8"),
}
PRECISIONS = (AUTO, *CPU_UNITS)
# The most a mode may lose against float32 (PSNR dB, SSIM) and still be qualified.
QUALITY_BOUND = {"psnr": 0.05, "ssim": 0.002}
INT8_CACHE_ENV = "VHS_RESTORE_CACHE"  # where converted int8 models are kept (default ~/.cache/vhs-restore)


class PrecisionUnavailable(ValueError):
    """A precision that cannot run here: its runtime is missing or its conversion failed."""


class NetworkRunner(Protocol):
    """Runs the generator on a float32 ``N×H×W×3`` batch in [0, 1]; returns float32, same shape."""

    precision: str

    def __call__(self, batch: np.ndarray) -> np.ndarray: ...

    def run_pixels(self, batch: np.ndarray) -> np.ndarray:
        """An ``N×H×W×3`` batch of pixels (uint8, uint16, or float32 taken as [0, 1]) -> the
        restored pixels in the same dtype and shape: clipped to full scale, integers rounded."""
        ...


def check_precision(precision: str) -> str:
    """``precision`` if it is one of `PRECISIONS`, else `ValueError` listing them."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    return precision


def cpu_flags(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's feature flags (Linux); empty where they cannot be read."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def available_precisions(flags: frozenset[str] | None = None) -> tuple[str, ...]:
    """The modes this CPU has the units for, float32 first."""
    flags = cpu_flags() if flags is None else flags
    return tuple(name for name, units in CPU_UNITS.items() if not units or flags & set(units))


# How many whole pictures of one size go through the network in one call, per precision
# (`Restorer.restore_batch`, the video pipeline). Measured on the shipped network on two
# cores, `python bench/video_speed.py --modes frames,fields --pictures-per-call 1,2,4
# --rounds 3` (medians; fps of the whole pipeline at 1 / 2 / 4):
#   bfloat16: frames 12.3 / 14.4 / 14.3, fields 11.8 / 13.3 / 14.3;
#   float32 (2 rounds): frames 9.9 / 9.6 / 10.0, fields 8.9 / 9.4 / 10.4.
# Small pictures (fields) gain most. int8's LiteRT (XNNPack) model cannot be resized to a
# batch, so it runs one at a time.
PICTURES_PER_CALL = {"float32": 4, "bfloat16": 4, "int8": 1}


# ------------------------------------------------------------------------------------ runners


@dataclass
class KerasRunner:
    """A Keras generator through graphs, each traced and frozen once, on first use: whole
    images (``N×H×W×3``, any size), tile batches (``N×tile×tile×3``), and whole images of
    8- or 16-bit pixels (`run_pixels`).

    Freezing makes the weights constants of the graph, so they are cast (to bfloat16) and
    reordered into oneDNN's blocked layout once instead of on every call (oneDNN's verbose log:
    16 of the 21 weight reorders a call gone), with the same output to the bit in float32.
    What that saves a 768×576 frame is within this 2-core machine's noise: from nothing to
    5 ms in side-by-side runs. Integer pixels are scaled, clipped and rounded inside their
    graph, so a quarter of the bytes cross into TensorFlow and back and numpy makes no float
    copies: 3 ms of a 768×576 bfloat16 frame's 40 (`bench/speed.py`)."""

    model: Any
    tile: int | None
    precision: str = "float32"

    def __post_init__(self):
        import tensorflow as tf

        model = self.model

        def run(batch):
            return tf.cast(model(batch, training=False), tf.float32)

        def pixels(dtype):
            scale = FULL_SCALE[np.dtype(dtype)]

            def run_scaled(batch):  # integer pixels in and out, as `from_unit(run(to_unit(...)))`
                restored = tf.clip_by_value(run(tf.cast(batch, tf.float32) * (1.0 / scale)), 0.0, 1.0)
                return tf.cast(tf.round(restored * scale), dtype)  # round half to even, as np.rint

            return tf.function(run_scaled, input_signature=[tf.TensorSpec([None, None, None, 3], dtype)])

        def signature(height, width):
            return [tf.TensorSpec([None, height, width, 3], tf.float32)]

        self._functions = {"whole": tf.function(run, input_signature=signature(None, None))}
        if self.tile:
            self._functions["tiles"] = tf.function(run, input_signature=signature(self.tile, self.tile))
        self._functions |= {np.dtype(dtype).name: pixels(dtype) for dtype in FULL_SCALE}
        self._graphs: dict[str, Callable[[Any], Any]] = {}
        self._lock = threading.Lock()  # the app restores from several threads

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        tiled = "tiles" in self._functions and batch.shape[1:3] == (self.tile, self.tile)
        return self._graph("tiles" if tiled else "whole")(batch)

    def run_pixels(self, batch: np.ndarray) -> np.ndarray:
        if batch.dtype.name in self._functions:
            return self._graph(batch.dtype.name)(batch)
        return float_pixels(self, batch)

    def _graph(self, kind: str) -> Callable[[np.ndarray], np.ndarray]:
        if kind not in self._graphs:
            with self._lock:
                if kind not in self._graphs:
                    self._graphs[kind] = _frozen_graph(self._functions[kind])
        return self._graphs[kind]

    @property
    def tracing_count(self) -> int:
        return sum(function.experimental_get_tracing_count() for function in self._functions.values())


def float_pixels(runner: Callable[[np.ndarray], np.ndarray], batch: np.ndarray) -> np.ndarray:
    """`NetworkRunner.run_pixels` through the float32 ``runner`` and numpy conversions."""
    scale = FULL_SCALE.get(batch.dtype, 1.0)
    return from_unit(runner(to_unit(batch, scale)), batch.dtype, scale)


def _frozen_graph(function) -> Callable[[np.ndarray], np.ndarray]:
    """``function`` traced once, its variables turned into constants."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    graph = convert_variables_to_constants_v2(function.get_concrete_function())
    # Called directly, the frozen function (which declares no arguments) fails to bind its
    # input, and the error message it builds and drops prints the whole batch (1.2 ms a
    # 768×576 frame); a function with the same signature around it binds at once.
    call = tf.function(lambda batch: graph(batch)[0], input_signature=function.input_signature)
    return lambda batch: call(batch).numpy()


@dataclass
class LiteRTRunner:
    """An int8 LiteRT model with float32 input and output; resized to each new input shape."""

    model_content: bytes
    precision: str = "int8"

    def __post_init__(self):
        from ai_edge_litert.interpreter import Interpreter

        self._interpreter = Interpreter(model_content=self.model_content, num_threads=os.cpu_count() or 1)
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]
        self._shape: tuple[int, ...] | None = None
        self.tracing_count = 0

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        if batch.shape != self._shape:
            self._interpreter.resize_tensor_input(self._input, batch.shape)
            self._interpreter.allocate_tensors()
            self._shape = batch.shape
        self._interpreter.set_tensor(self._input, np.ascontiguousarray(batch, np.float32))
        self._interpreter.invoke()
        return self._interpreter.get_tensor(self._output).copy()

    def run_pixels(self, batch: np.ndarray) -> np.ndarray:
        return float_pixels(self, batch)


def _float32_runner(model, generator_config, tile: int | None) -> KerasRunner:
    return KerasRunner(fold_normalization(model, generator_config, dtype_policy="float32"), tile)


def _bfloat16_runner(model, generator_config, tile: int | None) -> KerasRunner:
    # Mixed policy: the variables (and the output layers) stay float32.
    return KerasRunner(fold_normalization(model, generator_config, dtype_policy="mixed_bfloat16"), tile, precision="bfloat16")


def _int8_runner(model, generator_config, tile: int | None) -> LiteRTRunner:
    return LiteRTRunner(_int8_model(fold_normalization(model, generator_config), generator_config))


# Every runner runs a copy of the generator with its batch normalisations folded
# (`restore.engine.folding`).
_BUILDERS: dict[str, Callable[[Any, Any, int | None], NetworkRunner]] = {
    "float32": _float32_runner,
    "bfloat16": _bfloat16_runner,
    "int8": _int8_runner,
}


def build_runner(precision: str, model, generator_config, tile: int | None) -> NetworkRunner:
    """The runner for one concrete precision (not ``auto``)."""
    if precision not in _BUILDERS:
        raise ValueError(f"no runner for precision {precision!r}; choose one of {', '.join(_BUILDERS)}")
    try:
        return _BUILDERS[precision](model, generator_config, tile)
    except (ImportError, RuntimeError, OSError) as error:  # no runtime, or a conversion that failed
        raise PrecisionUnavailable(f"precision {precision} is not available here ({type(error).__name__}: {error})") from error


# --------------------------------------------------------------------------------------- int8


# Part of the int8 cache key: a change to how models are converted makes every cached one stale.
INT8_FORMAT = 2  # 2: converted from the folded generator


def _int8_model(model, generator_config) -> bytes:
    """The generator as an int8 LiteRT flatbuffer, converted once per architecture and set of weights."""
    key = hashlib.sha256(f"{INT8_FORMAT}:{sorted(generator_config.to_dict().items())}".encode())
    for weight in model.get_weights():
        key.update(repr(weight.shape).encode())
        key.update(np.ascontiguousarray(weight).tobytes())
    digest = key.hexdigest()[:16]
    cache = Path(os.environ.get(INT8_CACHE_ENV) or Path.home() / ".cache" / "vhs-restore")
    path = cache / f"generator-int8-{digest}.tflite"
    if path.is_file():
        return path.read_bytes()
    log.info("converting the generator to int8 (once; cached in %s)", path)
    content = _convert_int8(model)
    try:
        from restore.files import write_bytes_atomically

        cache.mkdir(parents=True, exist_ok=True)
        write_bytes_atomically(path, content)
    except OSError as error:  # a read-only home still restores, it only converts again
        log.warning("cannot cache the int8 model in %s (%s)", cache, error.strerror or error)
    return content


def _calibration_frames(count: int = 8, size: tuple[int, int] = (288, 384)):
    """Degraded PAL-like frames for the int8 calibration: the simulator on scikit-image photos."""
    import cv2
    from skimage import data

    from restore.degrade import PRESETS, degrade, random_settings

    photos = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    for index in range(count):
        clean = cv2.resize(photos[index % len(photos)], size[::-1], interpolation=cv2.INTER_AREA)
        settings = PRESETS["default"] if index % 2 else random_settings(np.random.default_rng(index))
        yield [(degrade(clean, settings, seed=index).astype(np.float32) / 255.0)[None]]


def _convert_int8(model) -> bytes:
    import tempfile

    import tensorflow as tf

    with tempfile.TemporaryDirectory() as folder:
        model.export(folder, format="tf_saved_model", verbose=False,
                     input_signature=[tf.TensorSpec([1, None, None, 3], tf.float32)])
        converter = tf.lite.TFLiteConverter.from_saved_model(folder)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = _calibration_frames
        return converter.convert()


# --------------------------------------------------------------------------------------- auto


def qualified_precisions(config: dict[str, Any]) -> tuple[str, ...]:
    """The faster modes the model's config says keep the quality (written by ``bench/speed.py --qualify``)."""
    record = config.get("precision") or {}
    qualified = record.get("qualified") or ()
    return tuple(name for name in qualified if name in CPU_UNITS and name != "float32")


def choose_precision(
    runners: dict[str, Callable[[], NetworkRunner]], sample: np.ndarray, *, repeats: int = 2,
) -> tuple[NetworkRunner, dict[str, float]]:
    """Time each runner (built on demand) on ``sample`` and return the fastest, with the
    seconds per call measured for each. ``runners`` must hold ``"float32"``; a mode that
    fails to build or run is left out (logged), so float32 always remains."""
    timings: dict[str, float] = {}
    built: dict[str, NetworkRunner] = {}
    for name, build in runners.items():
        try:
            runner = build()
            runner(sample)  # warm-up: tracing, allocation, oneDNN primitive caches
            timings[name] = min(_seconds(runner, sample) for _ in range(repeats))
            built[name] = runner
        except Exception as error:  # noqa: BLE001 - a mode that cannot run is simply not chosen
            if name == "float32":
                raise
            log.warning("precision %s unavailable here: %s", name, error)
    fastest = min(timings, key=timings.get)
    return built[fastest], timings


def _seconds(runner: NetworkRunner, sample: np.ndarray) -> float:
    started = time.perf_counter()
    runner(sample)
    return time.perf_counter() - started
