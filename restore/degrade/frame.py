"""The simulator's working frame and the small helpers the artifacts share: colour
conversion, argument checks, and geometry and filters (moving lines sideways is
`restore.pal`'s: `shift_lines`, `shift_lines_in_place`).

A frame is a list of three float32 ``H×W`` planes ``[Y, U, V]`` (BT.601, Y in [0, 1], U
and V centred on 0), because that is where analogue video damage lives: luma and chroma
travel apart on tape. Artifacts replace or modify planes in place, so no stage copies
planes it does not touch (fresh 5 MB arrays cost more in page faults than most artifacts
cost in arithmetic). Digital damage that lives in RGB (a lost colour channel, speckle,
misregistered channels) converts the rows it touches with `rgb_rows` / `put_rgb_rows`.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

import cv2
import numpy as np

from restore.pal import PAL_HEIGHT, PAL_WIDTH, RGB_TO_YUV, YUV_TO_RGB

Frame = list  # [Y, U, V], each a float32 H×W array
Size = tuple[int, int]  # (height, width)


# --------------------------------------------------------------------------- #
# Colour conversion and argument checks
# --------------------------------------------------------------------------- #
def rgb_to_yuv(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB ``H×W×3`` -> float32 YUV ``H×W×3`` (Y in [0, 1], U/V about ±0.6)."""
    return cv2.transform(rgb.astype(np.float32), RGB_TO_YUV / 255.0)


def yuv_to_rgb(yuv: np.ndarray) -> np.ndarray:
    """float32 YUV ``H×W×3`` -> uint8 RGB ``H×W×3``, clipped and rounded."""
    # convertScaleAbs rounds and saturates; negatives are zeroed first so abs() is a no-op.
    return cv2.convertScaleAbs(cv2.max(cv2.transform(yuv, YUV_TO_RGB), 0.0), alpha=255.0)


def to_frame(rgb: np.ndarray) -> Frame:
    return list(cv2.split(rgb_to_yuv(rgb)))


def to_rgb(frame: Frame) -> np.ndarray:
    return yuv_to_rgb(cv2.merge(frame))


def rgb_rows(frame: Frame, rows: slice = slice(None)) -> np.ndarray:
    """Float32 RGB ``h×W×3`` in [0, 1] (unclipped) of lines ``rows`` of the frame."""
    return cv2.transform(cv2.merge([plane[rows] for plane in frame]), YUV_TO_RGB)


def put_rgb_rows(frame: Frame, rgb: np.ndarray, rows: slice = slice(None)) -> None:
    """Write float32 RGB ``h×W×3`` (in [0, 1]) back into lines ``rows``, in place."""
    for plane, values in zip(frame, cv2.split(cv2.transform(rgb, RGB_TO_YUV))):
        plane[rows] = values


def check_rgb(rgb: Any, name: str = "image") -> np.ndarray:
    """Raise `ValueError` unless ``rgb`` is a uint8 ``H×W×3`` array at least 8×8."""
    if not isinstance(rgb, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(rgb).__name__}")  # noqa: TRY004 - bad arguments are ValueErrors throughout (the app and CLI catch them)
    if rgb.dtype != np.uint8:
        raise ValueError(f"{name} must be uint8 RGB, got dtype {rgb.dtype}")
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"{name} must have shape H×W×3, got {rgb.shape}")
    if rgb.shape[0] < 8 or rgb.shape[1] < 8:
        raise ValueError(f"{name} must be at least 8×8 pixels, got {rgb.shape[1]}×{rgb.shape[0]}")
    return rgb


def check_fraction(value: Any, what: str) -> float:
    """``value`` as a float in [0, 1]; `ValueError` naming ``what`` otherwise."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number in [0, 1], got {value!r}") from None
    if not 0.0 <= number <= 1.0:  # also rejects NaN
        raise ValueError(f"{what} must be in [0, 1], got {value!r}")
    return number


def check_strength(strength: Any, name: str) -> float:
    return check_fraction(strength, f"{name} strength")


def check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")  # noqa: TRY004 - bad arguments are ValueErrors throughout (the app and CLI catch them)
    return rng


def tune_allocator_for_frames() -> None:
    """Ask glibc to keep freed frame-sized buffers for reuse instead of handing them back
    to the OS: re-faulting fresh 5 MB pages cost more than a third of `degrade`'s time.
    Bounded (at most 64 MB kept). Called by the processes that degrade in bulk (training
    workers, the simulator's command line), never on import."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (e.g. musl): nothing to tune
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 << 20)
    libc.mallopt(m_trim_threshold, 64 << 20)


# --------------------------------------------------------------------------- #
# Geometry and filters
# --------------------------------------------------------------------------- #
def frame_scale(size: Size) -> tuple[float, float]:
    """Horizontal and vertical scale of an image of ``size`` = (height, width) relative
    to a 720×576 frame: distances in the simulator are given for PAL and scale with it."""
    height, width = size
    return width / PAL_WIDTH, height / PAL_HEIGHT


def horizontal_blur(plane: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian low-pass along each line only (video bandwidth is a horizontal limit)."""
    if sigma < 0.05:
        return plane
    height, width = plane.shape[:2]
    factor = int(sigma // 2)
    if factor < 2:
        return cv2.GaussianBlur(plane, (0, 0), sigmaX=sigma, sigmaY=1e-6, borderType=cv2.BORDER_REPLICATE)
    # Wide kernels: blur at reduced horizontal resolution, which is the same low-pass
    # (the signal has no detail left above the new Nyquist) at a fraction of the cost.
    small = cv2.resize(plane, (max(2, width // factor), height), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigmaX=sigma * small.shape[1] / width, sigmaY=1e-6, borderType=cv2.BORDER_REPLICATE)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def smooth_noise(rng: np.random.Generator, length: int, correlation: float) -> np.ndarray:
    """1-D noise of unit-ish variance, low-passed over ``correlation`` samples."""
    noise = rng.standard_normal(length).astype(np.float32)
    if correlation > 1:
        noise = cv2.GaussianBlur(noise[:, None], (1, 0), sigmaX=1e-6, sigmaY=correlation)[:, 0]
        noise /= max(float(noise.std()), 1e-6)
    return noise


def band_weights(height: int, top: int, band_height: int, feather: int) -> np.ndarray:
    """Per-row weight in [0, 1]: 1 inside ``[top, top+band_height)``, with linear ramps of
    ``feather`` rows, rising above the top and falling inside the bottom edge, so the band
    never reaches below ``top + band_height``. ``feather`` 0 gives hard edges."""
    rows = np.arange(height, dtype=np.float32)
    if feather <= 0:
        return ((rows >= top) & (rows < top + band_height)).astype(np.float32)
    inside = np.minimum(rows - top + feather, top + band_height - rows) / feather
    return np.clip(inside, 0.0, 1.0)


def expand_streaks(rows: np.ndarray, cols: np.ndarray, lengths: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates of horizontal streaks starting at (rows, cols) of given lengths."""
    starts = np.repeat(cols, lengths)
    within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(rows, lengths), np.minimum(starts + within, width - 1)
