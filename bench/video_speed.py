"""Video restoration speed: frames per second through the whole pipeline, and where the
time goes.

    python bench/video_speed.py [--frames 50] [--modes frames,fields,bob] [--codec ffv1] [--model SRC] [--precision auto]
                                [--pictures-per-call 1,2,4 --rounds 4]

Makes a 720×576 PAL clip at 25 fps (a slow pan over scikit-image's sample pictures,
damaged by the simulator's video mode, with a stereo sound track; H.264, as many
captures are), then restores it with `restore.video.restore_video` and the shipped
model (bundled ``checkpoints/``; an untrained "lean" generator of the same architecture,
which runs at the same speed, when none is bundled yet). For each mode it prints the
frames per second of input video and how busy each stage of the pipeline was, as a
share of the wall-clock time: decoding (demux, decode, conversion to RGB), the model
(field split and weave included) and encoding (conversion, encoding, muxing, audio
copy). The stages run in parallel threads, so the shares can add up to more than 100%;
the busiest stage sets the pace. Each mode's speed is also given as a share of the
restorer alone on the same pictures (one picture per call, nothing else running), so the
pipeline's own overhead shows (the pipeline runs a bfloat16 model several pictures per
call, `restore.engine.precision.PICTURES_PER_CALL`, so it can beat that;
``--pictures-per-call 1,2,4`` compares the pipeline at each count, the measurement that
table comes from). Target: >= 25 fps (real time) for whole frames and for
fields with the shipped model as shipped (``--precision auto``).

Numbers are wall-clock on whatever else the machine is doing; the load average is
printed with them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import av  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402
from skimage import data  # noqa: E402

from restore import video  # noqa: E402
from restore.degrade import PRESETS, VideoDegrader  # noqa: E402

HEIGHT, WIDTH, FPS, SAMPLE_RATE = 576, 720, 25, 48000
TARGET_FPS = 25.0


def pal_clip(path: Path, frames: int) -> Path:
    """A damaged 720×576 clip: a pan across sample pictures, with a stereo tone."""
    pictures = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    strip = np.concatenate([cv2.resize(p, (WIDTH, HEIGHT + 32), interpolation=cv2.INTER_AREA) for p in pictures], axis=1)
    degrader = VideoDegrader(PRESETS["default"], seed=0, fps=FPS)
    step = (strip.shape[1] - WIDTH) // max(frames, 1)

    def frame(index: int) -> np.ndarray:
        top = index % 32
        return degrader.frame(np.ascontiguousarray(strip[top : top + HEIGHT, index * step : index * step + WIDTH]), index)

    t = np.arange(round(frames / FPS * SAMPLE_RATE)) / SAMPLE_RATE
    tone = (6000 * np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 660 * t)], axis=1)).astype(np.int16)
    return write_clip(path, (frame(i) for i in range(frames)), tone)


def write_clip(path: Path, frames, tone: np.ndarray) -> Path:
    """H.264 frames at `FPS` (the library's `VideoWriter`) with a stereo int16 ``tone``
    (one frame's worth of samples after each frame) as AAC."""
    writer = video.VideoWriter(path, video.OutputFormat.for_file(path, "h264", WIDTH, HEIGHT, FPS))
    sound = writer.container.add_stream("aac", rate=SAMPLE_RATE, layout="stereo")
    step = SAMPLE_RATE // FPS  # samples per frame
    for index, picture in enumerate(frames):
        writer.write(picture, index)
        samples = np.ascontiguousarray(tone[index * step : (index + 1) * step]).reshape(1, -1)
        block = av.AudioFrame.from_ndarray(samples, format="s16", layout="stereo")
        block.sample_rate, block.pts, block.time_base = SAMPLE_RATE, index * step, Fraction(1, SAMPLE_RATE)
        for packet in sound.encode(block):
            writer.container.mux(packet)
    writer.flush()
    for packet in sound.encode(None):
        writer.container.mux(packet)
    writer.close()
    return path


def load(model: str | None, precision: str) -> tuple[object, str]:
    from restore.engine.model import GENERATOR_CONFIGS, build_generator
    from restore.engine.restorer import Restorer, load_restorer
    from restore.engine.weights import BUNDLED_FOLDER, WEIGHTS_NAME

    if model or (Path(BUNDLED_FOLDER) / WEIGHTS_NAME).is_file():
        restorer = load_restorer(model or str(BUNDLED_FOLDER), precision=precision)
        return restorer, f"{restorer.description}, precision {restorer.describe_precision()}"
    config = GENERATOR_CONFIGS["lean"]
    restorer = Restorer(build_generator(config), {"generator": config.to_dict(), "preprocess": {}}, precision=precision)
    return restorer, "UNTRAINED lean generator (no bundled checkpoint yet; same architecture, same speed)"


def pictures_per_second(restorer, height: int, runs: int = 5) -> float:
    """The restorer alone: pictures of ``height``×`WIDTH` restored per second (after
    warm-up), one per call."""
    picture = np.random.default_rng(0).integers(0, 256, (height, WIDTH, 3), dtype=np.uint8)
    restorer.restore(picture)  # traces the network for this size
    started = time.perf_counter()
    for _ in range(runs):
        restorer.restore(picture)
    return runs / (time.perf_counter() - started)


def parse_counts(text: str | None) -> list[int | None]:
    """``--pictures-per-call``: "1,2,4" -> [1, 2, 4]; None -> [None] (the precision's own)."""
    if not text:
        return [None]
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or min(counts) < 1:
        raise ValueError(f"--pictures-per-call takes positive integers, got {text!r}")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=50, help="clip length in frames (default 50: 2 s)")
    parser.add_argument("--modes", default="frames,fields,bob", help="comma-separated: frames, fields, bob")
    parser.add_argument("--codec", choices=sorted(video.CODECS), default=video.DEFAULT_CODEC)
    parser.add_argument("--model", help="model source (default: the bundled checkpoint)")
    parser.add_argument("--precision", default="auto", help="network precision, as python -m restore --precision")
    parser.add_argument("--pictures-per-call", metavar="N[,N...]",
                        help="pictures per network call to compare, e.g. 1,2,4 (default: the precision's own, "
                             "restore.engine.precision.PICTURES_PER_CALL)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="interleaved rounds of every mode and count; the table gives each one's median")
    args = parser.parse_args()
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    if not modes or set(modes) - {"frames", "fields", "bob"} or args.frames < 1 or args.rounds < 1:
        parser.error("--modes takes frames, fields and/or bob; --frames and --rounds must be >= 1")
    try:
        counts = parse_counts(args.pictures_per_call)
    except ValueError as error:
        parser.error(str(error))

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        started = time.perf_counter()
        clip = pal_clip(folder / "capture.mp4", args.frames)
        print(f"clip: {args.frames} frames {WIDTH}×{HEIGHT} at {FPS} fps, H.264 + stereo FLAC "
              f"(made in {time.perf_counter() - started:.1f} s)")
        restorer, description = load(args.model, args.precision)
        shipped_count = restorer.pictures_per_call
        print(f"model: {description}; line alignment {'on' if restorer.line_alignment else 'off'}; "
              f"as shipped {shipped_count} picture(s) per network call")
        # The restorer alone on whole frames and on fields, one picture per call.
        alone = {"frames": pictures_per_second(restorer, HEIGHT), "field": pictures_per_second(restorer, HEIGHT // 2)}
        alone_fps = {"frames": alone["frames"], "fields": alone["field"] / 2, "bob": alone["field"] / 2}
        print(f"machine: {os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} "
              f"(other work shares these cores); codec {args.codec}; {args.rounds} round(s), medians")
        print()
        reports: dict[tuple[str, int], list] = {}
        for _ in range(args.rounds):  # interleaved, so a busy spell on the machine hits every row alike
            for mode in modes:
                for count in counts:
                    restorer.pictures_per_call = count or shipped_count
                    report = video.restore_video(
                        clip, folder / f"restored-{mode}.mkv", restorer, fields=mode == "fields",
                        deinterlace="bob" if mode == "bob" else None, codec=args.codec, progress=False,
                    )
                    reports.setdefault((mode, restorer.pictures_per_call), []).append(report)
        restorer.pictures_per_call = shipped_count

        print_table(reports, alone_fps, shipped_count)
    return 0


def print_table(reports: dict[tuple[str, int], list], alone_fps: dict[str, float], shipped_count: int) -> None:
    """One row per mode and pictures per call (its median run), then the verdicts as shipped."""
    print(f"{'':<8} {'pictures':>8} {'':>13} {'':>8} {'':>6}   busy share of the wall time   restorer alone")
    print(f"{'mode':<8} {'per call':>8} {'frames in/out':>13} {'seconds':>8} {'fps':>6}   {'decode':>6} {'model':>6} "
          f"{'encode':>6}   {'fps':>6} {'pipeline/alone':>14}")
    results = {}
    for (mode, count), runs in reports.items():
        report = sorted(runs, key=lambda run: run.frames_per_second)[len(runs) // 2]  # the median run
        total = report.seconds
        shares = [100 * part / total for part in (report.decode_seconds, report.model_seconds, report.encode_seconds)]
        if count == shipped_count:
            results[mode] = report.frames_per_second
        print(f"{mode:<8} {count:>8} {report.frames_in:>6}/{report.frames_out:<6} {total:>8.2f} "
              f"{report.frames_per_second:>6.2f}   " + " ".join(f"{share:>5.1f}%" for share in shares)
              + f"   {alone_fps[mode]:>6.2f} {report.frames_per_second / alone_fps[mode]:>13.0%}")
    print()
    print("fps = input frames per second of wall clock (25 fps is real time for PAL). Stages overlap,")
    print("so their busy shares can add up to more than 100%.")
    for mode in ("frames", "fields"):
        if mode in results:
            verdict = "meets" if results[mode] >= TARGET_FPS else "misses"
            print(f"{mode}, as shipped: {results[mode]:.2f} fps, {verdict} the target of {TARGET_FPS:g} fps on this machine.")


if __name__ == "__main__":
    sys.exit(main())
