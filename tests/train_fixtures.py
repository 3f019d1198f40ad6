"""The photo folders the training tests train on, as a pytest plugin: a test module loads it
with ``pytest_plugins = ("train_fixtures",)``. Session-scoped: the folders are only read, so
every training test module shares the one copy (as the single test_train.py module did)."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from train_helpers import ODD_SIZE, TRAIN_PHOTOS, photo, write_rgb


@pytest.fixture(scope="session")
def photos(tmp_path_factory) -> tuple[Path, Path]:
    """(train folder, validation folder). The training folder holds four good photos,
    a truncated JPEG and a zero-byte PNG; validation has a regular and an odd-size photo."""
    root = tmp_path_factory.mktemp("photos")
    train_dir, val_dir = root / "train", root / "val"
    train_dir.mkdir()
    val_dir.mkdir()
    for filename, name in TRAIN_PHOTOS.items():
        write_rgb(train_dir / filename, photo(name))
    encoded = cv2.imencode(".jpg", photo("coffee"))[1].tobytes()
    (train_dir / "corrupt.jpg").write_bytes(encoded[: len(encoded) // 3])
    (train_dir / "empty.png").write_bytes(b"")
    write_rgb(val_dir / "camera.png", cv2.cvtColor(photo("camera"), cv2.COLOR_GRAY2RGB))
    write_rgb(val_dir / "odd.png", photo("astronaut", ODD_SIZE))
    return train_dir, val_dir
