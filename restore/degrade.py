"""VHS/PAL damage simulator: one pure function per artifact, settings, presets.

Every artifact is a function ``artifact(rgb, strength, rng) -> rgb`` on a uint8 RGB
``H×W×3`` image, a strength in ``[0, 1]`` (0 leaves the image untouched) and a
``np.random.Generator`` (the only source of randomness). Internally each artifact
works on a float32 ``H×W×3`` YUV frame (BT.601, Y in [0, 1], U and V centred on 0),
because that is where analogue video damage lives: luma and chroma travel apart on
tape. `degrade` converts once, applies the enabled artifacts in the order the damage
happens (scene, recording, tape, deck, capture card) and converts back.

Distances are given for a 720×576 PAL frame and scale with the image size, so a
smaller crop or a larger scan gets the same damage relative to the picture.
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import math
import sys
import warnings
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

PAL_WIDTH, PAL_HEIGHT = 720, 576
SQUARE_PIXEL_WIDTH = 768  # 4:3 square-pixel equivalent of a PAL frame

# BT.601 RGB <-> YUV (full range), as 3×3 matrices for cv2.transform.
_RGB_TO_YUV = np.array(
    [[0.299, 0.587, 0.114], [-0.14713, -0.28886, 0.436], [0.615, -0.51499, -0.10001]],
    dtype=np.float32,
)
_YUV_TO_RGB = np.linalg.inv(_RGB_TO_YUV).astype(np.float32)


def _reuse_freed_frame_buffers() -> None:
    """Ask glibc to keep freed frame-sized buffers for reuse instead of handing them back
    to the OS: re-faulting fresh 5 MB pages cost more than a third of `degrade`'s time.
    Bounded: at most 64 MB of freed memory is kept (TensorFlow tunes the same knob)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (e.g. musl): nothing to tune
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 32 << 20)
    libc.mallopt(m_trim_threshold, 64 << 20)


_reuse_freed_frame_buffers()


