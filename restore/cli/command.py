"""Command line: restore image files and folders of them.

    python -m restore INPUT [INPUT ...] -o OUTDIR [--model SRC] [--overwrite] [--recursive]
                      [--tile N] [--pal-aspect] [--line-alignment {auto,on,off}] [--colour-bars {auto,on,off}]

Each input image becomes ``OUTDIR/<input stem>.png``, the same size as the input (wider
with ``--pal-aspect``). Bad inputs are reported on stderr, one line each
(``error: <path>: <reason>``), and the others are still restored. Exit status: 0 when
every input was restored or skipped, 1 when any failed, 2 for a usage error, 130 when
interrupted (Ctrl-C).

Outputs are flat in OUTDIR, as the contract says; when two inputs share a stem (say
``a/frame.jpg`` and ``b/frame.png``), the first in sorted path order is restored and each
later one is reported as an error rather than silently overwriting it. Inputs are only
read; outputs are written to a hidden temporary name and renamed, so OUTDIR never holds a
half-written PNG; an existing output is skipped unless ``--overwrite`` is given.

Video files (``capture.avi``, ``.mp4``, ``.mkv``, ``.mov``, ...) are restored frame by frame
into ``OUTDIR/<stem>.mkv`` with their sound; `restore.cli.video` owns that part and its
options (``--fields``, ``--deinterlace bob``, ``--field-order``, ``--codec``). Ctrl-C during
a video keeps its finished frames as a playable ``<stem>.partial.mkv``; Ctrl-C during images
keeps the images already restored. Either way one ``interrupted: ...`` line says what was
kept, and the exit status is 130. Every input's header is checked before the model loads, and
an OUTDIR the run created is removed again when nothing was written into it.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from restore.batch import restore_files
from restore.cli import video as video_cli
from restore.cli.outputs import SKIP, STAGE_SWITCH, WRITE, plan_output, worker_options
from restore.cli.quiet import quiet_tensorflow, tensorflow_startup_filtered
from restore.engine.precision import AUTO, PRECISIONS, PrecisionUnavailable
from restore.images import MAX_PIXELS, ImageError, find_images, probe_image

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m restore",
        description=(
            "Restore digitised VHS/PAL video frames (grain, line jitter, tearing, chroma smear, "
            "washed colours) with a pix2pix U-Net. Each input image is written to "
            "OUTDIR/<input stem>.png at the same size; inputs are never modified."
        ),
        epilog=(
            "Exit status: 0 all restored (or skipped), 1 some input failed (one 'error: PATH: "
            "REASON' line each on stderr), 2 usage error, 130 interrupted by Ctrl-C (finished outputs "
            "are kept; one 'interrupted: ...' line says what). Environment: VHS_RESTORE_MODEL sets the "
            "default model; HF_HUB_OFFLINE=1 uses only the Hugging Face cache."
        ),
    )
    parser.add_argument("inputs", metavar="INPUT", nargs="+", type=Path,
                        help="an image file (PNG, JPEG, BMP, TIFF, WebP, GIF, PPM/PGM) or a folder of them; "
                             "or a video file (see video inputs below)")
    parser.add_argument("-o", "--output", "--outdir", dest="outdir", metavar="OUTDIR", type=Path, required=True,
                        help="folder for the restored PNGs (created if missing)")
    parser.add_argument("--model", metavar="SRC", default=None,
                        help="model to use: a folder written by `python -m train` (or its generator.weights.h5 "
                             "or config.json), or hf://owner/name[@revision] from the Hugging Face Hub. Default: "
                             "$VHS_RESTORE_MODEL, else the bundled checkpoints/. If the Hub cannot be reached and "
                             "the model is not cached, a warning says so and the bundled model is used")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace outputs that already exist (default: skip them with a message)")
    parser.add_argument("-r", "--recursive", action="store_true",
                        help="also restore images in subfolders of folder inputs (outputs stay flat in OUTDIR)")
    parser.add_argument("--tile", metavar="N", type=int, default=None,
                        help="tile side in pixels for large images, a multiple of the model's 2**depth "
                             "(32 for a depth-5 model such as the lean one); images with no side longer than N run whole. "
                             "Smaller tiles use less memory. 0 disables tiling. Default: 768")
    parser.add_argument("--pal-aspect", action="store_true",
                        help="treat inputs as PAL anamorphic frames (720 samples per line) and output square "
                             "pixels: width × 768/720, so 720×576 becomes 768×576. Default: keep the input size")
    parser.add_argument("--line-alignment", choices=("auto", "on", "off"), default="auto",
                        help="straighten horizontal line jitter before restoring, using the frame's black side "
                             "borders, or bent top and bottom lines (flagging) on a frame without borders: auto "
                             "follows the model's config (default), on or off force it")
    parser.add_argument("--colour-bars", choices=("auto", "on", "off"), default="auto",
                        help="rebuild bars of lines where one or two colour channels are gone (a green or pink bar) "
                             "from the lines beside them, before restoring: auto follows the model's config "
                             "(default), on or off force it")
    parser.add_argument("--precision", choices=PRECISIONS, default=AUTO,
                        help="numeric precision of the network: auto (default) times the modes this CPU has the "
                             "units for and the model is qualified for, once, and keeps the fastest (never slower "
                             "than float32); float32, bfloat16 (oneDNN) or int8 (LiteRT) force one")
    parser.add_argument("--cluster", metavar="local|auto|ADDRESS", default=None,
                        help="spread the images over Ray workers, each loading the model once: local starts Ray "
                             "on this machine, auto joins the cluster this machine is part of (ray start), or give "
                             "its address (HOST:6379, ray://HOST:10001). A video is cut into segments at keyframes, "
                             "restored by the workers and joined losslessly (FFV1) with its sound; finished segments "
                             "of an interrupted run are reused. Outputs, skipping and error reports are as without "
                             "it. Default: no cluster")
    parser.add_argument("--max-pixels", metavar="N", type=int, default=MAX_PIXELS,
                        help=f"refuse images with more than N pixels, checked before decoding (guards against "
                             f"decompression bombs). Default: {MAX_PIXELS:,}")
    video_cli.add_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    created = _missing_folders(args.outdir)
    try:
        return _run(parser, args)
    except KeyboardInterrupt:  # Ctrl-C outside the restoring loops (planning, loading the model)
        _message("interrupted (Ctrl-C)")
        return video_cli.EXIT_INTERRUPTED
    finally:
        _remove_if_empty(created)


def _check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Usage errors (exit status 2) found before any file is read."""
    if args.tile is not None and args.tile < 0:
        parser.error(f"--tile must be >= 0, got {args.tile}")
    if args.max_pixels < 1:
        parser.error(f"--max-pixels must be >= 1, got {args.max_pixels}")
    if args.model and args.model.startswith("hf://"):
        from restore.engine.weights import parse_hub_source

        try:
            parse_hub_source(args.model)
        except ValueError as error:
            parser.error(str(error))
    if args.outdir.exists() and not args.outdir.is_dir():
        parser.error(f"{args.outdir}: OUTDIR exists and is not a folder")
    video_cli.check_arguments(parser, args)


