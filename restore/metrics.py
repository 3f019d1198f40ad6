"""Image quality metrics: SSIM, PSNR and a per-pixel SSIM map, on uint8 RGB images.

This module owns how restoration quality is measured everywhere in the project (tests,
benchmarks, training validation, the app's Compare tab), so every caller gets the same
definition: scikit-image's implementations on the 0-255 range, SSIM averaged over the
three colour channels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

# scikit-image's default SSIM window is 7×7; a smaller image has no complete window.
_MIN_SIDE = 7


def _check_pair(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """Raise `ValueError` unless ``a`` and ``b`` are uint8 RGB ``H×W×3`` arrays of one shape."""
    for name, image in (("a", a), ("b", b)):
        if not isinstance(image, np.ndarray):
            raise ValueError(f"image {name} must be a numpy array, got {type(image).__name__}")
    shape_a, shape_b = a.shape, b.shape
    if a.dtype != np.uint8 or b.dtype != np.uint8:
        raise ValueError(f"images must be uint8 RGB, got dtypes {a.dtype} and {b.dtype}")
    if a.ndim != 3 or a.shape[2] != 3 or shape_a != shape_b:
        raise ValueError(f"images must both be uint8 RGB H×W×3 of the same shape, got {shape_a} and {shape_b}")
    if min(shape_a[:2]) < _MIN_SIDE:
        raise ValueError(f"images must be at least {_MIN_SIDE}×{_MIN_SIDE} pixels for SSIM, got {shape_a}")
    return a, b


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two uint8 RGB images (1.0 = identical)."""
    a, b = _check_pair(a, b)
    return float(structural_similarity(a, b, channel_axis=2, data_range=255))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two uint8 RGB images; ``inf`` when identical."""
    a, b = _check_pair(a, b)
    if np.array_equal(a, b):
        # scikit-image would divide by a zero MSE (RuntimeWarning) to get the same answer.
        return float("inf")
    return float(peak_signal_noise_ratio(a, b, data_range=255))


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel SSIM for display: float32 ``H×W`` in [-1, 1], the mean over R, G and B."""
    a, b = _check_pair(a, b)
    _, full = structural_similarity(a, b, channel_axis=2, data_range=255, full=True)
    return np.clip(full.mean(axis=2), -1.0, 1.0).astype(np.float32)
