"""What the image and the video command line share (`restore/cli/command.py`, `restore/cli/video.py`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from restore.cluster import WorkerOptions

# --line-alignment and --colour-bars as the restorer's flags: None follows the model's config.
STAGE_SWITCH = {"auto": None, "on": True, "off": False}

# What `plan_output` decided for one input.
WRITE = "write"  # restore it into the output
SKIP = "skip"  # the output exists and --overwrite was not given: said on stderr, not a failure
FAILED = "failed"  # reported through ``report``: the input cannot have that output


def plan_output(
    path: Path,
    output: Path,
    claimed: dict[str, Path],
    overwrite: bool,
    report: Callable[[object, str], None],
    message: Callable[[str], None],
) -> str:
    """Decide whether ``path`` may be restored into ``output``: `WRITE`, `SKIP` or `FAILED`.

    ``claimed`` maps the output names (casefolded) already taken by other inputs; a new
    name is added to it. Two inputs with the same stem would write the same file, an
    output that is the input itself is never written, and an existing output is kept
    unless ``overwrite``.
    """
    key = output.name.casefold()  # case-insensitive file systems would clash too
    if key in claimed:
        report(path, f"output {output} is already taken by {claimed[key]} (same file name stem); "
                     "restore it separately or rename it")
        return FAILED
    claimed[key] = path
    if output.exists() and _same_file(path, output):
        report(path, f"output {output} is the input itself; choose another OUTDIR")
        return FAILED
    if output.exists() and not overwrite:
        message(f"skipped: {path}: {output} exists (use --overwrite to replace it)")
        return SKIP
    return WRITE


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def worker_options(args) -> WorkerOptions:
    """The `restore.cluster.WorkerOptions` of a parsed command line: how every worker loads and runs."""
    from restore.cluster import WorkerOptions

    return WorkerOptions(model=args.model, tile=args.tile, line_alignment=STAGE_SWITCH[args.line_alignment],
                         colour_bars=STAGE_SWITCH[args.colour_bars],
                         precision=args.precision, pal_aspect=args.pal_aspect, max_pixels=args.max_pixels)
