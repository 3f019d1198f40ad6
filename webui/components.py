"""Widgets the tabs share: image inputs that hand their handlers the uploaded file's path
untouched (`image_input`), and read-only PNG outputs with download and full-screen buttons
(`image_output`)."""

from __future__ import annotations

import types

import gradio as gr


def _path_of_upload(self, payload):
    """`gr.Image.preprocess` replacement for our image inputs: the uploaded file's path, untouched.

    `gr.Image` would open the file with Pillow before the handler runs, so a corrupt or
    non-image upload would fail inside Gradio with a generic message. Instead the handler
    decodes it with `restore.images` (EXIF orientation, 16-bit, alpha, pixel cap), and a bad
    file becomes a `gr.Error` that names the file and the reason.
    """
    if payload is None:
        return None
    if payload.path:
        return str(payload.path)
    return gr.Image.preprocess(self, payload)  # an inline data: URL


def image_input(label: str, elem_id: str | None = None, value: str | None = None) -> gr.Image:
    """An image upload whose event handlers receive the file path (see `_path_of_upload`).

    The override is set on the instance: a `gr.Image` subclass would make Gradio write a
    ``.pyi`` stub next to this file on every import.
    """
    component = gr.Image(
        value=value, label=label, type="filepath", image_mode=None, sources=["upload", "clipboard"],
        height=320, elem_id=elem_id,
    )
    component.preprocess = types.MethodType(_path_of_upload, component)
    return component


def image_output(label: str, elem_id: str, value: str | None = None, height: int = 320) -> gr.Image:
    """A read-only PNG result with download and full-screen buttons."""
    return gr.Image(
        value=value, label=label, type="filepath", format="png", interactive=False, height=height,
        buttons=["download", "fullscreen"], elem_id=elem_id,
    )
