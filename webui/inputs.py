"""What every handler shares: its inputs checked (uploads decoded by `load_upload`, checkbox
values by `flag`, seeds by `seed_value`), the `gr.Error`s that tell the user what was wrong
with their input (no traceback in the server log), and a fresh folder for each call's result
files (`output_dir`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from restore.images import ImageError, LoadedImage, read_image
from webui import limits, workdir


def no_progress(*_args, **_kwargs):
    """The progress callback of a handler called without one (tests, scripts)."""


def input_error(message: str, title: str = "Error") -> gr.Error:
    """A `gr.Error` about the user's input: shown in the page, no traceback in the server log."""
    return gr.Error(message, title=title, print_exception=False)


def user_error(exc: ValueError, name: str = "") -> gr.Error:
    """A library ValueError (e.g. an image below the minimum size) as a message for the user."""
    return input_error(f"{name}: {exc}" if name else str(exc), "Cannot process this image")


def output_dir() -> Path:
    """A fresh folder for one call's result files in the work folder (`webui.workdir`)."""
    if workdir.closing():
        raise gr.Error("The server is shutting down; try again in a moment.", title="Shutting down",
                       print_exception=False)
    return workdir.new_output_folder()


def stem(path: str | os.PathLike) -> str:
    """A file name's stem, safe to name result files by."""
    name = Path(path).stem or "image"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:80]


def check_upload_size(path: Path) -> None:
    """Raise `gr.Error` for a file over `limits.MAX_UPLOAD_MB`; a missing file is left to its
    reader to report."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # read_image / probe_video report the missing file
    if size > limits.MAX_UPLOAD_MB * 1024 * 1024:
        raise input_error(
            f"{path.name}: the file is {size / 2**20:.1f} MB, more than the {limits.MAX_UPLOAD_MB} MB limit.",
            title="File too large",
        )


def load_upload(path: str | os.PathLike | None, what: str = "an image") -> LoadedImage:
    """Decode an uploaded file with `restore.images` (EXIF orientation, 16-bit, alpha).

    Raises `gr.Error` naming the file and the reason for a missing upload, an oversize file,
    too many pixels, or an unreadable, corrupt or non-image file.
    """
    if path is None or str(path) == "":
        raise input_error(f"Please upload {what} first (or pick an example).", title="No image")
    path = Path(path)
    check_upload_size(path)
    try:
        return read_image(path, max_pixels=limits.MAX_PIXELS)
    except ImageError as exc:
        raise input_error(f"{path.name}: {exc.reason}", title="Cannot use this file") from None


def flag(value: Any, name: str) -> bool:
    """A checkbox value from the page or the API, strictly: true or false (None, an unset
    checkbox, is false). Anything else is refused naming ``name``: the string "false" is
    truthy, so taking its truth value would switch the option on."""
    if value is None:
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise input_error(f"{name} must be true or false, got {value!r}", title="Invalid option")


def seed_value(seed) -> int:
    """A seed from the page or the API: a whole number >= 0 (empty: 0)."""
    try:
        value = int(seed or 0)
    except (TypeError, ValueError):
        raise input_error(f"The seed must be a whole number, got {seed!r}.", title="Invalid seed") from None
    if value < 0:
        raise input_error(f"The seed must be 0 or more, got {value}.", title="Invalid seed")
    return value