@dataclass
class _Session:
    """One command's shared state: the failures reported, and the model once loaded."""

    args: argparse.Namespace
    failures: int = 0
    restorer: object | None = None
    status: int = EXIT_OK  # the exit status when loading the model failed
    progress: object | None = None  # with --cluster: one bar in frames for the whole collection

    def report(self, path, reason: str) -> None:
        self.failures += 1
        _message(f"error: {path}: {reason}")

    def get_restorer(self):
        """The restorer, loaded once and only when an input needs it; None if it cannot be."""
        if self.restorer is None and self.status == EXIT_OK:
            self.restorer, self.status = _load(self.args)
        return self.restorer


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    _check_arguments(parser, args)
    session = _Session(args)
    videos, image_inputs = video_cli.split_inputs(args.inputs, recursive=args.recursive)
    files, errors = find_images(image_inputs, recursive=args.recursive)
    for path, reason in errors:
        session.report(path, reason)
    if not files and not errors and not videos:
        _message("error: no images found in the given folders" + ("" if args.recursive else " (use --recursive for subfolders)"))
        return EXIT_FAILED

    claimed: dict[str, Path] = {}
    jobs, skipped = _plan_images(files, args, claimed, session.report)
    with _collection_progress(args, len(jobs)) as session.progress:
        return _restore_planned(jobs, skipped, videos, claimed, session)


