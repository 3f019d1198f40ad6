"""This process's work folder: everything the app writes (uploads, examples, results, Gradio's
own cache) goes into one ``vhs-restore-app-*`` folder in ``$GRADIO_TEMP_DIR`` or the system
temporary folder, which is removed when the process stops.

Nothing happens at import. `prepare` (called by `webui.serve.serve` before Gradio is imported,
and by `webui.demo.build_demo` before any Gradio block exists) makes the folder and points
``$GRADIO_TEMP_DIR`` at it, so Gradio keeps its cache there too. Results are written there once
and served from there (Gradio copies only files outside its cache). Old results are pruned
now and then (`new_output_folder`); the whole folder goes at exit (`atexit`) and when the server
is stopped by a signal (`remove_work_dir`, from `webui.serve`). No Gradio import here.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

from webui import limits

PREFIX = "vhs-restore-app-"
PRUNE_EVERY_S = 600  # how often a new result folder first deletes old ones


class _WorkFolder:
    """The folder's state: made on first use, once; closing once it is being removed."""

    def __init__(self):
        self.path: Path | None = None
        self.lock = threading.Lock()
        self.closing = threading.Event()  # set when the folder is being removed: no new files
        self.last_prune = 0.0


_FOLDER = _WorkFolder()


def work_dir() -> Path:
    """This process's work folder, made on first use, and ``$GRADIO_TEMP_DIR`` pointed at it."""
    with _FOLDER.lock:
        if _FOLDER.path is None:
            base = Path(os.environ.get("GRADIO_TEMP_DIR") or tempfile.gettempdir())
            base.mkdir(parents=True, exist_ok=True)
            _FOLDER.path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base)).resolve()
            os.environ["GRADIO_TEMP_DIR"] = str(_FOLDER.path)
            atexit.register(remove_work_dir)
        return _FOLDER.path


def prepare() -> Path:
    """Set this process up for Gradio: no telemetry calls (the app runs offline) unless
    ``$GRADIO_ANALYTICS_ENABLED`` says otherwise, and the work folder as Gradio's cache.
    Some Gradio modules read ``$GRADIO_TEMP_DIR`` when they are imported, so the server calls
    this before importing Gradio. Returns the work folder."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    return work_dir()


def closing() -> bool:
    """True once the folder is being removed (the server is stopping)."""
    return _FOLDER.closing.is_set()


def remove_work_dir() -> None:
    """Remove the work folder (uploads, results, Gradio's cache): at exit, and when the server
    is stopped by a signal (`webui.serve`). Safe to call twice, and before the folder exists."""
    _FOLDER.closing.set()
    if _FOLDER.path is not None:
        shutil.rmtree(_FOLDER.path, ignore_errors=True)


def prune(now: float) -> None:
    """Delete result folders older than `limits.OUTPUT_TTL_S`, and the empty folders Gradio's own
    `delete_cache` leaves behind (it deletes files only)."""
    folder = work_dir()
    outputs = folder / "outputs"
    for old in list(outputs.iterdir()) if outputs.is_dir() else []:
        try:
            if now - old.stat().st_mtime > limits.OUTPUT_TTL_S:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    for entry in folder.iterdir():
        if entry.is_dir() and entry.name not in ("outputs", "examples"):
            try:
                if now - entry.stat().st_mtime > limits.OUTPUT_TTL_S:
                    entry.rmdir()  # only when empty
            except OSError:
                pass


def new_output_folder() -> Path:
    """A fresh folder for one call's result files; old ones are pruned now and then. The
    caller checks `closing` first (a removed work folder is not made again)."""
    now = time.time()
    if now - _FOLDER.last_prune > PRUNE_EVERY_S:
        _FOLDER.last_prune = now
        prune(now)
    outputs = work_dir() / "outputs"
    outputs.mkdir(exist_ok=True)  # not parents: a removed work folder is not made again
    folder = outputs / uuid.uuid4().hex
    folder.mkdir()
    return folder
