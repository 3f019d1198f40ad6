"""Small helpers the held-out damage functions share: rounding, draws, row shifts, JPEG."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

Damage = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def to_uint8(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(bounds[0], bounds[1]))


def integer(rng: np.random.Generator, bounds: tuple[int, int]) -> int:
    """An integer in ``bounds``, both ends included."""
    return int(rng.integers(bounds[0], bounds[1] + 1))


def shift_rows(image: np.ndarray, offsets: np.ndarray, fill: str = "replicate") -> np.ndarray:
    """Shift each row ``y`` of ``image`` right by ``offsets[y]`` pixels (fractional allowed).

    ``fill`` says what enters from the left or right edge: "replicate" (the edge pixel) or
    "black".
    """
    height, width = image.shape[:2]
    map_x = np.arange(width, dtype=np.float32)[None, :] - offsets.astype(np.float32)[:, None]
    map_y = np.repeat(np.arange(height, dtype=np.float32)[:, None], width, axis=1)
    border = cv2.BORDER_REPLICATE if fill == "replicate" else cv2.BORDER_CONSTANT
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=border, borderValue=(0, 0, 0))


def translate(channel: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Move a single channel by whole pixels, repeating the edge into the gap."""
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    height, width = channel.shape
    return cv2.warpAffine(channel, matrix, (width, height), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)


def encode_jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", np.ascontiguousarray(rgb[..., ::-1]), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("OpenCV could not encode a JPEG")
    return np.ascontiguousarray(cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1])


def horizontal_hann(width: int) -> np.ndarray:
    """A 1×width raised-cosine low-pass kernel, summing to 1 (width odd, ≥ 3)."""
    kernel = np.hanning(width + 2)[1:-1].astype(np.float32)
    return (kernel / kernel.sum())[None, :]


