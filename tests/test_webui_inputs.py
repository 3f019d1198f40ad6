"""What every handler shares (`webui.inputs`): a bad, missing, oversize or too large upload
is a clear error naming the file, for every handler, before the model runs; checkbox values
are true or false, strictly."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from webui_helpers import read_png

from restore import PRESETS
from webui import compare_handlers, degrade_handlers, limits, restore_handlers

pytest_plugins = ("webui_fixtures",)  # the fixtures fake_model, picture, corrupt


@pytest.mark.parametrize("handler", ["restore", "degrade", "compare", "study"])
def test_corrupt_upload_is_a_clear_error_for_every_handler(fake_model, corrupt, handler):
    call = {
        "restore": lambda: restore_handlers.restore_image(corrupt),
        "degrade": lambda: degrade_handlers.degrade_image(corrupt, PRESETS["default"], 1),
        "compare": lambda: compare_handlers.compare_images(corrupt, corrupt),
        "study": lambda: compare_handlers.run_study(corrupt),
    }[handler]
    with pytest.raises(gr.Error) as info:
        call()
    assert info.value.message.startswith("broken.png: ")  # the file, then the reason
    assert fake_model.calls == 0


def test_not_an_image_and_missing_upload(fake_model, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(gr.Error, match="notes.txt: not a recognised image file"):
        restore_handlers.restore_image(text)
    with pytest.raises(gr.Error, match="upload"):
        restore_handlers.restore_image(None)
    with pytest.raises(gr.Error, match="empty file"):
        restore_handlers.restore_image(_empty(tmp_path))


def _empty(tmp_path) -> Path:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    return path


def test_pixel_cap_is_checked_before_decoding(fake_model, picture, monkeypatch):
    path, _ = picture
    monkeypatch.setattr(limits, "MAX_PIXELS", 1000)
    with pytest.raises(gr.Error, match=r"frame.png: too many pixels: 96×64 = 6,144, more than the limit of 1,000"):
        restore_handlers.restore_image(path)
    assert fake_model.calls == 0


def test_file_size_cap(fake_model, picture, monkeypatch):
    path, _ = picture
    monkeypatch.setattr(limits, "MAX_UPLOAD_MB", 0.001)  # about 1 kB
    with pytest.raises(gr.Error, match="frame.png: the file is .* MB, more than the 0.001 MB limit"):
        restore_handlers.restore_image(path)


@pytest.mark.parametrize("value", ["false", "no", "true", 0, 1])
def test_checkbox_values_must_be_true_or_false(fake_model, picture, value):
    # "false" and "no" are truthy strings: read as bools they turned PAL resizing on (issue 14).
    path, rgb = picture
    with pytest.raises(gr.Error, match=rf"pal_aspect must be true or false, got {value!r}"):
        restore_handlers.restore_image(path, value)
    with pytest.raises(gr.Error, match=rf"pal_aspect must be true or false, got {value!r}"):
        restore_handlers.restore_batch([path], value)
    with pytest.raises(gr.Error, match=rf"resize must be true or false, got {value!r}"):
        compare_handlers.compare_images(path, path, value)
    assert fake_model.calls == 0
    restored, _, _ = restore_handlers.restore_image(path, np.bool_(False))
    assert read_png(restored).shape == rgb.shape
    restored, _, _ = restore_handlers.restore_image(path, None)  # an unset checkbox: off
    assert read_png(restored).shape == rgb.shape
