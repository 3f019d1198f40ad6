"""Held-out damage: a second, small degradation model that training never sees.

This module owns the damage that `bench/generalise.py` scores the restoration model on. It is
written from scratch, independently of the project's VHS simulator, and on purpose does the work
differently (OpenCV colour conversions instead of hand-written BT.601 matrices, other filter
shapes, other parameter ranges), so that a model which only learned the simulator's fingerprints
does not score well here by accident.

Contract of every damage function here: ``rgb`` is a uint8 RGB array H×W×3 (0..255, H and W at
least 8); the result is a new uint8 RGB array of the same shape (the input is never modified);
every random choice is drawn from ``rng`` (a `numpy.random.Generator`), so the same seed gives
the same output. Parameter ranges are in pixels and lines of a 720×576 PAL frame.

Families (see `SETS` for the benchmark sets built from them):

- bands: colour bars where one or two RGB channels are gone or attenuated, YCrCb tint bands,
  colour washes; plus `sample_like`, modelled on a real digitised frame (magenta bar over the top,
  top skew, red cast with lifted blacks).
- digital: archive digitisation faults (posterisation, speckle, channel misregistration, line
  staircase, corrupted streaks, low-quality JPEG, down/up-sampling).
- analogue: soft luma, smeared and delayed chroma, streaky chroma noise, luma noise, head-switching
  tear, lifted blacks, ringing, capture JPEG; at two strengths.
- clean: no damage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

Damage = Callable[[np.ndarray, np.random.Generator], np.ndarray]


# ---------------------------------------------------------------------------------------- helpers


def _to_uint8(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(bounds[0], bounds[1]))


def _integer(rng: np.random.Generator, bounds: tuple[int, int]) -> int:
    """An integer in ``bounds``, both ends included."""
    return int(rng.integers(bounds[0], bounds[1] + 1))


def _shift_rows(image: np.ndarray, offsets: np.ndarray, fill: str = "replicate") -> np.ndarray:
    """Shift each row ``y`` of ``image`` right by ``offsets[y]`` pixels (fractional allowed).

    ``fill`` says what enters from the left or right edge: "replicate" (the edge pixel) or
    "black".
    """
    height, width = image.shape[:2]
    map_x = np.arange(width, dtype=np.float32)[None, :] - offsets.astype(np.float32)[:, None]
    map_y = np.repeat(np.arange(height, dtype=np.float32)[:, None], width, axis=1)
    border = cv2.BORDER_REPLICATE if fill == "replicate" else cv2.BORDER_CONSTANT
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=border, borderValue=(0, 0, 0))


def _translate(channel: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Move a single channel by whole pixels, repeating the edge into the gap."""
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    height, width = channel.shape
    return cv2.warpAffine(channel, matrix, (width, height), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)


def _encode_jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", np.ascontiguousarray(rgb[..., ::-1]), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("OpenCV could not encode a JPEG")
    return np.ascontiguousarray(cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1])


def _horizontal_hann(width: int) -> np.ndarray:
    """A 1×width raised-cosine low-pass kernel, summing to 1 (width odd, ≥ 3)."""
    kernel = np.hanning(width + 2)[1:-1].astype(np.float32)
    return (kernel / kernel.sum())[None, :]


# ------------------------------------------------------------------------------------------ bands


@dataclass(frozen=True)
class Band:
    """Rows ``top`` to ``bottom`` (exclusive) of a frame, with ``feather`` lines of soft edge.

    The soft edge lies inside the band, so nothing outside ``[top, bottom)`` is touched; an edge
    on the border of the frame is never feathered.
    """

    top: int
    bottom: int
    feather: int = 0

    def weights(self, frame_height: int) -> np.ndarray:
        """float32 (bottom - top,) in (0, 1]: how strongly each band row is damaged."""
        rows = np.arange(self.top, self.bottom)
        weight = np.ones(len(rows), np.float32)
        if self.feather > 0:
            ramp = lambda distance: np.minimum(1.0, (distance + 1) / (self.feather + 1))  # noqa: E731
            if self.top > 0:
                weight = np.minimum(weight, ramp(rows - self.top))
            if self.bottom < frame_height:
                weight = np.minimum(weight, ramp(self.bottom - 1 - rows))
        return weight.astype(np.float32)


