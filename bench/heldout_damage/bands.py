"""Colour bands: channel bars, attenuated channels, tint bands, washes; and `sample_like`, modelled on a real frame."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from bench.heldout_damage.common import Damage, integer, shift_rows, to_uint8, uniform


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
        top = integer(rng, (0, min(4, frame_height - lines)))
    elif placement == 1:
        top = integer(rng, (frame_height // 4, max(frame_height // 4, (3 * frame_height) // 4 - lines)))
    else:
        top = frame_height - lines - integer(rng, (0, min(4, frame_height - lines)))
    top = int(np.clip(top, 0, frame_height - lines))
    feather = 0 if rng.random() < ranges.hard_edge_probability else integer(rng, (2, max(2, lines // 3)))
    return Band(top, top + lines, feather)


def _blend_band(rgb: np.ndarray, band: Band, damaged_rows: np.ndarray) -> np.ndarray:
    """``rgb`` with the band rows replaced by ``damaged_rows`` (float), feathered by the band weights."""
    out = rgb.copy()
    original = rgb[band.top : band.bottom].astype(np.float32)
    weight = band.weights(rgb.shape[0])[:, None, None]
    out[band.top : band.bottom] = to_uint8(original + weight * (damaged_rows - original))
    return out


def _channel_bar(rgb, rng, band, ranges, dropped: tuple[int, ...], bar_colour_level: tuple[float, float]):
    """The common form of a bar where the ``dropped`` channels are (nearly) gone.

    The surviving channels keep ``visibility`` of the picture and fade the rest to a flat level,
    so the picture beneath ranges from fully visible to mostly gone.
    """
    band = band or draw_band(rgb.shape[0], rng, ranges)
    rows = rgb[band.top : band.bottom].astype(np.float32)
    visibility = uniform(rng, ranges.visibility)
    level = uniform(rng, bar_colour_level)
    damaged = rows.copy()
    for channel in range(3):
        if channel in dropped:
            damaged[..., channel] = rows[..., channel] * uniform(rng, ranges.dropped_keep)
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
        damaged[..., channel] *= uniform(rng, ranges.attenuation)
    return _blend_band(rgb, band, damaged)


def tint_band(rgb: np.ndarray, rng: np.random.Generator, band: Band | None = None, ranges: BandRanges = BAND_RANGES) -> np.ndarray:
    """A band of rows with its colour shifted in YCrCb (Cr, Cb offsets, luma scaled a little).

    uint8 RGB H×W×3 in and out. ``band`` fixes the rows (default: drawn from ``rng``); rows
    outside it are not touched.
    """
    band = band or draw_band(rgb.shape[0], rng, ranges)
    ycrcb = cv2.cvtColor(np.ascontiguousarray(rgb[band.top : band.bottom]), cv2.COLOR_RGB2YCrCb).astype(np.float32)
    ycrcb[..., 0] *= uniform(rng, (0.8, 1.1))
    ycrcb[..., 1] += uniform(rng, ranges.tint) * rng.choice((-1, 1))
    ycrcb[..., 2] += uniform(rng, ranges.tint) * rng.choice((-1, 1))
    damaged = cv2.cvtColor(to_uint8(ycrcb), cv2.COLOR_YCrCb2RGB).astype(np.float32)
    return _blend_band(rgb, band, damaged)


def colour_wash(rgb: np.ndarray, rng: np.random.Generator, band: Band | None = None, ranges: BandRanges = BAND_RANGES) -> np.ndarray:
    """A band of rows with a colour of random hue added over it (uint8 RGB H×W×3 in and out).

    ``band`` fixes the rows (default: drawn from ``rng``); rows outside it are not touched.
    """
    band = band or draw_band(rgb.shape[0], rng, ranges)
    hue = np.uint8([[[int(rng.integers(180)), int(rng.integers(160, 256)), 255]]])
    colour = cv2.cvtColor(hue, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)
    damaged = rgb[band.top : band.bottom].astype(np.float32) + uniform(rng, ranges.wash_opacity) * colour
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
    depth = max(2, int(round(height * uniform(rng, (20, 60)) / 576)))
    shift = rng.choice((-1, 1)) * rgb.shape[1] * uniform(rng, (12, 40)) / 720
    rows = np.arange(height, dtype=np.float32)
    offsets = shift * np.clip(1 - rows / depth, 0, 1) ** 2
    return shift_rows(rgb, offsets, fill="black")


def red_cast(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A red colour cast with lifted blacks over the whole frame (uint8 RGB H×W×3 in and out)."""
    lift = uniform(rng, (15, 40))
    image = lift + rgb.astype(np.float32) * (255 - lift) / 255
    gains = np.float32([uniform(rng, (1.08, 1.2)), uniform(rng, (0.88, 0.98)), uniform(rng, (0.82, 0.95))])
    return to_uint8(image * gains + np.float32([uniform(rng, (5, 20)), 0, 0]))


def sample_like_band(height: int, rng: np.random.Generator) -> Band:
    """The rows of the sample frame's bar: the top 50–70 lines of a 576-line frame, edge feathered 0–4 lines."""
    lines = int(np.clip(round(height * uniform(rng, (50, 70)) / 576), 2, height))
    return Band(0, lines, feather=integer(rng, (0, 4)))


def sample_like_bar(rgb: np.ndarray, rng: np.random.Generator, band: Band | None = None) -> np.ndarray:
    """The sample frame's magenta bar: green gone over the top 50–70 lines (of 576), the picture
    beneath 20–60% visible (uint8 RGB H×W×3 in and out). ``band`` fixes the rows (default: drawn
    as `sample_like_band` draws them)."""
    band = band or sample_like_band(rgb.shape[0], rng)
    return magenta_bar(rgb, rng, band=band, ranges=BandRanges(visibility=(0.2, 0.6)))


# The sample frame's damage in the order it is applied; each alone is a step of `--steps`.
SAMPLE_LIKE_STEPS: dict[str, Damage] = {
    "top_skew": top_skew,
    "magenta_bar": sample_like_bar,
    "red_cast": red_cast,
}


def sample_like(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Modelled on a real digitised frame: top skew, a magenta bar over the top ~60 lines, then a red
    cast with lifted blacks (`SAMPLE_LIKE_STEPS`; uint8 RGB H×W×3 in and out)."""
    band = sample_like_band(rgb.shape[0], rng)  # drawn first, so the figures stay as they were
    return red_cast(sample_like_bar(top_skew(rgb, rng), rng, band), rng)
