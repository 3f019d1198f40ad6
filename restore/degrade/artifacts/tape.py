"""Tape-stage artifacts: what the magnetic tape adds on playback.

Analogue `grain` and snow, sensor and transmission `noise`, `dropouts` (oxide lost from
the tape) and `tracking` errors (a band where the head leaves the track). Each artifact:
``<Name>Params``, ``random_<name>``, ``add_<name>``, as described in
`restore.degrade.artifacts`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from restore.degrade.artifacts.forms import pick_form
from restore.degrade.frame import (
    Frame,
    Size,
    band_weights,
    expand_streaks,
    frame_scale,
    put_rgb_rows,
    rgb_rows,
    smooth_noise,
)
from restore.pal import PAL_WIDTH, shift_lines_in_place


@dataclass(frozen=True)
class GrainParams:
    luma: float  # standard deviation of luma grain (Y units)
    chroma: float  # standard deviation of the streaky chroma noise
    snow: float  # fraction of pixels starting a snow speck


def random_grain(strength: float, rng: np.random.Generator, size: Size, settings) -> GrainParams:
    return GrainParams(luma=0.06 * strength, chroma=0.05 * strength, snow=0.0008 * strength)


def add_grain(frame: Frame, params: GrainParams, rng: np.random.Generator) -> Frame:
    """Analogue noise: luma grain with fine vertical streaks, horizontally streaky chroma
    noise, and snow specks."""
    height, width = frame[0].shape
    scale_x = width / PAL_WIDTH
    # Sum of two uniforms: unit variance, near-Gaussian, and 3× cheaper than normals.
    grain = rng.random((height, width), dtype=np.float32)
    grain += rng.random((height, width), dtype=np.float32)
    grain -= 1.0
    grain += 0.25 * rng.standard_normal((1, width), dtype=np.float32)  # fine column streaks
    frame[0] += (params.luma * math.sqrt(6.0)) * grain
    # Chroma noise drawn at 1/8 horizontal resolution and stretched, so it streaks.
    coarse_width = max(2, int(width / (8 * scale_x)))
    for index in (1, 2):
        coarse = rng.standard_normal((height, coarse_width), dtype=np.float32) * params.chroma
        frame[index] += cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)
    speck_count = int(params.snow * height * width)
    if speck_count:
        rows, cols = expand_streaks(
            rng.integers(0, height, speck_count), rng.integers(0, width, speck_count),
            rng.integers(1, max(2, int(4 * scale_x)) + 1, speck_count), width,
        )
        frame[0][rows, cols] = rng.uniform(0.7, 1.0, rows.size).astype(np.float32)
    return frame


@dataclass(frozen=True)
class NoiseParams:
    kind: str  # gaussian | poisson | chroma
    amount: float  # gaussian: sigma (RGB units); poisson: 1 / photons at white; chroma: sigma (U/V)
    grey: bool  # gaussian / poisson: the same noise in every channel
    streak: float  # chroma: horizontal streak length, px


def random_noise(strength: float, rng: np.random.Generator, size: Size, settings) -> NoiseParams:
    scale_x, _ = frame_scale(size)
    kind = pick_form("noise_kind", settings.noise_kind, rng)
    amount = {
        "gaussian": strength * rng.uniform(0.01, 0.09),
        "poisson": 10.0 ** (-3.0 + 2.0 * strength * rng.uniform(0.5, 1.0)),
        "chroma": strength * rng.uniform(0.02, 0.09),
    }[kind]
    return NoiseParams(kind=kind, amount=float(amount), grey=bool(rng.random() < 0.4), streak=rng.uniform(3.0, 16.0) * scale_x)


def add_noise(frame: Frame, params: NoiseParams, rng: np.random.Generator) -> Frame:
    """Sensor and transmission noise in one of three shapes: Gaussian (colour or grey),
    Poisson (shot noise, stronger in bright areas) or streaky chroma noise."""
    height, width = frame[0].shape
    if params.kind == "chroma":
        coarse_width = max(2, int(width / max(params.streak, 1.0)))
        for index in (1, 2):
            coarse = rng.standard_normal((height, coarse_width), dtype=np.float32) * params.amount
            frame[index] += cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)
        return frame
    rgb = np.clip(rgb_rows(frame), 0.0, 1.0)
    channels = 1 if params.grey else 3
    if params.kind == "gaussian":
        noise = rng.standard_normal((height, width, channels), dtype=np.float32) * params.amount
    else:
        photons = 1.0 / params.amount
        base = rgb.mean(axis=2, keepdims=True) if params.grey else rgb
        noise = (rng.poisson(base * photons).astype(np.float32) / photons - base).astype(np.float32)
    put_rgb_rows(frame, rgb + noise)  # a grey 1-channel noise broadcasts over R, G and B
    return frame


@dataclass(frozen=True)
class DropoutsParams:
    count: int  # streaks in the frame
    length: float  # px: the longest streak
    white_fraction: float  # the rest are dark


def random_dropouts(strength: float, rng: np.random.Generator, size: Size, settings) -> DropoutsParams:
    scale_x, scale_y = frame_scale(size)
    return DropoutsParams(count=max(1, int(strength * 60 * scale_y * rng.uniform(0.5, 1.0))), length=60.0 * strength * scale_x, white_fraction=0.8)


def add_dropouts(frame: Frame, params: DropoutsParams, rng: np.random.Generator) -> Frame:
    """Tape dropouts: short white (or dark) horizontal streaks, one line tall."""
    height, width = frame[0].shape
    lengths = np.maximum(1, rng.uniform(5 / 60, 1.0, params.count) * params.length).astype(np.int64)
    values = np.where(rng.random(params.count) < params.white_fraction, 1.0, 0.05).astype(np.float32)
    rows, cols = expand_streaks(rng.integers(0, height, params.count), rng.integers(0, width, params.count), lengths, width)
    frame[0][rows, cols] = np.repeat(values, lengths)
    frame[1][rows, cols] = 0.0
    frame[2][rows, cols] = 0.0
    return frame


@dataclass(frozen=True)
class TrackingParams:
    top: float  # first line of the band
    height: float  # lines
    displacement: float  # px: the largest sideways displacement
    streaks: float  # fraction of band pixels that start a noise streak
    noise: float  # luma noise in the band (Y units)


def random_tracking(strength: float, rng: np.random.Generator, size: Size, settings) -> TrackingParams:
    height = size[0]
    scale_x, scale_y = frame_scale(size)
    band_height = max(2.0, rng.uniform(12, 40) * scale_y)
    return TrackingParams(
        top=float(rng.uniform(0, max(1.0, height - band_height))), height=band_height,
        displacement=strength * 12.0 * scale_x, streaks=0.3 * strength, noise=0.08 * strength,
    )


def add_tracking(frame: Frame, params: TrackingParams, rng: np.random.Generator) -> Frame:
    """Tracking error: a horizontal band of noise streaks and sideways displacement."""
    height, width = frame[0].shape
    scale_x = width / PAL_WIDTH
    band_height, top = int(params.height), int(params.top)
    feather = max(1, band_height // 3)
    rows = slice(max(0, top - feather), min(height, top + band_height + feather))
    weight = band_weights(height, top, band_height, feather)[rows]
    shift_lines_in_place(frame, weight * params.displacement * smooth_noise(rng, weight.size, 2.0), rows)
    luma = frame[0][rows]
    streaks = rng.random(luma.shape) < params.streaks * weight[:, None]
    streaks = cv2.dilate(streaks.astype(np.uint8), np.ones((1, max(1, int(6 * scale_x))), np.uint8)) > 0
    luma[streaks] = rng.uniform(0.6, 1.0, int(streaks.sum())).astype(np.float32)
    luma += params.noise * weight[:, None] * rng.standard_normal(luma.shape, dtype=np.float32)
    return frame
