"""What a run hands back: a `VideoReport` when it finishes, `VideoInterrupted` (carrying
the report) on Ctrl-C, `VideoError` for an input that cannot be used."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path


class VideoError(ValueError):
    """An input that cannot be used as a video. ``str(err)`` is ``"<path>: <reason>"``.

    ``partial_path`` is set when frames restored before the failure were kept (a playable
    file named ``<stem>.partial<suffix>``); None otherwise.
    """

    def __init__(self, path: object, reason: str, partial_path: Path | None = None):
        self.path = path
        self.reason = reason
        self.partial_path = partial_path
        super().__init__(f"{path}: {reason}")

    @property
    def full_reason(self) -> str:
        """The reason, plus where the frames done before the failure were kept, if anywhere."""
        if self.partial_path is None:
            return self.reason
        return f"{self.reason}; the frames read before that were processed and kept in {self.partial_path}"

    def __reduce__(self):
        return (type(self), (self.path, self.reason, self.partial_path))


@dataclasses.dataclass
class VideoReport:
    """What one run did. Times are seconds of wall clock. The three stages run at the
    same time (see `transform_video`); each one's busy time, waiting excluded:
    ``decode_seconds`` demuxing, decoding and conversion to RGB, ``model_seconds`` the
    per-picture function (field split and weave included), ``encode_seconds``
    conversion, encoding, muxing and the audio copy. The slowest stage sets the pace."""

    input_path: Path
    output_path: Path | None      # the finished file, the partial file when interrupted, or
                                  # None when interrupted before any frame was written
    mode: str                     # "frames", "fields" or "bob"
    codec: str
    frames_in: int                # input frames decoded and processed
    frames_out: int               # frames written
    expected_frames: int | None   # input frames the header announced
    frame_rate: Fraction          # of the output
    duration: float               # seconds of video written
    audio_streams: int            # audio streams copied
    interlaced: bool              # the input was flagged interlaced
    top_field_first: bool | None  # field order used (None in "frames" mode on progressive input)
    interrupted: bool = False
    seconds: float = 0.0
    decode_seconds: float = 0.0
    model_seconds: float = 0.0
    encode_seconds: float = 0.0

    @property
    def frames_per_second(self) -> float:
        """Input frames processed per second of wall clock."""
        return self.frames_in / self.seconds if self.seconds > 0 else 0.0


class VideoInterrupted(KeyboardInterrupt):
    """Ctrl-C during `transform_video`: the partial output was closed properly and is
    playable; ``report.output_path`` is where it is (``<stem>.partial<suffix>``), or None
    when no frame had been written (then no file is left)."""

    def __init__(self, report: VideoReport):
        self.report = report
        super().__init__(self.describe())

    def describe(self) -> str:
        """What happened to the output, in words."""
        if self.report.output_path is None:
            return "interrupted before any frame was written; no output file"
        return (f"stopped after {self.report.frames_in} frames; the finished part is kept, playable, "
                f"in {self.report.output_path}")


def ffmpeg_reason(error: Exception) -> str:
    """The useful part of an FFmpeg error: its strerror (its str() repeats the file name)."""
    return getattr(error, "strerror", None) or str(error)
