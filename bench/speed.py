"""Restoration speed: the shipped generator in every precision against the seed-size pix2pix.

    python bench/speed.py [--runs 10] [--skip-large] [--model SRC] [--quality-photos 6] [--qualify]
                          [--candidate CONFIG ...]

Prints, measured side by side (interleaved runs) on the same degraded 768×576 frame through the same engine
(`restore.engine.restorer.Restorer`, so padding and colour conversion are included): the median
milliseconds per frame for the shipped generator (bundled ``checkpoints/``; an untrained
"lean" generator of the same architecture if none is bundled yet, which runs at the same
speed) and for pix2pix's own generator (64 base filters, 7 levels; untrained, as only its
speed matters), and their ratio. Then the time and peak resident memory of restoring a
4000×3000 image with tiling, and the whole file path of a 720×576 PNG (read, restore,
PNG write) with each part's time. Targets on a 2-core CPU: shipped ≤ 100 ms per frame and at
least 5× faster than the seed-size model; as shipped (``--precision auto``) at least 12×.

Every precision this CPU has the units for (float32, bfloat16, int8; see
`restore.engine.precision`) is timed in the same interleaved runs, and ``auto`` as shipped.
Then each faster precision's quality is compared with float32's on validation photos damaged
as ``bench/quality.py`` and ``bench/generalise.py`` damage them (`bench.precision_quality`);
``--qualify`` writes the verdict into the model folder, where ``auto`` reads it.

``--candidate CONFIG`` (a name in `restore.engine.model.GENERATOR_CONFIGS` or a JSON object of
`GeneratorConfig` fields; repeatable) adds an untrained generator of that architecture, in
float32 and in every faster Keras precision, to the same interleaved runs: what an
architecture would cost, measured before training it.

Numbers are wall-clock on whatever else the machine is doing; run it on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2
import numpy as np

from bench import precision_quality
from restore import PRESETS, degrade
from restore.batch import restore_files, restore_one
from restore.engine.model import GENERATOR_CONFIGS, GeneratorConfig, build_generator, generator_config_from
from restore.engine.precision import available_precisions
from restore.engine.restorer import Restorer, load_restorer
from restore.engine.weights import BUNDLED_FOLDER, WEIGHTS_NAME
from restore.images import read_image, write_png

FRAME_HEIGHT, FRAME_WIDTH = 576, 768
LARGE_HEIGHT, LARGE_WIDTH = 3000, 4000
TARGET_MS, TARGET_RATIO, TARGET_AUTO_RATIO = 100.0, 5.0, 12.0
DEFAULT_VAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "val"


def test_picture(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A smooth, detailed synthetic picture (speed does not depend on content)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    picture = np.dstack([
        128 + 100 * np.sin(x / 41.0) * np.cos(y / 57.0),
        128 + 90 * np.cos((x - y) / 73.0),
        128 + 80 * np.sin((x + 2 * y) / 97.0),
    ])
    picture += rng.normal(0, 6, picture.shape)
    return np.clip(picture, 0, 255).astype(np.uint8)


def median_ms(restorers: list[Restorer], frame: np.ndarray, runs: int) -> list[float]:
    """Median ms per frame of each restorer, runs interleaved (A, B, A, B, ...) so that
    load from other processes hits both alike."""
    for restorer in restorers:
        restorer.restore(frame)  # warm-up: traces the tf.function and sizes the allocator
        restorer.restore(frame)
    times: list[list[float]] = [[] for _ in restorers]
    for _ in range(runs):
        for restorer, series in zip(restorers, times):
            start = time.perf_counter()
            restorer.restore(frame)
            series.append(time.perf_counter() - start)
    return [1000 * statistics.median(series) for series in times]


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per model after warm-up (median)")
    parser.add_argument("--skip-large", action="store_true", help="skip the 4000×3000 tiled measurement")
    parser.add_argument("--model", help="time this model source instead of the bundled checkpoint (e.g. a training run's folder)")
    parser.add_argument("--val", type=Path, default=DEFAULT_VAL, help="validation photos for the precisions' quality deltas")
    parser.add_argument("--quality-photos", type=int, default=6, help="photos per damage set for the quality deltas (0: skip)")
    parser.add_argument("--candidate", action="append", default=[], type=candidate_config, metavar="CONFIG",
                        help="also time an untrained generator of this architecture (a config name or JSON; repeatable)")
    parser.add_argument("--qualify", action="store_true",
                        help="write which precisions keep the quality into the model folder's config.json (--precision auto reads it)")
    return parser.parse_args()


def candidate_config(value: str) -> GeneratorConfig:
    try:
        return generator_config_from(value)
    except ValueError as error:  # argparse would otherwise print only "invalid value"
        raise argparse.ArgumentTypeError(str(error)) from error


def model_source(model: str | None) -> tuple[str | None, str]:
    """The model source to time as shipped (None: an untrained lean generator), and its name."""
    if model:
        return model, model
    if (BUNDLED_FOLDER / WEIGHTS_NAME).is_file():
        return str(BUNDLED_FOLDER), "shipped (checkpoints/)"
    print(f"note: no bundled checkpoint in {BUNDLED_FOLDER}; timing an untrained 'lean' generator (same architecture)")
    return None, "shipped (untrained lean)"


def shipped_restorers(source: str | None) -> dict[str, Restorer]:
    """The model (loaded once) in every precision this CPU has the units for, and as shipped (``auto``)."""
    if source is None:
        config = GENERATOR_CONFIGS["lean"]
        model, model_config = build_generator(config), {"generator": config.to_dict()}
    else:
        loaded = load_restorer(source, precision="float32")
        model, model_config = loaded.model, loaded.config
    return {name: Restorer(model, model_config, precision=name) for name in (*available_precisions(), "auto")}


def time_large(shipped: Restorer) -> tuple[float, float]:
    """Seconds to restore a 4000×3000 image with tiling, and the process's peak RSS in GiB after."""
    # Upscaled from a frame: building it at full size in float would itself cost ~0.5 GiB.
    large = cv2.resize(test_picture(FRAME_HEIGHT, FRAME_WIDTH, seed=1), (LARGE_WIDTH, LARGE_HEIGHT), interpolation=cv2.INTER_CUBIC)
    shipped.restore(test_picture(FRAME_HEIGHT, FRAME_WIDTH))  # trace outside the timing
    start = time.perf_counter()
    shipped.restore(large)
    return time.perf_counter() - start, peak_rss_gib()


