"""The encoding stage: the output file (container, video stream, codec options, pixel
format, field order, pixel aspect), the output frames' timestamps, and the input's audio
packets interleaved with the pictures.

Every output frame keeps its input frame's timestamp (`Timestamps`), so the frame rate,
the frame count and the duration match the input (bob: twice the rate and the frames,
same duration). Audio packets are copied untouched, with their own timestamps
(`AudioCopy`); a packet is muxed once the video written reaches its start, so the two
are interleaved as they play and the muxer never holds much.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections import deque
from fractions import Fraction
from typing import Any, Self

import numpy as np

from restore.video.formats import (
    CODECS,
    ENCODER_OPTIONS,
    FFV1_KEEPABLE_FORMATS,
    FIELD_ORDER_CODE,
    FIELD_PROGRESSIVE,
    check_codec,
    container_format,
)
from restore.video.results import ffmpeg_reason


@dataclasses.dataclass(frozen=True)
class OutputFormat:
    """The output file's container and video stream."""

    container_format: str                 # an FFmpeg muxer: a value of `FORMAT_FOR_SUFFIX`
    encoder: str                          # an FFmpeg encoder: the first item of a `CODECS` value
    width: int
    height: int
    frame_rate: Fraction
    time_base: Fraction
    pix_fmt: str = "yuv420p"
    top_field_first: bool | None = None   # flagged interlaced with this field order; None: progressive
    sample_aspect_ratio: Fraction | None = None  # None: not set

    @classmethod
    def for_file(cls, path: str | os.PathLike, codec: str, width: int, height: int, frame_rate: Fraction | int,
                 **options) -> OutputFormat:
        """A new file at ``path`` (its suffix picks the container; ValueError for others)
        in `CODECS` ``codec``, timestamps counting frames (``pts`` 0, 1, 2, ...)."""
        check_codec(codec)
        frame_rate = Fraction(frame_rate)
        return cls(container_format(path), CODECS[codec][0], width, height, frame_rate, 1 / frame_rate, **options)


def pix_fmt_for(encoder: str, source_pix_fmt: str | None) -> str:
    """The output's pixel format: FFV1 keeps an 8-bit planar YUV input's chroma layout;
    everything else is 4:2:0 (what H.264 players expect)."""
    if encoder == "ffv1" and (source_pix_fmt or "") in FFV1_KEEPABLE_FORMATS:
        return source_pix_fmt
    return "yuv420p"


def output_error(error: BaseException) -> BaseException:
    """An error raised while writing, as the caller should see it: an encoder's or muxer's
    error is about the output (an OSError), not the input."""
    if not isinstance(error, OSError) and type(error).__module__.startswith("av"):
        return OSError(f"encoding or writing the output failed ({ffmpeg_reason(error)})")
    return error


