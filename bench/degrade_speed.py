"""Speed of the VHS/PAL simulator on a 720×576 frame: presets, random training settings,
every artifact alone at strength 1, and every form an option selects.

    python bench/degrade_speed.py [--repeats 30] [--no-forms]

The simulator runs inside the training data pipeline, once per training example, so it
must keep up with the GPU: the target is a median of at most 25 ms per frame for the
default preset. Times are medians over ``--repeats`` runs after a warm-up.

Much of a whole pipeline's time used to be the kernel handing the process fresh zeroed
pages for the ~5 MB float32 planes. The processes that degrade in bulk (training's data
workers, ``python -m restore.degrade``) ask glibc to keep freed frame-sized buffers for
reuse (`restore.degrade.frame.tune_allocator_for_frames`); this benchmark does the same,
so its figures are what training gets.
"""

from __future__ import annotations

import argparse
import os
import time

import cv2
import numpy as np
from skimage import data

from restore.degrade import (
    ARTIFACT_NAMES,
    ARTIFACTS,
    FORM_ARTIFACT,
    FORMS,
    PRESETS,
    DegradeSettings,
    degrade,
    random_settings,
)
from restore.degrade.frame import tune_allocator_for_frames

TARGET_MS = 25.0
WIDTH, HEIGHT = 720, 576
RANDOM_SEEDS = 5


def _frame() -> np.ndarray:
    return cv2.resize(data.astronaut(), (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)


def _median_ms(function, repeats: int) -> float:
    function()  # warm-up: first-call allocations, OpenCV kernels, lazy imports
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000.0 * float(np.median(times))


def _pipeline_rows(frame: np.ndarray, repeats: int) -> list[tuple[str, float]]:
    """(label, median ms) of the whole `degrade` for each preset and random settings."""
    rows = []
    for name in sorted(name for name, settings in PRESETS.items() if not settings.is_identity()):
        settings = PRESETS[name]
        rows.append((f"preset {name}", _median_ms(lambda: degrade(frame, settings, seed=0), repeats)))
    per_seed = []
    for seed in range(RANDOM_SEEDS):
        settings = random_settings(np.random.default_rng(seed))
        per_seed.append(_median_ms(lambda: degrade(frame, settings, seed=seed), repeats))
    rows.append((f"random_settings (mean of {RANDOM_SEEDS} seeds)", float(np.mean(per_seed))))
    return rows


def _print_table(title: str, rows: list[tuple[str, float]]) -> None:
    print(f"\n{title}")
    print(f"  {'case':<42}{'median ms':>10}")
    for label, milliseconds in rows:
        print(f"  {label:<42}{milliseconds:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed runs per case after one warm-up (default 30)")
    parser.add_argument("--no-forms", action="store_true", help="skip the table of every form of every option")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    tune_allocator_for_frames()
    frame = _frame()

    print(f"degrade() on a {WIDTH}×{HEIGHT} frame (skimage astronaut), median of {args.repeats} runs after a warm-up")
    print(f"OpenCV {cv2.__version__}, {cv2.getNumThreads()} OpenCV threads, {os.cpu_count()} CPUs, numpy {np.__version__}")
    print(f"Load average at start (other processes share these CPUs): {os.getloadavg()[0]:.2f}")
    print(f"Target: default preset ≤ {TARGET_MS:.0f} ms per frame")
    pipeline = _pipeline_rows(frame, args.repeats)
    _print_table("Whole pipeline", pipeline)

    rows = []
    for name in ARTIFACT_NAMES:
        artifact = ARTIFACTS[name]
        # Each public artifact converts RGB -> YUV and back itself, so these include that cost.
        rows.append((name, _median_ms(lambda: artifact(frame, 1.0, np.random.default_rng(0)), args.repeats)))
    _print_table("Each artifact alone at strength 1 (public function, including RGB<->YUV)", rows)

    if not args.no_forms:
        rows = []
        for option, forms in FORMS.items():
            artifact = ARTIFACTS[FORM_ARTIFACT[option]]
            for form in forms:
                settings = DegradeSettings(**{option: form})
                rows.append((f"{FORM_ARTIFACT[option]}: {option}={form}", _median_ms(lambda: artifact(frame, 1.0, np.random.default_rng(0), settings), args.repeats)))
        _print_table("Each form at strength 1 (public function, including RGB<->YUV)", rows)

    default_ms = pipeline[0][1]
    verdict = "meets" if default_ms <= TARGET_MS else "MISSES"
    print(f"\nDefault preset: {default_ms:.1f} ms — {verdict} the {TARGET_MS:.0f} ms target.")


if __name__ == "__main__":
    main()
