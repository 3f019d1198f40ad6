"""The app put together (`webui.demo.build_demo`): its examples, each event's concurrency lane,
and Gradio's cache inside the app's work folder (`webui.workdir`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from webui_helpers import read_png

from restore import PRESETS, degrade
from webui import examples, limits, workdir
from webui.demo import build_demo


@pytest.fixture(scope="module")
def demo():
    return build_demo()


def test_examples_are_pal_frames(tmp_path):
    made = examples.make_examples(tmp_path, names=("chelsea",))
    clean, bad = read_png(made.clean[0]), read_png(made.degraded[0])
    assert clean.shape == bad.shape == (576, 720, 3)
    np.testing.assert_array_equal(bad, degrade(clean, PRESETS["default"], seed=limits.EXAMPLE_SEED))
    assert examples.pal_frame(np.zeros((100, 400, 3), np.uint8)).shape == (576, 720, 3)
    assert examples.pal_frame(np.zeros((900, 300, 3), np.uint8)).shape == (576, 720, 3)


def test_each_event_has_its_own_lane_and_the_queue_has_room(demo):
    # 50 concurrent /degrade used to fail ("Queue is full") behind the model's queue.
    fns = {fn.api_name: fn for fn in demo.fns.values() if fn.api_name}
    model = {"restore", "restore_batch", "study", "restore_video"}
    assert {fns[name].concurrency_id for name in model} == {"model"}
    assert {fns[name].concurrency_limit for name in model} == {1}
    assert fns["degrade"].concurrency_id == "degrade" and fns["degrade"].concurrency_limit >= 2
    assert fns["compare"].concurrency_id == "compare" and fns["compare"].concurrency_limit >= 1
    assert demo._queue.max_size >= 20 + 50 + 5  # bench/load.py's largest burst, and more


def test_gradio_keeps_its_cache_in_the_apps_work_folder(demo):
    from gradio.utils import get_upload_folder

    assert Path(get_upload_folder()) == workdir.work_dir()
    assert Path(demo.GRADIO_CACHE) == workdir.work_dir()
    assert all(Path(component.GRADIO_CACHE) == workdir.work_dir() for component in demo.blocks.values())