@contextlib.contextmanager
def _collection_progress(args, images: int):
    """With --cluster, one bar in frames (an image is one) over the whole collection; the
    videos add their frames as they are planned. Else None: each part has its own bar."""
    if not args.cluster:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=images, desc="collection", unit="frame", disable=None, file=sys.stderr, dynamic_ncols=True) as bar:
        yield bar


def _restore_planned(jobs, skipped: int, videos, claimed, session: _Session) -> int:
    """Restore the planned images, then the videos; the exit status."""
    args = session.args
    restored, interrupted = 0, False
    if jobs:
        restored, early_exit = _restore_images(jobs, session)
        if early_exit is not None:
            return early_exit
    if videos:
        video_restored, video_skipped, interrupted = video_cli.restore_videos(
            videos, args.outdir, args, session.get_restorer, session.report, _message, claimed, progress=session.progress)
        restored, skipped = restored + video_restored, skipped + video_skipped
        if session.restorer is None and session.status != EXIT_OK:
            return session.status
    _message(f"restored {restored}, skipped {skipped}, failed {session.failures}"
             + (f"; outputs in {args.outdir}" if restored else ""))
    if interrupted:
        return video_cli.EXIT_INTERRUPTED
    return EXIT_FAILED if session.failures else EXIT_OK


def _plan_images(files: list[Path], args, claimed: dict[str, Path], report) -> tuple[list[tuple[Path, Path]], int]:
    """(input, output) jobs and the number skipped, decided before the model loads.

    Name clashes, inputs that would be overwritten and existing outputs need no model, and
    headers are read too (empty, not an image, too many pixels), so that such inputs are
    reported at once and the model is not loaded for nothing.
    """
    jobs, skipped = [], 0
    for path in files:
        output = args.outdir / f"{path.stem}.png"
        plan = plan_output(path, output, claimed, args.overwrite, report, _message)
        if plan == SKIP:
            skipped += 1
        elif plan == WRITE:
            try:
                probe_image(path, max_pixels=args.max_pixels)
            except ImageError as error:
                report(error.path, error.reason)
                continue
            jobs.append((path, output))
    return jobs, skipped


def _restore_images(jobs: list[tuple[Path, Path]], session: _Session) -> tuple[int, int | None]:
    """Restore the image jobs; returns (restored, None), or (restored, exit status) when the
    command must stop here: no output folder, no model, or Ctrl-C."""
    outdir = session.args.outdir
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _message(f"error: {outdir}: cannot create the output folder ({error.strerror or error})")
        return 0, EXIT_FAILED
    if session.args.cluster:
        restored, interrupted, status = _restore_on_cluster(jobs, session)
        if status is not None:
            return restored, status
    else:
        restorer = session.get_restorer()
        if restorer is None:
            return 0, session.status
        restored, _, interrupted = _restore_all(restorer, jobs, session.args, session.report)
    if interrupted:
        _message(f"interrupted: stopped after {restored} of {len(jobs)} images (Ctrl-C); "
                 + (f"the restored ones are in {outdir}" if restored else "nothing was written"))
        return restored, video_cli.EXIT_INTERRUPTED
    return restored, None


