"""The restoration engine: numpy image in, restored numpy image out.

`Restorer` owns everything between a decoded image and the generator: colour handling
(grey, RGB, RGBA, 8/16-bit, float; `restore.engine.pictures`), the optional preprocessing
stages (colour-bar repair, `restore.engine.colour_bars`; line alignment, a time-base
correction, `restore.engine.timebase`), padding to the network's multiple, tiling with overlap and smooth blending, batching,
and the optional PAL anamorphic-to-square-pixel resize. `load_restorer` resolves a
model source (`restore.engine.weights`) and builds a `Restorer` once; callers keep it.

How an image is run
-------------------
* No side longer than ``tile`` (the default 768 covers PAL 720×576 and its square-pixel
  768×576): the image is reflect-padded to a multiple of ``2**depth`` and run whole.
* Larger: it is cut into ``tile``×``tile`` tiles that overlap by at least ``overlap``
  pixels, run ``batch_size`` tiles at a time, and blended back with raised-cosine
  weights that fall to ~0 at every tile edge that has a neighbour, so tile borders
  (where the network lacks context) barely count and no seam shows. Tile origins are
  multiples of ``2**depth``, so every tile sees the same sampling grid of the strided
  layers as an untiled run would, and the two agree closely. Memory is bounded by the
  tile batch plus float32 accumulators (16 bytes per pixel): a 4000×3000 image peaks
  around 1.3 GiB of resident memory, TensorFlow's own ~0.7 GiB included.
* ``tile=None`` (``--tile 0``) always runs whole; memory then grows with the image.

The network runs through compiled ``tf.function``s, each traced once: one for whole images
per pixel dtype (``N×H×W×3``, dynamic N, H and W: `Restorer.restore_batch` runs frames of
one size together; 8- and 16-bit pixels are scaled, clipped and rounded inside the graph)
and one for tiles (``N×tile×tile×3``, float32). Repeated calls with any image size never
retrace.

Bit depth: 16-bit input is restored from its full precision (the network works in
float32 on ``value / 65535``) and returned as 16-bit; 8-bit input returns 8-bit. Line
alignment measures jitter on an 8-bit copy but shifts the original data.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from restore.deep_colour import reduce_16_to_8
from restore.engine.colour_bars import ColourBarTracker, repair_colour_bars
from restore.engine.model import GeneratorConfig, pad_to_multiple
from restore.engine.pictures import prepare, same_size_runs, to_unit
from restore.engine.precision import (
    AUTO,
    PICTURES_PER_CALL,
    NetworkRunner,
    available_precisions,
    build_runner,
    check_precision,
    choose_precision,
    qualified_precisions,
)
from restore.engine.tiling import restore_tiled
from restore.engine.weights import load_generator, resolve_model
from restore.images import MAX_PIXELS, LoadedImage, read_image, write_png
from restore.pal import shift_lines
from restore.pal import square_pixel_width as pal_square_width

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_OVERLAP",
    "DEFAULT_TILE",
    "Restorer",
    "load_restorer",
    "pal_square_width",
]

DEFAULT_TILE = 768
DEFAULT_OVERLAP = 64
# Tiles per network call: None picks 4 on a GPU (fills it better) and 1 on a CPU (as
# fast there, and the least memory).
DEFAULT_BATCH_SIZE = None

# The frame ``auto`` times the precisions on when the restorer does not tile: PAL, square pixels.
_TIMING_FRAME = (576, 768)


def load_restorer(
    source: str | os.PathLike | None = None,
    *,
    tile: int | None = DEFAULT_TILE,
    overlap: int = DEFAULT_OVERLAP,
    batch_size: int | None = DEFAULT_BATCH_SIZE,
    line_alignment: bool | None = None,
    colour_bars: bool | None = None,
    fallback: bool = True,
    precision: str = AUTO,
) -> "Restorer":
    """Load a model once and return a `Restorer` for it.

    ``source``: None (``$VHS_RESTORE_MODEL``, else the bundled ``checkpoints/``), a local
    folder or file written by ``python -m train``, or ``hf://owner/name[@revision]``; see
    `restore.engine.weights.resolve_model` (``fallback`` too). Raises
    `restore.engine.weights.ModelLoadError` (a ValueError) naming the file when the model is unusable.
    The other arguments are passed to `Restorer`.
    """
    files = resolve_model(source, fallback=fallback)
    model, config = load_generator(files)
    return Restorer(
        model,
        config,
        tile=tile,
        overlap=overlap,
        batch_size=batch_size,
        line_alignment=line_alignment,
        colour_bars=colour_bars,
        description=files.description,
        fallback_reason=files.fallback_reason,
        precision=precision,
    )


class Restorer:
    """Restores images with a loaded generator (see the module docstring for how).

    model:          the Keras generator (float32 ``N×H×W×3`` in [0, 1] -> same shape). Its
                    weights are read when the Restorer is made (folded for inference,
                    `restore.engine.folding`): a model that goes on training needs a new
                    Restorer to show its new weights.
    config:         the model's ``config.json`` dict; ``config["generator"]`` gives the
                    padding multiple, ``config["preprocess"]`` the defaults for line
                    alignment and colour-bar repair (off where the config does not say).
    tile:           tile side in pixels, a multiple of the model's ``2**depth``; images with
                    no side longer than this run whole. None or 0: never tile.
    overlap:        minimum overlap of neighbouring tiles, pixels (blending width).
    batch_size:     tiles per network call; None: 4 on a GPU, 1 on a CPU.
    line_alignment: straighten line jitter and bent top and bottom lines before the
                    network (`restore.engine.timebase`); None follows the model's config.
    colour_bars:    rebuild lines where one or two colour channels are gone before the
                    network (`restore.engine.colour_bars`); None follows the model's config.
    precision:      "float32", "bfloat16", "int8", or "auto" (default): the fastest mode this
                    CPU has the units for and the model is qualified for, timed once here
                    (`restore.engine.precision`). ``self.precision`` says which one runs, and
                    ``self.pictures_per_call`` how many whole images of one size
                    `restore_batch` runs in one network call in that mode.
    """

    def __init__(
        self,
        model: Any,
        config: dict[str, Any],
        *,
        tile: int | None = DEFAULT_TILE,
        overlap: int = DEFAULT_OVERLAP,
        batch_size: int | None = DEFAULT_BATCH_SIZE,
        line_alignment: bool | None = None,
        colour_bars: bool | None = None,
        description: str = "in-memory model",
        fallback_reason: str | None = None,
        precision: str = AUTO,
    ):
        import tensorflow as tf

        if not isinstance(config, dict) or not isinstance(config.get("generator"), dict):
            raise ValueError("config must be a model config dict with a 'generator' architecture")
        self.model = model
        self.config = config
        self.generator_config = GeneratorConfig.from_dict(config["generator"])
        self.multiple = self.generator_config.multiple
        self.tile = _check_tile(tile, self.multiple)
        if not isinstance(overlap, int) or overlap < 0 or (self.tile and 2 * -(-overlap // self.multiple) * self.multiple > self.tile):
            raise ValueError(
                f"overlap must be an integer >= 0 and, rounded up to a multiple of {self.multiple}, "
                f"at most half the tile ({self.tile}); got {overlap!r}"
            )
        if batch_size is None:
            batch_size = 4 if tf.config.list_physical_devices("GPU") else 1
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be an integer >= 1 or None, got {batch_size!r}")
        self.overlap = overlap
        self.batch_size = batch_size
        preprocess = config.get("preprocess") or {}
        self.line_alignment = _stage_flag(line_alignment, preprocess, "line_alignment")
        self.colour_bars = _stage_flag(colour_bars, preprocess, "colour_bars")
        self.description = description
        self.fallback_reason = fallback_reason

        self.requested_precision = check_precision(precision)
        self._runner, self.precision_timings = self._select_runner()
        self.precision = self._runner.precision
        self.pictures_per_call = PICTURES_PER_CALL[self.precision]

    def _select_runner(self) -> tuple[NetworkRunner, dict[str, float]]:
        """The network runner for the requested precision; ``auto`` times the candidates
        (`restore.engine.precision.choose_precision`) once, on a frame-sized sample."""
        build = functools.partial(build_runner, model=self.model, generator_config=self.generator_config, tile=self.tile)
        if self.requested_precision != AUTO:
            return build(self.requested_precision), {}
        candidates = [name for name in qualified_precisions(self.config) if name in available_precisions()]
        if not candidates:
            return build("float32"), {}
        height, width = (self.tile, self.tile) if self.tile else _TIMING_FRAME
        sample = np.random.default_rng(0).random((1, height, width, 3), dtype=np.float32)
        runners = {name: functools.partial(build, name) for name in ("float32", *candidates)}
        return choose_precision(runners, sample)

    def __repr__(self) -> str:
        return (f"Restorer({self.description}, tile={self.tile}, overlap={self.overlap}, "
                f"line_alignment={self.line_alignment}, colour_bars={self.colour_bars}, precision={self.precision})")

    def describe_precision(self) -> str:
        """The precision the network runs in, and why: e.g. "bfloat16 (auto: 2.0× float32's speed)"."""
        if self.requested_precision != AUTO:
            return self.precision
        if not self.precision_timings:
            return f"{self.precision} (auto: no faster mode qualified for this model and CPU)"
        speedup = self.precision_timings["float32"] / self.precision_timings[self.precision]
        return f"{self.precision} (auto: {speedup:.1f}× float32's speed)" if self.precision != "float32" else (
            "float32 (auto: the faster modes were not faster here)")

    def describe_stages(self) -> str:
        """The preprocessing stages that run before the network, e.g. "colour-bar repair, line alignment"."""
        stages = [name for name, on in (("colour-bar repair", self.colour_bars), ("line alignment", self.line_alignment)) if on]
        return ", ".join(stages) or "none"

    @property
    def tracing_count(self) -> int:
        """How many times the network functions were traced (2 at most, ever)."""
        return self._runner.tracing_count

    # ------------------------------------------------------------------ public
    def restore(self, image, pal_aspect: bool = False) -> np.ndarray:
        """Restore one image and return the same kind of array.

        ``image``: H×W (grey), H×W×1, H×W×3 (RGB) or H×W×4 (RGBA); uint8, uint16, or
        float in [0, 1]. The result has the same dtype and channel layout and the same H
        and W (uint8 RGB in, uint8 RGB out). Grey input gives the restored luma (BT.601);
        alpha is passed through untouched; uint16 is restored at full precision. With
        ``pal_aspect`` the input is taken as PAL anamorphic (720 samples per line) and the
        result is resized to square pixels: width ``round(W * 768 / 720)``, same height.
        """
        return self.restore_batch([image], pal_aspect=pal_aspect)[0]

    def restore_batch(self, images, pal_aspect: bool = False, *, bar_tracker: ColourBarTracker | None = None) -> list[np.ndarray]:
        """Restore several images, as `restore` does each one. Neighbours of the same size
        and dtype that run whole go through the network together, ``pictures_per_call``
        at a time (`restore.engine.precision.PICTURES_PER_CALL`: several small frames in
        one call take less time than one call each); the results are the same.
        ``bar_tracker``: the pictures are a video's, in order (see `video_batches`)."""
        pal_aspect = _flag(pal_aspect, "pal_aspect")
        prepared = [prepare(image) for image in images]
        # Bars first: line alignment then sees whole colours. Both keep the dtype.
        if self.colour_bars:
            repair = bar_tracker or repair_colour_bars
            prepared = [dataclasses.replace(item, colour=repair(np.ascontiguousarray(item.colour), item.scale))
                        for item in prepared]
        if self.line_alignment:
            prepared = [dataclasses.replace(item, colour=_align_lines(np.ascontiguousarray(item.colour), item.scale))
                        for item in prepared]
        restored: list[np.ndarray] = []  # H×W×3, one per image (see `Prepared.finish`)
        for run in same_size_runs(prepared, self.pictures_per_call):
            if self._tiles(run[0].colour):
                restored += [self._restore_tiled(item.colour, item.scale) for item in run]
            else:
                restored += self._restore_whole([item.colour for item in run])
        return [item.finish(colour, pal_aspect) for item, colour in zip(prepared, restored)]

    def video_batches(self) -> Callable[..., list[np.ndarray]]:
        """`restore_batch` for one video's pictures, passed in order: a colour bar found in
        one frame is followed into the next (`restore.engine.colour_bars.ColourBarTracker`),
        so it is not repaired in some frames and left in others."""
        return functools.partial(self.restore_batch, bar_tracker=ColourBarTracker())

    def restore_file(
        self,
        input_path: str | os.PathLike,
        output_path: str | os.PathLike,
        *,
        pal_aspect: bool = False,
        max_pixels: int = MAX_PIXELS,
    ) -> Path:
        """Read an image file (upright by its EXIF orientation), restore it and write a PNG.

        Alpha is kept; 16-bit sources give 16-bit PNGs; a greyscale source stays grey. The
        PNG is written to a temporary name and renamed. Raises `restore.images.ImageError`
        for an unusable input and OSError when the output cannot be written.
        """
        return self.write_restored(output_path, self.restore_loaded(read_image(input_path, max_pixels=max_pixels),
                                                                     pal_aspect=pal_aspect))

    def restore_loaded(self, loaded: LoadedImage, *, pal_aspect: bool = False) -> LoadedImage:
        """The restoring part of `restore_file`: a read image -> the restored one (a grey
        picture stays grey, alpha and 16 bits are kept), for `write_restored`."""
        colour = loaded.rgb16 if loaded.rgb16 is not None else loaded.rgb
        grey = bool((colour[:, :, 0] == colour[:, :, 1]).all() and (colour[:, :, 1] == colour[:, :, 2]).all())
        restored = self.restore(colour[:, :, 0] if grey else colour, pal_aspect=pal_aspect)
        if grey:
            restored = np.repeat(restored[:, :, None], 3, axis=2)
        alpha = loaded.alpha
        if alpha is not None and pal_aspect:
            alpha = cv2.resize(alpha, (restored.shape[1], restored.shape[0]), interpolation=cv2.INTER_LINEAR)
        if restored.dtype == np.uint16:
            return dataclasses.replace(loaded, rgb=reduce_16_to_8(restored), alpha=alpha, rgb16=restored)
        return dataclasses.replace(loaded, rgb=restored, alpha=alpha, rgb16=None)

    @staticmethod
    def write_restored(output_path: str | os.PathLike, restored: LoadedImage) -> Path:
        """The writing part of `restore_file`: the PNG, atomically; OSError when it cannot be written."""
        return write_png(output_path, restored.rgb, alpha=restored.alpha, sixteen_bit=restored.rgb16)

    # ------------------------------------------------------------------ engine
    def _tiles(self, colour: np.ndarray) -> bool:
        """Whether an H×W×3 image is cut into tiles (a side, padded, longer than ``tile``)."""
        height, width = colour.shape[:2]
        padded_height = height + (-height % self.multiple)
        padded_width = width + (-width % self.multiple)
        return bool(self.tile) and (padded_height > self.tile or padded_width > self.tile)

    def _restore_whole(self, colours: list[np.ndarray]) -> list[np.ndarray]:
        """Images of one size and dtype, run whole in one network call -> the restored
        H×W×3 pixels of each, in that dtype (padded and converted in the network's graph)."""
        batch, (height, width) = pad_to_multiple(np.stack(colours), self.multiple)
        return list(self._runner.run_pixels(batch)[:, :height, :width])

    def _restore_tiled(self, colour: np.ndarray, scale: float) -> np.ndarray:
        return restore_tiled(colour, lambda block: to_unit(block, scale), self._runner,
                             tile=self.tile, overlap=self.overlap, multiple=self.multiple, batch_size=self.batch_size)


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #
def _stage_flag(value: bool | None, preprocess: dict[str, Any], name: str) -> bool:
    """A preprocessing stage on or off: ``value``, or the model config's when it is None."""
    if value is None:
        value = _flag(preprocess.get(name, False), f"config preprocess.{name}")
    return _flag(value, name)


