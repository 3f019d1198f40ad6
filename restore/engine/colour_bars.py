"""Colour-bar repair for digitised frames: lines where one or two colour channels are gone.

Archive captures often carry a bar over a run of whole lines, most often at the top, where
the chroma failed and one or two RGB channels dropped out: a green bar (red and blue gone)
or a pink one (green gone), sometimes with the surviving channels faded towards a flat
level. The network can only fade such a bar: the colour it needs is not in the bar's own
pixels but in the lines beside it. This stage does what a person would do by hand.

* `find_colour_bars` finds runs of lines where one or two channels have lost both their
  level (above the frame's black point) and their detail, against the frame's typical
  line, and are far below their level in the clean lines beside the run in every part of
  the width, while the surviving channels are not. Only the two bars a failed chroma
  capture leaves count, green (red and blue gone) and pink (green gone): across the full
  width, other channels gone are a blue sky, sand or a sunset as often as a fault.
* `repair_colour_bar` rebuilds a bar from the clean lines beside it: each surviving
  channel gets their mean and contrast back, then each lost channel is predicted from the
  survivors by a least-squares colour fit on those lines. Where the survivors hold almost
  nothing of the picture, the bar is filled in from the picture around it (inpainting).

Frames without a bar come back as the same array, so the stage is safe to run on
anything; what is left at a bar's soft edges is the network's. A bar is measured against the
frame's typical line, so it must cover less than half of the frame's height.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from restore.engine.pictures import from_unit, to_unit

__all__ = ["ColourBar", "ColourBarSettings", "ColourBarTracker", "find_colour_bars", "repair_colour_bar", "repair_colour_bars"]


@dataclass(frozen=True)
class ColourBar:
    """Lines ``top`` to ``bottom`` (exclusive) where the ``dropped`` channels (0 R, 1 G, 2 B) are gone."""

    top: int
    bottom: int
    dropped: tuple[int, ...]


@dataclass(frozen=True)
class ColourBarSettings:
    """Tuning of the detector and the repair.

    ``level_share``, ``detail_share``: a channel is gone on a line when its level above the
    frame's black point and its detail are below these shares of the frame's median line,
    or its level is below ``black_share`` of it whatever its detail;
    ``contrast``: ... and its level is below this share of its level in the clean lines
    beside the run, in every part of the width (``blocks`` parts) but one;
    ``track_contrast``: the looser share that keeps a bar of the picture before (a video's);
    ``survivor_share``: the other channels keep at least this share of their level there
    (otherwise it is a dark region, not a bar);
    ``min_lines``: shorter runs are ignored; ``context_lines``: how many clean lines on each
    side the repair learns from; ``max_gain``: the most a faded survivor's contrast is
    raised; beyond it the picture is gone from the bar (only noise would be amplified), and
    the bar is filled in from the picture around it instead, its soft edges with it (up to
    ``edge_lines`` lines on each side, while the lost channels are still less than
    ``edge_recovery`` of the way back to their share of the light in the clean lines).
    """

    level_share: float = 0.4
    detail_share: float = 0.25
    black_share: float = 0.15
    contrast: float = 0.3
    track_contrast: float = 0.5
    survivor_share: float = 0.5
    min_lines: int = 3
    context_lines: int = 48
    blocks: int = 8
    max_gain: float = 10.0
    edge_lines: int = 12
    edge_recovery: float = 0.9

    def __post_init__(self):
        for name in ("level_share", "detail_share", "black_share", "contrast", "track_contrast", "survivor_share",
                     "edge_recovery"):
            if not 0.0 < getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in (0, 1), got {getattr(self, name)}")
        if self.min_lines < 1 or self.context_lines < 1 or self.blocks < 2 or self.edge_lines < 0:
            raise ValueError("min_lines and context_lines must be at least 1, blocks at least 2 and edge_lines at least 0")
        if self.max_gain < 1.0:
            raise ValueError(f"max_gain must be at least 1, got {self.max_gain}")


DEFAULT_SETTINGS = ColourBarSettings()
# Which sets of lost channels count as a bar: the two a failed chroma capture leaves (both
# colour-difference signals at one extreme), green (red and blue gone) and pink (green gone).
# Across the full width, red or blue alone gone, or red and green (a deep blue sky), or green
# and blue (a red sunset) are as often the picture itself.
BAR_CHANNELS = frozenset({(0, 2), (1,)})
# Parts of the width with a colour fit of their own (fewer on narrow pictures: 16 pixels each at least).
COLOUR_FIT_PARTS = 6
# Lines needed beside a bar to learn its repair from.
MIN_CONTEXT_LINES = 8


def find_colour_bars(colour: np.ndarray, scale: float = 255.0, settings: ColourBarSettings = DEFAULT_SETTINGS,
                     previous: Sequence[ColourBar] = ()) -> list[ColourBar]:
    """The colour bars of ``colour`` (H×W×3 uint8, uint16 or float32; ``scale`` its
    full-scale value), top to bottom; [] for none. Only the lines' statistics are computed
    on the whole frame: a couple of milliseconds a PAL frame.

    ``previous``: the bars of the picture before (in a video). One that is not found again
    is kept while it still stands out from the lines beside it, so that a bar near the
    detector's limits does not come and go from frame to frame."""
    _check_colour(colour)
    unit = np.float32(1.0 / scale)
    # A 3×3 median first: speckle and capture noise would otherwise count as detail.
    smooth = cv2.medianBlur(colour, 3)
    black = np.percentile(smooth[::4, ::4].reshape(-1, 3), 1, axis=0).astype(np.float32) * unit  # 3; lifted blacks count as black
    level = np.maximum(_line_means(smooth) * unit - black, 0.0)  # H×3, above black
    detail = _line_means(cv2.absdiff(smooth[:, 1:], smooth[:, :-1]).astype(np.float32)) * unit  # H×3
    level_share = level / np.maximum(np.median(level, axis=0), 1e-6)  # H×3
    detail_share = detail / np.maximum(np.median(detail, axis=0), 1e-6)
    # Gone: no level and no detail; or down at the black level, whatever detail compression
    # leaked into it (JPEG carries the luma's detail into every channel).
    gone = (level_share < settings.level_share) & (
        (detail_share < settings.detail_share) | (level_share < settings.black_share))  # H×3
    alive = (level > 0.08) & ~gone  # the line still carries light in some channel: not black
    candidate = gone.any(axis=1) & alive.any(axis=1)
    bars = []
    for top, bottom in _runs(candidate):
        if bottom - top < settings.min_lines:
            continue
        dropped = tuple(int(channel) for channel in np.flatnonzero(gone[top:bottom].mean(axis=0) > 0.5))
        context = _context_lines(candidate, top, bottom, settings.context_lines)
        if dropped in BAR_CHANNELS and len(context) >= MIN_CONTEXT_LINES and _stands_out(
                colour, unit, black, ColourBar(top, bottom, dropped), context, settings, settings.contrast):
            bars.append(ColourBar(top, bottom, dropped))
    for bar in previous:
        if bar.bottom <= len(colour) and not any(bar.top < found.bottom and found.top < bar.bottom for found in bars):
            context = _context_lines(candidate, bar.top, bar.bottom, settings.context_lines)
            if len(context) >= MIN_CONTEXT_LINES and _stands_out(colour, unit, black, bar, context, settings,
                                                                 settings.track_contrast):
                bars.append(bar)
    return sorted(bars, key=lambda bar: bar.top)


def repair_colour_bar(rgb: np.ndarray, bar: ColourBar, context: np.ndarray, settings: ColourBarSettings = DEFAULT_SETTINGS) -> None:
    """Rebuild ``bar`` of ``rgb`` (float32 H×W×3 in [0, 1], changed in place) from the clean
    lines listed in ``context`` (int array of line numbers)."""
    band = rgb[bar.top : bar.bottom]  # L×W×3, a view
    clean = rgb[context]  # C×W×3
    kept = [channel for channel in range(3) if channel not in bar.dropped]
    # The survivors were faded towards a flat level: the gain that gives them back their contrast.
    gains = [clean[..., channel].std() / max(band[..., channel].std(), 1e-6) for channel in kept]
    if min(gains) > settings.max_gain:  # the picture is gone from the bar: fill it in from around it
        # Its soft edges too: filled in from the bar's own colour at its edge, it would come back.
        _inpaint_lines(rgb, _with_soft_edges(rgb, bar, context, settings))
        return
    for channel, gain in zip(kept, gains):
        band[..., channel] = (band[..., channel] - band[..., channel].mean()) * gain + clean[..., channel].mean()
    # Each lost channel as an affine function of the survivors, fitted on the clean lines
    # part by part across the width (colours change along a line), the fits blended between
    # the parts' centres.
    features = np.concatenate([clean[..., kept], np.ones(clean.shape[:2] + (1,), np.float32)], axis=-1)  # C×W×(k+1)
    band_features = np.concatenate([band[..., kept], np.ones(band.shape[:2] + (1,), np.float32)], axis=-1)  # L×W×(k+1)
    width = rgb.shape[1]
    parts = np.array_split(np.arange(width), min(COLOUR_FIT_PARTS, max(1, width // 16)))
    centres = [part.mean() for part in parts]
    for channel in bar.dropped:
        fits = np.stack([np.linalg.lstsq(features[:, part].reshape(-1, len(kept) + 1), clean[:, part, channel].reshape(-1),
                                         rcond=None)[0] for part in parts])  # P×(k+1)
        weights = np.stack([np.interp(np.arange(width), centres, fits[:, term]) for term in range(fits.shape[1])], axis=-1)  # W×(k+1)
        band[..., channel] = np.einsum("lwk,wk->lw", band_features, weights.astype(np.float32))
    np.clip(band, 0.0, 1.0, out=band)


def repair_colour_bars(colour: np.ndarray, scale: float, settings: ColourBarSettings = DEFAULT_SETTINGS) -> np.ndarray:
    """``colour`` (H×W×3, uint8, uint16 or float32; ``scale`` its full-scale value) with
    every colour bar rebuilt, in the same dtype; the same array when it has none."""
    return _repaired(colour, scale, find_colour_bars(colour, scale, settings), settings)


class ColourBarTracker:
    """Colour-bar repair along a video, picture after picture: each is searched with the bars
    of the one before (`find_colour_bars`'s ``previous``), so a bar is repaired in every
    frame it is in, not in most. Called as `repair_colour_bars` is, without the settings."""

    def __init__(self, settings: ColourBarSettings = DEFAULT_SETTINGS):
        self.settings = settings
        self._previous: list[ColourBar] = []
        self._shape: tuple[int, ...] | None = None

    def __call__(self, colour: np.ndarray, scale: float) -> np.ndarray:
        previous = self._previous if colour.shape == self._shape else []
        bars = find_colour_bars(colour, scale, self.settings, previous)
        self._previous, self._shape = bars, colour.shape
        return _repaired(colour, scale, bars, self.settings)


def _repaired(colour: np.ndarray, scale: float, bars: list[ColourBar], settings: ColourBarSettings) -> np.ndarray:
    """``colour`` with ``bars`` rebuilt, in its own dtype; the same array when there are none."""
    if not bars:
        return colour
    unit = to_unit(colour, scale)  # H×W×3 in [0, 1]
    barred = np.zeros(len(unit), bool)
    for bar in bars:
        barred[bar.top : bar.bottom] = True
    for bar in bars:
        repair_colour_bar(unit, bar, _context_lines(barred, bar.top, bar.bottom, settings.context_lines), settings)
    return from_unit(unit, colour.dtype, scale)


def _with_soft_edges(rgb: np.ndarray, bar: ColourBar, context: np.ndarray, settings: ColourBarSettings) -> ColourBar:
    """``bar`` grown over the lines beside it (up to ``settings.edge_lines`` on each side) whose
    lost channels hold less than ``settings.edge_recovery`` of the way from their share of the
    light in the bar to their share in the clean ``context`` lines (float32 H×W×3 ``rgb``)."""
    kept = [channel for channel in range(3) if channel not in bar.dropped]
    lines = rgb.mean(axis=1)  # H×3
    share = lines[:, list(bar.dropped)].mean(axis=1) / np.maximum(lines[:, kept].mean(axis=1), 1e-3)  # H
    in_bar, in_context = np.median(share[bar.top : bar.bottom]), np.median(share[context])
    recovered = share >= in_bar + settings.edge_recovery * (in_context - in_bar)
    top, bottom = bar.top, bar.bottom
    while top > max(0, bar.top - settings.edge_lines) and not recovered[top - 1]:
        top -= 1
    while bottom < min(len(rgb), bar.bottom + settings.edge_lines) and not recovered[bottom]:
        bottom += 1
    return ColourBar(top, bottom, bar.dropped)


def _inpaint_lines(rgb: np.ndarray, bar: ColourBar) -> None:
    """Lines ``[bar.top, bar.bottom)`` of ``rgb`` (float32 H×W×3 in [0, 1], in place) filled
    in from the picture around them (OpenCV's Telea inpainting, on an 8-bit copy)."""
    mask = np.zeros(rgb.shape[:2], np.uint8)
    mask[bar.top : bar.bottom] = 255
    eight_bit = np.rint(rgb * 255.0).astype(np.uint8)
    filled = cv2.inpaint(eight_bit, mask, 5, cv2.INPAINT_TELEA)
    rgb[bar.top : bar.bottom] = filled[bar.top : bar.bottom].astype(np.float32) / 255.0


def _check_colour(colour: np.ndarray) -> None:
    if colour.ndim != 3 or colour.shape[2] != 3 or colour.dtype not in (np.uint8, np.uint16, np.float32):
        raise ValueError(f"expected an H×W×3 uint8, uint16 or float32 image, got {colour.dtype} {colour.shape}")
    if colour.shape[0] < 2 or colour.shape[1] < 2:
        raise ValueError(f"the image must be at least 2×2 pixels, got {colour.shape[1]}×{colour.shape[0]}")


def _line_means(image: np.ndarray) -> np.ndarray:
    """H×3 mean of each line of an H×W×3 image (OpenCV's area resize: many times numpy's speed)."""
    return cv2.resize(image, (1, image.shape[0]), interpolation=cv2.INTER_AREA)[:, 0]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in a 1-D bool array."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _context_lines(candidate: np.ndarray, top: int, bottom: int, lines: int) -> np.ndarray:
    """Up to ``lines`` lines on each side of ``[top, bottom)`` that are not bar candidates."""
    around = np.r_[max(0, top - lines) : top, bottom : min(len(candidate), bottom + lines)]
    return around[~candidate[around]]


def _stands_out(colour: np.ndarray, unit: np.float32, black: np.ndarray, bar: ColourBar, context: np.ndarray,
                settings: ColourBarSettings, contrast: float) -> bool:
    """The dropped channels lie below ``contrast`` of their level in the context lines in
    every part of the width but one; the survivors keep theirs (it is not a dark region).
    Levels are measured above the frame's ``black`` point."""
    inside = np.maximum(colour[bar.top : bar.bottom].astype(np.float32) * unit - black, 0.0)
    beside = np.maximum(colour[context].astype(np.float32) * unit - black, 0.0)
    parts = np.array_split(np.arange(colour.shape[1]), settings.blocks)
    for channel in bar.dropped:
        low = [inside[:, part, channel].mean() < contrast * beside[:, part, channel].mean() + 0.01 for part in parts]
        if sum(low) < settings.blocks - 1:
            return False
    return all(inside[..., channel].mean() >= settings.survivor_share * beside[..., channel].mean()
               for channel in range(3) if channel not in bar.dropped)
