"""The model stage: what one decoded frame becomes in each mode (one whole picture, two
fields woven back, or two fields bobbed to full frames), and what the frame function is
told about each picture it is given.

The frame function is called ``process(picture, frame)``: ``picture`` is uint8 RGB
H×W×3 (a whole frame, a field, or a bobbed field), ``frame`` a `FrameContext` saying
which input frame it comes from, when that frame is shown, and which field it is. It
returns uint8 RGB of the same height (and the output's width); that is checked here.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np

from restore.video.fields import bob_field, split_fields, weave_fields


@dataclasses.dataclass(frozen=True)
class FrameContext:
    """Where a picture handed to the frame function comes from."""

    index: int                # the input frame's number, from 0 (both fields of a frame share it)
    time: float | None        # the input frame's timestamp, seconds (pts × time base); None when
                              # the file gives none
    field: str | None = None  # "top" or "bottom" in the fields and bob modes; None for whole frames


#: What `transform_video` runs on every picture: ``process(picture, frame) -> picture``.
FrameFunction = Callable[[np.ndarray, FrameContext], np.ndarray]
_Call = Callable[[np.ndarray, FrameContext], np.ndarray]  # the frame function, its result checked


def _whole(rgb: np.ndarray, call: _Call, frame: FrameContext, top_field_first: bool | None) -> list[np.ndarray]:
    return [call(rgb, frame)]


def _woven(rgb: np.ndarray, call: _Call, frame: FrameContext, top_field_first: bool | None) -> list[np.ndarray]:
    top, bottom = split_fields(rgb)
    return [weave_fields(call(top, dataclasses.replace(frame, field="top")),
                         call(bottom, dataclasses.replace(frame, field="bottom")))]


def _bobbed(rgb: np.ndarray, call: _Call, frame: FrameContext, top_field_first: bool | None) -> list[np.ndarray]:
    top, bottom = split_fields(rgb)
    height = rgb.shape[0]
    fields = [(top, False), (bottom, True)]
    if not top_field_first:  # the field filmed first is shown first
        fields.reverse()
    return [call(bob_field(field, is_bottom, height), dataclasses.replace(frame, field="bottom" if is_bottom else "top"))
            for field, is_bottom in fields]


@dataclasses.dataclass(frozen=True)
class Mode:
    """How one mode turns an input frame into output frames."""

    pictures: Callable[[np.ndarray, _Call, FrameContext, bool | None], list[np.ndarray]]
    outputs_per_frame: int   # output frames per input frame (bob: two, at twice the rate)
    uses_fields: bool        # works on fields: frames need two lines, and a field order
    keeps_interlacing: bool  # the output is flagged interlaced when the input is


#: The modes of `transform_video`, by name.
MODES = {
    "frames": Mode(_whole, outputs_per_frame=1, uses_fields=False, keeps_interlacing=True),
    "fields": Mode(_woven, outputs_per_frame=1, uses_fields=True, keeps_interlacing=True),
    "bob": Mode(_bobbed, outputs_per_frame=2, uses_fields=True, keeps_interlacing=False),
}


class ModelStage:
    """Runs the frame function on each decoded frame the mode's way; ``seconds`` is its
    busy time (field split and weave included)."""

    def __init__(self, process: FrameFunction, mode: Mode):
        self.process = process
        self.mode = mode
        self.seconds = 0.0

    def __call__(self, rgb: np.ndarray, frame: FrameContext, width: int, top_field_first: bool | None) -> list[np.ndarray]:
        """The output frames of one input frame; ``width`` is the output's."""
        started = time.perf_counter()

        def call(picture: np.ndarray, context: FrameContext) -> np.ndarray:
            return _checked(self.process(picture, context), picture.shape[0], width)

        pictures = self.mode.pictures(rgb, call, frame, top_field_first)
        self.seconds += time.perf_counter() - started
        return pictures


def _checked(picture, height: int, width: int) -> np.ndarray:
    picture = np.asarray(picture)
    if picture.dtype != np.uint8 or picture.shape != (height, width, 3):
        raise ValueError(f"the frame function returned {picture.dtype} {picture.shape}; "
                         f"expected uint8 {(height, width, 3)}")
    return np.ascontiguousarray(picture)