def candidate_restorers(configs: list[GeneratorConfig], line_alignment: bool) -> dict[str, Restorer]:
    """An untrained generator per candidate architecture, in float32 and in bfloat16 where the
    CPU has the units (int8 converts per set of weights: not an architecture's cost), keyed
    by their row labels (``candidate ...``)."""
    precisions = [name for name in available_precisions() if name in ("float32", "bfloat16")]
    restorers = {}
    for index, config in enumerate(configs):
        named = [key for key, value in GENERATOR_CONFIGS.items() if value == config]
        model, model_config = build_generator(config), {"generator": config.to_dict()}
        for precision in precisions:
            label = f"candidate {named[0] if named else index} (untrained), {precision}"
            restorers[label] = Restorer(model, model_config, line_alignment=line_alignment, precision=precision)
    return restorers


def row_label(name: str, restorer: Restorer, shipped_name: str) -> str:
    if name == "seed":
        return "seed pix2pix (64 filters, 7 levels), float32"
    if name.startswith("candidate"):
        return name
    return f"{shipped_name}, {restorer.describe_precision() if name == 'auto' else name}"


def print_table(shipped_name: str, restorers: dict[str, Restorer], milliseconds: dict[str, float]) -> None:
    seed_ms = milliseconds["seed"]
    print(f"\n{'generator':<64} {'parameters':>12} {'ms / 768×576 frame':>20} {'× seed speed':>13}")
    for name, restorer in restorers.items():
        label = row_label(name, restorer, shipped_name)
        print(f"{label[:64]:<64} {restorer.model.count_params():>12,} {milliseconds[name]:>20.1f} {seed_ms / milliseconds[name]:>12.1f}×")


def network_ratio(shipped: Restorer, seed: Restorer, frame: np.ndarray, runs: int, ratio: float) -> float:
    """The speed-up with the network path alone: line alignment costs both the same few
    milliseconds, which the ratio of the generators should not include."""
    if not shipped.line_alignment:
        return ratio
    aligned = shipped.line_alignment
    shipped.line_alignment = seed.line_alignment = False
    alone_shipped_ms, alone_seed_ms = median_ms([shipped, seed], frame, runs)
    shipped.line_alignment = seed.line_alignment = aligned
    alone = alone_seed_ms / alone_shipped_ms
    print(f"without line alignment: shipped float32 {alone_shipped_ms:.1f} ms, seed pix2pix {alone_seed_ms:.1f} ms, "
          f"speed-up {alone:.1f}×")
    return alone


def quality_deltas(args, restorers: dict[str, Restorer], milliseconds: dict[str, float]) -> None:
    """Each faster precision's loss against float32 on the benchmarks' damage; ``--qualify`` records it."""
    if args.quality_photos <= 0 or len(restorers) < 2:
        return
    if not args.val.is_dir():
        print(f"\nnote: no validation photos in {args.val}; quality deltas skipped (--val DIR)")
        return
    pairs = precision_quality.damaged_pairs(args.val, args.quality_photos)
    scores = precision_quality.score(restorers, pairs)
    differences = precision_quality.deltas(scores)
    precision_quality.print_deltas(scores, differences)
    if args.qualify:
        if not args.model or not Path(args.model).is_dir():
            print("--qualify needs --model FOLDER (a local model folder)")
            return
        path = precision_quality.record_qualification(Path(args.model), differences, milliseconds, args.quality_photos)
        print(f"recorded in {path}")