# --------------------------------------------------------------------------- #
# Colour conversion and argument checks
# --------------------------------------------------------------------------- #
def rgb_to_yuv(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB ``H×W×3`` -> float32 YUV ``H×W×3`` (Y in [0, 1], U/V about ±0.6)."""
    return cv2.transform(rgb.astype(np.float32), _RGB_TO_YUV / 255.0)


def yuv_to_rgb(yuv: np.ndarray) -> np.ndarray:
    """float32 YUV ``H×W×3`` -> uint8 RGB ``H×W×3``, clipped and rounded."""
    # convertScaleAbs rounds and saturates; negatives are zeroed first so abs() is a no-op
    # (a Python scalar becomes the OpenCV Scalar (0, 0, 0, 0): right for every channel).
    return cv2.convertScaleAbs(cv2.max(cv2.transform(yuv, _YUV_TO_RGB), 0.0), alpha=255.0)


def check_rgb(rgb: Any, name: str = "image") -> np.ndarray:
    """Raise `ValueError` unless ``rgb`` is a uint8 ``H×W×3`` array at least 8×8."""
    if not isinstance(rgb, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(rgb).__name__}")
    if rgb.dtype != np.uint8:
        raise ValueError(f"{name} must be uint8 RGB, got dtype {rgb.dtype}")
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"{name} must have shape H×W×3, got {rgb.shape}")
    if rgb.shape[0] < 8 or rgb.shape[1] < 8:
        raise ValueError(f"{name} must be at least 8×8 pixels, got {rgb.shape[1]}×{rgb.shape[0]}")
    return rgb


def _check_strength(strength: Any, name: str) -> float:
    try:
        value = float(strength)
    except (TypeError, ValueError):
        raise ValueError(f"{name} strength must be a number in [0, 1], got {strength!r}") from None
    if not 0.0 <= value <= 1.0:  # also rejects NaN
        raise ValueError(f"{name} strength must be in [0, 1], got {strength!r}")
    return value


def _check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return rng


# --------------------------------------------------------------------------- #
# Small shared helpers. Internally a frame is a list of three float32 H×W planes
# [Y, U, V]: artifacts replace or modify planes in place, so no stage copies or
# reallocates planes it does not touch (fresh 5 MB arrays cost more in page faults than
# most artifacts cost in arithmetic).
# --------------------------------------------------------------------------- #
Frame = list  # [Y, U, V], each a float32 H×W array


def _to_frame(rgb: np.ndarray) -> Frame:
    return list(cv2.split(rgb_to_yuv(rgb)))


def _to_rgb(frame: Frame) -> np.ndarray:
    return yuv_to_rgb(cv2.merge(frame))


def _scale(plane: np.ndarray) -> tuple[float, float]:
    """Horizontal and vertical scale of this image relative to a 720×576 frame."""
    return plane.shape[1] / PAL_WIDTH, plane.shape[0] / PAL_HEIGHT


def _horizontal_blur(plane: np.ndarray, sigma: float) -> np.ndarray:
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


def _shift(plane: np.ndarray, offset: float) -> np.ndarray:
    """Shift a whole plane right by ``offset`` pixels (sub-pixel), edges replicated."""
    height, width = plane.shape[:2]
    matrix = np.float32([[1, 0, offset], [0, 1, 0]])
    return cv2.warpAffine(plane, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _shift_rows(frame: Frame, offsets: np.ndarray, rows: slice = slice(None), fill_black: bool = False) -> None:
    """Shift each line ``rows`` of every plane right by ``offsets[line]`` pixels (sub-pixel,
    linear), in place. Black in YUV is (0, 0, 0), so a constant 0 border is black picture."""
    height, width = frame[0][rows].shape
    map_x = np.arange(width, dtype=np.float32)[None, :] - offsets.astype(np.float32)[:, None]
    map_y = np.broadcast_to(np.arange(height, dtype=np.float32)[:, None], (height, width))
    map_x, map_y = cv2.convertMaps(map_x, np.ascontiguousarray(map_y), cv2.CV_16SC2)
    border = cv2.BORDER_CONSTANT if fill_black else cv2.BORDER_REPLICATE
    for plane in frame:
        plane[rows] = cv2.remap(plane[rows], map_x, map_y, cv2.INTER_LINEAR, borderMode=border, borderValue=0)


def _smooth_noise(rng: np.random.Generator, length: int, correlation: float) -> np.ndarray:
    """1-D noise of unit-ish variance, low-passed over ``correlation`` samples."""
    noise = rng.standard_normal(length).astype(np.float32)
    if correlation > 1:
        noise = cv2.GaussianBlur(noise[:, None], (1, 0), sigmaX=1e-6, sigmaY=correlation)[:, 0]
        noise /= max(float(noise.std()), 1e-6)
    return noise


def _band_rows(height: int, top: int, band_height: int, feather: int) -> np.ndarray:
    """Per-row weight in [0, 1]: 1 inside ``[top, top+band_height)``, soft edges."""
    rows = np.arange(height, dtype=np.float32)
    inside = np.minimum(rows - top + feather, top + band_height - rows) / max(feather, 1)
    return np.clip(inside, 0.0, 1.0)


def _expand_streaks(rows, cols, lengths, width):
    """Pixel coordinates of horizontal streaks starting at (rows, cols) of given lengths."""
    starts = np.repeat(cols, lengths)
    within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(rows, lengths), np.minimum(starts + within, width - 1)


# --------------------------------------------------------------------------- #
# The artifacts. Each: (frame, strength, rng, settings) -> frame, where frame is the
# [Y, U, V] plane list (modified in place) and strength is in (0, 1].
# --------------------------------------------------------------------------- #
def _interlace(frame, strength, rng, settings):
    """Motion between the two fields: the odd lines displaced sideways by up to 3 px."""
    scale_x, _ = _scale(frame[0])
    shift = strength * 3.0 * scale_x * rng.choice([-1.0, 1.0]) * rng.uniform(0.6, 1.0)
    for plane in frame:
        plane[1::2] = _shift(np.ascontiguousarray(plane[1::2]), shift)
    return frame


def _side_borders(frame, strength, rng, settings):
    """Black blanking borders at the left (up to 24 px) and right (up to 10 px) of each line."""
    scale_x, _ = _scale(frame[0])
    width = frame[0].shape[1]
    left = int(round(strength * rng.uniform(12, 24) * scale_x))
    right = int(round(strength * rng.uniform(2, 10) * scale_x))
    for plane in frame:
        plane[:, :left] = 0.0
        plane[:, width - right :] = 0.0
    return frame


def _softness(frame, strength, rng, settings):
    """Low luma bandwidth: horizontal luma low-pass, then a down-up rescale (low resolution)."""
    scale_x, _ = _scale(frame[0])
    frame[0] = _horizontal_blur(frame[0], strength * rng.uniform(1.6, 2.4) * scale_x)
    factor = 1.0 + strength * rng.uniform(0.4, 1.0)  # up to half resolution at strength 1
    height, width = frame[0].shape
    small = (max(8, int(round(width / factor))), max(8, int(round(height / factor))))
    if small != (width, height):
        image = cv2.resize(cv2.merge(frame), small, interpolation=cv2.INTER_AREA)
        frame[:] = cv2.split(cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR))
    return frame


def _chroma_smear(frame, strength, rng, settings):
    """Colour-under bandwidth (~0.4 MHz): chroma smeared 10-20 px along lines, plus PAL's
    delay line averaging chroma over two lines."""
    scale_x, _ = _scale(frame[0])
    sigma = strength * rng.uniform(5.0, 8.0) * scale_x
    for index in (1, 2):
        chroma = _horizontal_blur(frame[index], sigma)
        chroma[1:] += strength * 0.5 * (chroma[:-1] - chroma[1:])
        frame[index] = chroma
    return frame


def _chroma_delay(frame, strength, rng, settings):
    """Chroma delayed (shifted right) against luma, U and V by different amounts, which
    gives the coloured fringes of chromatic aberration (up to ~4 px)."""
    scale_x, _ = _scale(frame[0])
    delay = strength * rng.uniform(2.5, 4.0) * scale_x
    frame[1] = _shift(frame[1], delay * rng.uniform(0.5, 1.0))
    frame[2] = _shift(frame[2], delay)
    return frame


def _ringing(frame, strength, rng, settings):
    """Over-sharpening halos: horizontal luma peaking with overshoot, plus a faint echo."""
    scale_x, _ = _scale(frame[0])
    luma = frame[0]
    detail = luma - _horizontal_blur(luma, 1.5 * scale_x)
    amount = strength * rng.uniform(1.0, 2.0)
    echo = _shift(detail, rng.uniform(3.0, 6.0) * scale_x)
    frame[0] = luma + amount * detail - 0.3 * amount * echo
    return frame


def _grain(frame, strength, rng, settings):
    """Analogue noise: luma grain with fine vertical streaks, horizontally streaky chroma
    noise, and snow specks."""
    height, width = frame[0].shape
    scale_x, _ = _scale(frame[0])
    # Sum of two uniforms: unit variance, near-Gaussian, and 3× cheaper than normals.
    grain = rng.random((height, width), dtype=np.float32)
    grain += rng.random((height, width), dtype=np.float32)
    grain -= 1.0
    grain += 0.25 * rng.standard_normal((1, width), dtype=np.float32)  # fine column streaks
    frame[0] += (strength * 0.06 * math.sqrt(6.0)) * grain
    # Chroma noise drawn at 1/8 horizontal resolution and stretched, so it streaks.
    coarse_width = max(2, int(width / (8 * scale_x)))
    for index in (1, 2):
        coarse = rng.standard_normal((height, coarse_width), dtype=np.float32) * (strength * 0.05)
        frame[index] += cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)
    # Snow: sparse bright specks, a few pixels long.
    speck_count = int(strength * 0.0008 * height * width)
    if speck_count:
        rows, cols = _expand_streaks(
            rng.integers(0, height, speck_count), rng.integers(0, width, speck_count),
            rng.integers(1, max(2, int(4 * scale_x)) + 1, speck_count), width,
        )
        frame[0][rows, cols] = rng.uniform(0.7, 1.0, rows.size).astype(np.float32)
    return frame


def _dropouts(frame, strength, rng, settings):
    """Tape dropouts: short white (or dark) horizontal streaks, one line tall."""
    height, width = frame[0].shape
    scale_x, scale_y = _scale(frame[0])
    count = max(1, int(strength * 60 * scale_y * rng.uniform(0.5, 1.0)))
    lengths = np.maximum(1, rng.uniform(5, 60, count) * strength * scale_x).astype(np.int64)
    values = np.where(rng.random(count) < 0.8, 1.0, 0.05).astype(np.float32)
    rows, cols = _expand_streaks(rng.integers(0, height, count), rng.integers(0, width, count), lengths, width)
    frame[0][rows, cols] = np.repeat(values, lengths)
    frame[1][rows, cols] = 0.0
    frame[2][rows, cols] = 0.0
    return frame


def _tracking(frame, strength, rng, settings):
    """Tracking error: a horizontal band of noise streaks and sideways displacement."""
    height, width = frame[0].shape
    scale_x, scale_y = _scale(frame[0])
    band_height = max(2, int(rng.uniform(12, 40) * scale_y))
    feather = max(1, band_height // 3)
    top = int(rng.integers(0, max(1, height - band_height)))
    rows = slice(max(0, top - feather), min(height, top + band_height + feather))
    weight = _band_rows(height, top, band_height, feather)[rows]
    offsets = weight * strength * 12.0 * scale_x * _smooth_noise(rng, weight.size, 2.0)
    _shift_rows(frame, offsets, rows)
    luma = frame[0][rows]
    streaks = rng.random(luma.shape) < strength * 0.3 * weight[:, None]
    streaks = cv2.dilate(streaks.astype(np.uint8), np.ones((1, max(1, int(6 * scale_x))), np.uint8)) > 0
    luma[streaks] = rng.uniform(0.6, 1.0, int(streaks.sum())).astype(np.float32)
    luma += strength * 0.08 * weight[:, None] * rng.standard_normal(luma.shape, dtype=np.float32)
    return frame


def _jitter(frame, strength, rng, settings):
    """Time-base error: every line shifted sideways, mostly a slow wave over many lines
    plus a little per-line wobble (up to ~5 px at strength 1)."""
    height = frame[0].shape[0]
    scale_x, scale_y = _scale(frame[0])
    lines = np.arange(height, dtype=np.float32) / scale_y
    wave = np.zeros(height, np.float32)
    for period, amplitude in ((rng.uniform(150, 400), 1.0), (rng.uniform(30, 90), 0.5), (rng.uniform(8, 20), 0.25)):
        wave += amplitude * np.sin(2 * np.pi * lines / period + rng.uniform(0, 2 * np.pi))
    wave = wave / 1.75 * 4.0 + 0.8 * _smooth_noise(rng, height, 1.0)
    _shift_rows(frame, strength * scale_x * wave, fill_black=True)
    return frame


def _top_skew(frame, strength, rng, settings):
    """Flagging: the top ~100 lines bent sideways, the bend growing toward the top edge."""
    height = frame[0].shape[0]
    scale_x, scale_y = _scale(frame[0])
    skew_height = min(height, max(2, int(rng.uniform(70, 120) * scale_y)))
    depth = 1.0 - np.arange(skew_height, dtype=np.float32) / skew_height  # 1 at the top
    offset = strength * rng.uniform(15, 30) * scale_x * rng.choice([-1.0, 1.0])
    _shift_rows(frame, offset * depth**2, slice(0, skew_height), fill_black=True)
    return frame


def _head_switching(frame, strength, rng, settings):
    """Head-switching noise: the last 5-10 lines torn sideways, with noise."""
    height, width = frame[0].shape
    scale_x, scale_y = _scale(frame[0])
    lines = min(height, max(1, int(rng.uniform(5, 10) * scale_y * (0.5 + 0.5 * strength))))
    depth = (np.arange(lines, dtype=np.float32) + 1) / lines  # 1 at the bottom
    offsets = strength * rng.uniform(10, 25) * scale_x * np.sqrt(depth)
    _shift_rows(frame, offsets, slice(height - lines, height), fill_black=True)
    frame[0][height - lines :] += strength * 0.15 * rng.standard_normal((lines, width), dtype=np.float32)
    return frame


def _tint_band(frame, strength, rng, settings):
    """A strongly tinted band over the top ~55 lines; the picture stays visible beneath."""
    height = frame[0].shape[0]
    _, scale_y = _scale(frame[0])
    band_height = min(height, max(2, int(rng.uniform(45, 65) * scale_y)))
    weight = _band_rows(height, 0, band_height, feather=max(1, band_height // 4))[:band_height, None]
    hue = math.radians(settings.tint_hue)
    for index, component in ((1, math.cos(hue)), (2, math.sin(hue))):
        band = frame[index][:band_height]
        band *= 1 - 0.5 * strength * weight
        band += weight * (0.25 * strength * component)
    luma = frame[0][:band_height]
    luma *= 1 - 0.15 * strength * weight
    luma += 0.1 * strength * weight
    return frame


def _levels(frame, strength, rng, settings):
    """Proc-amp errors: saturation loss, a colour cast (per-channel gain and offset from
    ``settings.cast_gain`` / ``cast_offset``), gamma and lifted blacks, in that order."""
    saturation = 1.0 - strength * np.float32([0.0, 1.0, 1.0]) * rng.uniform(0.2, 0.4)
    gain = 1 + strength * (np.asarray(settings.cast_gain, np.float32) - 1)
    offset = strength * np.asarray(settings.cast_offset, np.float32) / 255.0
    desaturated_to_rgb = _YUV_TO_RGB * saturation[None, :]
    # RGB' = gain·(RGB - pivot) + pivot + offset, folded into one 3×4 matrix on YUV. The
    # pivot is fixed mid-grey, as in a proc amp: the error is a function of each pixel
    # alone, not of the picture's content.
    pivot = 0.5
    to_rgb = np.hstack([gain[:, None] * desaturated_to_rgb, (pivot * (1 - gain) + offset)[:, None]])
    rgb = cv2.transform(cv2.merge(frame), to_rgb.astype(np.float32))
    # A floor above 0 keeps cv2.pow on its fast path (exact zeros are 4× slower).
    rgb = cv2.pow(np.clip(rgb, 1.0 / 1024, 1.0, out=rgb), 1.0 + strength * rng.uniform(-0.15, 0.25))
    black_lift = strength * rng.uniform(0.04, 0.08)
    to_yuv = np.hstack([_RGB_TO_YUV * (1 - black_lift), np.float32([[black_lift], [0], [0]])])
    frame[:] = cv2.split(cv2.transform(rgb, to_yuv.astype(np.float32)))
    return frame


def _pal_aspect(frame, strength, rng, settings):
    """Non-square PAL pixels: squeezed to the anamorphic grid (768 -> 720) and back."""
    height, width = frame[0].shape
    narrow = max(8, int(round(width * (1.0 - strength * (1.0 - PAL_WIDTH / SQUARE_PIXEL_WIDTH)))))
    if narrow != width:
        small = cv2.resize(cv2.merge(frame), (narrow, height), interpolation=cv2.INTER_AREA)
        frame[:] = cv2.split(cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC))
    return frame


def _compression(frame, strength, rng, settings):
    """Capture-card compression: JPEG blocking at quality 90 (weak) down to 10 (strength 1)."""
    quality = int(round(90 - 80 * strength))
    bgr = np.ascontiguousarray(_to_rgb(frame)[..., ::-1])
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("OpenCV could not JPEG-encode the frame")
    frame[:] = _to_frame(cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1])
    return frame


# Physical order: the scene, the recording, the tape, the deck, the capture card.
_ARTIFACTS: dict[str, Callable[..., np.ndarray]] = {
    "interlace": _interlace,
    "side_borders": _side_borders,
    "softness": _softness,
    "chroma_smear": _chroma_smear,
    "ringing": _ringing,
    "grain": _grain,
    "dropouts": _dropouts,
    "tracking": _tracking,
    "jitter": _jitter,
    "top_skew": _top_skew,
    "head_switching": _head_switching,
    "chroma_delay": _chroma_delay,
    "tint_band": _tint_band,
    "levels": _levels,
    "pal_aspect": _pal_aspect,
    "compression": _compression,
}
ARTIFACT_NAMES: tuple[str, ...] = tuple(_ARTIFACTS)


# --------------------------------------------------------------------------- #
# Settings and presets
# --------------------------------------------------------------------------- #
@dataclasses.dataclass(frozen=True)
class DegradeSettings:
    """Strength in [0, 1] of every artifact (0 = off; all zero = identity), plus options.

    Options (not strengths): ``tint_hue`` is the tint band's hue in the U/V plane in
    degrees (about 35 = magenta, 215 = green); ``cast_offset`` (RGB, in /255 units) and
    ``cast_gain`` (RGB contrast factors) describe the colour cast at ``levels`` = 1.
    """

    interlace: float = 0.0
    side_borders: float = 0.0
    softness: float = 0.0
    chroma_smear: float = 0.0
    ringing: float = 0.0
    grain: float = 0.0
    dropouts: float = 0.0
    tracking: float = 0.0
    jitter: float = 0.0
    top_skew: float = 0.0
    head_switching: float = 0.0
    chroma_delay: float = 0.0
    tint_band: float = 0.0
    levels: float = 0.0
    pal_aspect: float = 0.0
    compression: float = 0.0
    tint_hue: float = 35.0
    cast_offset: tuple[float, float, float] = (40.0, -6.0, -2.0)
    cast_gain: tuple[float, float, float] = (2.1, 1.0, 1.0)

    def __post_init__(self):
        for name in ARTIFACT_NAMES:
            _check_strength(getattr(self, name), name)
        if len(self.cast_offset) != 3 or len(self.cast_gain) != 3:
            raise ValueError("cast_offset and cast_gain must each have 3 values (R, G, B)")
        # A NaN or infinite option would otherwise silently turn the frame black or garbled.
        if not all(math.isfinite(float(v)) for v in (self.tint_hue, *self.cast_offset)):
            raise ValueError(f"tint_hue and cast_offset must be finite, got {self.tint_hue} and {self.cast_offset}")
        if any(not 0.0 < float(g) <= 4.0 for g in self.cast_gain):
            raise ValueError(f"cast_gain values must be in (0, 4], got {self.cast_gain}")

    def strengths(self) -> dict[str, float]:
        """The artifact strengths, in the order `degrade` applies them."""
        return {name: float(getattr(self, name)) for name in ARTIFACT_NAMES}

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "DegradeSettings":
        """Build from a dict (e.g. JSON); unknown keys raise `ValueError`."""
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown degradation settings: {sorted(unknown)}")
        values = dict(values)
        for key in ("cast_offset", "cast_gain"):
            if key in values:
                values[key] = tuple(float(v) for v in values[key])
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> "DegradeSettings":
        return cls.from_dict(json.loads(text))


PRESETS: dict[str, DegradeSettings] = {
    # The typical damage of the reference tapes: magenta band and skew at the top, red
    # cast with lifted blacks, soft picture, red/green fringes, fine grain.
    "default": DegradeSettings(
        interlace=0.2, softness=0.9, chroma_smear=0.7, ringing=0.2, grain=0.35, dropouts=0.1,
        jitter=0.3, top_skew=0.7, head_switching=0.6, chroma_delay=0.7, tint_band=0.9,
        levels=1.0, pal_aspect=1.0, compression=0.3,
    ),
    "light": DegradeSettings(
        softness=0.35, chroma_smear=0.4, grain=0.15, jitter=0.1, chroma_delay=0.3,
        levels=0.25, pal_aspect=1.0, compression=0.15, head_switching=0.3,
    ),
    "heavy": DegradeSettings(
        interlace=0.5, side_borders=0.8, softness=1.0, chroma_smear=1.0, ringing=0.5, grain=0.8,
        dropouts=0.6, tracking=0.7, jitter=0.8, top_skew=1.0, head_switching=1.0,
        chroma_delay=1.0, tint_band=1.0, levels=1.0, pal_aspect=1.0, compression=0.6,
    ),
    "clean": DegradeSettings(),
}

# How often `random_settings` switches each artifact on: common damage often, rare
# damage now and then, so training sees every artifact alone and in combination.
_TRAINING_PROBABILITY = {
    "interlace": 0.3, "side_borders": 0.3, "softness": 0.9, "chroma_smear": 0.9, "ringing": 0.35,
    "grain": 0.75, "dropouts": 0.3, "tracking": 0.2, "jitter": 0.6, "top_skew": 0.35,
    "head_switching": 0.4, "chroma_delay": 0.7, "tint_band": 0.3, "levels": 0.7,
    "pal_aspect": 0.5, "compression": 0.5,
}


def random_settings(rng: np.random.Generator) -> DegradeSettings:
    """Sample settings from the wide distribution used for training: each artifact on
    with its own probability, at a uniform strength, with a random tint hue and cast.

    Casts are a mixture: a third near the reference tapes' red cast, the rest mild casts
    in any direction. (Strong casts in random directions cannot be told from the scene's
    own colours, so training on them only teaches the model to hedge.)"""
    _check_rng(rng)
    strengths = {
        name: float(rng.uniform(0.05, 1.0)) if rng.random() < probability else 0.0
        for name, probability in _TRAINING_PROBABILITY.items()
    }
    reference = DegradeSettings()
    if rng.random() < 1 / 3:
        cast_offset = np.asarray(reference.cast_offset) + rng.uniform(-6, 6, 3)
        cast_gain = np.asarray(reference.cast_gain) + rng.uniform(-0.4, 0.2, 3) * np.float32([1, 0.3, 0.3])
    else:
        cast_offset = rng.uniform(-12, 12, 3)
        cast_gain = rng.uniform(0.85, 1.25, 3)
    return DegradeSettings(
        **strengths,
        tint_hue=float(rng.uniform(0, 360)),
        cast_offset=tuple(float(v) for v in cast_offset),
        cast_gain=tuple(float(v) for v in cast_gain),
    )


# --------------------------------------------------------------------------- #
# Public entry points
# --------------------------------------------------------------------------- #
def degrade(rgb: np.ndarray, settings: DegradeSettings | None = None, seed: int | np.random.Generator | None = 0) -> np.ndarray:
    """Apply VHS/PAL damage to a uint8 RGB ``H×W×3`` image; returns a new uint8 RGB image
    of the same size. Deterministic for a given integer ``seed``."""
    check_rgb(rgb)
    settings = PRESETS["default"] if settings is None else settings
    if not isinstance(settings, DegradeSettings):
        raise ValueError(f"settings must be a DegradeSettings, got {type(settings).__name__}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if not any(settings.strengths().values()):
        return rgb.copy()
    frame = _to_frame(rgb)
    # One child generator per artifact keeps each artifact's randomness independent of
    # which others are switched on, so a slider changes only its own artifact.
    child_seeds = rng.integers(2**63, size=len(ARTIFACT_NAMES))
    for (name, strength), child_seed in zip(settings.strengths().items(), child_seeds):
        if strength > 0:
            frame = _ARTIFACTS[name](frame, strength, np.random.default_rng(child_seed), settings)
    return _to_rgb(frame)


def _make_public(name: str) -> Callable[[np.ndarray, float, np.random.Generator], np.ndarray]:
    core = _ARTIFACTS[name]

    def artifact(rgb: np.ndarray, strength: float, rng: np.random.Generator, settings: DegradeSettings | None = None) -> np.ndarray:
        check_rgb(rgb)
        strength = _check_strength(strength, name)
        _check_rng(rng)
        if strength == 0.0:
            return rgb.copy()
        return _to_rgb(core(_to_frame(rgb), strength, rng, settings or DegradeSettings()))

    artifact.__name__ = artifact.__qualname__ = name
    artifact.__doc__ = (
        f"{core.__doc__}\n\n"
        "Takes a uint8 RGB H×W×3 image, a strength in [0, 1] (0 returns an exact copy) and a\n"
        "np.random.Generator; returns a new uint8 RGB image of the same shape."
    )
    return artifact


interlace = _make_public("interlace")
side_borders = _make_public("side_borders")
softness = _make_public("softness")
chroma_smear = _make_public("chroma_smear")
ringing = _make_public("ringing")
grain = _make_public("grain")
dropouts = _make_public("dropouts")
tracking = _make_public("tracking")
jitter = _make_public("jitter")
top_skew = _make_public("top_skew")
head_switching = _make_public("head_switching")
chroma_delay = _make_public("chroma_delay")
tint_band = _make_public("tint_band")
levels = _make_public("levels")
pal_aspect = _make_public("pal_aspect")
compression = _make_public("compression")

ARTIFACTS: dict[str, Callable[..., np.ndarray]] = {name: globals()[name] for name in ARTIFACT_NAMES}


# --------------------------------------------------------------------------- #
# Video mode: damage that evolves over time
# --------------------------------------------------------------------------- #
# How each artifact's randomness behaves from one frame to the next. Tape damage that
# comes from the mechanics (time-base wave, tracking band, flagging, head switching, the
# tint band) drifts slowly; noise (grain, snow, dropouts) is new in every field; the rest
# (recording bandwidth, chroma delay, levels, capture card) belongs to the whole clip.
_DRIFTING_ARTIFACTS = frozenset({"jitter", "tracking", "top_skew", "head_switching", "tint_band"})
_FRESH_ARTIFACTS = frozenset({"grain", "dropouts"})
# Drift: every slow parameter is a sum of three sines with periods drawn from this range
# (seconds), so it wanders over its whole range every few seconds but moves only a few
# percent of it from one 25 fps frame to the next.
_DRIFT_PERIODS = (3.0, 12.0)
_DRIFT_AMPLITUDES = (1.0, 0.5, 0.25)
# The tint band's hue wanders this many degrees either side of ``settings.tint_hue``.
_TINT_HUE_DRIFT = 12.0


class _DriftingRandom:
    """Stands in for `np.random.Generator` inside a drifting artifact, so the artifact
    functions stay as they are. A scalar draw (no ``size``) is the artifact's k-th slow
    parameter: a smooth function of time, the same for every frame at the same time and
    changing little between neighbouring frames. A draw with ``size`` (per-line or
    per-pixel noise) comes from ``fresh``, the frame's own generator, as before. A
    ``choice`` (e.g. which way the top of the picture bends) is fixed for the clip:
    flipping it between frames would be a jump, not a drift."""

    def __init__(self, key: tuple[int, ...], time: float, fresh: np.random.Generator):
        self._key = key
        self._time = time
        self._fresh = fresh
        self._draws = 0

    def _parameter_rng(self) -> np.random.Generator:
        # The k-th parameter's own constants, the same in every frame.
        rng = np.random.default_rng((*self._key, self._draws))
        self._draws += 1
        return rng

    def unit(self) -> float:
        """The next slow parameter, in [0, 1] (mostly near the middle, like a sum of draws)."""
        rng = self._parameter_rng()
        periods = rng.uniform(*_DRIFT_PERIODS, len(_DRIFT_AMPLITUDES))
        phases = rng.uniform(0.0, 2 * math.pi, len(_DRIFT_AMPLITUDES))
        wave = sum(a * math.sin(2 * math.pi * self._time / p + f) for a, p, f in zip(_DRIFT_AMPLITUDES, periods, phases))
        return 0.5 + 0.5 * wave / sum(_DRIFT_AMPLITUDES)

    def uniform(self, low=0.0, high=1.0, size=None):
        if size is not None:
            return self._fresh.uniform(low, high, size)
        return low + (high - low) * self.unit()

    def random(self, size=None, dtype=np.float64, out=None):
        if size is not None or out is not None:
            return self._fresh.random(size, dtype=dtype, out=out)
        return self.unit()

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        if size is not None:
            return self._fresh.integers(low, high, size, dtype=dtype, endpoint=endpoint)
        low, high = (0, low) if high is None else (low, high)
        high = high + 1 if endpoint else high
        return min(high - 1, low + int(self.unit() * (high - low)))

    def choice(self, options, size=None, replace=True, p=None):
        if size is not None:
            return self._fresh.choice(options, size, replace=replace, p=p)
        return self._parameter_rng().choice(options, p=p)

    def __getattr__(self, name):  # normal, standard_normal, ...: per-frame noise
        return getattr(self._fresh, name)


class VideoDegrader:
    """VHS/PAL damage for consecutive video frames: ``degrader.frame(rgb, index)``.

    The same artifacts and settings as `degrade`, but over time: the slow mechanical
    damage (the jitter wave's shape and phase, the tracking band's position and height,
    the top skew's depth and bend, head switching, the tint band's height and hue)
    drifts smoothly from frame to frame; grain, snow and dropouts are new in every
    frame; everything else (softness, chroma smear and delay, levels, compression, ...)
    stays the same for the whole clip. Frame ``index`` is at time ``index / fps``; any
    frame can be made on its own, in any order, and the same ``seed`` gives the same
    clip. Frames may change size between calls (distances scale as in `degrade`).
    """

    def __init__(self, settings: DegradeSettings | None = None, seed: int = 0, fps: float = 25.0):
        settings = PRESETS["default"] if settings is None else settings
        if not isinstance(settings, DegradeSettings):
            raise ValueError(f"settings must be a DegradeSettings, got {type(settings).__name__}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        try:
            fps = float(fps)
        except (TypeError, ValueError):
            raise ValueError(f"fps must be a positive number, got {fps!r}") from None
        if not (math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive number, got {fps!r}")
        self.settings = settings
        self.seed = int(seed)
        self.fps = fps
        # One seed per artifact, as in `degrade`: each artifact's randomness is its own.
        self._artifact_seeds = [int(s) for s in np.random.default_rng(self.seed).integers(2**63, size=len(ARTIFACT_NAMES))]

    def frame(self, rgb: np.ndarray, index: int) -> np.ndarray:
        """Damage frame number ``index`` (>= 0) of the clip; uint8 RGB in, same size out."""
        check_rgb(rgb)
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
            raise ValueError(f"index must be a non-negative integer, got {index!r}")
        strengths = self.settings.strengths()
        if not any(strengths.values()):
            return rgb.copy()
        time = int(index) / self.fps
        settings = self.settings
        if strengths["tint_band"] > 0:
            # Its own slow parameter, apart from the band artifact's own draws.
            key = (self._artifact_seeds[ARTIFACT_NAMES.index("tint_band")], 1 << 40)
            hue_drift = _DriftingRandom(key, time, np.random.default_rng(0)).uniform(-1.0, 1.0)
            settings = dataclasses.replace(settings, tint_hue=settings.tint_hue + _TINT_HUE_DRIFT * hue_drift)
        frame = _to_frame(rgb)
        for (name, strength), artifact_seed in zip(strengths.items(), self._artifact_seeds):
            if strength <= 0:
                continue
            if name in _FRESH_ARTIFACTS:
                rng = np.random.default_rng((artifact_seed, int(index)))
            elif name in _DRIFTING_ARTIFACTS:
                rng = _DriftingRandom((artifact_seed,), time, np.random.default_rng((artifact_seed, int(index))))
            else:
                rng = np.random.default_rng(artifact_seed)
            frame = _ARTIFACTS[name](frame, strength, rng, settings)
        return _to_rgb(frame)

    __call__ = frame


def degrade_video_frames(frames, settings: DegradeSettings | None = None, seed: int = 0, fps: float = 25.0):
    """Damage an iterable of consecutive uint8 RGB frames (see `VideoDegrader`); yields
    the damaged frames one at a time, so a clip never needs to be in memory at once."""
    degrader = VideoDegrader(settings, seed=seed, fps=fps)
    for index, rgb in enumerate(frames):
        yield degrader.frame(rgb, index)


# `python -m restore.degrade` runs this file as __main__ after `restore/__init__.py` has
# already imported it as restore.degrade; runpy then warns that the module is loaded
# twice. Harmless here (the CLI below imports restore.degrade_cli, which uses the
# restore.degrade copy only), so that one warning is silenced; no other.
warnings.filterwarnings("ignore", message="'restore.degrade' found in sys.modules", category=RuntimeWarning)

if __name__ == "__main__":
    from restore.degrade_cli import main

    sys.exit(main())
