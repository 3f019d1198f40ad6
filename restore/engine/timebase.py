"""Time-base correction for digitised frames: straighten per-line horizontal jitter.

A real time-base corrector re-times every line against its sync pulse, a reference
known to be straight. A digitised frame has lost sync, but most captures keep the
black blanking border at the left and/or right of the picture: its edge was straight on
the tape, so wherever it wanders from line to line, the whole line wandered with it.
`estimate_line_offsets` finds that edge on every line (sub-pixel; positive = the line
moved right, the sign convention of `restore.pal.shift_lines`), `correct_timebase`
shifts each line back by minus that. Frames without a usable border come back
unchanged, so the stage is safe to run on anything.

Neighbour-to-neighbour alignment of picture content cannot do this: slow drift over
many lines looks exactly like slanted content. The border has no such ambiguity.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.ndimage import median_filter

from restore.pal import PAL_WIDTH, shift_lines


@dataclass(frozen=True)
class TimebaseSettings:
    """Tuning of the border-edge detector (pixels are for a 720-wide PAL frame and scale
    with the width).

    ``search_width``: how far into the line the edge may lie; ``min_contrast``: how much
    brighter than the border the picture next to it must be for a line to count;
    ``min_valid_fraction``: lines with a clear edge needed to trust the border at all;
    ``min_border_width`` and ``max_border_level``: a border is at least this wide (px)
    and this dark (luma) — black pulled in by the jitter itself is narrower;
    ``min_spread``: below this spread of edge positions (px) there is no jitter to fix;
    ``max_line_step``: a line whose edge lies further than this from the running median
    of its neighbours is an outlier (dark picture at the edge), not jitter.
    """

    search_width: float = 56.0
    min_contrast: float = 0.10
    min_valid_fraction: float = 0.8
    min_border_width: float = 4.0
    max_border_level: float = 0.25
    min_spread: float = 0.35
    max_offset: float = 40.0
    max_line_step: float = 2.5


def _first_crossing(region: np.ndarray, threshold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel column where each line of ``region`` first rises above its threshold,
    and whether it does at all."""
    above = region > threshold[:, None]
    first = above.argmax(axis=1)
    rows = np.arange(region.shape[0])
    before = np.maximum(first - 1, 0)
    low, high = region[rows, before], region[rows, first]
    fraction = np.clip((threshold - low) / np.maximum(high - low, 1e-6), 0.0, 1.0)
    return before + np.where(first > 0, fraction, 0.0), above.any(axis=1) & (first > 0)


def _edge_positions(luma: np.ndarray, settings: TimebaseSettings) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel column of the border-to-picture edge on every line of ``luma``
    (float32 H×W in [0, 1], border at the left), and which lines have a clear edge."""
    height, width = luma.shape
    search = min(width - 8, max(8, round(settings.search_width * width / PAL_WIDTH)))
    region = luma[:, : search + 6]
    border_level = float(np.median(luma[:, :2]))
    if border_level > settings.max_border_level:
        return np.zeros(height, np.float32), np.zeros(height, bool)
    # Rough edge: where the line first leaves black. The step's height is then read just
    # past it, and the edge refined to the half-height crossing, which does not depend
    # on how bright the picture happens to be at that point.
    rough, found = _first_crossing(region, np.full(height, border_level + settings.min_contrast * 0.6, np.float32))
    columns = np.clip(rough.astype(np.int64)[:, None] + np.arange(1, 6)[None, :], 0, region.shape[1] - 1)
    step_top = region[np.arange(height)[:, None], columns].max(axis=1)
    contrast = step_top - border_level
    position, crossed = _first_crossing(region, border_level + 0.5 * contrast)
    valid = found & crossed & (contrast > settings.min_contrast) & (rough < search)
    # Dark picture next to the border moves the crossing deep into the picture on that
    # line only; the true edge is shared by its neighbours. Drop lines far from the
    # running median of the lines around them.
    if valid.sum() >= 3:
        lines = np.arange(height)
        filled = np.interp(lines, lines[valid], position[valid])
        neighbourhood = median_filter(filled, size=15, mode="nearest")
        valid &= np.abs(position - neighbourhood) < settings.max_line_step * width / PAL_WIDTH
    return position.astype(np.float32), valid


def estimate_line_offsets(rgb: np.ndarray, settings: TimebaseSettings = TimebaseSettings()) -> np.ndarray | None:
    """Per-line horizontal displacement (pixels, positive = shifted right) of a uint8 RGB
    ``H×W×3`` frame, measured on its black side borders; None when neither side has a
    border clear enough to trust."""
    luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    # Light horizontal smoothing: grain would otherwise trigger early crossings.
    luma = cv2.GaussianBlur(luma, (0, 0), sigmaX=0.8, sigmaY=1e-6)
    measurements = []
    for side, image in (("left", luma), ("right", luma[:, ::-1])):
        position, valid = _edge_positions(np.ascontiguousarray(image), settings)
        if valid.mean() < settings.min_valid_fraction:
            continue
        if np.median(position[valid]) < settings.min_border_width * rgb.shape[1] / PAL_WIDTH:
            continue
        # A right-border edge moving left means the line moved left: flip its sign.
        offsets = position - np.median(position[valid])
        measurements.append((offsets if side == "left" else -offsets, valid))
    if not measurements:
        return None
    total = sum(np.where(valid, offsets, 0.0) for offsets, valid in measurements)
    count = sum(valid.astype(np.float32) for _, valid in measurements)
    known = count > 0
    lines = np.arange(rgb.shape[0])
    offsets = np.interp(lines, lines[known], total[known] / count[known]).astype(np.float32)
    # Isolated outliers (a bright speck in the border) are single lines: a 3-line median
    # removes them but keeps real line-to-line jitter, which spans several lines.
    offsets = cv2.medianBlur(offsets[:, None], 3)[:, 0] if offsets.size >= 3 else offsets
    limit = settings.max_offset * rgb.shape[1] / PAL_WIDTH
    if np.percentile(np.abs(offsets), 90) < settings.min_spread or np.abs(offsets).max() > limit * 2:
        return None
    return np.clip(offsets, -limit, limit)


def correct_timebase(rgb: np.ndarray, settings: TimebaseSettings = TimebaseSettings()) -> np.ndarray:
    """Straighten line jitter of a uint8 RGB ``H×W×3`` frame using its black side
    borders as the straight reference; returns a new image of the same shape (an
    unchanged copy when the frame has no usable border)."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"correct_timebase needs a uint8 H×W×3 RGB image, got {rgb.dtype} {rgb.shape}")
    offsets = estimate_line_offsets(rgb, settings)
    if offsets is None:
        return rgb.copy()
    # Uncovered pixels are black, like the blanking they came from.
    return shift_lines(rgb, -offsets, fill_black=True)