class VideoWriter:
    """A video file being written: RGB pictures in (`write`), encoded and muxed; audio
    streams copied from an input (`add_audio_stream`, then `mux` their packets).
    ``container`` is the PyAV output container; ``frames`` counts the pictures written."""

    def __init__(self, path: str | os.PathLike, output: OutputFormat):
        import av

        self.format = output
        self.container = av.open(str(path), "w", format=output.container_format)
        self.closed = False
        try:
            self.stream = self._add_video_stream(output)
        except BaseException:
            self.abandon()
            raise
        self.audio_streams: dict[int, Any] = {}  # input stream index -> output stream
        self.frames = 0

    def _add_video_stream(self, output: OutputFormat):
        stream = self.container.add_stream(output.encoder, rate=output.frame_rate)
        stream.width, stream.height = output.width, output.height
        stream.pix_fmt = output.pix_fmt
        stream.time_base = output.time_base
        stream.codec_context.time_base = output.time_base
        options = dict(ENCODER_OPTIONS[output.encoder])
        if output.top_field_first is None:
            stream.codec_context.field_order = FIELD_PROGRESSIVE
        else:
            stream.codec_context.field_order = FIELD_ORDER_CODE[output.top_field_first]
            if output.encoder == "libx264":
                # Interlaced coding (field-aware DCT and motion search) for woven fields.
                options["x264-params"] = "tff=1" if output.top_field_first else "bff=1"
        if output.sample_aspect_ratio is not None:
            stream.codec_context.sample_aspect_ratio = output.sample_aspect_ratio
        stream.options = options
        return stream

    def add_audio_stream(self, template) -> None:
        """An output stream for an input audio stream's packets; ValueError when the
        container cannot hold its codec. Before the first `write`."""
        self.audio_streams[template.index] = self.container.add_stream_from_template(template)

    def write(self, picture: np.ndarray, pts: int) -> None:
        """Encode and mux one uint8 RGB picture at ``pts`` (in the format's time base)."""
        import av

        frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
        frame.pts = pts
        frame.time_base = self.format.time_base
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        self.frames += 1

    def mux(self, packet) -> None:
        """Copy an input audio packet (its stream added with `add_audio_stream`) into the file."""
        packet.stream = self.audio_streams[packet.stream_index]
        self.container.mux(packet)

    def flush(self) -> None:
        """Mux the pictures the encoder still holds; no `write` after this."""
        for packet in self.stream.encode(None):
            self.container.mux(packet)

    def close(self) -> None:
        """Finish the file (its index and trailer)."""
        self.container.close()
        self.closed = True

    def abandon(self) -> None:
        """Close, if not closed yet, without caring whether the file is complete (it is
        about to be deleted)."""
        if not self.closed:
            self.closed = True
            with contextlib.suppress(Exception):
                self.container.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        if error_type is None:
            self.flush()
            self.close()
        else:
            self.abandon()


class Timestamps:
    """Output timestamps: each output frame keeps its input frame's time, in a time base
    divided by ``outputs_per_frame`` (bob: halved, so the second field's frame, half a frame
    later, lands on an integer), strictly rising as encoders need; frames that have no
    timestamp (some AVI files) are counted on from the last one."""

    def __init__(self, input_time_base: Fraction | None, frame_rate: Fraction, outputs_per_frame: int):
        base = input_time_base or Fraction(1, 1000)
        self.time_base = Fraction(base.numerator, base.denominator * outputs_per_frame)
        self.outputs = outputs_per_frame
        step = round(1 / (frame_rate * self.time_base))
        # One input frame in output units: at least one unit per output frame, and a
        # multiple of the outputs, so they share it evenly.
        self.step = max(outputs_per_frame, step + (-step) % outputs_per_frame)
        self.last: int | None = None

    def of_frame(self, pts: int | None) -> list[int]:
        """The timestamps of one input frame's output frames (``pts`` in the input's time base)."""
        if pts is None:
            start = (self.last + self.step) if self.last is not None else 0
        else:
            start = pts * self.outputs
        stamps = []
        for index in range(self.outputs):
            stamp = start + index * (self.step // self.outputs)
            if self.last is not None and stamp <= self.last:
                stamp = self.last + 1
            self.last = stamp
            stamps.append(stamp)
        return stamps

    @property
    def end(self) -> float | None:
        """Seconds: where the last output frame ends; None before the first."""
        if self.last is None:
            return None
        return float((self.last + self.step // self.outputs) * self.time_base)


class AudioCopy:
    """Input audio packets waiting for the video to reach them, then muxed untouched."""

    def __init__(self):
        self.waiting: deque = deque()

    def add(self, packet, writer: VideoWriter | None, video_end: float | None) -> None:
        """Queue a packet; mux what the video written (up to ``video_end`` s) has reached."""
        self.waiting.append(packet)
        if video_end is not None:
            self.flush(writer, until=video_end)

    def flush(self, writer: VideoWriter, until: float | None) -> None:
        """Mux queued audio packets that start before ``until`` seconds (None: all)."""
        while self.waiting:
            packet = self.waiting[0]
            timestamp = packet.pts if packet.pts is not None else packet.dts
            if until is not None and timestamp is not None and float(timestamp * packet.time_base) >= until:
                return
            self.waiting.popleft()
            writer.mux(packet)
