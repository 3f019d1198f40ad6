"""Helpers shared by the training tests (tests/test_train_*.py): the small photos they train
on (made from scikit-image's bundled samples), the ``python -m train`` arguments for a 2-step
tiny run, and the checks every written model folder must pass."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import tensorflow as tf
from skimage import data as samples

from restore.engine.model import GENERATOR_CONFIGS
from train.export import CARD_NAME, CONFIG_NAME, WEIGHTS_NAME

# Small photos (96×128, like a thumbnail of a frame), saved in both formats training reads.
TRAIN_PHOTOS = {"astronaut.png": "astronaut", "coffee.jpg": "coffee", "chelsea.png": "chelsea", "rocket.jpg": "rocket"}
BAD_FILES = ("corrupt.jpg", "empty.png")
# Not a multiple of 2**depth in either direction, so padding and cropping back are exercised.
ODD_SIZE = (45, 70)

ITERATIONS_KEY = "generator_optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE"


def photo(name: str, size: tuple[int, int] = (96, 128)) -> np.ndarray:
    height, width = size
    return cv2.resize(getattr(samples, name)(), (width, height), interpolation=cv2.INTER_AREA)


def write_rgb(path: Path, rgb: np.ndarray) -> None:
    assert cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1]))


def iterations(checkpoint: Path) -> int:
    return int(tf.train.load_checkpoint(str(checkpoint)).get_tensor(ITERATIONS_KEY))


def cli_arguments(photos, out: Path, *extra: str) -> list[str]:
    """``python -m train`` arguments for a 2-step tiny run."""
    train_dir, val_dir = photos
    return [
        "--data", str(train_dir), "--val", str(val_dir), "--out", str(out), "--steps", "2", "--batch", "2",
        "--crop", "32", "--config", "tiny", "--checkpoint-every", "2", "--val-images", "1", "--bank", "4",
        "--workers", "1", "--warmup", "1", *extra,
    ]


def assert_model_folder(out: Path, steps: int) -> dict:
    for name in (WEIGHTS_NAME, CONFIG_NAME, CARD_NAME):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert sorted(p.name for p in (out / "samples").glob("*.png")), "no sample grids"
    assert (out / "checkpoints" / f"ckpt-{steps}.index").is_file()
    assert iterations(out / "checkpoints" / f"ckpt-{steps}") == steps
    config = json.loads((out / CONFIG_NAME).read_text())
    assert config["training"]["steps"] == steps
    assert config["generator"] == GENERATOR_CONFIGS["tiny"].to_dict()
    return config
