"""The shared, lazily loaded model (`webui.model.SharedRestorer`): loaded once, on first use;
a model that does not load is a message for the user."""

from __future__ import annotations

import gradio as gr
import pytest
from webui_helpers import FakeRestorer, make_image

from webui import model


def test_model_load_failure_is_a_gr_error(monkeypatch, tmp_path):
    monkeypatch.setenv("VHS_RESTORE_MODEL", str(tmp_path / "no-such-model"))
    holder = model.SharedRestorer()
    with pytest.raises(gr.Error, match="could not be loaded"):
        holder.get()
    assert not holder.loaded


def test_shared_restorer_loads_once(monkeypatch):
    loads = []

    def fake_load(source=None):
        loads.append(source)
        return FakeRestorer()

    import restore

    monkeypatch.setattr(restore, "load_restorer", fake_load, raising=False)
    holder = model.SharedRestorer()
    assert holder.describe().startswith("not loaded")
    first = holder.get()
    assert holder.get() is first
    assert holder.restore(make_image()).shape == (64, 96, 3)
    assert loads == [None]
    assert holder.describe() == "fake model"


def test_the_model_line_names_the_precision_and_the_stages(untrained_model_folder):
    from restore import load_restorer

    holder = model.SharedRestorer()
    holder.set(load_restorer(str(untrained_model_folder), precision="float32", line_alignment=True, colour_bars=True))
    text = holder.describe()
    assert "; precision float32" in text
    assert text.endswith("; before the network: colour-bar repair, line alignment")
