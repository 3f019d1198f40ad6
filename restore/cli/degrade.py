"""Command line of the simulator: make damaged test images and clips.

    python -m restore.degrade INPUT -o OUTPUT [--preset NAME | --settings JSON] [--seed N]

An image input (PNG, JPEG, ...) gives one damaged image (PNG, or whatever OUTPUT's
suffix says OpenCV can write). A video input gives a damaged video in video mode
(`restore.degrade.VideoDegrader`): slow damage drifts over time, noise changes every
frame; the sound is copied untouched. OUTPUT's suffix picks the container (.mp4, .m4v,
.mov: H.264; .mkv: FFV1, lossless; see `restore.video`). This module keeps the
simulator package `restore/degrade/` free of argument parsing and file handling.

``--preset`` takes any name in `restore.degrade.PRESETS` (e.g. ``archive``, the digital
faults of digitised archives). ``--settings`` takes every `DegradeSettings` field: the
strengths (0..1) and the options, e.g. ``'{"color_band": 1, "band_form": "channel_loss"}'``;
a form option is "any" (drawn from the seed) or one of its forms.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _settings_help() -> str:
    from restore.degrade import FORM_OPTIONS, STRENGTH_NAMES

    forms = "; ".join(f"{option}: {'|'.join(forms)}" for option, forms in FORM_OPTIONS.items())
    return ("DegradeSettings as JSON text or a .json file, e.g. '{\"color_band\": 1, \"band_form\": \"channel_loss\"}'. "
            f"Strengths in [0, 1]: {', '.join(STRENGTH_NAMES)}. Forms: {forms}. "
            "Other options: tint_hue (degrees), cast_offset, cast_gain (3 numbers each), shuffle_order (true/false). "
            "Strengths left out are 0 (off); options left out keep their defaults")


def build_parser() -> argparse.ArgumentParser:
    from restore.degrade import PRESETS

    parser = argparse.ArgumentParser(
        prog="python -m restore.degrade",
        description="Add simulated VHS/PAL damage to an image or a video (test material for the restorer).",
        epilog="Exit status: 0 written, 1 the input or output failed (one 'error: PATH: REASON' line), "
               "2 usage error, 130 interrupted (a playable partial video is kept, its name is printed).",
    )
    parser.add_argument("input", metavar="INPUT", type=Path, help="an image or a video file")
    parser.add_argument("-o", "--output", metavar="OUTPUT", type=Path, required=True,
                        help="the file to write; its suffix picks the format (video: .mp4/.m4v/.mov give H.264, "
                             ".mkv gives lossless FFV1)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--preset", choices=list(PRESETS), default="default", help="damage preset (default: default)")
    group.add_argument("--settings", metavar="JSON", help=_settings_help())
    parser.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same damage (default 0)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    parser.add_argument("--max-frames", type=int, metavar="N", default=None, help="video: stop after N frames")
    return parser


def main(argv: list[str] | None = None) -> int:
    from restore import video
    from restore.degrade import PRESETS, DegradeSettings

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be >= 0, got {args.seed}")
    if args.max_frames is not None and args.max_frames < 1:
        parser.error(f"--max-frames must be >= 1, got {args.max_frames}")
    settings = PRESETS[args.preset]
    if args.settings:
        text = args.settings
        if text.strip().endswith(".json") and Path(text).is_file():
            text = Path(text).read_text()
        try:
            settings = DegradeSettings.from_json(text)
        except (ValueError, TypeError, AttributeError) as error:  # JSONDecodeError is a ValueError
            parser.error(f"--settings: {error}")
    output: Path = args.output
    if output.exists() and not args.overwrite:
        _message(f"error: {output}: exists (use --overwrite to replace it)")
        return EXIT_FAILED
    if not output.parent.is_dir():
        _message(f"error: {output}: the folder {output.parent} does not exist")
        return EXIT_FAILED

    if video.is_video_path(args.input):
        return _degrade_video(args, settings, output)
    return _degrade_image(args, settings, output)


def _degrade_image(args, settings, output: Path) -> int:
    import cv2

    from restore.degrade import degrade
    from restore.images import ImageError, read_image, write_png

    try:
        rgb = read_image(args.input).rgb
        damaged = degrade(rgb, settings, seed=args.seed)
        if output.suffix.lower() == ".png":
            write_png(output, damaged)
        elif not cv2.imwrite(str(output), damaged[:, :, ::-1]):
            raise OSError(f"OpenCV cannot write {output.suffix!r} files")
    except ImageError as error:
        _message(f"error: {error.path}: {error.reason}")
        return EXIT_FAILED
    except (OSError, ValueError) as error:
        _message(f"error: {output}: cannot write ({getattr(error, 'strerror', None) or error})")
        return EXIT_FAILED
    _message(f"wrote {output}")
    return EXIT_OK


def _degrade_video(args, settings, output: Path) -> int:
    from restore import video
    from restore.degrade import VideoDegrader

    suffix = output.suffix.lower()
    codec = "ffv1" if suffix in (".mkv", ".avi") else "h264"
    try:
        info = video.probe_video(args.input)
        degrader = VideoDegrader(settings, seed=args.seed, fps=float(info.frame_rate))

        def damage(rgb, frame):
            return degrader.frame(rgb, frame.index)

        report = video.transform_video(args.input, output, damage, codec=codec, max_frames=args.max_frames,
                                       description="degrading")
    except video.VideoInterrupted as interrupted:
        _message(f"interrupted: {args.input}: {interrupted.describe()}")
        return EXIT_INTERRUPTED
    except video.VideoError as error:
        _message(f"error: {error.path}: {error.full_reason}")
        return EXIT_FAILED
    except ValueError as error:
        _message(f"error: {output}: {error}")
        return EXIT_FAILED
    except OSError as error:
        _message(f"error: {output}: cannot write ({error.strerror or error})")
        return EXIT_FAILED
    _message(f"wrote {output}: {report.frames_out} frames at {float(report.frame_rate):g} fps, "
             f"{report.audio_streams} audio stream(s) copied")
    return EXIT_OK


def _message(text: str) -> None:
    from tqdm import tqdm

    tqdm.write(text, file=sys.stderr)