def time_file_path(shipped: Restorer, runs: int, collection: int = 8) -> dict[str, float]:
    """Median milliseconds of `Restorer.restore_file` on a 720×576 PNG (the whole file
    path: read, restore, PNG write), of each part alone, and per file of a collection of
    ``collection`` such files one after the other (`restore_one`) and overlapped as the
    command line runs them (`restore_files`)."""
    frame = degrade(test_picture(FRAME_HEIGHT, 720, seed=2), PRESETS["default"], seed=4)
    with tempfile.TemporaryDirectory() as folder:
        source, output = Path(folder) / "frame.png", Path(folder) / "restored.png"
        write_png(source, frame)
        jobs = [(source, Path(folder) / f"restored{index}.png") for index in range(collection)]
        parts = {
            "file": lambda: shipped.restore_file(source, output),
            "read": lambda: read_image(source),
            "restore": lambda: shipped.restore(frame),
            "write": lambda: write_png(output, frame),
            "one_by_one": lambda: [restore_one(shipped, path, out) for path, out in jobs],
            "overlapped": lambda: list(restore_files(shipped, jobs)),
        }
        parts["file"]()  # warm-up (traces the network for this size)
        times: dict[str, list[float]] = {name: [] for name in parts}
        for _ in range(max(3, runs // 3)):
            for name, part in parts.items():
                start = time.perf_counter()
                part()
                per_file = collection if name in ("one_by_one", "overlapped") else 1
                times[name].append(1000 * (time.perf_counter() - start) / per_file)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    args = parse_args()
    source, shipped_name = model_source(args.model)
    restorers = shipped_restorers(source)
    seed_config = GENERATOR_CONFIGS["pix2pix"]
    # Same preprocessing as the shipped model: only the generator differs.
    restorers["seed"] = Restorer(build_generator(seed_config), {"generator": seed_config.to_dict()},
                                 line_alignment=restorers["float32"].line_alignment, precision="float32")
    restorers.update(candidate_restorers(args.candidate, restorers["float32"].line_alignment))
    print(f"CPU cores: {os.cpu_count()}; TensorFlow threads: default; runs: median of {args.runs}, interleaved, after warm-up")
    # The large image first, so that the process's peak memory is this restoration's.
    if not args.skip_large:
        large_seconds, large_rss = time_large(restorers["auto"])

    frame = degrade(test_picture(FRAME_HEIGHT, FRAME_WIDTH), PRESETS["default"], seed=3)
    milliseconds = dict(zip(restorers, median_ms(list(restorers.values()), frame, args.runs)))
    print_table(shipped_name, restorers, milliseconds)
    ratio, auto_ratio = (milliseconds["seed"] / milliseconds[name] for name in ("float32", "auto"))
    network = network_ratio(restorers["float32"], restorers["seed"], frame, args.runs, ratio)
    print(f"targets: ≤ {TARGET_MS:.0f} ms per frame (as shipped): {'met' if milliseconds['auto'] <= TARGET_MS else 'NOT met'}; "
          f"float32 generator ≥ {TARGET_RATIO:.0f}× faster: {'met' if network >= TARGET_RATIO else 'NOT met'} ({network:.1f}×); "
          f"as shipped ≥ {TARGET_AUTO_RATIO:.0f}× faster: {'met' if auto_ratio >= TARGET_AUTO_RATIO else 'NOT met'} ({auto_ratio:.1f}×)")
    if not args.skip_large:
        auto = restorers["auto"]
        print(f"\n{LARGE_WIDTH}×{LARGE_HEIGHT} image, tiled (tile {auto.tile}, overlap {auto.overlap}, "
              f"batch {auto.batch_size}): {large_seconds:.2f} s, peak resident memory {large_rss:.2f} GiB")
    file_ms = time_file_path(restorers["auto"], args.runs)
    print(f"\n720×576 PNG file to restored PNG (restore_file, as shipped): {file_ms['file']:.1f} ms; "
          f"alone: read {file_ms['read']:.1f}, restore {file_ms['restore']:.1f}, PNG write {file_ms['write']:.1f} ms; "
          f"a collection, per file: one by one {file_ms['one_by_one']:.1f} ms, overlapped as the CLI runs it "
          f"{file_ms['overlapped']:.1f} ms ({file_ms['one_by_one'] / file_ms['overlapped']:.2f}×)")
    shipped = {name: restorer for name, restorer in restorers.items() if name not in ("seed", "auto") and not name.startswith("candidate")}
    quality_deltas(args, shipped, milliseconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
