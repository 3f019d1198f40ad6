"""The Restore tab's handlers as plain functions: image files in, restored PNG paths out
(testable without a browser; the tab's events call them)."""

from __future__ import annotations

from pathlib import Path

import cv2
import gradio as gr

from restore.images import LoadedImage, write_png
from webui import limits
from webui.inputs import (
    flag,
    input_error,
    load_upload,
    no_progress,
    output_dir,
    stem,
    user_error,
)
from webui.model import MODEL


def _restore_loaded(loaded: LoadedImage, pal_aspect: bool, name: str):
    """Run the model on a decoded upload: ``(restored, input_at_that_size, alpha_or_None)``."""
    try:
        restored = MODEL.restore(loaded.rgb, pal_aspect=pal_aspect)
    except ValueError as exc:
        raise user_error(exc, name) from None
    height, width = restored.shape[:2]
    before, alpha = loaded.rgb, loaded.alpha
    if before.shape[:2] != (height, width):  # PAL anamorphic: 720 samples -> 768 square pixels
        before = cv2.resize(before, (width, height), interpolation=cv2.INTER_CUBIC)
        if alpha is not None:
            alpha = cv2.resize(alpha, (width, height), interpolation=cv2.INTER_LINEAR)
    return restored, before, alpha


def restore_image(path, pal_aspect: bool = False, progress=no_progress) -> tuple[str, tuple[str, str], str]:
    """Restore one image file.

    Returns ``(restored_png, (input_png, restored_png), restored_png)``: the restored image,
    the before/after pair for the slider and the file to download. The restored PNG has the
    input's height and width (with ``pal_aspect``, the square-pixel width ``W * 768 / 720``)
    and keeps the input's alpha channel, when it has one.
    """
    pal_aspect = flag(pal_aspect, "pal_aspect")
    loaded = load_upload(path)
    if not MODEL.loaded:
        progress(0.05, desc="Loading the model (first use)…")
    MODEL.get()
    progress(0.3, desc="Restoring…")
    restored, before, alpha = _restore_loaded(loaded, pal_aspect, Path(path).name)
    folder = output_dir()
    name = stem(path)
    before_png = write_png(folder / f"{name}_input.png", before)
    after_png = write_png(folder / f"{name}_restored.png", restored, alpha=alpha)
    return str(after_png), (str(before_png), str(after_png)), str(after_png)


def _unused_stem(path, used: set[str]) -> str:
    """``path``'s stem, numbered when an earlier file of the batch had the same one."""
    name, n = stem(path), 1
    while f"{name}_restored.png" in used:
        n += 1
        name = f"{stem(path)}_{n}"
    used.add(f"{name}_restored.png")
    return name


def _batch_report(restored: int, total: int, problems: list[str]) -> str:
    report = f"Restored {restored} of {total} images."
    if problems:
        report += "\n\nSkipped:\n" + "\n".join(f"- {p}" for p in problems)
    return report


def restore_batch(paths, pal_aspect: bool = False, progress=no_progress) -> tuple[list, list[str], str]:
    """Restore several image files; a bad file is reported and skipped, the rest still run.

    Returns ``(gallery, pngs, report)``: ``(png, caption)`` pairs for a gallery, the restored
    PNG paths to download, and a Markdown report. Raises `gr.Error` when nothing could be
    restored.
    """
    pal_aspect = flag(pal_aspect, "pal_aspect")
    paths = [p for p in (paths or []) if p]
    if not paths:
        raise input_error("Please upload one or more images first.", title="No images")
    if len(paths) > limits.MAX_BATCH:
        raise input_error(f"{len(paths)} files: at most {limits.MAX_BATCH} images per batch.", title="Too many files")
    progress(0.0, desc="Loading the model…")
    MODEL.get()
    folder = output_dir()
    gallery, pngs, problems, used = [], [], [], set()
    for index, path in enumerate(paths):
        name = Path(path).name
        progress((index, len(paths)), desc=f"Restoring {name}", unit="images")
        try:
            loaded = load_upload(path)
            restored, _, alpha = _restore_loaded(loaded, pal_aspect, name)
        except gr.Error as exc:
            problems.append(exc.message)
            continue
        png = str(write_png(folder / f"{_unused_stem(path, used)}_restored.png", restored, alpha=alpha))
        gallery.append((png, name))
        pngs.append(png)
    progress((len(paths), len(paths)), desc="Done", unit="images")
    if not pngs:
        raise input_error("No image could be restored:\n" + "\n".join(problems), title="Nothing restored")
    return gallery, pngs, _batch_report(len(pngs), len(paths), problems)