def _load(args):
    """The restorer and EXIT_OK, or None and the exit status after printing why."""
    quiet_tensorflow()
    with tensorflow_startup_filtered():
        from restore.engine.restorer import DEFAULT_TILE, load_restorer
    from restore.engine.weights import ModelLoadError

    # The fallback warning is printed below as one "warning:" line; without a handler,
    # logging's last-resort handler would print it a second time.
    logging.getLogger("restore.engine.weights").addHandler(logging.NullHandler())
    stages = {"line_alignment": STAGE_SWITCH[args.line_alignment], "colour_bars": STAGE_SWITCH[args.colour_bars]}
    tile = DEFAULT_TILE if args.tile is None else (args.tile or None)
    try:
        with tensorflow_startup_filtered():  # the first TensorFlow ops start the runtime
            restorer = load_restorer(args.model, tile=tile, precision=args.precision, **stages)
    except ModelLoadError as error:
        _message(f"error: cannot load the model: {error}")
        return None, EXIT_FAILED
    except PrecisionUnavailable as error:
        _message(f"error: --precision {args.precision}: {error}")
        return None, EXIT_FAILED
    except ValueError as error:  # a --tile that does not suit the model: a usage error
        _message(f"error: --tile {args.tile}: {error}")
        return None, EXIT_USAGE
    if restorer.fallback_reason:
        _message(f"warning: {restorer.fallback_reason}")
    if restorer.precision_timings:  # auto compared modes: say what it chose
        _message(f"precision: {restorer.describe_precision()}")
    return restorer, EXIT_OK


def _restore_all(restorer, jobs, args, report) -> tuple[int, int, bool]:
    """Restore every job (`restore.batch.restore_files`: reading and writing overlap the
    network); returns (restored, failed, interrupted). On Ctrl-C the image being restored
    is dropped and the one being written finished (outputs are written whole or not at all)."""
    from tqdm import tqdm

    restored = failed = 0
    outcomes = restore_files(restorer, jobs, pal_aspect=args.pal_aspect, max_pixels=args.max_pixels)
    # disable=None: a bar only when stderr is a terminal, so logs and pipes stay clean.
    with tqdm(outcomes, total=len(jobs), desc="restoring", unit="image", disable=None, file=sys.stderr,
              dynamic_ncols=True) as progress:
        try:
            for outcome in progress:
                restored, failed = _count(outcome, report, restored, failed)
        except KeyboardInterrupt:
            return restored, failed, True
    return restored, failed, False


def _restore_on_cluster(jobs, session: _Session) -> tuple[int, bool, int | None]:
    """Restore the image jobs on Ray workers (`restore.cluster`); returns (restored,
    interrupted, None), or an exit status when there is no cluster or its workers fail."""

    from restore import cluster

    args = session.args
    try:
        resources = cluster.connect(args.cluster)
    except ValueError as error:
        _message(f"error: {error}")
        return 0, False, EXIT_FAILED
    _message(f"cluster: {cluster.describe(resources)}; one worker per CPU, each loading the model once")
    options = worker_options(args)
    restored = failed = 0
    try:
        for outcome in cluster.restore_files(jobs, options):
            restored, failed = _count(outcome, session.report, restored, failed)
            session.progress.update()
    except KeyboardInterrupt:
        return restored, True, None
    except Exception as error:  # noqa: BLE001 - a worker that cannot start (no model there, say)
        _message(f"error: the cluster's workers failed: {str(error).strip().splitlines()[-1]}")
        return restored, False, EXIT_FAILED
    return restored, False, None


def _count(outcome, report, restored: int, failed: int) -> tuple[int, int]:
    """Tally one `restore.batch.FileOutcome`, reporting a failure."""
    if outcome.ok:
        return restored + 1, failed
    report(outcome.reported_path or outcome.path, outcome.reason)
    return restored, failed + 1


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet, deepest first."""
    missing = []
    for candidate in (folder, *folder.absolute().parents):
        if candidate.exists() or candidate.is_symlink():
            break
        missing.append(candidate)
    return missing


def _remove_if_empty(folders: list[Path]) -> None:
    """Remove the folders this run created (deepest first) that are still empty: a run that
    wrote nothing leaves no empty OUTDIR behind."""
    for folder in folders:
        try:
            folder.rmdir()  # only ever removes an empty folder
        except OSError:
            return


def _message(text: str) -> None:
    """One line on stderr that does not break the progress bar."""
    from tqdm import tqdm

    tqdm.write(text, file=sys.stderr)
