"""Speed of the VHS/PAL simulator on a 720×576 frame: presets, random training settings
and every artifact alone at strength 1.

    python bench/degrade_speed.py [--repeats 30]

The simulator runs inside the training data pipeline, once per training example, so it
must keep up with the GPU: the target is a median of at most 25 ms per frame for the
default preset. Times are medians over ``--repeats`` runs after a warm-up.

Much of the time of a whole pipeline is the kernel handing the process fresh zeroed pages
(page faults) for the ~5 MB float32 planes, because glibc returns large freed blocks to the
system and maps them again on the next frame. The same pipeline is therefore also timed
in a separate process that tells glibc to keep freed memory (``mallopt`` raising the trim
and mmap thresholds before numpy is imported), which is what a long-lived data-loader
process can do; both figures are printed, labelled.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import subprocess
import sys

# glibc mallopt parameters (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# The largest mmap threshold glibc accepts on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX, 32 MiB):
# every per-frame array (at most 720×576×3 float32, 5 MB) is then served from the heap.
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024
TRIM_THRESHOLD = 1024 * 1024 * 1024

TARGET_MS = 25.0
WIDTH, HEIGHT = 720, 576
RANDOM_SEEDS = 5


def _tune_malloc() -> None:
    """Keep freed memory in the process instead of unmapping and re-faulting it."""
    libc = ctypes.CDLL("libc.so.6")
    if not libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) or not libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX):
        raise RuntimeError("mallopt refused the thresholds")


# Only in the tuned child, and before numpy (or anything else) allocates.
if __name__ == "__main__" and "--malloc-tuned" in sys.argv:
    _tune_malloc()

import time  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from skimage import data  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from restore.degrade import ARTIFACT_NAMES, ARTIFACTS, PRESETS, degrade, random_settings  # noqa: E402


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
    for name in ("default", "light", "heavy"):
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
    parser.add_argument("--malloc-tuned", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    frame = _frame()

    if args.malloc_tuned:
        _print_table("Whole pipeline, glibc malloc tuned (trim and mmap thresholds raised, separate process)", _pipeline_rows(frame, args.repeats))
        return

    print(f"degrade() on a {WIDTH}×{HEIGHT} frame (skimage astronaut), median of {args.repeats} runs after a warm-up")
    print(f"OpenCV {cv2.__version__}, {cv2.getNumThreads()} OpenCV threads, {os.cpu_count()} CPUs, numpy {np.__version__}")
    print(f"Load average at start (other processes share these CPUs): {os.getloadavg()[0]:.2f}")
    print(f"Target: default preset ≤ {TARGET_MS:.0f} ms per frame")
    pipeline = _pipeline_rows(frame, args.repeats)
    _print_table("Whole pipeline, default glibc malloc", pipeline)

    rows = []
    for name in ARTIFACT_NAMES:
        artifact = ARTIFACTS[name]
        # Each public artifact converts RGB -> YUV and back itself, so these include that cost.
        rows.append((name, _median_ms(lambda: artifact(frame, 1.0, np.random.default_rng(0)), args.repeats)))
    _print_table("Each artifact alone at strength 1 (public function, including RGB<->YUV)", rows)

    # Fresh process: mallopt only takes full effect before the first large allocations.
    completed = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--malloc-tuned", "--repeats", str(args.repeats)],
        capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        print(f"\nmalloc-tuned run failed (exit {completed.returncode}):\n{completed.stderr}")
    else:
        print(completed.stdout, end="")

    default_ms = pipeline[0][1]
    verdict = "meets" if default_ms <= TARGET_MS else "MISSES"
    print(f"\nDefault preset: {default_ms:.1f} ms with default malloc — {verdict} the {TARGET_MS:.0f} ms target.")


if __name__ == "__main__":
    main()
