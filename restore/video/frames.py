"""The model stage: what one decoded frame becomes in each mode (one whole picture, two
fields woven back, or two fields bobbed to full frames), and what the frame function is
told about each picture it is given.

The frame function is called ``process(picture, frame)``: ``picture`` is uint8 RGB
H×W×3 (a whole frame, a field, or a bobbed field), ``frame`` a `FrameContext` saying
which input frame it comes from, when that frame is shown, and which field it is. It
returns uint8 RGB of the same height (and the output's width); that is checked here.
A batch function takes lists of both and returns a list: the pictures of a few frames
in one call (a network runs two frames together faster than one after the other).
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
#: The same over several pictures at once (see `Batched`):
#: ``process(pictures, frames) -> pictures``, one result per picture, in order.
BatchFunction = Callable[[list[np.ndarray], list[FrameContext]], list[np.ndarray]]
_Picture = tuple[np.ndarray, FrameContext]  # a picture for the frame function, and what it is


def _whole(rgb: np.ndarray, frame: FrameContext, top_field_first: bool | None) -> list[_Picture]:
    return [(rgb, frame)]


def _fields(rgb: np.ndarray, frame: FrameContext, top_field_first: bool | None) -> list[_Picture]:
    top, bottom = split_fields(rgb)
    return [(top, dataclasses.replace(frame, field="top")), (bottom, dataclasses.replace(frame, field="bottom"))]


def _bobbed(rgb: np.ndarray, frame: FrameContext, top_field_first: bool | None) -> list[_Picture]:
    top, bottom = split_fields(rgb)
    height = rgb.shape[0]
    fields = [(top, False), (bottom, True)]
    if not top_field_first:  # the field filmed first is shown first
        fields.reverse()
    return [(bob_field(field, is_bottom, height), dataclasses.replace(frame, field="bottom" if is_bottom else "top"))
            for field, is_bottom in fields]


def _woven(pictures: list[np.ndarray]) -> list[np.ndarray]:
    return [weave_fields(*pictures)]


@dataclasses.dataclass(frozen=True)
class Mode:
    """How one mode turns an input frame into pictures for the frame function
    (``pictures``), and their results into output frames (``outputs``)."""

    pictures: Callable[[np.ndarray, FrameContext, bool | None], list[_Picture]]
    outputs: Callable[[list[np.ndarray]], list[np.ndarray]]
    outputs_per_frame: int   # output frames per input frame (bob: two, at twice the rate)
    uses_fields: bool        # works on fields: frames need two lines, and a field order
    keeps_interlacing: bool  # the output is flagged interlaced when the input is

    @property
    def pictures_per_frame(self) -> int:
        return 2 if self.uses_fields else 1


#: The modes of `transform_video`, by name.
MODES = {
    "frames": Mode(_whole, list, outputs_per_frame=1, uses_fields=False, keeps_interlacing=True),
    "fields": Mode(_fields, _woven, outputs_per_frame=1, uses_fields=True, keeps_interlacing=True),
    "bob": Mode(_bobbed, list, outputs_per_frame=2, uses_fields=True, keeps_interlacing=False),
}


@dataclasses.dataclass(frozen=True)
class Batched:
    """A batch function for `transform_video`, and how many pictures it takes per call at
    most: it is given the pictures of as many frames as fill that (of those already
    decoded; always whole frames, so a frame's fields go together)."""

    process: BatchFunction
    pictures_per_call: int

    def __post_init__(self):
        if not callable(self.process):
            raise ValueError(f"Batched needs a function, got {type(self.process).__name__}")
        if not isinstance(self.pictures_per_call, int) or isinstance(self.pictures_per_call, bool) or self.pictures_per_call < 1:
            raise ValueError(f"pictures_per_call must be a positive integer, got {self.pictures_per_call!r}")

    @classmethod
    def of(cls, process: FrameFunction | Batched) -> Batched:
        """``process`` as it is, or a frame function called on each picture in turn."""
        if isinstance(process, Batched):
            return process

        def each(pictures: list[np.ndarray], frames: list[FrameContext]) -> list[np.ndarray]:
            return [process(picture, frame) for picture, frame in zip(pictures, frames)]
        return cls(each, 1)


class ModelStage:
    """Runs the frame function on the pictures of a few decoded frames at once, the mode's
    way; ``seconds`` is its busy time (field split and weave included).
    ``frames_per_call`` is how many input frames to hand it together."""

    def __init__(self, process: FrameFunction | Batched, mode: Mode):
        batched = Batched.of(process)
        self.process = batched.process
        self.mode = mode
        self.frames_per_call = max(1, batched.pictures_per_call // mode.pictures_per_frame)
        self.seconds = 0.0

    def __call__(self, frames: list[tuple[np.ndarray, FrameContext]], width: int,
                 top_field_first: bool | None) -> list[list[np.ndarray]]:
        """The output frames of each input frame ``(rgb, context)``; ``width`` is the output's."""
        started = time.perf_counter()
        pictures = [self.mode.pictures(rgb, frame, top_field_first) for rgb, frame in frames]
        flat = [picture for per_frame in pictures for picture in per_frame]
        results = list(self.process([picture for picture, _ in flat], [context for _, context in flat]))
        if len(results) != len(flat):
            raise ValueError(f"the frame function returned {len(results)} pictures for {len(flat)}")
        checked = iter([_checked(result, picture.shape[0], width) for result, (picture, _) in zip(results, flat)])
        outputs = [self.mode.outputs([next(checked) for _ in per_frame]) for per_frame in pictures]
        self.seconds += time.perf_counter() - started
        return outputs


def _checked(picture, height: int, width: int) -> np.ndarray:
    picture = np.asarray(picture)
    if picture.dtype != np.uint8 or picture.shape != (height, width, 3):
        raise ValueError(f"the frame function returned {picture.dtype} {picture.shape}; "
                         f"expected uint8 {(height, width, 3)}")
    return np.ascontiguousarray(picture)
