"""Restoration speed: the shipped generator against the seed-size pix2pix generator.

    python bench/speed.py [--runs 10] [--skip-large] [--model SRC]

Prints, measured side by side (interleaved runs) on the same degraded 768×576 frame through the same engine
(`restore.engine.restorer.Restorer`, so padding and colour conversion are included): the median
milliseconds per frame for the shipped generator (bundled ``checkpoints/``; an untrained
"lean" generator of the same architecture if none is bundled yet, which runs at the same
speed) and for pix2pix's own generator (64 base filters, 7 levels; untrained, as only its
speed matters), and their ratio. Then the time and peak resident memory of restoring a
4000×3000 image with tiling. Targets on a 2-core CPU: shipped ≤ 100 ms per frame and at
least 5× faster than the seed-size model.

Numbers are wall-clock on whatever else the machine is doing; run it on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2
import numpy as np

from restore import PRESETS, degrade
from restore.engine.model import GENERATOR_CONFIGS, build_generator
from restore.engine.restorer import Restorer, load_restorer
from restore.engine.weights import BUNDLED_FOLDER, WEIGHTS_NAME

FRAME_HEIGHT, FRAME_WIDTH = 576, 768
LARGE_HEIGHT, LARGE_WIDTH = 3000, 4000
TARGET_MS, TARGET_RATIO = 100.0, 5.0


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
    return parser.parse_args()


def shipped_restorer(model: str | None) -> tuple[Restorer, str]:
    """The restorer to time as shipped, and its name in the table."""
    if model:
        return load_restorer(model), model
    if (BUNDLED_FOLDER / WEIGHTS_NAME).is_file():
        return load_restorer(str(BUNDLED_FOLDER)), "shipped (checkpoints/)"
    print(f"note: no bundled checkpoint in {BUNDLED_FOLDER}; timing an untrained 'lean' generator (same architecture)")
    config = GENERATOR_CONFIGS["lean"]
    return Restorer(build_generator(config), {"generator": config.to_dict()}), "shipped (untrained lean)"


def time_large(shipped: Restorer) -> tuple[float, float]:
    """Seconds to restore a 4000×3000 image with tiling, and the process's peak RSS in GiB after."""
    # Upscaled from a frame: building it at full size in float would itself cost ~0.5 GiB.
    large = cv2.resize(test_picture(FRAME_HEIGHT, FRAME_WIDTH, seed=1), (LARGE_WIDTH, LARGE_HEIGHT), interpolation=cv2.INTER_CUBIC)
    shipped.restore(test_picture(FRAME_HEIGHT, FRAME_WIDTH))  # trace outside the timing
    start = time.perf_counter()
    shipped.restore(large)
    return time.perf_counter() - start, peak_rss_gib()


def print_table(shipped_name: str, shipped: Restorer, seed: Restorer, shipped_ms: float, seed_ms: float) -> None:
    rows = [
        (shipped_name, shipped.model.count_params(), shipped_ms, shipped.multiple),
        ("seed pix2pix (64 filters, 7 levels)", seed.model.count_params(), seed_ms, seed.multiple),
    ]
    print()
    print(f"{'generator':<38} {'parameters':>12} {'ms / 768×576 frame':>20}   pads to a multiple of")
    for name, parameters, milliseconds, multiple in rows:
        print(f"{name:<38} {parameters:>12,} {milliseconds:>20.1f}   {multiple}")


def network_ratio(shipped: Restorer, seed: Restorer, frame: np.ndarray, runs: int, ratio: float) -> float:
    """The speed-up with the network path alone: line alignment costs both the same few
    milliseconds, which the ratio of the generators should not include."""
    if not shipped.line_alignment:
        return ratio
    shipped.line_alignment = seed.line_alignment = False
    alone_shipped_ms, alone_seed_ms = median_ms([shipped, seed], frame, runs)
    alone = alone_seed_ms / alone_shipped_ms
    print(f"without line alignment: shipped {alone_shipped_ms:.1f} ms, seed pix2pix {alone_seed_ms:.1f} ms, "
          f"speed-up {alone:.1f}×")
    return alone


def main() -> int:
    args = parse_args()
    shipped, shipped_name = shipped_restorer(args.model)
    seed_config = GENERATOR_CONFIGS["pix2pix"]
    # Same preprocessing as the shipped model: only the generator differs.
    seed = Restorer(build_generator(seed_config), {"generator": seed_config.to_dict()}, line_alignment=shipped.line_alignment)
    print(f"CPU cores: {os.cpu_count()}; TensorFlow threads: default; runs: median of {args.runs}, interleaved, after warm-up")

    # The large image first, so that the process's peak memory is this restoration's
    # (TensorFlow and the shipped model included), not the seed model's.
    if not args.skip_large:
        large_seconds, large_rss = time_large(shipped)

    frame = degrade(test_picture(FRAME_HEIGHT, FRAME_WIDTH), PRESETS["default"], seed=3)
    shipped_ms, seed_ms = median_ms([shipped, seed], frame, args.runs)
    ratio = seed_ms / shipped_ms
    print_table(shipped_name, shipped, seed, shipped_ms, seed_ms)
    print(f"\nspeed-up of the shipped generator over the seed-size one: {ratio:.1f}× "
          f"(line alignment {'on' if shipped.line_alignment else 'off'} for both, as shipped)")
    network = network_ratio(shipped, seed, frame, args.runs, ratio)
    print(f"targets: ≤ {TARGET_MS:.0f} ms per frame (as shipped): {'met' if shipped_ms <= TARGET_MS else 'NOT met'}; "
          f"generator ≥ {TARGET_RATIO:.0f}× faster: {'met' if network >= TARGET_RATIO else 'NOT met'} ({network:.1f}×)")
    if not args.skip_large:
        print(f"\n{LARGE_WIDTH}×{LARGE_HEIGHT} image, tiled (tile {shipped.tile}, overlap {shipped.overlap}, "
              f"batch {shipped.batch_size}): {large_seconds:.2f} s, peak resident memory {large_rss:.2f} GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
