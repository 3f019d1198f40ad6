"""Scene-stage artifacts: what is wrong with the picture before it is recorded.

Field motion (`interlace`: the odd field displaced against the even one) and the black
blanking at the ends of each line (`side_borders`, the straight reference the time-base
corrector later relies on). Each artifact: ``<Name>Params``, ``random_<name>``,
``add_<name>``, as described in `restore.degrade.artifacts`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from restore.degrade.frame import Frame, Size, frame_scale
from restore.pal import shift_lines


@dataclass(frozen=True)
class InterlaceParams:
    shift: float  # px: the odd field's sideways displacement (negative = left)


def random_interlace(strength: float, rng: np.random.Generator, size: Size, settings) -> InterlaceParams:
    scale_x, _ = frame_scale(size)
    return InterlaceParams(shift=strength * 3.0 * scale_x * float(rng.choice([-1.0, 1.0])) * rng.uniform(0.6, 1.0))


def add_interlace(frame: Frame, params: InterlaceParams, rng: np.random.Generator) -> Frame:
    """Motion between the two fields: the odd lines displaced sideways by up to 3 px."""
    for plane in frame:
        plane[1::2] = shift_lines(np.ascontiguousarray(plane[1::2]), params.shift)
    return frame


@dataclass(frozen=True)
class SideBordersParams:
    left: int  # px of black at the start of each line
    right: int  # px of black at the end


def random_side_borders(strength: float, rng: np.random.Generator, size: Size, settings) -> SideBordersParams:
    scale_x, _ = frame_scale(size)
    return SideBordersParams(left=round(strength * rng.uniform(12, 24) * scale_x), right=round(strength * rng.uniform(2, 10) * scale_x))


def add_side_borders(frame: Frame, params: SideBordersParams, rng: np.random.Generator) -> Frame:
    """Black blanking borders at the left (up to 24 px) and right (up to 10 px) of each line."""
    width = frame[0].shape[1]
    for plane in frame:
        plane[:, : params.left] = 0.0
        plane[:, width - params.right :] = 0.0
    return frame
