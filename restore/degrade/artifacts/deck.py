"""Deck-stage artifacts: what the playback deck's timing and proc amp do.

Time-base errors that move lines sideways (`jitter`, `line_offsets`, flagging at the top
as `top_skew`, `head_switching` at the bottom; all through `restore.pal.shift_lines_in_place`,
positive = right), chroma timing (`chroma_delay`), coloured bands (`tint_band`,
`color_band`) and proc-amp errors (`levels`: saturation, cast, gamma, lifted blacks).
Each artifact: ``<Name>Params``, ``random_<name>``, ``add_<name>``, as described in
`restore.degrade.artifacts`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from restore.degrade.artifacts.forms import pick_form
from restore.degrade.frame import (
    Frame,
    Size,
    band_weights,
    frame_scale,
    put_rgb_rows,
    rgb_rows,
    smooth_noise,
)
from restore.pal import RGB_TO_YUV, YUV_TO_RGB, shift_lines, shift_lines_in_place


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
    shift_lines_in_place(frame, params.amplitude * wave + params.wobble * smooth_noise(rng, height, 1.0), fill_black=True)
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
        form=pick_form("line_offset_form", settings.line_offset_form, rng),
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
    shift_lines_in_place(frame, np.round(offsets), rows, fill_black=params.fill_black)
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
        profile=pick_form("skew_profile", settings.skew_profile, rng),
    )


def add_top_skew(frame: Frame, params: TopSkewParams, rng: np.random.Generator) -> Frame:
    """Flagging: the top ~100 lines bent sideways, the bend growing toward the top edge."""
    skew_height = max(2, int(params.height))
    depth = 1.0 - np.arange(skew_height, dtype=np.float32) / skew_height  # 1 at the top
    offsets = params.direction * params.offset * _SKEW_PROFILES[params.profile](depth)
    shift_lines_in_place(frame, offsets.astype(np.float32), slice(0, skew_height), fill_black=True)
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
    shift_lines_in_place(frame, params.offset * np.sqrt(depth), slice(height - lines, height), fill_black=True)
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
    frame[1] = shift_lines(frame[1], params.u_delay)
    frame[2] = shift_lines(frame[2], params.v_delay)
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


def _band_channel_loss(strength: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """One or two RGB channels gone or attenuated; what shows instead has the kept ones.
    Half the time the lost channels are gone outright (at full strength, gain 0), the
    archives' green and pink bars."""
    gains = np.ones(3)
    lost = rng.choice(3, size=int(rng.integers(1, 3)), replace=False)
    loss = np.ones(lost.size) if rng.random() < 0.5 else rng.uniform(0.6, 1.0, lost.size)
    gains[lost] = 1.0 - strength * loss
    colour = np.zeros(3)
    kept = np.setdiff1d(np.arange(3), lost)
    colour[kept] = rng.uniform(0.3, 0.9, kept.size)
    return gains, colour, 1.0 - strength * rng.uniform(0.0, 0.9)


def _band_tint(strength: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """A tint of any hue at mid brightness, the picture a little darker beneath it."""
    hue = rng.uniform(0, 2 * np.pi)
    yuv = np.float32([[[rng.uniform(0.3, 0.7), 0.3 * math.cos(hue), 0.3 * math.sin(hue)]]])
    colour = np.clip(cv2.transform(yuv, YUV_TO_RGB)[0, 0], 0.0, 1.0)
    gains = 1.0 - strength * rng.uniform(0.0, 0.4, 3)
    return gains, colour, 1.0 - strength * rng.uniform(0.3, 0.8)


def _band_added_colour(strength: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """A wash of any colour over the picture."""
    return np.ones(3), rng.uniform(0.0, 1.0, 3), 1.0 - strength * rng.uniform(0.0, 0.9)


# A colour band's RGB gains, the colour it washes toward and its visibility, per form
# (FORMS["band_form"]).
_BAND_FORMS: dict[str, Callable[[float, np.random.Generator], tuple[np.ndarray, np.ndarray, float]]] = {
    "channel_loss": _band_channel_loss, "tint": _band_tint, "added_colour": _band_added_colour,
}


def random_color_band(strength: float, rng: np.random.Generator, size: Size, settings) -> ColorBandParams:
    height = size[0]
    form = pick_form("band_form", settings.band_form, rng, weights=(0.5, 0.25, 0.25))
    position = pick_form("band_position", settings.band_position, rng, weights=(0.65, 0.2, 0.15))
    # Mostly 5-25% of the height, now and then a few lines or a third of the frame.
    band_height = float(np.clip(height * 10 ** rng.uniform(-1.9, -0.47), 2, height))
    # The middle's draw is made whatever the position, so the draws after it do not depend on it.
    top = {
        "top": 0.0,
        "middle": rng.uniform(0.1 * height, max(0.1 * height, 0.9 * height - band_height)),
        "bottom": height - band_height,
    }[position]
    feather = 0.0 if rng.random() < 0.5 else band_height * rng.uniform(0.05, 0.5)
    gains, colour, visibility = _BAND_FORMS[form](strength, rng)
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
    top = round(params.top)
    band_height, feather = max(1, round(params.top + params.height) - top), round(params.feather)
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
