"""Helpers shared by the simulator's test modules (tests/test_degrade_*.py): measures of
damage, the rows it touched, the parameters an artifact drew, images it must refuse."""

from __future__ import annotations

import cv2
import numpy as np

from restore.degrade import TABLE, DegradeSettings


def read_only(image: np.ndarray) -> np.ndarray:
    # Shared fixtures are read-only so an artifact that wrote into its input would fail loudly.
    image = np.ascontiguousarray(image)
    image.setflags(write=False)
    return image


def mean_abs_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def changed_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.flatnonzero((a != b).any(axis=(1, 2)))


def row_runs(rows: np.ndarray) -> list[tuple[int, int]]:
    """Contiguous runs ``(first, last)`` of sorted row indices."""
    if rows.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) > 1)
    starts, ends = np.r_[rows[0], rows[breaks + 1]], np.r_[rows[breaks], rows[-1]]
    return list(zip(starts.tolist(), ends.tolist()))


def drawn_params(name: str, strength: float, seed: int, image: np.ndarray, settings: DegradeSettings | None = None):
    """The parameters ``ARTIFACTS[name](image, strength, default_rng(seed), settings)``
    applies: the public function draws them first from the same generator."""
    return TABLE[name].draw(strength, np.random.default_rng(seed), image.shape[:2], settings or DegradeSettings())


def high_frequency_energy(image: np.ndarray) -> float:
    image = image.astype(np.float32)
    return float(((image - cv2.GaussianBlur(image, (0, 0), 1.0)) ** 2).mean())


BAD_IMAGES = {
    "float": np.zeros((32, 32, 3), np.float32),
    "uint16": np.zeros((32, 32, 3), np.uint16),
    "grey-HxW": np.zeros((32, 32), np.uint8),
    "rgba-HxWx4": np.zeros((32, 32, 4), np.uint8),
    "too-small": np.zeros((4, 4, 3), np.uint8),
    "list": [[[0, 0, 0]] * 32] * 32,
}
