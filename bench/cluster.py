"""The Ray path's overhead against the plain path, for the same folder of PAL frames.

    python bench/cluster.py [--images 16] [--frames 50] [--model SRC] [--cluster local]

Writes ``--images`` damaged 720×576 frames to a temporary folder and restores them twice in
this process: the plain way (`load_restorer`, then `restore.batch.restore_one` per file, as
``python -m restore`` does) and through `restore.cluster` (``--cluster``: ``local`` starts
Ray here; ``auto`` or an address uses a running cluster). For each it prints the start-up
seconds (plain: loading the model; Ray: starting or joining Ray and its workers loading the
model, up to the first finished image) and the images per second after that, and checks
that both wrote the same pixels. Then the same for a ``--frames`` long 720×576 clip with
sound (`bench.video_speed.pal_clip`): one process against segments on the workers,
frames per second over the whole run and whether the two files hold the same frames. On one machine Ray can only add overhead; on a cluster the
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


def plain(paths: list[Path], outdir: Path, model: str | None) -> tuple[float, float]:
    started = time.perf_counter()
    restorer = load_restorer(model)
    loaded = time.perf_counter()
    finished = []
    for path in paths:
        assert restore_one(restorer, path, outdir / path.name).ok
        finished.append(time.perf_counter())
    return loaded - started + (finished[0] - loaded), rate(finished)


def on_cluster(paths: list[Path], outdir: Path, model: str | None, address: str) -> tuple[float, float, str]:
    from restore import cluster

    started = time.perf_counter()
    resources = cluster.connect(address)
    finished = []
    for outcome in cluster.restore_files([(path, outdir / path.name) for path in paths], cluster.WorkerOptions(model=model)):
        assert outcome.ok, outcome.reason
        finished.append(time.perf_counter())
    return finished[0] - started, rate(finished), cluster.describe(resources)


def video_runs(folder: Path, frames: int, model: str | None, address: str) -> tuple[float, float, bool]:
    """Frames per second of the plain and the segmented run of one clip, and whether they agree."""
    import av

    from bench.video_speed import pal_clip
    from restore import cluster
    from restore.video import restore_video

    clip = pal_clip(folder / "tape.mp4", frames)
    started = time.perf_counter()
    restore_video(clip, folder / "plain.mkv", load_restorer(model), progress=False)
    plain_fps = frames / (time.perf_counter() - started)
    started = time.perf_counter()
    cluster.restore_video_in_segments(clip, folder / "ray.mkv", cluster.WorkerOptions(model=model), {})
    ray_fps = frames / (time.perf_counter() - started)

    def pictures(path):
        with av.open(str(path)) as container:
            return [(frame.pts, frame.to_ndarray(format="rgb24")) for frame in container.decode(video=0)]

    same = all(a[0] == b[0] and np.array_equal(a[1], b[1]) for a, b in zip(pictures(folder / "plain.mkv"), pictures(folder / "ray.mkv")))
    return plain_fps, ray_fps, same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=16, help="frames in the folder (default 16)")
    parser.add_argument("--frames", type=int, default=50, help="frames in the clip (default 50: 2 s; 0 skips it)")
    parser.add_argument("--model", help="model source (default: the bundled checkpoint)")
    parser.add_argument("--cluster", default="local", help="local, auto or a Ray address (default local)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        paths = make_frames(folder, args.images)
        (folder / "plain").mkdir()
        (folder / "ray").mkdir()
        plain_start, plain_rate = plain(paths, folder / "plain", args.model)
        ray_start, ray_rate, where = on_cluster(paths, folder / "ray", args.model, args.cluster)
        same = all(np.array_equal(read_image(folder / "plain" / p.name).rgb, read_image(folder / "ray" / p.name).rgb)
                   for p in paths)
        clip = video_runs(folder, args.frames, args.model, args.cluster) if args.frames > 0 else None
    print(f"{args.images} PAL frames 720×576; this machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"Ray: {where}")
    print(f"{'path':<8} {'start-up s (to the first image)':>32} {'images/s after':>16}")
    print(f"{'plain':<8} {plain_start:>32.1f} {plain_rate:>16.2f}")
    print(f"{'ray':<8} {ray_start:>32.1f} {ray_rate:>16.2f}")
    print(f"Ray's extra start-up: {ray_start - plain_start:+.1f} s; throughput ratio ray/plain: {ray_rate / plain_rate:.2f}; "
          f"identical outputs: {'yes' if same else 'NO'}")
    if clip:
        plain_fps, ray_fps, clip_same = clip
        print(f"clip of {args.frames} frames 720×576: one process {plain_fps:.2f} frames/s, segments on Ray {ray_fps:.2f} "
              f"frames/s (start-up included; ratio {ray_fps / plain_fps:.2f}); identical frames: {'yes' if clip_same else 'NO'}")
        same = same and clip_same
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
