"""The Ray path's overhead against the plain path, for the same folder of PAL frames.

    python bench/cluster.py [--images 16] [--frames 50] [--model SRC] [--precision auto] [--cluster local]

Writes ``--images`` damaged 720×576 frames to a temporary folder and restores them twice in
this process: the plain way (`load_restorer`, then `restore.batch.restore_one` per file, as
``python -m restore`` does) and through `restore.cluster` (``--cluster``: ``local`` starts
Ray here; ``auto`` or an address uses a running cluster). For each it prints the start-up
seconds (plain: loading the model; Ray: starting or joining Ray and its workers loading the
model, up to the first finished image) and the images per second after that, and checks
how far apart the two outputs are (identical in float32; in bfloat16 a frame may differ by a
level). Then the same for a ``--frames`` long 720×576 clip with
sound (`bench.video_speed.pal_clip`): one process against segments on the workers,
frames per second over the whole run and how far apart the two files' frames are. On one machine Ray can only add overhead; on a cluster the
images per second grow with the workers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from skimage import data  # noqa: E402

from restore import PRESETS, degrade, load_restorer  # noqa: E402
from restore.batch import restore_one  # noqa: E402
from restore.images import read_image, write_png  # noqa: E402


def make_frames(folder: Path, count: int) -> list[tuple[Path, Path]]:
    """``count`` damaged PAL frames in ``folder/in``; (input, output) jobs for ``folder/<mode>``."""
    photos = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    (folder / "in").mkdir()
    paths = []
    for index in range(count):
        clean = cv2.resize(photos[index % len(photos)], (720, 576), interpolation=cv2.INTER_AREA)
        paths.append(write_png(folder / "in" / f"frame{index:03d}.png", degrade(clean, PRESETS["default"], seed=index)))
    return paths


def rate(finished: list[float]) -> float:
    """Images per second between the first and the last finished image."""
    return (len(finished) - 1) / (finished[-1] - finished[0]) if len(finished) > 1 else float("nan")


def plain(paths: list[Path], outdir: Path, model: str | None, precision: str) -> tuple[float, float, str]:
    """Start-up seconds, images per second, and the precision ``auto`` chose here."""
    started = time.perf_counter()
    restorer = load_restorer(model, precision=precision)
    loaded = time.perf_counter()
    finished = []
    for path in paths:
        assert restore_one(restorer, path, outdir / path.name).ok
        finished.append(time.perf_counter())
    return loaded - started + (finished[0] - loaded), rate(finished), restorer.precision


def on_cluster(paths: list[Path], outdir: Path, options, address: str) -> tuple[float, float, str]:
    from restore import cluster

    started = time.perf_counter()
    resources = cluster.connect(address)
    finished = []
    for outcome in cluster.restore_files([(path, outdir / path.name) for path in paths], options):
        assert outcome.ok, outcome.reason
        finished.append(time.perf_counter())
    return finished[0] - started, rate(finished), cluster.describe(resources)


def video_runs(folder: Path, frames: int, options, address: str) -> tuple[float, float, int]:
    """Frames per second of the plain and the segmented run of one clip, and the largest
    difference between their frames in levels (-1: the timestamps differ)."""
    import av

    from bench.video_speed import pal_clip
    from restore import cluster
    from restore.video import restore_video

    clip = pal_clip(folder / "tape.mp4", frames)
    started = time.perf_counter()
    restore_video(clip, folder / "plain.mkv", load_restorer(options.model, precision=options.precision), progress=False)
    plain_fps = frames / (time.perf_counter() - started)
    started = time.perf_counter()
    cluster.restore_video_in_segments(clip, folder / "ray.mkv", options, {})
    ray_fps = frames / (time.perf_counter() - started)

    def pictures(path):
        with av.open(str(path)) as container:
            return [(frame.pts, frame.to_ndarray(format="rgb24")) for frame in container.decode(video=0)]

    plain_frames, ray_frames = pictures(folder / "plain.mkv"), pictures(folder / "ray.mkv")
    if [pts for pts, _ in plain_frames] != [pts for pts, _ in ray_frames]:
        return plain_fps, ray_fps, -1
    return plain_fps, ray_fps, max(_levels(a, b) for (_, a), (_, b) in zip(plain_frames, ray_frames))


def _levels(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.abs(a.astype(np.int16) - b.astype(np.int16)).max())


def _difference(levels: int) -> str:
    return {0: "identical", -1: "timestamps differ"}.get(levels, f"differ by up to {levels} level(s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=16, help="frames in the folder (default 16)")
    parser.add_argument("--frames", type=int, default=50, help="frames in the clip (default 50: 2 s; 0 skips it)")
    parser.add_argument("--model", help="model source (default: the bundled checkpoint)")
    parser.add_argument("--precision", default="auto", help="as python -m restore --precision (default auto)")
    parser.add_argument("--cluster", default="local", help="local, auto or a Ray address (default local)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        paths = make_frames(folder, args.images)
        (folder / "plain").mkdir()
        (folder / "ray").mkdir()
        plain_start, plain_rate, precision = plain(paths, folder / "plain", args.model, args.precision)
        # Both paths in the precision auto chose for the plain one, so their pixels can be compared.
        from restore.cluster import WorkerOptions

        options = WorkerOptions(model=args.model, precision=precision)
        ray_start, ray_rate, where = on_cluster(paths, folder / "ray", options, args.cluster)
        levels = max(_levels(read_image(folder / "plain" / p.name).rgb, read_image(folder / "ray" / p.name).rgb)
                     for p in paths)
        clip = video_runs(folder, args.frames, options, args.cluster) if args.frames > 0 else None
    print(f"{args.images} PAL frames 720×576; this machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"Ray: {where}; precision {precision} on both paths")
    print(f"{'path':<8} {'start-up s (to the first image)':>32} {'images/s after':>16}")
    print(f"{'plain':<8} {plain_start:>32.1f} {plain_rate:>16.2f}")
    print(f"{'ray':<8} {ray_start:>32.1f} {ray_rate:>16.2f}")
    print(f"Ray's extra start-up: {ray_start - plain_start:+.1f} s; throughput ratio ray/plain: {ray_rate / plain_rate:.2f}; "
          f"outputs: {_difference(levels)}")
    if clip:
        plain_fps, ray_fps, clip_levels = clip
        print(f"clip of {args.frames} frames 720×576: one process {plain_fps:.2f} frames/s, segments on Ray {ray_fps:.2f} "
              f"frames/s (start-up included; ratio {ray_fps / plain_fps:.2f}); frames: {_difference(clip_levels)}")
        levels = -1 if clip_levels < 0 else max(levels, clip_levels)
    return 0 if levels == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
