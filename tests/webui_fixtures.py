"""Fixtures of the web app's tests: `fake_model` (the shared model replaced by a
`webui_helpers.FakeRestorer` for one test), `picture` (a small PNG and its pixels) and
`corrupt` (a PNG whose data is garbage). They reach a test module through
``pytest_plugins = ("webui_fixtures",)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from webui_helpers import FakeRestorer, make_image, save_png

from webui.model import MODEL


@pytest.fixture
def fake_model():
    fake = FakeRestorer()
    MODEL.set(fake)
    yield fake
    MODEL.set(None)


@pytest.fixture
def picture(tmp_path) -> tuple[Path, np.ndarray]:
    rgb = make_image()
    return save_png(tmp_path / "frame.png", rgb), rgb


@pytest.fixture
def corrupt(tmp_path) -> Path:
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"definitely not image data" * 20)
    return path
