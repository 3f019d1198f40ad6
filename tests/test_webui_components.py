"""The tabs' shared widgets (`webui.components`)."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

import webui
from webui import components

pytest_plugins = ("webui_fixtures",)  # the fixture corrupt


def test_image_inputs_pass_the_path_untouched(corrupt):
    component = components.image_input("Image")
    payload = gr.data_classes.FileData(path=str(corrupt), orig_name="broken.png")
    assert component.preprocess(payload) == str(corrupt)  # no Pillow in between
    assert component.preprocess(None) is None
    # A gr.Image subclass would make Gradio write a .pyi stub beside its module.
    assert not list(Path(webui.__file__).parent.glob("*.pyi"))
