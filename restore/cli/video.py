"""The video part of the command line (``python -m restore capture.avi -o OUTDIR``).

`restore/cli/command.py` owns the command; this module adds the video options to its
parser, picks the video files out of its inputs and restores them with `restore.video`:
each ``INPUT`` video becomes ``OUTDIR/<stem>.mkv`` (or ``<stem>.mp4``/``.mov`` with
``--codec h264`` where that container can hold the sound; see `restore.video`), every
frame restored, same frame rate and duration, audio copied untouched. The rules of the
image CLI hold: inputs are never modified, existing outputs are skipped without
``--overwrite``, a bad input is one ``error: PATH: REASON`` line and the others still
run. Ctrl-C keeps the frames done so far as a playable ``<stem>.partial.mkv`` and ends
the command with status 130.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from restore.cli.outputs import SKIP, WRITE, plan_output, worker_options
from restore.files import scan_folder
from restore.video import CODECS, DEFAULT_CODEC, VIDEO_SUFFIXES, is_video_path

EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the video options to the image CLI's parser."""
    group = parser.add_argument_group(
        "video inputs",
        f"Video files ({', '.join(sorted(VIDEO_SUFFIXES))}) are restored frame by frame into OUTDIR/<stem>.mkv: "
        "same frame rate and duration, audio streams copied untouched, one frame in memory at a time. "
        "Ctrl-C keeps the frames done so far as a playable OUTDIR/<stem>.partial.mkv.",
    )
    group.add_argument("--fields", action="store_true",
                       help="interlaced video: restore each field (every other line, 50 per second in PAL) on its "
                            "own and weave them back. Keeps the interlaced structure, frame count and rate (best for "
                            "archive masters) and treats per-field line jitter where it happened; each field is seen "
                            "at half height, so fine detail may be a little softer. Default: whole frames")
    group.add_argument("--deinterlace", choices=("bob",), default=None,
                       help="bob: make every field a full progressive frame and restore it: 50 frames/s from "
                            "25i, twice the frames and model time, smooth motion and no combing on computer screens "
                            "and the web; vertical resolution of a field (fine lines may shimmer). For viewing copies")
    group.add_argument("--field-order", choices=("auto", "tff", "bff"), default="auto",
                       help="which field was filmed first: auto reads the stream's flag and assumes top field first "
                            "when it has none; tff or bff override it (DV is bff). Used by --fields and --deinterlace")
    group.add_argument("--codec", choices=sorted(CODECS), default=DEFAULT_CODEC,
                       help="ffv1 (default): lossless FFV1 in .mkv, archival, large. h264: libx264 CRF 16, near-lossless, "
                            "about a tenth of the size, plays everywhere; keeps an .mp4/.m4v/.mov input's container "
                            "when it can hold the audio, else .mkv")


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.fields and args.deinterlace:
        parser.error("choose --fields or --deinterlace bob, not both")
    if getattr(args, "cluster", None) and args.codec != "ffv1":
        parser.error("--cluster joins a video's segments losslessly: use the default --codec ffv1")


def split_inputs(paths: list[Path], recursive: bool = False) -> tuple[list[Path], list[Path]]:
    """(video files, the other inputs). A file named with a video suffix is a video; a
    folder stays with the other inputs (for its images) and also contributes its video
    files (not hidden; subfolders with ``recursive``)."""
    videos: set[Path] = set()
    others: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            others.append(path)
            videos.update(_videos_in(path, recursive))
        elif is_video_path(path):
            videos.add(path)
        else:
            others.append(path)
    return sorted(videos), others


def _videos_in(folder: Path, recursive: bool) -> list[Path]:
    scan = scan_folder(folder, VIDEO_SUFFIXES, recursive)
    # A symbolic link to nothing is kept, so that probing it reports the missing target (a
    # folder input never drops a video without a word); the image scan of the same folder
    # reports a folder that cannot be listed.
    return scan.files + [link for link, _ in scan.broken_links]


