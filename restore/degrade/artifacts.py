"""The artifacts: for each, its parameters, how they are drawn, and how they are applied.

Every artifact ``name`` has three parts, kept apart as in BasicSR:

* ``<Name>Params``, a frozen dataclass of plain numbers and names: everything that
  decides what the damage looks like (sizes, positions, amounts, the form);
* ``random_<name>(strength, rng, size, settings) -> params`` draws them for an image of
  ``size`` = (height, width) at a strength in (0, 1], from the settings' options;
* ``add_<name>(frame, params, rng) -> frame`` applies them to a frame (see
  `restore.degrade.frame`: a list of float32 ``H×W`` planes [Y, U, V], modified in place
  and returned). ``rng`` draws only per-pixel and per-line noise (grain, speckle
  positions), which is new in every frame of a video.

Distances are given for a 720×576 PAL frame and scale with the image size, so a smaller
crop or a larger scan gets the same damage relative to the picture. `TABLE` lists the
artifacts in the order the damage happens, each with its stage and the parameters that
drift slowly over a video (`restore.degrade.video`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from restore.degrade.frame import (
    Frame,
    band_weights,
    expand_streaks,
    frame_scale,
    horizontal_blur,
    put_rgb_rows,
    rgb_rows,
    shift_plane,
    shift_rows,
    smooth_noise,
    to_frame,
    to_rgb,
)
from restore.pal import PAL_WIDTH, RGB_TO_YUV, SQUARE_PIXEL_WIDTH, YUV_TO_RGB

Size = tuple[int, int]  # (height, width)

# The forms an option can select; "any" draws one per image (the training default).
FORMS: dict[str, tuple[str, ...]] = {
    "blur_kernel": ("gaussian", "box", "anisotropic"),
    "noise_kind": ("gaussian", "poisson", "chroma"),
    "ringing_form": ("peaking", "sinc"),
    "skew_profile": ("quadratic", "linear", "cubic", "exponential"),
    "band_form": ("channel_loss", "tint", "added_colour"),
    "band_position": ("top", "middle", "bottom"),
    "line_offset_form": ("staircase", "wave"),
    "speckle_kind": ("impulse", "dark", "bright"),
    "resample_filter": ("nearest", "linear", "cubic", "area", "lanczos"),
}
ANY = "any"
# Which artifact each form option belongs to.
FORM_ARTIFACT: dict[str, str] = {
    "blur_kernel": "blur", "noise_kind": "noise", "ringing_form": "ringing", "skew_profile": "top_skew",
    "band_form": "color_band", "band_position": "color_band", "line_offset_form": "line_offsets",
    "speckle_kind": "speckle", "resample_filter": "resample",
}

_INTERPOLATIONS = {
    "nearest": cv2.INTER_NEAREST,
    "linear": cv2.INTER_LINEAR,
    "cubic": cv2.INTER_CUBIC,
    "area": cv2.INTER_AREA,
    "lanczos": cv2.INTER_LANCZOS4,
}


def _form(option: str, value: str, rng: np.random.Generator, weights: tuple[float, ...] | None = None) -> str:
    """The form ``value`` of ``option``, or one drawn from `FORMS` when it is "any"."""
    if value != ANY:
        return value
    forms = FORMS[option]
    probabilities = None if weights is None else np.asarray(weights) / np.sum(weights)
    return str(forms[int(rng.choice(len(forms), p=probabilities))])


# --------------------------------------------------------------------------- #
# Scene and blanking
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class InterlaceParams:
    shift: float  # px: the odd field's sideways displacement (negative = left)


def random_interlace(strength: float, rng: np.random.Generator, size: Size, settings) -> InterlaceParams:
    scale_x, _ = frame_scale(size)
    return InterlaceParams(shift=strength * 3.0 * scale_x * float(rng.choice([-1.0, 1.0])) * rng.uniform(0.6, 1.0))


def add_interlace(frame: Frame, params: InterlaceParams, rng: np.random.Generator) -> Frame:
    """Motion between the two fields: the odd lines displaced sideways by up to 3 px."""
    for plane in frame:
        plane[1::2] = shift_plane(np.ascontiguousarray(plane[1::2]), params.shift)
    return frame


@dataclass(frozen=True)
class SideBordersParams:
    left: int  # px of black at the start of each line
    right: int  # px of black at the end


def random_side_borders(strength: float, rng: np.random.Generator, size: Size, settings) -> SideBordersParams:
    scale_x, _ = frame_scale(size)
    return SideBordersParams(left=int(round(strength * rng.uniform(12, 24) * scale_x)), right=int(round(strength * rng.uniform(2, 10) * scale_x)))


def add_side_borders(frame: Frame, params: SideBordersParams, rng: np.random.Generator) -> Frame:
    """Black blanking borders at the left (up to 24 px) and right (up to 10 px) of each line."""
    width = frame[0].shape[1]
    for plane in frame:
        plane[:, : params.left] = 0.0
        plane[:, width - params.right :] = 0.0
    return frame


# --------------------------------------------------------------------------- #
# Recording: bandwidth, blur, ringing
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class SoftnessParams:
    sigma: float  # px: horizontal luma low-pass
    factor: float  # down-up rescale factor (2 = half resolution)


def random_softness(strength: float, rng: np.random.Generator, size: Size, settings) -> SoftnessParams:
    scale_x, _ = frame_scale(size)
    return SoftnessParams(sigma=strength * rng.uniform(1.6, 2.4) * scale_x, factor=1.0 + strength * rng.uniform(0.4, 1.0))


def add_softness(frame: Frame, params: SoftnessParams, rng: np.random.Generator) -> Frame:
    """Low luma bandwidth: horizontal luma low-pass, then a down-up rescale (low resolution)."""
    frame[0] = horizontal_blur(frame[0], params.sigma)
    height, width = frame[0].shape
    small = (max(8, int(round(width / params.factor))), max(8, int(round(height / params.factor))))
    if small != (width, height):
        image = cv2.resize(cv2.merge(frame), small, interpolation=cv2.INTER_AREA)
        frame[:] = cv2.split(cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR))
    return frame


@dataclass(frozen=True)
class BlurParams:
    kernel: str  # gaussian | box | anisotropic
    sigma_major: float  # px (gaussian, anisotropic); the box's width for "box"
    sigma_minor: float  # px (anisotropic; equal to sigma_major otherwise)
    angle: float  # degrees of the major axis from horizontal (anisotropic)


def random_blur(strength: float, rng: np.random.Generator, size: Size, settings) -> BlurParams:
    scale_x, _ = frame_scale(size)
    kernel = _form("blur_kernel", settings.blur_kernel, rng)
    if kernel == "box":
        width = 1.0 + strength * rng.uniform(1.0, 5.0) * scale_x
        return BlurParams(kernel, width, width, 0.0)
    major = strength * rng.uniform(0.6, 3.2) * scale_x
    minor = major * (rng.uniform(0.15, 0.7) if kernel == "anisotropic" else 1.0)
    return BlurParams(kernel, major, minor, float(rng.uniform(0, 180)) if kernel == "anisotropic" else 0.0)


def blur_kernel(params: BlurParams) -> np.ndarray:
    """The normalised float32 2-D kernel of ``params`` (odd side)."""
    if params.kernel == "box":
        # A centred box ``sigma_major`` px wide: the taps it covers fully weigh 1, the two
        # end taps the fraction of them it covers. So the side is always odd (an even box
        # would shift the picture half a pixel) and the blur grows smoothly with the width
        # (a whole-pixel box is a no-op below 1.5 px and jumps at every half pixel).
        half = max(float(params.sigma_major), 1.0) / 2
        radius = int(math.ceil(half - 0.5))
        taps = np.clip(half + 0.5 - np.abs(np.arange(-radius, radius + 1, dtype=np.float32)), 0.0, 1.0)
        kernel = np.outer(taps, taps).astype(np.float32)
    else:
        radius = max(1, int(math.ceil(3 * params.sigma_major)))
        axis = np.arange(-radius, radius + 1, dtype=np.float32)
        x, y = np.meshgrid(axis, axis)
        theta = math.radians(params.angle)
        along, across = x * math.cos(theta) + y * math.sin(theta), -x * math.sin(theta) + y * math.cos(theta)
        major, minor = max(params.sigma_major, 0.2), max(params.sigma_minor, 0.2)
        kernel = np.exp(-0.5 * ((along / major) ** 2 + (across / minor) ** 2)).astype(np.float32)
    return kernel / kernel.sum()


def add_blur(frame: Frame, params: BlurParams, rng: np.random.Generator) -> Frame:
    """Optical or digital blur of the whole picture: Gaussian, box or anisotropic
    (rotated Gaussian) kernel."""
    kernel = blur_kernel(params)
    if kernel.size > 1:
        frame[:] = cv2.split(cv2.filter2D(cv2.merge(frame), -1, kernel, borderType=cv2.BORDER_REFLECT))
    return frame


@dataclass(frozen=True)
class ChromaSmearParams:
    sigma: float  # px: horizontal chroma low-pass
    vertical_mix: float  # how much each line's chroma takes from the line above (PAL delay line)


def random_chroma_smear(strength: float, rng: np.random.Generator, size: Size, settings) -> ChromaSmearParams:
    scale_x, _ = frame_scale(size)
    return ChromaSmearParams(sigma=strength * rng.uniform(5.0, 8.0) * scale_x, vertical_mix=0.5 * strength)


def add_chroma_smear(frame: Frame, params: ChromaSmearParams, rng: np.random.Generator) -> Frame:
    """Colour-under bandwidth (~0.4 MHz): chroma smeared 10-20 px along lines, plus PAL's
    delay line averaging chroma over two lines."""
    for index in (1, 2):
        chroma = horizontal_blur(frame[index], params.sigma)
        chroma[1:] += params.vertical_mix * (chroma[:-1] - chroma[1:])
        frame[index] = chroma
    return frame


@dataclass(frozen=True)
class RingingParams:
    form: str  # peaking (over-sharpening with an echo) | sinc (band-limit ripples)
    amount: float  # peaking gain; for sinc, the mix of the ringing signal
    echo_delay: float  # px (peaking)
    cutoff: float  # sinc cutoff as a fraction of Nyquist (sinc)
    taps: int  # sinc half-length in px (sinc)


def random_ringing(strength: float, rng: np.random.Generator, size: Size, settings) -> RingingParams:
    scale_x, _ = frame_scale(size)
    form = _form("ringing_form", settings.ringing_form, rng)
    return RingingParams(
        form=form,
        amount=strength * rng.uniform(1.0, 2.0) if form == "peaking" else min(1.0, strength * rng.uniform(0.6, 1.2)),
        echo_delay=rng.uniform(3.0, 6.0) * scale_x,
        cutoff=float(np.clip(0.85 - 0.55 * strength * rng.uniform(0.6, 1.0), 0.2, 0.9)),
        taps=int(rng.integers(4, 11)),
    )


def add_ringing(frame: Frame, params: RingingParams, rng: np.random.Generator) -> Frame:
    """Halos along lines: peaking (luma detail boosted with overshoot, plus a faint echo)
    or a hard band limit (a truncated sinc, whose ripples follow every edge)."""
    luma = frame[0]
    scale_x = luma.shape[1] / PAL_WIDTH
    if params.form == "peaking":
        detail = luma - horizontal_blur(luma, 1.5 * scale_x)
        echo = shift_plane(detail, params.echo_delay)
        frame[0] = luma + params.amount * detail - 0.3 * params.amount * echo
        return frame
    taps = np.arange(-params.taps, params.taps + 1, dtype=np.float32)
    kernel = (params.cutoff * np.sinc(params.cutoff * taps)).astype(np.float32)[None, :]
    kernel /= kernel.sum()
    filtered = cv2.filter2D(luma, -1, kernel, borderType=cv2.BORDER_REPLICATE)
    frame[0] = luma + params.amount * (filtered - luma)
    return frame


# --------------------------------------------------------------------------- #
# Tape: noise, dropouts, tracking
# --------------------------------------------------------------------------- #
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
    kind = _form("noise_kind", settings.noise_kind, rng)
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
    shift_rows(frame, weight * params.displacement * smooth_noise(rng, weight.size, 2.0), rows)
    luma = frame[0][rows]
    streaks = rng.random(luma.shape) < params.streaks * weight[:, None]
    streaks = cv2.dilate(streaks.astype(np.uint8), np.ones((1, max(1, int(6 * scale_x))), np.uint8)) > 0
    luma[streaks] = rng.uniform(0.6, 1.0, int(streaks.sum())).astype(np.float32)
    luma += params.noise * weight[:, None] * rng.standard_normal(luma.shape, dtype=np.float32)
    return frame


# --------------------------------------------------------------------------- #
# Deck: time base, tearing, chroma timing, bands, proc amp
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class JitterParams:
    periods: tuple[float, float, float]  # lines (PAL) of the three waves
    phases: tuple[float, float, float]  # radians
    amplitude: float  # px of the summed wave
    wobble: float  # px of per-line random wobble


def random_jitter(strength: float, rng: np.random.Generator, size: Size, settings) -> JitterParams:
    scale_x, _ = frame_scale(size)
    periods = (rng.uniform(150, 400), rng.uniform(30, 90), rng.uniform(8, 20))
    phases = tuple(float(rng.uniform(0, 2 * np.pi)) for _ in range(3))
    return JitterParams(periods=tuple(float(p) for p in periods), phases=phases, amplitude=strength * scale_x * 4.0 / 1.75, wobble=0.8 * strength * scale_x)


def add_jitter(frame: Frame, params: JitterParams, rng: np.random.Generator) -> Frame:
    """Time-base error: every line shifted sideways, mostly a slow wave over many lines
    plus a little per-line wobble (up to ~5 px at strength 1)."""
    height = frame[0].shape[0]
    _, scale_y = frame_scale(frame[0].shape)
    lines = np.arange(height, dtype=np.float32) / scale_y
    wave = np.zeros(height, np.float32)
    for period, phase, weight in zip(params.periods, params.phases, (1.0, 0.5, 0.25)):
        wave += weight * np.sin(2 * np.pi * lines / period + phase)
    shift_rows(frame, params.amplitude * wave + params.wobble * smooth_noise(rng, height, 1.0), fill_black=True)
    return frame


@dataclass(frozen=True)
class LineOffsetsParams:
    form: str  # staircase (blocks of lines pushed further and further) | wave
    top: float  # first line affected
    height: float  # lines affected
    step_lines: float  # staircase: lines per step
    step: float  # staircase: px added per step (signed)
    amplitude: float  # wave: px
    period: float  # wave: lines
    phase: float  # wave: radians
    fill_black: bool  # what comes in at the edge: black, or the edge pixels repeated


def random_line_offsets(strength: float, rng: np.random.Generator, size: Size, settings) -> LineOffsetsParams:
    height = size[0]
    scale_x, scale_y = frame_scale(size)
    affected = height * rng.uniform(0.1, 0.7)
    step_lines = max(1.0, rng.uniform(3, 40) * scale_y)
    steps = max(1.0, affected / step_lines)
    total = strength * rng.uniform(6, 40) * scale_x
    return LineOffsetsParams(
        form=_form("line_offset_form", settings.line_offset_form, rng),
        top=float(rng.uniform(0, height - affected)), height=float(affected),
        step_lines=float(step_lines), step=float(total / steps * rng.choice([-1.0, 1.0])),
        amplitude=strength * rng.uniform(2, 12) * scale_x, period=rng.uniform(12, 120) * scale_y, phase=float(rng.uniform(0, 2 * np.pi)),
        fill_black=bool(rng.random() < 0.5),
    )


def add_line_offsets(frame: Frame, params: LineOffsetsParams, rng: np.random.Generator) -> Frame:
    """Blocks of lines displaced sideways: a staircase (each block of ``step_lines`` lines
    pushed ``step`` px further than the one above) or a sine wave over the lines."""
    height = frame[0].shape[0]
    top = int(np.clip(params.top, 0, height - 1))
    rows = slice(top, min(height, top + max(1, int(params.height))))
    lines = np.arange(rows.stop - rows.start, dtype=np.float32)
    if params.form == "staircase":
        offsets = (np.floor(lines / params.step_lines) + 1) * params.step
    else:
        offsets = params.amplitude * np.sin(2 * np.pi * lines / params.period + params.phase)
    shift_rows(frame, np.round(offsets), rows, fill_black=params.fill_black)
    return frame


_SKEW_PROFILES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "quadratic": lambda depth: depth**2,
    "linear": lambda depth: depth,
    "cubic": lambda depth: depth**3,
    "exponential": lambda depth: (np.exp(4.0 * depth) - 1.0) / (math.e**4 - 1.0),
}


@dataclass(frozen=True)
class TopSkewParams:
    height: float  # lines bent, from the top
    offset: float  # px of bend at the top line (>= 0)
    direction: float  # +1 right, -1 left
    profile: str  # how the bend grows toward the top edge: quadratic | linear | cubic | exponential


def random_top_skew(strength: float, rng: np.random.Generator, size: Size, settings) -> TopSkewParams:
    scale_x, scale_y = frame_scale(size)
    return TopSkewParams(
        height=min(float(size[0]), max(2.0, rng.uniform(70, 120) * scale_y)),
        offset=strength * rng.uniform(15, 30) * scale_x,
        direction=float(rng.choice([-1.0, 1.0])),
        profile=_form("skew_profile", settings.skew_profile, rng),
    )


def add_top_skew(frame: Frame, params: TopSkewParams, rng: np.random.Generator) -> Frame:
    """Flagging: the top ~100 lines bent sideways, the bend growing toward the top edge."""
    skew_height = max(2, int(params.height))
    depth = 1.0 - np.arange(skew_height, dtype=np.float32) / skew_height  # 1 at the top
    offsets = params.direction * params.offset * _SKEW_PROFILES[params.profile](depth)
    shift_rows(frame, offsets.astype(np.float32), slice(0, skew_height), fill_black=True)
    return frame


@dataclass(frozen=True)
class HeadSwitchingParams:
    lines: float  # lines torn at the bottom
    offset: float  # px of tear at the last line
    noise: float  # luma noise in the torn lines


def random_head_switching(strength: float, rng: np.random.Generator, size: Size, settings) -> HeadSwitchingParams:
    scale_x, scale_y = frame_scale(size)
    lines = min(float(size[0]), max(1.0, rng.uniform(5, 10) * scale_y * (0.5 + 0.5 * strength)))
    return HeadSwitchingParams(lines=lines, offset=strength * rng.uniform(10, 25) * scale_x, noise=0.15 * strength)


def add_head_switching(frame: Frame, params: HeadSwitchingParams, rng: np.random.Generator) -> Frame:
    """Head-switching noise: the last 5-10 lines torn sideways, with noise."""
    height, width = frame[0].shape
    lines = min(height, max(1, int(params.lines)))
    depth = (np.arange(lines, dtype=np.float32) + 1) / lines  # 1 at the bottom
    shift_rows(frame, params.offset * np.sqrt(depth), slice(height - lines, height), fill_black=True)
    frame[0][height - lines :] += params.noise * rng.standard_normal((lines, width), dtype=np.float32)
    return frame


@dataclass(frozen=True)
class ChromaDelayParams:
    u_delay: float  # px right
    v_delay: float  # px right


def random_chroma_delay(strength: float, rng: np.random.Generator, size: Size, settings) -> ChromaDelayParams:
    scale_x, _ = frame_scale(size)
    delay = strength * rng.uniform(2.5, 4.0) * scale_x
    return ChromaDelayParams(u_delay=delay * rng.uniform(0.5, 1.0), v_delay=delay)


def add_chroma_delay(frame: Frame, params: ChromaDelayParams, rng: np.random.Generator) -> Frame:
    """Chroma delayed (shifted right) against luma, U and V by different amounts, which
    gives the coloured fringes of chromatic aberration (up to ~4 px)."""
    frame[1] = shift_plane(frame[1], params.u_delay)
    frame[2] = shift_plane(frame[2], params.v_delay)
    return frame


@dataclass(frozen=True)
class TintBandParams:
    height: float  # lines, from the top
    hue: float  # degrees in the U/V plane
    amount: float  # strength of the tint


_TINT_HUE_SPREAD = 6.0  # degrees either side of settings.tint_hue


def random_tint_band(strength: float, rng: np.random.Generator, size: Size, settings) -> TintBandParams:
    _, scale_y = frame_scale(size)
    return TintBandParams(
        height=min(float(size[0]), max(2.0, rng.uniform(45, 65) * scale_y)),
        hue=float(settings.tint_hue + rng.uniform(-_TINT_HUE_SPREAD, _TINT_HUE_SPREAD)),
        amount=strength,
    )


def add_tint_band(frame: Frame, params: TintBandParams, rng: np.random.Generator) -> Frame:
    """A strongly tinted band over the top ~55 lines; the picture stays visible beneath."""
    height = frame[0].shape[0]
    band_height = min(height, max(2, int(params.height)))
    weight = band_weights(height, 0, band_height, feather=max(1, band_height // 4))[:band_height, None]
    hue = math.radians(params.hue)
    for index, component in ((1, math.cos(hue)), (2, math.sin(hue))):
        band = frame[index][:band_height]
        band *= 1 - 0.5 * params.amount * weight
        band += weight * (0.25 * params.amount * component)
    luma = frame[0][:band_height]
    luma *= 1 - 0.15 * params.amount * weight
    luma += 0.1 * params.amount * weight
    return frame


@dataclass(frozen=True)
class ColorBandParams:
    form: str  # channel_loss | tint | added_colour
    top: float  # first line
    height: float  # lines
    feather: float  # lines of soft edge (0 = hard)
    gains: tuple[float, float, float]  # RGB gains inside the band (a lost channel: near 0)
    colour: tuple[float, float, float]  # RGB in [0, 1] the band washes toward
    visibility: float  # 1 = the picture fully visible beneath, 0 = only the colour


def random_color_band(strength: float, rng: np.random.Generator, size: Size, settings) -> ColorBandParams:
    height = size[0]
    form = _form("band_form", settings.band_form, rng, weights=(0.5, 0.25, 0.25))
    position = _form("band_position", settings.band_position, rng, weights=(0.65, 0.2, 0.15))
    # Mostly 5-25% of the height, now and then a few lines or a third of the frame.
    band_height = float(np.clip(height * 10 ** rng.uniform(-1.9, -0.47), 2, height))
    top = {
        "top": 0.0,
        "middle": rng.uniform(0.1 * height, max(0.1 * height, 0.9 * height - band_height)),
        "bottom": height - band_height,
    }[position]
    feather = 0.0 if rng.random() < 0.5 else band_height * rng.uniform(0.05, 0.5)
    gains = np.ones(3)
    if form == "channel_loss":
        lost = rng.choice(3, size=int(rng.integers(1, 3)), replace=False)
        gains[lost] = 1.0 - strength * rng.uniform(0.6, 1.0, lost.size)
        colour = np.zeros(3)
        kept = np.setdiff1d(np.arange(3), lost)
        colour[kept] = rng.uniform(0.3, 0.9, kept.size)
    elif form == "tint":
        hue = rng.uniform(0, 2 * np.pi)
        yuv = np.float32([[[rng.uniform(0.3, 0.7), 0.3 * math.cos(hue), 0.3 * math.sin(hue)]]])
        colour = np.clip(cv2.transform(yuv, YUV_TO_RGB)[0, 0], 0.0, 1.0)
        gains = 1.0 - strength * rng.uniform(0.0, 0.4, 3)
    else:  # added colour: a wash of any colour over the picture
        colour = rng.uniform(0.0, 1.0, 3)
    visibility = 1.0 - strength * rng.uniform(0.0, 0.9) if form != "tint" else 1.0 - strength * rng.uniform(0.3, 0.8)
    return ColorBandParams(
        form=form, top=float(top), height=band_height, feather=float(feather),
        gains=tuple(float(g) for g in gains), colour=tuple(float(c) for c in colour), visibility=float(visibility),
    )


def add_color_band(frame: Frame, params: ColorBandParams, rng: np.random.Generator) -> Frame:
    """A horizontal band where colour is damaged: one or two RGB channels gone or
    attenuated, a tint, or a wash of added colour; the picture beneath fades from fully
    visible to nearly gone (``visibility``). Hard or feathered edges."""
    height = frame[0].shape[0]
    # Both edges rounded (not the top truncated and the height rounded), so a band
    # drawn at the bottom ends on the last line instead of one line above it.
    top = int(round(params.top))
    band_height, feather = max(1, int(round(params.top + params.height)) - top), int(round(params.feather))
    weight = band_weights(height, top, band_height, feather)
    touched = np.flatnonzero(weight)
    if touched.size == 0:
        return frame
    rows = slice(int(touched[0]), int(touched[-1]) + 1)
    rgb = rgb_rows(frame, rows)
    band = rgb * np.float32(params.gains) * params.visibility + np.float32(params.colour) * (1.0 - params.visibility)
    mix = weight[rows, None, None]
    put_rgb_rows(frame, rgb + mix * (band - rgb), rows)
    return frame


@dataclass(frozen=True)
class LevelsParams:
    saturation: float  # chroma gain (1 = unchanged)
    gain: tuple[float, float, float]  # RGB contrast about mid-grey
    offset: tuple[float, float, float]  # RGB offset, [0, 1] units
    gamma: float  # exponent on RGB
    black_lift: float  # blacks raised to this level


def random_levels(strength: float, rng: np.random.Generator, size: Size, settings) -> LevelsParams:
    return LevelsParams(
        saturation=1.0 - strength * rng.uniform(0.2, 0.4),
        gain=tuple(float(1 + strength * (g - 1)) for g in settings.cast_gain),
        offset=tuple(float(strength * o / 255.0) for o in settings.cast_offset),
        gamma=1.0 + strength * rng.uniform(-0.15, 0.25),
        black_lift=strength * rng.uniform(0.04, 0.08),
    )


def add_levels(frame: Frame, params: LevelsParams, rng: np.random.Generator) -> Frame:
    """Proc-amp errors: saturation loss, a colour cast (per-channel gain and offset),
    gamma and lifted blacks, in that order."""
    saturation = np.float32([1.0, params.saturation, params.saturation])
    gain, offset = np.asarray(params.gain, np.float32), np.asarray(params.offset, np.float32)
    desaturated_to_rgb = YUV_TO_RGB * saturation[None, :]
    # RGB' = gain·(RGB - pivot) + pivot + offset, folded into one 3×4 matrix on YUV. The
    # pivot is fixed mid-grey, as in a proc amp: the error is a function of each pixel alone.
    pivot = 0.5
    to_rgb_matrix = np.hstack([gain[:, None] * desaturated_to_rgb, (pivot * (1 - gain) + offset)[:, None]])
    rgb = cv2.transform(cv2.merge(frame), to_rgb_matrix.astype(np.float32))
    # A floor above 0 keeps cv2.pow on its fast path (exact zeros are 4× slower).
    rgb = cv2.pow(np.clip(rgb, 1.0 / 1024, 1.0, out=rgb), params.gamma)
    to_yuv = np.hstack([RGB_TO_YUV * (1 - params.black_lift), np.float32([[params.black_lift], [0], [0]])])
    frame[:] = cv2.split(cv2.transform(rgb, to_yuv.astype(np.float32)))
    return frame


# --------------------------------------------------------------------------- #
# Capture and digitisation
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class PalAspectParams:
    squeeze: float  # fraction of the width lost (768 -> 720 is 0.0625)


def random_pal_aspect(strength: float, rng: np.random.Generator, size: Size, settings) -> PalAspectParams:
    return PalAspectParams(squeeze=strength * (1.0 - PAL_WIDTH / SQUARE_PIXEL_WIDTH))


def add_pal_aspect(frame: Frame, params: PalAspectParams, rng: np.random.Generator) -> Frame:
    """Non-square PAL pixels: squeezed to the anamorphic grid (768 -> 720) and back."""
    height, width = frame[0].shape
    narrow = max(8, int(round(width * (1.0 - params.squeeze))))
    if narrow != width:
        small = cv2.resize(cv2.merge(frame), (narrow, height), interpolation=cv2.INTER_AREA)
        frame[:] = cv2.split(cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC))
    return frame


@dataclass(frozen=True)
class ResampleParams:
    factor_x: float  # down-scale factor across (1 = none)
    factor_y: float  # down-scale factor down
    down: str  # filter name, see FORMS["resample_filter"]
    up: str


def random_resample(strength: float, rng: np.random.Generator, size: Size, settings) -> ResampleParams:
    factor = 1.0 + strength * rng.uniform(0.3, 3.0)
    return ResampleParams(
        factor_x=factor, factor_y=1.0 if rng.random() < 0.3 else factor,
        down=_form("resample_filter", settings.resample_filter, rng), up=_form("resample_filter", settings.resample_filter, rng),
    )


def add_resample(frame: Frame, params: ResampleParams, rng: np.random.Generator) -> Frame:
    """Down-sampled and up-sampled again (a low-resolution transfer or a rescaling
    codec), with any of five filters each way: blur, aliasing, blocky or ringing edges."""
    height, width = frame[0].shape
    small = (max(4, int(round(width / params.factor_x))), max(4, int(round(height / params.factor_y))))
    if small != (width, height):
        image = cv2.resize(cv2.merge(frame), small, interpolation=_INTERPOLATIONS[params.down])
        frame[:] = cv2.split(cv2.resize(image, (width, height), interpolation=_INTERPOLATIONS[params.up]))
    return frame


@dataclass(frozen=True)
class ChannelShiftParams:
    shifts: tuple[tuple[int, int], tuple[int, int], tuple[int, int]]  # (right, down) whole px per R, G, B


def random_channel_shift(strength: float, rng: np.random.Generator, size: Size, settings) -> ChannelShiftParams:
    scale_x, scale_y = frame_scale(size)
    reach = max(1.0, strength * 6.0 * scale_x)
    shifts = []
    for channel in range(3):
        if channel == 1 and rng.random() < 0.7:  # usually green is the reference
            shifts.append((0, 0))
            continue
        right = int(round(rng.uniform(-reach, reach)))
        down = int(round(rng.uniform(-1, 1) * strength * 2.0 * scale_y)) if rng.random() < 0.3 else 0
        shifts.append((right, down))
    if all(shift == (0, 0) for shift in shifts):
        shifts[0] = (int(rng.choice([-1, 1])) * max(1, int(round(reach))), 0)
    return ChannelShiftParams(shifts=tuple(shifts))


def add_channel_shift(frame: Frame, params: ChannelShiftParams, rng: np.random.Generator) -> Frame:
    """Colour channels misregistered by whole pixels (a capture with the R, G and B
    planes out of step): coloured fringes on every edge."""
    rgb = rgb_rows(frame)
    height, width = rgb.shape[:2]
    channels = list(cv2.split(rgb))
    for index, (right, down) in enumerate(params.shifts):
        if right or down:
            matrix = np.float32([[1, 0, right], [0, 1, down]])
            channels[index] = cv2.warpAffine(channels[index], matrix, (width, height), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
    put_rgb_rows(frame, cv2.merge(channels))
    return frame


@dataclass(frozen=True)
class PosterizeParams:
    levels: int  # output levels per channel
    floor: float  # blacks lifted to this level, [0, 1]
    luma_only: bool  # quantise brightness only, keep the colour


def random_posterize(strength: float, rng: np.random.Generator, size: Size, settings) -> PosterizeParams:
    return PosterizeParams(
        levels=max(2, int(round(2 ** (8.0 - strength * rng.uniform(2.5, 5.5))))),
        floor=strength * rng.uniform(0.0, 0.18),
        luma_only=bool(rng.random() < 0.3),
    )


def add_posterize(frame: Frame, params: PosterizeParams, rng: np.random.Generator) -> Frame:
    """Posterisation and banding: too few levels per channel (a bad gain stage or a low
    bit depth), with the black floor lifted."""
    steps = params.levels - 1
    if params.luma_only:
        frame[0] = np.round(np.clip(frame[0], 0.0, 1.0) * steps) / steps * (1 - params.floor) + params.floor
        return frame
    rgb = np.clip(rgb_rows(frame), 0.0, 1.0)
    put_rgb_rows(frame, np.round(rgb * steps) / steps * (1 - params.floor) + params.floor)
    return frame


@dataclass(frozen=True)
class SpeckleParams:
    kind: str  # impulse (salt and pepper) | dark | bright
    density: float  # fraction of pixels hit
    colour: bool  # per-channel specks (coloured) instead of whole pixels
    size: int  # speck side, px


def random_speckle(strength: float, rng: np.random.Generator, size: Size, settings) -> SpeckleParams:
    return SpeckleParams(
        kind=_form("speckle_kind", settings.speckle_kind, rng), density=strength * rng.uniform(0.002, 0.03),
        colour=bool(rng.random() < 0.3), size=1 if rng.random() < 0.7 else 2,
    )


def add_speckle(frame: Frame, params: SpeckleParams, rng: np.random.Generator) -> Frame:
    """Pixel speckle of digitisation: impulse (salt and pepper), dark or bright specks."""
    rgb = rgb_rows(frame)
    height, width = rgb.shape[:2]
    hits = rng.random((height, width, 3 if params.colour else 1)) < params.density / params.size**2
    if params.size > 1:
        hits = cv2.dilate(hits.astype(np.uint8), np.ones((params.size, params.size), np.uint8)).reshape(hits.shape) > 0
    values = {
        "dark": lambda shape: rng.uniform(0.0, 0.15, shape),
        "bright": lambda shape: rng.uniform(0.85, 1.0, shape),
        "impulse": lambda shape: (rng.random(shape) < 0.5).astype(np.float64),
    }[params.kind](hits.shape).astype(np.float32)
    put_rgb_rows(frame, np.where(hits, values, rgb).astype(np.float32))
    return frame


@dataclass(frozen=True)
class LineStreaksParams:
    count: int  # corrupted streaks in the frame
    max_lines: float  # lines per streak, at most


_STREAK_FORMS = ("noise", "repeat", "shift", "colour")


def random_line_streaks(strength: float, rng: np.random.Generator, size: Size, settings) -> LineStreaksParams:
    _, scale_y = frame_scale(size)
    return LineStreaksParams(count=1 + int(strength * rng.uniform(0, 4)), max_lines=max(1.0, strength * rng.uniform(2, 14) * scale_y))


def add_line_streaks(frame: Frame, params: LineStreaksParams, rng: np.random.Generator) -> Frame:
    """Streaks of corrupted lines (a digitiser losing sync or data): each a few lines of
    noise, a repeated line, lines torn far sideways, or colour garbage."""
    height, width = frame[0].shape
    for _ in range(params.count):
        lines = int(rng.integers(1, int(params.max_lines) + 1))
        top = int(rng.integers(0, max(1, height - lines)))
        rows = slice(top, top + lines)
        form = _STREAK_FORMS[int(rng.integers(len(_STREAK_FORMS)))]
        if form == "noise":
            frame[0][rows] = rng.uniform(0.0, 1.0, (lines, width)).astype(np.float32)
            frame[1][rows] *= 0.2
            frame[2][rows] *= 0.2
        elif form == "repeat":
            source = max(0, top - 1)
            for plane in frame:
                plane[rows] = plane[source]
        elif form == "shift":
            offset = int(rng.integers(width // 8, width // 2 + 1)) * int(rng.choice([-1, 1]))
            for plane in frame:
                plane[rows] = np.roll(plane[rows], offset, axis=1)
        else:
            colour = cv2.transform(rng.uniform(0, 1, (1, 1, 3)).astype(np.float32), RGB_TO_YUV)[0, 0]
            for plane, value in zip(frame, colour):
                plane[rows] = 0.3 * plane[rows] + 0.7 * value
    return frame


@dataclass(frozen=True)
class CompressionParams:
    quality: int  # JPEG quality, 10-90


def random_compression(strength: float, rng: np.random.Generator, size: Size, settings) -> CompressionParams:
    return CompressionParams(quality=int(round(90 - 80 * strength)))


def add_compression(frame: Frame, params: CompressionParams, rng: np.random.Generator) -> Frame:
    """Capture-card compression: JPEG blocking at quality 90 (weak) down to 10 (strength 1)."""
    bgr = np.ascontiguousarray(to_rgb(frame)[..., ::-1])
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, params.quality])
    if not ok:
        raise RuntimeError("OpenCV could not JPEG-encode the frame")
    frame[:] = to_frame(cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1])
    return frame


# --------------------------------------------------------------------------- #
# The table
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class Artifact:
    """One artifact: how its parameters are drawn and applied, where it happens, and
    which parameters drift slowly in a video (numeric fields of its params; the rest of
    them stay fixed for a clip, and its noise is new in every frame)."""

    draw: Callable[[float, np.random.Generator, Size, Any], Any]
    apply: Callable[[Frame, Any, np.random.Generator], Frame]
    stage: str
    drift: tuple[str, ...] = ()
    # Touches the seed? False: the damage depends on the strength alone.
    random: bool = True


# Stages in the order the damage happens; `degrade` may shuffle artifacts within a stage.
STAGES = ("scene", "recording", "tape", "deck", "capture")

# Physical order: the scene, the recording, the tape, the deck, the capture card.
TABLE: dict[str, Artifact] = {
    "interlace": Artifact(random_interlace, add_interlace, "scene"),
    "side_borders": Artifact(random_side_borders, add_side_borders, "scene"),
    "softness": Artifact(random_softness, add_softness, "recording"),
    "blur": Artifact(random_blur, add_blur, "recording"),
    "chroma_smear": Artifact(random_chroma_smear, add_chroma_smear, "recording"),
    "ringing": Artifact(random_ringing, add_ringing, "recording"),
    "grain": Artifact(random_grain, add_grain, "tape"),
    "noise": Artifact(random_noise, add_noise, "tape"),
    "dropouts": Artifact(random_dropouts, add_dropouts, "tape"),
    "tracking": Artifact(random_tracking, add_tracking, "tape", drift=("top", "height")),
    "jitter": Artifact(random_jitter, add_jitter, "deck", drift=("periods", "phases")),
    "line_offsets": Artifact(random_line_offsets, add_line_offsets, "deck", drift=("top", "phase")),
    "top_skew": Artifact(random_top_skew, add_top_skew, "deck", drift=("height", "offset")),
    "head_switching": Artifact(random_head_switching, add_head_switching, "deck", drift=("lines", "offset")),
    "chroma_delay": Artifact(random_chroma_delay, add_chroma_delay, "deck"),
    "tint_band": Artifact(random_tint_band, add_tint_band, "deck", drift=("height", "hue")),
    # A colour band stays where it is (its anchors may sit elsewhere); how much of the
    # picture shows through it comes and goes.
    "color_band": Artifact(random_color_band, add_color_band, "deck", drift=("visibility",)),
    "levels": Artifact(random_levels, add_levels, "deck"),
    "pal_aspect": Artifact(random_pal_aspect, add_pal_aspect, "capture", random=False),
    "resample": Artifact(random_resample, add_resample, "capture"),
    "channel_shift": Artifact(random_channel_shift, add_channel_shift, "capture"),
    "posterize": Artifact(random_posterize, add_posterize, "capture"),
    "speckle": Artifact(random_speckle, add_speckle, "capture"),
    "line_streaks": Artifact(random_line_streaks, add_line_streaks, "capture"),
    "compression": Artifact(random_compression, add_compression, "capture", random=False),
}
ARTIFACT_NAMES: tuple[str, ...] = tuple(TABLE)

# The second pass (Real-ESRGAN's second-order degradation): re-digitisation damage again.
SECOND_PASS_ARTIFACTS = ("blur", "noise", "resample", "compression")


def drifted(params: Any, anchors: list[Any], weights: np.ndarray, fields: tuple[str, ...]) -> Any:
    """``params`` with each of ``fields`` replaced by the ``weights``-weighted mean of the
    same field over ``anchors`` (other draws of the same artifact). A convex mix of valid
    draws is itself valid, so drifting never leaves an artifact's range. Integer fields
    are rounded; tuples are mixed element by element."""
    changes = {}
    for name in fields:
        values = np.asarray([getattr(anchor, name) for anchor in anchors], np.float64)
        mixed = np.tensordot(weights, values, axes=1)
        original = getattr(params, name)
        if isinstance(original, tuple):
            changes[name] = tuple(type(o)(m) for o, m in zip(original, np.atleast_1d(mixed)))
        elif isinstance(original, (int, np.integer)) and not isinstance(original, bool):
            changes[name] = int(round(float(mixed)))
        else:
            changes[name] = float(mixed)
    return dataclasses.replace(params, **changes)
