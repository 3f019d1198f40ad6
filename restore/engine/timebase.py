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

A frame captured without borders still shows where its top or bottom lines were bent
sideways (flagging, head switching): blanking black entered each bent line from one side,
widest at the frame's edge and narrowing smoothly to nothing, with straight lines below.
`estimate_edge_bends` measures that wedge of black line by line and gives the same
offsets; the picture pushed off the other side is lost, so the lines are shifted back with
their edge pixels repeated into the gap. On a frame with borders the same bend shows as the
border's edge moving near the top or bottom only, straight elsewhere: it is measured there
(`line_corrections` looks for such a bend before taking the border's movement for jitter).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.ndimage import gaussian_filter1d, median_filter

from restore.pal import PAL_HEIGHT, PAL_WIDTH, shift_lines


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
    of its neighbours is an outlier (dark picture at the edge), not jitter;
    ``min_jitter``: a time-base error moves lines against their neighbours, so the
    offsets stray this far (px, 90th percentile) from their own smooth course over
    ``jitter_lines`` lines; an edge that only wanders slowly is a slide mount's or the
    picture's, and "straightening" it would shear a good frame; ``min_agreement``: a line
    that moved took its picture along: the picture's own line-to-line shift
    (`_picture_shifts`) against the offsets' steps has a slope 0.1-1 for soft, grainy jitter
    and near 0 under a ragged edge that wanders alone (a scanned film's): a slope that is,
    by two standard errors, below this vetoes; ``min_coherence``: below this likeness of
    neighbouring lines' detail the picture cannot tell.
    """

    search_width: float = 56.0
    min_contrast: float = 0.10
    min_valid_fraction: float = 0.8
    min_border_width: float = 4.0
    max_border_level: float = 0.25
    min_spread: float = 0.35
    max_offset: float = 40.0
    max_line_step: float = 2.5
    min_jitter: float = 0.75
    jitter_lines: float = 8.0
    min_agreement: float = 0.2
    min_coherence: float = 0.3


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


def _rough_step(region: np.ndarray, black: float, min_contrast: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each line of ``region`` first leaves ``black`` (rough column, and whether it
    does), and the height of the step just past that point. The edge is then refined to
    the step's half-height crossing, which does not depend on how bright the picture
    happens to be there."""
    height = region.shape[0]
    rough, found = _first_crossing(region, np.full(height, black + min_contrast * 0.6, np.float32))
    columns = np.clip(rough.astype(np.int64)[:, None] + np.arange(1, 6)[None, :], 0, region.shape[1] - 1)
    return rough, found, region[np.arange(height)[:, None], columns].max(axis=1) - black


def _border_edge(luma: np.ndarray, settings: TimebaseSettings) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel column of the border-to-picture edge on every line of ``luma``
    (float32 H×W in [0, 1], border at the left), and which lines show a clear edge
    (before `_drop_outliers`)."""
    height, width = luma.shape
    search = min(width - 8, max(8, round(settings.search_width * width / PAL_WIDTH)))
    region = luma[:, : search + 6]
    border_level = float(np.median(luma[:, :2]))
    if border_level > settings.max_border_level:
        return np.zeros(height, np.float32), np.zeros(height, bool)
    rough, found, contrast = _rough_step(region, border_level, settings.min_contrast)
    position, crossed = _first_crossing(region, border_level + 0.5 * contrast)
    return position.astype(np.float32), found & crossed & (contrast > settings.min_contrast) & (rough < search)


def _drop_outliers(position: np.ndarray, valid: np.ndarray, max_step: float) -> np.ndarray:
    """``valid`` without the lines whose edge lies more than ``max_step`` (px) from the
    running median of the lines around them: dark picture next to the border moves the
    crossing deep into the picture on that line only, the true edge is shared by its
    neighbours."""
    if valid.sum() < 3:
        return valid
    lines = np.arange(position.size)
    neighbourhood = median_filter(np.interp(lines, lines[valid], position[valid]), size=15, mode="nearest")
    return valid & (np.abs(position - neighbourhood) < max_step)


def _border_edges(luma: np.ndarray, settings: TimebaseSettings) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Both side borders of a frame (``luma`` as `_luma` gives it), measured once for the
    jitter and the bend paths: for each, the sign that turns its edge's movement into the
    line's (+1 the left border, -1 the right one, measured mirrored), the edge on every
    line and which lines show it clearly (outliers not yet dropped)."""
    return [(sign, *_border_edge(np.ascontiguousarray(image), settings)) for sign, image in ((1.0, luma), (-1.0, luma[:, ::-1]))]


# The frame's top edge, then its bottom one (lines read from the bottom up).
_EDGES = (slice(None), slice(None, None, -1))


@dataclass(frozen=True)
class EdgeBendSettings:
    """Tuning of the bent-edge detector (pixels for a 720×576 frame; they scale with its size).

    ``min_lines`` and ``max_lines``: how far from the top or bottom edge a bend reaches
    (shorter wedges of black are a dark object's corner as often as a bend); ``clear_lines``:
    beyond it this many lines show no black at all (otherwise it is a border or dark
    picture); ``min_shift`` and ``max_shift``: the outermost line's black is this wide (px),
    and ``max_end``: the innermost line's at most this many pixels at any size (a bend
    narrows to nothing, and a line shows no narrower black than a pixel or two);
    ``max_black``: the black that entered is darker than this (luma); ``max_flatness``: and
    flat, no pixel of it this much above its level; ``min_contrast``: the picture beside it
    is this much brighter; ``max_misfit``: the black's widths stay this close (px) to a
    smooth curve (a bend is smooth, a dark object's outline is not); ``max_step``: and
    never grow by more than this from one line to the next away from the edge;
    ``min_gain``: shifting the lines back must make neighbouring lines this much more
    alike (a share of their difference): the picture of a bent edge lines up again, that
    of a dark corner's outline, which never moved, is torn.
    """

    min_lines: float = 14.0
    max_lines: float = 120.0
    clear_lines: float = 24.0
    min_shift: float = 4.0
    max_shift: float = 60.0
    max_end: float = 2.5
    max_black: float = 0.25
    max_flatness: float = 0.06
    min_contrast: float = 0.10
    max_misfit: float = 1.0
    max_step: float = 0.75
    min_gain: float = 0.0


def _black_widths(region: np.ndarray, black: float, settings: EdgeBendSettings) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel width of the black at the start of every line of ``region`` (luma, float32),
    0 where a line starts in the picture, and which lines show a clear black-to-picture step."""
    _, found, contrast = _rough_step(region, black, settings.min_contrast)
    position, crossed = _first_crossing(region, black + 0.5 * np.maximum(contrast, settings.min_contrast))
    position = np.where(found & crossed, position, 0.0)
    # The black itself: flat at its level up to a pixel before the step.
    inside = np.arange(region.shape[1])[None, :] < np.floor(position - 1.0)[:, None]
    flat = np.where(inside, region - black, 0.0).max(axis=1) < settings.max_flatness
    # The half-height crossing lies half a pixel inside the black: pixel x covers x ± 0.5.
    widths = np.where(position > 0, position + 0.5, 0.0)
    return widths.astype(np.float32), (contrast > settings.min_contrast) & flat


def _top_left_bend(luma: np.ndarray, height: int, settings: EdgeBendSettings) -> np.ndarray | None:
    """Widths of the black wedge entering the top lines of ``luma`` (the first lines of a
    ``height``-line frame, float32 in [0, 1]) from the left (one per line of the bend, the
    top line first), or None without one."""
    width = luma.shape[1]
    scale_x, scale_y = width / PAL_WIDTH, height / PAL_HEIGHT
    reach = int(round(settings.max_lines * scale_y))
    clear = max(2, int(round(settings.clear_lines * scale_y)))
    search = min(width - 8, int(round(settings.max_shift * scale_x)) + 6)
    if reach + clear > height // 2 or search < 8:
        return None
    black = float(luma[0, :2].mean())
    if black > settings.max_black:
        return None
    widths, valid = _black_widths(np.ascontiguousarray(luma[: reach + clear, :search]), black, settings)
    return _bend_shape(cv2.medianBlur(widths[:, None], 3)[:, 0], valid, (scale_x, scale_y), settings)


def _bend_shape(widths: np.ndarray, valid: np.ndarray, scale: tuple[float, float], settings: EdgeBendSettings,
                straight: float = 0.5) -> np.ndarray | None:
    """The first entries of ``widths`` (how far each line from the frame's edge on moved, px)
    that form a bend: widest at the edge, narrowing smoothly to nothing within
    ``settings.max_lines``, then ``settings.clear_lines`` lines that moved less than
    ``straight``; None if they do not. ``scale``: the frame's (x, y) size against 720×576."""
    (scale_x, scale_y), reach = scale, int(round(settings.max_lines * scale[1]))
    clear = max(2, int(round(settings.clear_lines * scale_y)))
    below = np.flatnonzero(widths < straight)
    depth = int(below[0]) if below.size else widths.size
    if not max(3, settings.min_lines * scale_y) <= depth <= reach or widths.size < depth + clear:
        return None
    bend = widths[:depth]
    if bend[0] < settings.min_shift * scale_x or bend.max() > settings.max_shift * scale_x or bend[-1] > settings.max_end:
        return None
    if np.any(np.abs(widths[depth : depth + clear]) >= straight) or valid[: depth].mean() < 0.9:
        return None
    lines = np.arange(depth, dtype=np.float32)
    misfit = np.abs(np.polyval(np.polyfit(lines, bend, 2), lines) - bend).max()
    if misfit > settings.max_misfit * scale_x or np.diff(bend).max(initial=0.0) > settings.max_step * scale_x:
        return None
    return bend


def estimate_edge_bends(rgb: np.ndarray, settings: EdgeBendSettings = EdgeBendSettings()) -> np.ndarray | None:
    """Per-line horizontal displacement (pixels, positive = shifted right) of a uint8 RGB
    ``H×W×3`` frame's bent top and bottom lines, measured on the black that entered them;
    None when neither edge is bent. Lines beyond the bends get 0."""
    return _edge_bends(_luma(rgb), settings)


def _edge_bends(luma: np.ndarray, settings: EdgeBendSettings) -> np.ndarray | None:
    """`estimate_edge_bends` on the frame's luma (`_luma`); only the lines near each edge are read."""
    height = luma.shape[0]
    strip = min(height, int(round((settings.max_lines + settings.clear_lines) * height / PAL_HEIGHT)) + 2)
    offsets = np.zeros(height, np.float32)
    found = False
    for vertical in _EDGES:
        edge = luma[vertical][:strip]
        bends = {sign: _top_left_bend(edge[:, ::side], height, settings) for sign, side in ((1.0, 1), (-1.0, -1))}
        bends = {sign: bend for sign, bend in bends.items() if bend is not None}
        if len(bends) != 1:  # black entering from both sides is a border or the picture, not a bend
            continue
        (sign, bend), = bends.items()
        if _straightens(edge, sign * bend, settings):
            offsets[vertical][: bend.size] = sign * bend
            found = True
    return offsets if found else None


def _straightens(luma: np.ndarray, bend: np.ndarray, settings: EdgeBendSettings) -> bool:
    """Whether shifting the first lines of ``luma`` back by ``bend`` makes them (and the
    next straight line) more alike from one line to the next, away from the black."""
    lines = bend.size + 1
    margin = int(np.ceil(np.abs(bend).max())) + 2
    before = luma[:lines, margin:-margin]
    after = shift_lines(np.ascontiguousarray(luma[:lines]), -np.append(bend, 0.0).astype(np.float32))[:, margin:-margin]
    mismatch = [float(np.abs(np.diff(picture, axis=0)).mean()) for picture in (before, after)]
    return mismatch[1] < (1.0 - settings.min_gain) * mismatch[0]


def _border_bends(borders: list, shape: tuple[int, int], settings: TimebaseSettings,
                  bend_settings: EdgeBendSettings) -> np.ndarray | None:
    """Bent top and bottom lines of a ``shape`` (H, W) frame with black side borders
    (`_border_edges`), measured on the border's edge, which was straight on the tape:
    per-line offsets as `estimate_edge_bends` gives them, or None. Where both borders show
    a bend they must agree, and their mean is taken."""
    height, width = shape
    scale = (width / PAL_WIDTH, height / PAL_HEIGHT)
    sides = []
    for sign, position, clear in borders:
        # A bend moves its lines further from their neighbours' median than jitter does: keep them.
        valid = _drop_outliers(position, clear, settings.max_offset * scale[0])
        if valid.mean() >= settings.min_valid_fraction and np.median(position[valid]) >= settings.min_border_width * scale[0]:
            sides.append((sign * (position - np.median(position[valid])), valid))
    # Lines past a bend count as straight within a pixel (at 720 wide): a border's edge is
    # measured through grain and compression, not on the exact black a bend lets in.
    straight = max(0.5, scale[0])
    offsets = np.zeros(height, np.float32)
    for vertical in _EDGES:
        found = []
        for moved, valid in sides:
            for direction in (1.0, -1.0):
                profile = cv2.medianBlur(np.ascontiguousarray(direction * moved[vertical], np.float32)[:, None], 3)[:, 0]
                bend = _bend_shape(profile, valid[vertical], scale, bend_settings, straight)
                if bend is not None:
                    found.append(direction * bend)
        if len(found) == 1 or (len(found) == 2 and found[0].size == found[1].size
                               and np.abs(found[0] - found[1]).mean() < straight):
            offsets[vertical][: found[0].size] = np.mean(found, axis=0)
    return offsets if offsets.any() else None


def line_corrections(rgb: np.ndarray, settings: TimebaseSettings = TimebaseSettings(),
                     bend_settings: EdgeBendSettings = EdgeBendSettings()) -> tuple[np.ndarray, bool] | None:
    """What `correct_timebase` undoes on a uint8 RGB ``H×W×3`` frame: the per-line offsets
    (as `estimate_line_offsets` gives them) and whether the gap they leave is black (a
    border's jitter) or the edge repeated (a bend); None when nothing needs correcting."""
    luma = _luma(rgb)
    borders = _border_edges(luma, settings)
    # A bend explains a border that moved only near the frame's edge better than jitter does.
    offsets = _border_bends(borders, luma.shape, settings, bend_settings)
    if offsets is None:
        offsets = _line_offsets(borders, luma, settings)
    if offsets is not None:
        return offsets, True
    offsets = _edge_bends(luma, bend_settings)
    return None if offsets is None else (offsets, False)


def _luma(rgb: np.ndarray) -> np.ndarray:
    """Luma of a uint8 RGB frame in [0, 1], lightly smoothed along the lines: grain would
    otherwise trigger early crossings."""
    luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    return cv2.GaussianBlur(luma, (0, 0), sigmaX=0.8, sigmaY=1e-6)


def estimate_line_offsets(rgb: np.ndarray, settings: TimebaseSettings = TimebaseSettings()) -> np.ndarray | None:
    """Per-line horizontal displacement (pixels, positive = shifted right) of a uint8 RGB
    ``H×W×3`` frame, measured on its black side borders; None when neither side has a
    border clear enough to trust."""
    luma = _luma(rgb)
    return _line_offsets(_border_edges(luma, settings), luma, settings)


def _line_offsets(borders: list, luma: np.ndarray, settings: TimebaseSettings) -> np.ndarray | None:
    """`estimate_line_offsets` from the measured borders (`_border_edges`) of a frame's ``luma``."""
    height, width = luma.shape
    measurements = []
    for sign, position, clear in borders:
        valid = _drop_outliers(position, clear, settings.max_line_step * width / PAL_WIDTH)
        if valid.mean() < settings.min_valid_fraction:
            continue
        if np.median(position[valid]) < settings.min_border_width * width / PAL_WIDTH:
            continue
        # A right-border edge moving left means the line moved left: the sign flips it.
        measurements.append((sign * (position - np.median(position[valid])), valid))
    if not measurements:
        return None
    total = sum(np.where(valid, offsets, 0.0) for offsets, valid in measurements)
    count = sum(valid.astype(np.float32) for _, valid in measurements)
    known = count > 0
    lines = np.arange(height)
    offsets = np.interp(lines, lines[known], total[known] / count[known]).astype(np.float32)
    # Isolated outliers (a bright speck in the border) are single lines: a 3-line median
    # removes them but keeps real line-to-line jitter, which spans several lines.
    offsets = cv2.medianBlur(offsets[:, None], 3)[:, 0] if offsets.size >= 3 else offsets
    limit = settings.max_offset * width / PAL_WIDTH
    if np.percentile(np.abs(offsets), 90) < settings.min_spread or np.abs(offsets).max() > limit * 2:
        return None
    smooth = gaussian_filter1d(offsets, settings.jitter_lines * height / PAL_HEIGHT, mode="nearest")
    if np.percentile(np.abs(offsets - smooth), 90) < settings.min_jitter * width / PAL_WIDTH:
        return None
    offsets = np.clip(offsets, -limit, limit)
    return offsets if _picture_agrees(luma, offsets, settings) else None


def _picture_shifts(picture: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Per line pair of ``picture`` (float32 H×W luma): how far (px, + = right) the lower line
    lies from the upper by one Lucas–Kanade step, and whether it has the detail to say so;
    and the median correlation of neighbouring lines' slopes (photos 0.5-0.9, noise ~0)."""
    slopes = np.gradient(picture, axis=1)
    norms = np.sqrt(np.einsum("ij,ij->i", slopes, slopes))
    coherence = float(np.median(np.einsum("ij,ij->i", slopes[1:], slopes[:-1]) / np.maximum(norms[1:] * norms[:-1], 1e-12)))
    step, slope = picture[1:] - picture[:-1], 0.5 * (slopes[1:] + slopes[:-1])
    energy = np.einsum("ij,ij->i", slope, slope)
    detailed = energy > 1e-6 * picture.shape[1]
    return -np.einsum("ij,ij->i", step, slope) / np.maximum(energy, 1e-12), detailed, coherence


def _picture_agrees(luma: np.ndarray, offsets: np.ndarray, settings: TimebaseSettings) -> bool:
    """Whether the picture between the borders may have moved with the per-line ``offsets``
    (`TimebaseSettings.min_agreement`); one that cannot tell (flat, noise alone) does not veto."""
    margin = int(np.ceil(np.abs(offsets).max())) + 2 + luma.shape[1] // 10
    picture = luma[:, margin:-margin]
    if picture.shape[1] < 16:
        return True
    shifts, detailed, coherence = _picture_shifts(picture)
    steps, shifts = (values - values.mean() for values in (np.diff(offsets)[detailed], shifts[detailed]))
    if coherence < settings.min_coherence or detailed.mean() < 0.5 or not steps.any():
        return True
    slope = float(steps @ shifts / (steps @ steps))
    error = float(np.sqrt(np.sum((shifts - slope * steps) ** 2) / max(1, steps.size - 2) / (steps @ steps)))
    return slope + 2.0 * error >= settings.min_agreement


def correct_timebase(rgb: np.ndarray, settings: TimebaseSettings = TimebaseSettings()) -> np.ndarray:
    """Straighten line jitter of a uint8 RGB ``H×W×3`` frame using its black side
    borders as the straight reference, or, without borders, its bent top and bottom
    lines (`line_corrections`); returns a new image of the same shape (an unchanged copy
    when there is nothing to correct)."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"correct_timebase needs a uint8 H×W×3 RGB image, got {rgb.dtype} {rgb.shape}")
    corrections = line_corrections(rgb, settings)
    if corrections is None:
        return rgb.copy()
    offsets, fill_black = corrections
    return shift_lines(rgb, -offsets, fill_black=fill_black)
