"""Capture-stage artifacts: what digitising the playback does.

The anamorphic PAL grid (`pal_aspect`), rescaling (`resample`), misregistered colour
channels (`channel_shift`), too few levels (`posterize`), pixel `speckle`, corrupted
lines (`line_streaks`) and the capture card's JPEG (`compression`). These mostly live in
RGB, so they convert the rows they touch (`restore.degrade.frame.rgb_rows`). Each
artifact: ``<Name>Params``, ``random_<name>``, ``add_<name>``, as described in
`restore.degrade.artifacts`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from restore.degrade.artifacts.forms import pick_form
from restore.degrade.frame import (
    Frame,
    Size,
    frame_scale,
    put_rgb_rows,
    rgb_rows,
    to_frame,
    to_rgb,
)
from restore.pal import PAL_WIDTH, RGB_TO_YUV, SQUARE_PIXEL_WIDTH

# cv2's interpolation for each name of FORMS["resample_filter"].
_INTERPOLATIONS = {
    "nearest": cv2.INTER_NEAREST,
    "linear": cv2.INTER_LINEAR,
    "cubic": cv2.INTER_CUBIC,
    "area": cv2.INTER_AREA,
    "lanczos": cv2.INTER_LANCZOS4,
}


@dataclass(frozen=True)
class PalAspectParams:
    squeeze: float  # fraction of the width lost (768 -> 720 is 0.0625)


def random_pal_aspect(strength: float, rng: np.random.Generator, size: Size, settings) -> PalAspectParams:
    return PalAspectParams(squeeze=strength * (1.0 - PAL_WIDTH / SQUARE_PIXEL_WIDTH))


def add_pal_aspect(frame: Frame, params: PalAspectParams, rng: np.random.Generator) -> Frame:
    """Non-square PAL pixels: squeezed to the anamorphic grid (768 -> 720) and back."""
    height, width = frame[0].shape
    narrow = max(8, round(width * (1.0 - params.squeeze)))
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
        down=pick_form("resample_filter", settings.resample_filter, rng), up=pick_form("resample_filter", settings.resample_filter, rng),
    )


def add_resample(frame: Frame, params: ResampleParams, rng: np.random.Generator) -> Frame:
    """Down-sampled and up-sampled again (a low-resolution transfer or a rescaling
    codec), with any of five filters each way: blur, aliasing, blocky or ringing edges."""
    height, width = frame[0].shape
    small = (max(4, round(width / params.factor_x)), max(4, round(height / params.factor_y)))
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
        right = round(rng.uniform(-reach, reach))
        down = round(rng.uniform(-1, 1) * strength * 2.0 * scale_y) if rng.random() < 0.3 else 0
        shifts.append((right, down))
    if all(shift == (0, 0) for shift in shifts):
        shifts[0] = (int(rng.choice([-1, 1])) * max(1, round(reach)), 0)
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
        levels=max(2, round(2 ** (8.0 - strength * rng.uniform(2.5, 5.5)))),
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
        kind=pick_form("speckle_kind", settings.speckle_kind, rng), density=strength * rng.uniform(0.002, 0.03),
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


def random_line_streaks(strength: float, rng: np.random.Generator, size: Size, settings) -> LineStreaksParams:
    _, scale_y = frame_scale(size)
    return LineStreaksParams(count=1 + int(strength * rng.uniform(0, 4)), max_lines=max(1.0, strength * rng.uniform(2, 14) * scale_y))


def _noise_streak(frame: Frame, rows: slice, rng: np.random.Generator) -> None:
    frame[0][rows] = rng.uniform(0.0, 1.0, (rows.stop - rows.start, frame[0].shape[1])).astype(np.float32)
    frame[1][rows] *= 0.2
    frame[2][rows] *= 0.2


def _repeat_streak(frame: Frame, rows: slice, rng: np.random.Generator) -> None:
    source = max(0, rows.start - 1)
    for plane in frame:
        plane[rows] = plane[source]


def _shift_streak(frame: Frame, rows: slice, rng: np.random.Generator) -> None:
    width = frame[0].shape[1]
    # Whole pixels, wrapped round: a digitiser that lost its place in the line.
    offset = int(rng.integers(width // 8, width // 2 + 1)) * int(rng.choice([-1, 1]))
    for plane in frame:
        plane[rows] = np.roll(plane[rows], offset, axis=1)


def _colour_streak(frame: Frame, rows: slice, rng: np.random.Generator) -> None:
    colour = cv2.transform(rng.uniform(0, 1, (1, 1, 3)).astype(np.float32), RGB_TO_YUV)[0, 0]
    for plane, value in zip(frame, colour):
        plane[rows] = 0.3 * plane[rows] + 0.7 * value


# The kinds of corrupted streak, each drawn equally often.
_STREAK_FORMS: dict[str, Callable[[Frame, slice, np.random.Generator], None]] = {
    "noise": _noise_streak, "repeat": _repeat_streak, "shift": _shift_streak, "colour": _colour_streak,
}


def add_line_streaks(frame: Frame, params: LineStreaksParams, rng: np.random.Generator) -> Frame:
    """Streaks of corrupted lines (a digitiser losing sync or data): each a few lines of
    noise, a repeated line, lines torn far sideways, or colour garbage."""
    height = frame[0].shape[0]
    streaks = tuple(_STREAK_FORMS.values())
    for _ in range(params.count):
        lines = int(rng.integers(1, int(params.max_lines) + 1))
        top = int(rng.integers(0, max(1, height - lines)))
        streaks[int(rng.integers(len(streaks)))](frame, slice(top, top + lines), rng)
    return frame


@dataclass(frozen=True)
class CompressionParams:
    quality: int  # JPEG quality, 10-90


def random_compression(strength: float, rng: np.random.Generator, size: Size, settings) -> CompressionParams:
    return CompressionParams(quality=round(90 - 80 * strength))


def add_compression(frame: Frame, params: CompressionParams, rng: np.random.Generator) -> Frame:
    """Capture-card compression: JPEG blocking at quality 90 (weak) down to 10 (strength 1)."""
    bgr = np.ascontiguousarray(to_rgb(frame)[..., ::-1])
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, params.quality])
    if not ok:
        raise RuntimeError("OpenCV could not JPEG-encode the frame")
    frame[:] = to_frame(cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1])
    return frame