def restore_videos(
    videos: list[Path],
    outdir: Path,
    args: argparse.Namespace,
    get_restorer: Callable[[], object],
    report: Callable[[object, str], None],
    message: Callable[[str], None],
    claimed: dict[str, Path] | None = None,
    progress=None,
) -> tuple[int, int, bool]:
    """Restore each video into ``outdir``; returns (restored, skipped, interrupted).

    ``get_restorer()`` returns the loaded restorer (or None when it cannot be loaded:
    the caller has said why); ``report(path, reason)`` records a failed input;
    ``claimed`` maps output names (casefolded) already taken by other inputs; ``progress``
    (with --cluster) is the collection's bar in frames, which each video's frames join.
    """
    jobs, skipped = _plan_videos(videos, outdir, args, report, message, {} if claimed is None else claimed)
    if not jobs:
        return 0, skipped, False
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        for path, _, _ in jobs:
            report(path, f"cannot create the output folder {outdir} ({error.strerror or error})")
        return 0, skipped, False
    on_cluster = bool(getattr(args, "cluster", None))
    restorer = None if on_cluster else get_restorer()
    if restorer is None and not on_cluster:
        return 0, skipped, False
    restored = 0
    restore = functools.partial(_restore_on_cluster, progress=progress) if on_cluster else _restore_one
    for job in jobs:
        outcome = restore(job, restorer, args, report, message)
        if outcome is _INTERRUPTED:
            return restored, skipped, True
        restored += outcome
    return restored, skipped, False


_INTERRUPTED = object()  # what `_restore_one` returns after Ctrl-C


class _VideoJob(NamedTuple):
    path: Path
    output: Path
    frames: int  # from the header (0 when it does not say)


def _plan_videos(videos, outdir: Path, args, report, message, claimed) -> tuple[list[_VideoJob], int]:
    """The jobs and the number skipped: every header probed before the model loads."""
    from restore import video

    jobs, skipped = [], 0
    for path in videos:
        try:
            info = video.probe_video(path)
        except video.VideoError as error:
            report(error.path, error.full_reason)
            continue
        output = outdir / f"{path.stem}{video.output_suffix(path, args.codec, info.audio_codecs)}"
        plan = plan_output(path, output, claimed, args.overwrite, report, message)
        if plan == SKIP:
            skipped += 1
        elif plan == WRITE:
            jobs.append(_VideoJob(path, output, info.frames or 0))
    return jobs, skipped


def _restore_one(job: _VideoJob, restorer, args, report, message):
    """Restore one video: 1 when done, 0 when it failed (reported), `_INTERRUPTED` on Ctrl-C."""
    from restore import video

    path, output = job.path, job.output
    try:
        result = video.restore_video(
            path, output, restorer, fields=args.fields, deinterlace=args.deinterlace,
            field_order=args.field_order, codec=args.codec, pal_aspect=getattr(args, "pal_aspect", False),
        )
    except video.VideoInterrupted as interrupted:
        message(f"interrupted: {path}: {interrupted.describe()}")
        return _INTERRUPTED
    except video.VideoError as error:
        report(error.path, error.full_reason)
        return 0
    except OSError as error:
        report(path, f"cannot write {output} ({error.strerror or error})")
        return 0
    except (ValueError, MemoryError) as error:
        report(path, f"cannot restore ({error})")
        return 0
    if not args.fields and not args.deinterlace and result.interlaced:
        message(f"note: {path} is interlaced; --fields (keep it interlaced) or --deinterlace bob (50p) "
                "may restore motion better")
    message(f"restored {path} -> {result.output_path}: {result.frames_out} frames at "
            f"{float(result.frame_rate):g} fps, {result.audio_streams} audio stream(s) copied, "
            f"{result.frames_per_second:.1f} frames/s")
    return 1


def _restore_on_cluster(job: _VideoJob, _restorer, args, report, message, progress=None):
    """Restore one video in segments on the cluster (`restore.cluster`): 1, 0 or `_INTERRUPTED`."""
    from tqdm import tqdm

    from restore import cluster

    path, output = job.path, job.output
    video_options = {"fields": args.fields, "deinterlace": args.deinterlace, "field_order": args.field_order,
                     "codec": args.codec}
    try:
        cluster.connect(args.cluster)
        with contextlib.ExitStack() as stack:
            if progress is None:
                progress = stack.enter_context(tqdm(total=0, desc=path.name, unit="frame", disable=None, dynamic_ncols=True))
            progress.total += job.frames
            progress.refresh()
            run = cluster.restore_video_in_segments(path, output, worker_options(args), video_options,
                                                    on_segment=progress.update)
    except KeyboardInterrupt:
        message(f"interrupted: {path}: the finished segments are kept in {cluster.segment_folder(output)}; "
                "run the same command again to restore only the rest")
        return _INTERRUPTED
    except Exception as error:  # noqa: BLE001 - a bad input, or a worker's failure as Ray reports it
        report(path, f"cannot restore on the cluster ({str(error).strip().splitlines()[-1]})")
        return 0
    reused = f", {run.reused} reused from an interrupted run" if run.reused else ""
    message(f"restored {path} -> {output}: {run.frames} frames in {run.segments} segments on the cluster{reused}")
    return 1