def _flag(value: Any, name: str) -> bool:
    """A true/false option, strictly: a bool (numpy's too); anything else is a ValueError.
    (A string such as "false" or "no" is truthy: taking it as a bool would turn the option on.)"""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ValueError(f"{name} must be True or False, got {value!r}")


def _check_tile(tile: int | None, multiple: int) -> int | None:
    if tile is None or tile == 0:
        return None
    if not isinstance(tile, (int, np.integer)) or isinstance(tile, bool) or tile < multiple or tile % multiple:
        raise ValueError(f"tile must be a positive multiple of {multiple} (the model's 2**depth), or 0 for no tiling; got {tile!r}")
    return int(tile)


def _align_lines(colour: np.ndarray, scale: float) -> np.ndarray:
    """Time-base correction (`restore.engine.timebase`) of an H×W×3 image of any supported dtype."""
    try:
        from restore.engine import timebase
    except ImportError as error:
        raise ImportError(
            "line alignment needs restore.engine.timebase, which is not available; "
            "turn line alignment off (--line-alignment off / line_alignment=False)"
        ) from error
    if colour.dtype == np.uint8:
        return timebase.correct_timebase(colour)
    # Higher precision: measure on an 8-bit copy, shift the original data.
    eight_bit = np.rint(np.clip(colour.astype(np.float32) * (255.0 / scale), 0, 255)).astype(np.uint8)
    corrections = timebase.line_corrections(eight_bit)
    if corrections is None:
        return colour
    offsets, fill_black = corrections
    return shift_lines(colour, -offsets, fill_black=fill_black)