@dataclass(frozen=True)
class BandRanges:
    """Where bands go and how strong they are."""

    min_lines: int = 8
    max_fraction: float = 1 / 3  # of the frame height
    # Mostly at the top (where the user's frames have them), but also middle and bottom.
    placement_weights: tuple[float, float, float] = (0.6, 0.25, 0.15)  # top, middle, bottom
    hard_edge_probability: float = 0.5
    visibility: tuple[float, float] = (0.05, 1.0)  # of the picture left in the surviving channels
    dropped_keep: tuple[float, float] = (0.0, 0.2)  # of a gone channel left
    attenuation: tuple[float, float] = (0.25, 0.7)  # of an attenuated channel left
    tint: tuple[float, float] = (15.0, 45.0)  # |Cr|, |Cb| shift of a tint band
    wash_opacity: tuple[float, float] = (0.2, 0.6)


BAND_RANGES = BandRanges()


def draw_band(frame_height: int, rng: np.random.Generator, ranges: BandRanges = BAND_RANGES) -> Band:
    """A random `Band` for a frame ``frame_height`` lines tall (8 lines to a third of it)."""
    longest = max(ranges.min_lines, int(frame_height * ranges.max_fraction))
    shortest = min(ranges.min_lines, longest)
    # Log-uniform: thin bars as often as thick ones.
    lines = int(round(np.exp(rng.uniform(np.log(shortest), np.log(longest)))))
    placement = rng.choice(3, p=np.asarray(ranges.placement_weights) / sum(ranges.placement_weights))
    if placement == 0:
        top = _integer(rng, (0, min(4, frame_height - lines)))
    elif placement == 1:
        top = _integer(rng, (frame_height // 4, max(frame_height // 4, (3 * frame_height) // 4 - lines)))
    else:
        top = frame_height - lines - _integer(rng, (0, min(4, frame_height - lines)))
    top = int(np.clip(top, 0, frame_height - lines))
    feather = 0 if rng.random() < ranges.hard_edge_probability else _integer(rng, (2, max(2, lines // 3)))
    return Band(top, top + lines, feather)


def _blend_band(rgb: np.ndarray, band: Band, damaged_rows: np.ndarray) -> np.ndarray:
    """``rgb`` with the band rows replaced by ``damaged_rows`` (float), feathered by the band weights."""
    out = rgb.copy()
    original = rgb[band.top : band.bottom].astype(np.float32)
    weight = band.weights(rgb.shape[0])[:, None, None]
    out[band.top : band.bottom] = _to_uint8(original + weight * (damaged_rows - original))
    return out


def _channel_bar(rgb, rng, band, ranges, dropped: tuple[int, ...], bar_colour_level: tuple[float, float]):
    """The common form of a bar where the ``dropped`` channels are (nearly) gone.

    The surviving channels keep ``visibility`` of the picture and fade the rest to a flat level,
    so the picture beneath ranges from fully visible to mostly gone.
    """
    band = band or draw_band(rgb.shape[0], rng, ranges)
    rows = rgb[band.top : band.bottom].astype(np.float32)
    visibility = _uniform(rng, ranges.visibility)
    level = _uniform(rng, bar_colour_level)
    damaged = rows.copy()
    for channel in range(3):
        if channel in dropped:
            damaged[..., channel] = rows[..., channel] * _uniform(rng, ranges.dropped_keep)
        else:
            damaged[..., channel] = visibility * rows[..., channel] + (1 - visibility) * level
    return _blend_band(rgb, band, damaged)


def green_bar(rgb: np.ndarray, rng: np.random.Generator, band: Band | None = None, ranges: BandRanges = BAND_RANGES) -> np.ndarray:
    """A green bar: red and blue gone over a band of rows, green kept (uint8 RGB H×W×3 in and out).

    ``band`` fixes the rows (default: drawn from ``rng``); rows outside it are not touched.
    """
    return _channel_bar(rgb, rng, band, ranges, dropped=(0, 2), bar_colour_level=(120.0, 230.0))


def magenta_bar(rgb: np.ndarray, rng: np.random.Generator, band: Band | None = None, ranges: BandRanges = BAND_RANGES) -> np.ndarray:
    """A pink/magenta bar: green gone over a band of rows, red and blue kept (uint8 RGB H×W×3 in and out).

    ``band`` fixes the rows (default: drawn from ``rng``); rows outside it are not touched.
    """
    return _channel_bar(rgb, rng, band, ranges, dropped=(1,), bar_colour_level=(130.0, 230.0))


# Which channels an attenuated band weakens: one or two of R, G, B.
_ATTENUATED_CHANNELS = ((0,), (1,), (2,), (0, 1), (1, 2), (0, 2))


def channel_attenuation(rgb: np.ndarray, rng: np.random.Generator, band: Band | None = None, ranges: BandRanges = BAND_RANGES) -> np.ndarray:
    """One or two RGB channels weakened (not gone) over a band of rows (uint8 RGB H×W×3 in and out).

    ``band`` fixes the rows (default: drawn from ``rng``); rows outside it are not touched.
    """
    band = band or draw_band(rgb.shape[0], rng, ranges)
    channels = _ATTENUATED_CHANNELS[int(rng.integers(len(_ATTENUATED_CHANNELS)))]
    damaged = rgb[band.top : band.bottom].astype(np.float32)
    for channel in channels:
        damaged[..., channel] *= _uniform(rng, ranges.attenuation)
    return _blend_band(rgb, band, damaged)


def tint_band(rgb: np.ndarray, rng: np.random.Generator, band: Band | None = None, ranges: BandRanges = BAND_RANGES) -> np.ndarray:
    """A band of rows with its colour shifted in YCrCb (Cr, Cb offsets, luma scaled a little).

    uint8 RGB H×W×3 in and out. ``band`` fixes the rows (default: drawn from ``rng``); rows
    outside it are not touched.
    """
    band = band or draw_band(rgb.shape[0], rng, ranges)
    ycrcb = cv2.cvtColor(np.ascontiguousarray(rgb[band.top : band.bottom]), cv2.COLOR_RGB2YCrCb).astype(np.float32)
    ycrcb[..., 0] *= _uniform(rng, (0.8, 1.1))
    ycrcb[..., 1] += _uniform(rng, ranges.tint) * rng.choice((-1, 1))
    ycrcb[..., 2] += _uniform(rng, ranges.tint) * rng.choice((-1, 1))
    damaged = cv2.cvtColor(_to_uint8(ycrcb), cv2.COLOR_YCrCb2RGB).astype(np.float32)
    return _blend_band(rgb, band, damaged)


def colour_wash(rgb: np.ndarray, rng: np.random.Generator, band: Band | None = None, ranges: BandRanges = BAND_RANGES) -> np.ndarray:
    """A band of rows with a colour of random hue added over it (uint8 RGB H×W×3 in and out).

    ``band`` fixes the rows (default: drawn from ``rng``); rows outside it are not touched.
    """
    band = band or draw_band(rgb.shape[0], rng, ranges)
    hue = np.uint8([[[int(rng.integers(180)), int(rng.integers(160, 256)), 255]]])
    colour = cv2.cvtColor(hue, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)
    damaged = rgb[band.top : band.bottom].astype(np.float32) + _uniform(rng, ranges.wash_opacity) * colour
    return _blend_band(rgb, band, damaged)


# Band kinds and how often the `bands` set draws each: the channel bars are the user's main fault.
BAND_KINDS: dict[str, tuple[Callable[..., np.ndarray], float]] = {
    "green_bar": (green_bar, 0.3),
    "magenta_bar": (magenta_bar, 0.3),
    "channel_attenuation": (channel_attenuation, 0.15),
    "tint_band": (tint_band, 0.15),
    "colour_wash": (colour_wash, 0.1),
}


def bands(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One colour band of a kind drawn from `BAND_KINDS` (uint8 RGB H×W×3 in and out)."""
    kinds = list(BAND_KINDS.values())
    weights = np.array([weight for _, weight in kinds])
    damage, _ = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
    return damage(rgb, rng)


def top_skew(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Lines near the top bent sideways, most at the top edge (tape-tension flagging).

    uint8 RGB H×W×3 in and out. Black blanking enters where the lines moved away.
    """
    height = rgb.shape[0]
    depth = max(2, int(round(height * _uniform(rng, (20, 60)) / 576)))
    shift = rng.choice((-1, 1)) * rgb.shape[1] * _uniform(rng, (12, 40)) / 720
    rows = np.arange(height, dtype=np.float32)
    offsets = shift * np.clip(1 - rows / depth, 0, 1) ** 2
    return _shift_rows(rgb, offsets, fill="black")


def red_cast(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A red colour cast with lifted blacks over the whole frame (uint8 RGB H×W×3 in and out)."""
    lift = _uniform(rng, (15, 40))
    image = lift + rgb.astype(np.float32) * (255 - lift) / 255
    gains = np.float32([_uniform(rng, (1.08, 1.2)), _uniform(rng, (0.88, 0.98)), _uniform(rng, (0.82, 0.95))])
    return _to_uint8(image * gains + np.float32([_uniform(rng, (5, 20)), 0, 0]))


def sample_like(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Modelled on a real digitised frame: top skew, a magenta bar over the top ~60 lines, then a red
    cast with lifted blacks (uint8 RGB H×W×3 in and out)."""
    height = rgb.shape[0]
    lines = int(np.clip(round(height * _uniform(rng, (50, 70)) / 576), 2, height))
    band = Band(0, lines, feather=_integer(rng, (0, 4)))
    bent = top_skew(rgb, rng)
    barred = magenta_bar(bent, rng, band=band, ranges=BandRanges(visibility=(0.2, 0.6)))
    return red_cast(barred, rng)


# ---------------------------------------------------------------------------------------- digital


@dataclass(frozen=True)
class DigitalRanges:
    """Strengths of the archive digitisation faults."""

    posterise_levels: tuple[int, int] = (5, 20)
    posterise_floor: tuple[float, float] = (12.0, 45.0)
    speckle_density: tuple[float, float] = (0.001, 0.01)  # fraction of pixels
    misregistration: tuple[int, int] = (1, 4)  # whole pixels sideways
    staircase_blocks: tuple[int, int] = (3, 10)
    staircase_block_lines: tuple[int, int] = (4, 24)
    staircase_step: tuple[int, int] = (1, 5)  # pixels per block
    streaks: tuple[int, int] = (1, 3)
    streak_lines: tuple[int, int] = (1, 8)
    jpeg_quality: tuple[int, int] = (8, 30)
    resample_factor: tuple[float, float] = (0.35, 0.7)
    steps_per_image: tuple[int, int] = (2, 4)


DIGITAL_RANGES = DigitalRanges()


def posterise(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """Too few levels per channel, on a lifted black floor (uint8 RGB H×W×3 in and out)."""
    steps = _integer(rng, ranges.posterise_levels) - 1
    floor = _uniform(rng, ranges.posterise_floor)
    levels = np.round(rgb.astype(np.float32) / 255 * steps) / steps
    return _to_uint8(floor + levels * (255 - floor))


def speckle(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """Dark and bright pixel speckle (salt and pepper), some of it coloured (uint8 RGB H×W×3 in and out)."""
    height, width = rgb.shape[:2]
    out = rgb.copy()
    mask = rng.random((height, width)) < _uniform(rng, ranges.speckle_density)
    mask[rng.integers(height), rng.integers(width)] = True  # at least one speck, however small the frame
    count = int(mask.sum())
    bright = rng.random(count) < 0.5
    grey = np.where(bright, rng.integers(215, 256, count), rng.integers(0, 41, count)).astype(np.uint8)
    values = np.repeat(grey[:, None], 3, axis=1)
    coloured = rng.random(count) < 0.3  # a single channel hit
    values[coloured] = rgb[mask][coloured]
    hit_channel = rng.integers(3, size=count)
    values[coloured, hit_channel[coloured]] = grey[coloured]
    out[mask] = values
    return out


# Which channels move when colour planes are misregistered: red, blue, or both in opposite ways.
_MISREGISTRATION_SIGNS = ({0: 1}, {2: 1}, {0: 1, 2: -1})


def misregister_channels(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """Colour planes moved against each other by whole pixels (uint8 RGB H×W×3 in and out)."""
    signs = _MISREGISTRATION_SIGNS[int(rng.integers(len(_MISREGISTRATION_SIGNS)))]
    dx = _integer(rng, ranges.misregistration) * int(rng.choice((-1, 1)))
    dy = int(rng.choice((-1, 0, 0, 0, 1)))  # mostly sideways only
    out = rgb.copy()
    for channel, sign in signs.items():
        out[..., channel] = _translate(np.ascontiguousarray(rgb[..., channel]), sign * dx, sign * dy)
    return out


def line_staircase(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """A run of line blocks each pushed sideways one step further than the last (uint8 RGB H×W×3 in and out)."""
    height = rgb.shape[0]
    blocks = _integer(rng, ranges.staircase_blocks)
    block_lines = _integer(rng, ranges.staircase_block_lines)
    span = min(height, blocks * block_lines)
    start = _integer(rng, (0, height - span))
    step = _integer(rng, ranges.staircase_step) * int(rng.choice((-1, 1)))
    offsets = np.zeros(height, np.float32)
    block_index = (np.arange(span) // block_lines) + 1
    offsets[start : start + span] = block_index * step
    return _shift_rows(rgb, offsets, fill="black" if rng.random() < 0.5 else "replicate")


def _streak_noise(rows, rng):
    return rng.integers(0, 256, rows.shape).astype(np.float32)


def _streak_repeat(rows, rng):
    return np.repeat(rows[:1], len(rows), axis=0).astype(np.float32)


def _streak_wrapped(rows, rng):
    return np.roll(rows, int(rng.integers(rows.shape[1] // 8 + 1, rows.shape[1] // 2 + 2)), axis=1).astype(np.float32)


def _streak_flat(rows, rng):
    return rng.integers(0, 256, 3).astype(np.float32) + rng.normal(0, 6, rows.shape).astype(np.float32)


# What a corrupted line holds instead of the picture.
STREAK_KINDS = {"noise": _streak_noise, "repeat": _streak_repeat, "wrapped": _streak_wrapped, "flat": _streak_flat}


def corrupted_streaks(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """A few streaks of corrupted lines: random bytes, a repeated line, a wrapped line or a flat
    colour (uint8 RGB H×W×3 in and out)."""
    height = rgb.shape[0]
    out = rgb.copy()
    kinds = list(STREAK_KINDS.values())
    for _ in range(_integer(rng, ranges.streaks)):
        lines = min(height, _integer(rng, ranges.streak_lines))
        top = _integer(rng, (0, height - lines))
        fill = kinds[int(rng.integers(len(kinds)))]
        out[top : top + lines] = _to_uint8(fill(out[top : top + lines], rng))
    return out


def low_quality_jpeg(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """JPEG at low quality (blocks, mosquito noise; uint8 RGB H×W×3 in and out)."""
    return _encode_jpeg(rgb, _integer(rng, ranges.jpeg_quality))


_DOWN_INTERPOLATIONS = (cv2.INTER_AREA, cv2.INTER_LINEAR, cv2.INTER_NEAREST)
_UP_INTERPOLATIONS = (cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_NEAREST)


def down_up_sample(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """Scanned small and blown up again, with a random pair of interpolations (uint8 RGB H×W×3 in and out)."""
    height, width = rgb.shape[:2]
    factor = _uniform(rng, ranges.resample_factor)
    small_size = (max(2, int(round(width * factor))), max(2, int(round(height * factor))))
    down = _DOWN_INTERPOLATIONS[int(rng.integers(len(_DOWN_INTERPOLATIONS)))]
    up = _UP_INTERPOLATIONS[int(rng.integers(len(_UP_INTERPOLATIONS)))]
    return cv2.resize(cv2.resize(rgb, small_size, interpolation=down), (width, height), interpolation=up)


# In the order an archive chain would apply them: rescale, quantise, planes, lines, bytes, encode.
DIGITAL_STEPS: dict[str, Damage] = {
    "down_up_sample": down_up_sample,
    "posterise": posterise,
    "misregister_channels": misregister_channels,
    "line_staircase": line_staircase,
    "corrupted_streaks": corrupted_streaks,
    "speckle": speckle,
    "low_quality_jpeg": low_quality_jpeg,
}


def digital(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """Two to four of `DIGITAL_STEPS`, drawn at random, applied in chain order (uint8 RGB H×W×3 in and out)."""
    names = list(DIGITAL_STEPS)
    chosen = set(rng.choice(len(names), size=_integer(rng, ranges.steps_per_image), replace=False).tolist())
    out = rgb
    for index, name in enumerate(names):
        if index in chosen:
            out = DIGITAL_STEPS[name](out, rng)
    return out if out is not rgb else rgb.copy()


# --------------------------------------------------------------------------------------- analogue


@dataclass(frozen=True)
class AnalogueRanges:
    """Parameter ranges of one strength of analogue damage (pixels of a 720-sample line)."""

    luma_kernel: tuple[int, int]  # width of the raised-cosine horizontal luma low-pass (odd)
    ringing_gain: tuple[float, float]  # overshoot added at edges
    chroma_decimation: tuple[int, int]  # horizontal chroma resolution divided by this
    chroma_delay: tuple[float, float]  # chroma moved right, pixels
    chroma_noise: tuple[float, float]  # standard deviation of the streaky Cr/Cb noise
    chroma_streak_length: tuple[int, int]  # pixels over which that noise is correlated
    luma_noise: tuple[float, float]  # standard deviation of the luma noise
    tear_lines: tuple[int, int]  # lines at the bottom torn by head switching
    tear_shift: tuple[float, float]  # pixels the last line is pushed sideways
    black_lift: tuple[float, float]  # luma added at black
    saturation: tuple[float, float]  # chroma kept
    jpeg_quality: tuple[int, int]  # of the capture card


ANALOGUE_STRENGTHS: dict[str, AnalogueRanges] = {
    "mild": AnalogueRanges(
        luma_kernel=(3, 5), ringing_gain=(0.05, 0.2), chroma_decimation=(3, 6), chroma_delay=(1.0, 3.0),
        chroma_noise=(1.5, 4.0), chroma_streak_length=(8, 20), luma_noise=(1.5, 4.0), tear_lines=(3, 6),
        tear_shift=(3.0, 10.0), black_lift=(4.0, 14.0), saturation=(0.8, 0.95), jpeg_quality=(70, 90),
    ),
    "strong": AnalogueRanges(
        luma_kernel=(5, 9), ringing_gain=(0.2, 0.45), chroma_decimation=(6, 12), chroma_delay=(3.0, 6.0),
        chroma_noise=(4.0, 9.0), chroma_streak_length=(12, 40), luma_noise=(4.0, 9.0), tear_lines=(6, 12),
        tear_shift=(10.0, 30.0), black_lift=(14.0, 32.0), saturation=(0.55, 0.8), jpeg_quality=(40, 65),
    ),
}
MILD = ANALOGUE_STRENGTHS["mild"]


def _ycrcb(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YCrCb).astype(np.float32)


def _rgb(ycrcb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(_to_uint8(ycrcb), cv2.COLOR_YCrCb2RGB)


def soft_luma(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """Luma low-passed along the line only (tape bandwidth; uint8 RGB H×W×3 in and out)."""
    width = _integer(rng, ranges.luma_kernel) | 1
    ycrcb = _ycrcb(rgb)
    ycrcb[..., 0] = cv2.filter2D(ycrcb[..., 0], -1, _horizontal_hann(width), borderType=cv2.BORDER_REPLICATE)
    return _rgb(ycrcb)


def ringing(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """Mild overshoot either side of horizontal luma edges (uint8 RGB H×W×3 in and out)."""
    ycrcb = _ycrcb(rgb)
    luma = ycrcb[..., 0]
    sigma = _uniform(rng, (1.5, 3.0))
    wide = cv2.GaussianBlur(luma, (2 * int(np.ceil(3 * sigma)) + 1, 1), sigmaX=sigma, borderType=cv2.BORDER_REPLICATE)
    ycrcb[..., 0] = luma + _uniform(rng, ranges.ringing_gain) * (luma - wide)
    return _rgb(ycrcb)


def chroma_smear_delay(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """Colour at a fraction of the horizontal resolution, averaged over two lines and delayed to the
    right by a few pixels (uint8 RGB H×W×3 in and out)."""
    height, width = rgb.shape[:2]
    ycrcb = _ycrcb(rgb)
    chroma = np.ascontiguousarray(ycrcb[..., 1:])
    narrow = max(2, width // _integer(rng, ranges.chroma_decimation))
    chroma = cv2.resize(cv2.resize(chroma, (narrow, height), interpolation=cv2.INTER_AREA), (width, height), interpolation=cv2.INTER_LINEAR)
    chroma = cv2.blur(chroma, (1, 2))  # two-line average, as a PAL delay line does
    delay = np.full(height, _uniform(rng, ranges.chroma_delay), np.float32)
    ycrcb[..., 1:] = _shift_rows(chroma, delay)
    return _rgb(ycrcb)


def chroma_streak_noise(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """Colour noise stretched into horizontal streaks, independent per line (uint8 RGB H×W×3 in and out)."""
    height, width = rgb.shape[:2]
    ycrcb = _ycrcb(rgb)
    sigma = _uniform(rng, ranges.chroma_noise)
    samples = max(2, width // _integer(rng, ranges.chroma_streak_length))
    noise = rng.normal(0, sigma, (height, samples, 2)).astype(np.float32)
    ycrcb[..., 1:] += cv2.resize(noise, (width, height), interpolation=cv2.INTER_LINEAR)
    return _rgb(ycrcb)


def luma_noise(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """Grain in luma only, slightly correlated along the line (uint8 RGB H×W×3 in and out)."""
    ycrcb = _ycrcb(rgb)
    noise = rng.normal(0, _uniform(rng, ranges.luma_noise), rgb.shape[:2]).astype(np.float32)
    # A 1-2-1 filter along the line lowers the deviation by about 0.61; make up for it.
    noise = cv2.filter2D(noise, -1, np.float32([[1, 2, 1]]) / 4) / 0.612
    ycrcb[..., 0] += noise
    return _rgb(ycrcb)


def head_switching_tear(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """The last few lines pushed sideways, more towards the bottom, dark noise where they left
    (uint8 RGB H×W×3 in and out)."""
    height, width = rgb.shape[:2]
    lines = min(height, _integer(rng, ranges.tear_lines))
    shift = _uniform(rng, ranges.tear_shift)
    start = height - lines
    offsets = np.zeros(height, np.float32)
    progress = (np.arange(lines, dtype=np.float32) + 1) / lines
    offsets[start:] = shift * progress**1.5 + rng.normal(0, 0.7, lines)
    out = _shift_rows(rgb, offsets, fill="black")
    torn = out[start:].astype(np.float32) + rng.normal(0, 12, (lines, width, 1))
    vacated = np.arange(width)[None, :] < np.ceil(offsets[start:])[:, None]
    torn[vacated] = rng.normal(35, 15, (int(vacated.sum()), 1))
    out[start:] = _to_uint8(torn)
    return out


def lift_and_wash(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """Lifted blacks and washed-out colour (uint8 RGB H×W×3 in and out)."""
    ycrcb = _ycrcb(rgb)
    lift = _uniform(rng, ranges.black_lift)
    ycrcb[..., 0] = lift + ycrcb[..., 0] * (255 - lift) / 255
    ycrcb[..., 1:] = 128 + (ycrcb[..., 1:] - 128) * _uniform(rng, ranges.saturation)
    return _rgb(ycrcb)


def capture_jpeg(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """The capture card's JPEG, at moderate quality (uint8 RGB H×W×3 in and out)."""
    return _encode_jpeg(rgb, _integer(rng, ranges.jpeg_quality))


# Signal order: tape bandwidth and ringing, colour-under, levels, noise, head switching, capture.
ANALOGUE_STEPS: dict[str, Callable[[np.ndarray, np.random.Generator, AnalogueRanges], np.ndarray]] = {
    "soft_luma": soft_luma,
    "ringing": ringing,
    "chroma_smear_delay": chroma_smear_delay,
    "lift_and_wash": lift_and_wash,
    "chroma_streak_noise": chroma_streak_noise,
    "luma_noise": luma_noise,
    "head_switching_tear": head_switching_tear,
    "capture_jpeg": capture_jpeg,
}


def analogue(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """Every one of `ANALOGUE_STEPS` in signal order at the given strength (uint8 RGB H×W×3 in and out)."""
    out = rgb
    for step in ANALOGUE_STEPS.values():
        out = step(out, rng, ranges)
    return out


def analogue_mild(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`analogue` at the "mild" strength (uint8 RGB H×W×3 in and out)."""
    return analogue(rgb, rng, ANALOGUE_STRENGTHS["mild"])


def analogue_strong(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`analogue` at the "strong" strength (uint8 RGB H×W×3 in and out)."""
    return analogue(rgb, rng, ANALOGUE_STRENGTHS["strong"])


# ------------------------------------------------------------------------------------------ clean


def clean(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """No damage: a copy of ``rgb`` (uint8 RGB H×W×3), to see how much the model changes a good frame."""
    return rgb.copy()


# ------------------------------------------------------------------------------------------- sets

# The benchmark's sets, in the order they are reported, and the family each belongs to.
SETS: dict[str, Damage] = {
    "bands": bands,
    "sample_like": sample_like,
    "digital": digital,
    "analogue_mild": analogue_mild,
    "analogue_strong": analogue_strong,
    "clean": clean,
}
FAMILIES: dict[str, str] = {
    "bands": "bands",
    "sample_like": "bands",
    "digital": "digital",
    "analogue_mild": "analogue",
    "analogue_strong": "analogue",
    "clean": "clean",
}
