"""Image quality metrics: SSIM, PSNR and a per-pixel SSIM map, on uint8 RGB images.

This module owns how restoration quality is measured everywhere in the project (tests,
benchmarks, training validation, the app's Compare tab), so every caller gets the same
definition: scikit-image's implementations on the 0-255 range, SSIM averaged over the
three colour channels (7×7 uniform window, sample covariance, the 3-pixel border left out
of the mean).

Memory and time are bounded for large images. scikit-image works on a whole image in
float64 with about fifteen temporaries, so SSIM of a 12-megapixel pair peaks near 2 GB
(the full map even more). Images over `SLAB_PIXELS` pixels are therefore scored in
horizontal slabs of about that many pixels, each with 3 rows of context above and below,
so every pixel sees exactly the 7×7 window it sees in a whole-image run: the score is the
same (to float rounding, ~1e-12) at a fixed ~150 MB, and PSNR sums squared differences as
exact integers, slab by slab. Smaller images go through scikit-image directly, unchanged.
`ssim_map` can give the map at a bounded display size (``max_side``): each display pixel is
the mean of the full-resolution map over its block, computed in the same single pass.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

# scikit-image's default SSIM window is 7×7; a smaller image has no complete window.
_MIN_SIDE = 7
_WINDOW = 7
_HALO = _WINDOW // 2  # rows of context a slab needs on each side (the window's radius)
_DATA_RANGE = 255

#: Images with more pixels than this are scored slab by slab (about this many pixels per slab).
SLAB_PIXELS = 1 << 20


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


def _large(a: np.ndarray) -> bool:
    return a.shape[0] * a.shape[1] > SLAB_PIXELS


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two uint8 RGB images (1.0 = identical)."""
    a, b = _check_pair(a, b)
    if not _large(a):
        return float(structural_similarity(a, b, channel_axis=2, data_range=_DATA_RANGE))
    return _ssim_slabs(a, b, None)[0]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two uint8 RGB images; ``inf`` when identical."""
    a, b = _check_pair(a, b)
    if np.array_equal(a, b):
        # scikit-image would divide by a zero MSE (RuntimeWarning) to get the same answer.
        return float("inf")
    if not _large(a):
        return float(peak_signal_noise_ratio(a, b, data_range=_DATA_RANGE))
    rows = max(1, SLAB_PIXELS // a.shape[1])
    squared = 0  # exact: a Python int
    for top in range(0, a.shape[0], rows):
        difference = a[top : top + rows].astype(np.int32) - b[top : top + rows]
        squared += int(np.einsum("ijk,ijk->", difference, difference, dtype=np.int64))
    mse = squared / a.size
    return float(10.0 * math.log10(_DATA_RANGE**2 / mse))


def ssim_map(a: np.ndarray, b: np.ndarray, max_side: int | None = None) -> np.ndarray:
    """Per-pixel SSIM for display: float32 ``H×W`` in [-1, 1], the mean over R, G and B.

    ``max_side``: when the image is longer than this on either side, the map is reduced by
    the smallest whole factor ``f`` that brings both sides within it (``ceil(H/f)×ceil(W/f)``):
    each value is the mean of the full-resolution map over its ``f×f`` block (partial blocks
    at the right and bottom edges). Memory stays bounded either way (see the module notes).
    """
    return ssim_and_map(a, b, max_side)[1]


def ssim_and_map(a: np.ndarray, b: np.ndarray, max_side: int | None = None) -> tuple[float, np.ndarray]:
    """`ssim` and `ssim_map` of one pair in a single pass (what the app's Compare tab shows)."""
    a, b = _check_pair(a, b)
    if max_side is not None and (not isinstance(max_side, int) or max_side < 1):
        raise ValueError(f"max_side must be a positive integer or None, got {max_side!r}")
    factor = 1 if max_side is None else max(1, -(-max(a.shape[:2]) // max_side))
    if not _large(a):
        score, full = structural_similarity(a, b, channel_axis=2, data_range=_DATA_RANGE, full=True)
        level = np.clip(full.mean(axis=2), -1.0, 1.0).astype(np.float32)
        return float(score), _block_means(level, factor)
    return _ssim_slabs(a, b, factor)


def _ssim_slabs(a: np.ndarray, b: np.ndarray, factor: int | None) -> tuple[float, np.ndarray | None]:
    """The mean SSIM and (unless ``factor`` is None) the map reduced by ``factor``, slab by slab.

    Each slab is scored by scikit-image itself with `_HALO` extra rows above and below (reflect
    padding at the image's own top and bottom, as in a whole-image run), and only its own rows
    are kept: they see the same 7×7 windows as in the whole image. The mean covers the same
    pixels as scikit-image's (all but a `_HALO`-pixel border), per channel, then over channels.
    """
    height, width = a.shape[:2]
    step = factor or 1
    rows = max(SLAB_PIXELS // width, _WINDOW)
    rows = -(-rows // step) * step  # whole blocks of display rows
    sums = np.zeros(3, np.float64)
    level_rows = []
    top = 0
    while top < height:
        bottom = min(height, top + rows)
        if height - bottom < _WINDOW:
            bottom = height  # no last slab too thin for a window: this one takes the rest
        first, last = max(0, top - _HALO), min(height, bottom + _HALO)
        level = np.zeros((bottom - top, width), np.float64) if factor else None
        for channel in range(3):
            _, full = structural_similarity(a[first:last, :, channel], b[first:last, :, channel],
                                            data_range=_DATA_RANGE, full=True)
            own = full[top - first : top - first + bottom - top]
            # The score's pixels: rows and columns at least _HALO from every image edge.
            inner_top, inner_bottom = max(top, _HALO), min(bottom, height - _HALO)
            if inner_bottom > inner_top:
                sums[channel] += own[inner_top - top : inner_bottom - top, _HALO : width - _HALO].sum(dtype=np.float64)
            if level is not None:
                level += own
            del full, own
        if level is not None:
            level /= 3.0
            np.clip(level, -1.0, 1.0, out=level)
            level_rows.append(_block_means(level.astype(np.float32), factor))
        top = bottom
    count = (height - 2 * _HALO) * (width - 2 * _HALO)
    score = float((sums / count).mean())
    return score, (np.concatenate(level_rows) if factor else None)


def _block_means(level: np.ndarray, factor: int) -> np.ndarray:
    """``level`` (float32 H×W) reduced by ``factor``: the mean of each ``factor×factor`` block,
    partial blocks at the bottom and right averaged over the pixels they have."""
    if factor == 1:
        return level
    height, width = level.shape
    out_height, out_width = -(-height // factor), -(-width // factor)
    padded = np.zeros((out_height * factor, out_width * factor), np.float64)
    padded[:height, :width] = level
    sums = padded.reshape(out_height, factor, out_width, factor).sum(axis=(1, 3))
    row_counts = np.minimum(factor, height - factor * np.arange(out_height))
    column_counts = np.minimum(factor, width - factor * np.arange(out_width))
    return (sums / np.outer(row_counts, column_counts)).astype(np.float32)
