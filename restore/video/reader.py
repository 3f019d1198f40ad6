"""The decoding stage: demuxes the input, decodes its video frames to RGB and passes its
audio packets on untouched (they are copied, never decoded); and what the first frame
tells about the whole run (`Layout`: size, interlacing, field order)."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from restore.pal import square_pixel_width
from restore.video.formats import FIELD_ORDER_TOP_FIRST
from restore.video.frames import Mode
from restore.video.results import VideoError

_FORCED_ORDER = {"tff": True, "bff": False}  # field_order -> top field first; "auto" asks the stream


class Decoded(NamedTuple):
    """A decoded video frame: RGB, and its timestamp in the input stream's time base."""

    rgb: np.ndarray
    pts: int | None


class AudioPacket(NamedTuple):
    """An input audio packet, on its way to the output untouched."""

    packet: Any


@dataclasses.dataclass(frozen=True)
class Layout:
    """What the first decoded frame (and the stream's flags) tell about the whole run."""

    width: int                    # of the input frames; a later change of size is scaled back to it
    height: int
    output_width: int             # square pixels with ``pal_aspect`` (720 -> 768), else ``width``
    interlaced: bool              # the input is flagged interlaced
    top_field_first: bool | None  # the field order used; None for whole frames of progressive input

    @classmethod
    def of(cls, first_frame, stream, mode: Mode, field_order: str, pal_aspect: bool, input_path: Path) -> Layout:
        """The layout from the first frame; ``field_order`` "auto", "tff" or "bff"."""
        width, height = first_frame.width, first_frame.height
        if height < 2 and mode.uses_fields:
            raise VideoError(input_path, "frames of one line have no fields")
        order_code = stream.codec_context.field_order
        interlaced = bool(first_frame.interlaced_frame) or order_code in FIELD_ORDER_TOP_FIRST
        top_field_first = _FORCED_ORDER.get(field_order)
        if field_order == "auto" and (mode.uses_fields or interlaced):
            top_field_first = FIELD_ORDER_TOP_FIRST.get(order_code, True)  # unflagged: top first
        return cls(width=width, height=height, output_width=square_pixel_width(width) if pal_aspect else width,
                   interlaced=interlaced, top_field_first=top_field_first)


class Reader:
    """Reads one input: `items` yields its decoded frames and audio packets in file order.
    ``on_first_frame(frame)`` runs once, before the first frame is converted, and returns
    its `Layout`. ``seconds`` is the busy time (demuxing, decoding, conversion to RGB)."""

    def __init__(self, source, on_first_frame: Callable[[Any], Layout], segment=None):
        self.source = source
        self.segment = segment  # a `restore.video.segments.Segment`: only its frames, no audio
        self.video = source.streams.video[0]
        self.video.thread_type = "AUTO"  # FFmpeg's own decoding threads
        self.audio = list(source.streams.audio) if segment is None else []
        self.on_first_frame = on_first_frame
        self.layout: Layout | None = None
        self.frames_decoded = 0
        self.seconds = 0.0

    def items(self, stop: threading.Event) -> Iterator[Decoded | AudioPacket]:
        """Decoded frames and audio packets until the file ends or ``stop`` is set (checked
        at every packet). Time spent by whoever takes the items is not counted."""
        clock = time.perf_counter()
        if self.segment is not None:  # from the keyframe the segment starts at
            self.source.seek(self.segment.start_pts, stream=self.video, backward=True, any_frame=False)
        for packet in self.source.demux(self.video, *self.audio):
            if stop.is_set():
                return
            if packet.stream.type == "audio":
                if packet.dts is not None or packet.pts is not None:  # not the flush packet
                    self.seconds += time.perf_counter() - clock
                    yield AudioPacket(packet)
                    clock = time.perf_counter()
                continue
            for frame in packet.decode():
                if self.segment is not None and not self._in_segment(frame.pts):
                    if frame.pts is not None and self.segment.stop_pts is not None and frame.pts >= self.segment.stop_pts:
                        return
                    continue
                self.frames_decoded += 1
                rgb = self._to_rgb(frame)
                self.seconds += time.perf_counter() - clock
                yield Decoded(rgb, frame.pts)
                clock = time.perf_counter()

    def _in_segment(self, pts: int | None) -> bool:
        stop = self.segment.stop_pts
        return pts is not None and pts >= self.segment.start_pts and (stop is None or pts < stop)

    def time_of(self, pts: int | None) -> float | None:
        """A video timestamp in seconds; None when the frame has none."""
        base = self.video.time_base
        return float(pts * base) if pts is not None and base else None

    def _to_rgb(self, frame) -> np.ndarray:
        if self.layout is None:
            self.layout = self.on_first_frame(frame)
        # A mid-stream size change is scaled back to the first frame's size.
        return frame.to_ndarray(format="rgb24", width=self.layout.width, height=self.layout.height)
