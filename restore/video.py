"""Video files: restore (or otherwise transform) every frame of a capture, keep its sound.

This module owns the video pipeline; it imports neither Gradio nor TensorFlow (the
restorer is passed in). `restore_video` runs a `restore.inference.Restorer` over a file;
`transform_video` is the same pipeline for any per-picture function (the simulator's
``python -m restore.degrade clip.mp4 -o bad.mp4`` uses it).

The pipeline (PyAV, the FFmpeg bindings from PyPI)
--------------------------------------------------
demux → decode one frame → RGB → restore → encode → mux, one frame at a time: memory
is bounded by a frame plus the codecs' own small buffers (decoder threads, encoder
look-ahead), never the clip. Audio packets are copied untouched (no decode, no
re-encode), with their own timestamps, into the output; other streams (subtitles,
data) are not carried. Every output frame keeps its input timestamp, so the frame rate,
the frame count and the duration match the input (with ``deinterlace="bob"``: twice the
rate and frame count, same duration). Progress shows as a bar in frames with the rate
and the estimated time left (only on a terminal). Ctrl-C stops cleanly: the encoder is
flushed and the file closed, so the frames done so far are a playable file kept as
``<stem>.partial<suffix>``, and `VideoInterrupted` (a KeyboardInterrupt) says where.

Interlaced PAL: three ways, trade-offs
--------------------------------------
PAL video is 50 fields per second: a frame's even lines (top field) and odd lines
(bottom field) are filmed 1/50 s apart, and on tape every field is recorded separately,
so line jitter, dropouts and head switching differ from one field to the next.

* ``fields=False, deinterlace=None`` (default; the only mode for progressive input):
  each frame is restored whole. Fastest (one model call per frame) and the model sees
  full detail, but on interlaced material with motion it sees the two fields' "combing"
  as part of the picture and may smooth it, blurring motion; per-field jitter is seen
  as a mix of two jitter patterns.
* ``fields=True``: each field (720×288) is restored on its own and the two are woven
  back into the frame: the interlaced structure, frame count and rate are kept (50
  fields/s of motion survive), which is what an archive master should be, and per-field
  damage is treated where it happened. About the same cost as whole frames (two
  half-size calls), but the model sees each field at half vertical resolution, with
  shapes squashed 2:1 against what it was trained on, so fine detail may come out a
  little softer, and small differences between the two restored fields can show as
  line twitter on still detail. The output is flagged interlaced, same field order.
* ``deinterlace="bob"``: each field becomes a full frame (its lines interpolated to full
  height at their true position, the bottom field half a line lower) and is restored:
  50 progressive frames per second, twice the input's frame count, same duration.
  Smooth motion and no combing on computers, phones and the web, but twice the model
  time, vertical resolution of a field (fine horizontal lines can flicker, "bob
  shimmer"), and the interlaced original cannot be rebuilt from it: use it for viewing
  copies, not masters.

The field order (which field was filmed first) comes from the stream when it says so
(``field_order``); otherwise top field first is assumed (common for analogue capture
cards; DV is bottom field first and says so). ``field_order="tff"|"bff"`` overrides it.

Codecs and containers
---------------------
* ``ffv1`` (default): FFV1 level 3, lossless, intra-only, with slice CRCs: the archival
  codec of many film and video archives; large files (tens of Mbit/s for SD). Written
  to Matroska (``.mkv``), the container that holds it and any audio codec.
* ``h264``: H.264 (libx264, CRF 16, yuv420p): visually near-lossless, about a tenth of
  FFV1's size, and plays everywhere (browsers included). Kept in the input's container
  when that is ``.mp4``, ``.m4v``, ``.mov`` or ``.mkv`` and it can hold every audio
  stream (FFmpeg is asked; MP4 cannot hold DV or 8-bit PCM audio, for example); otherwise ``.mkv``.
See `output_suffix`. Copying sound from MP4 into Matroska keeps every packet and the
sync, but not MP4's edit list: AAC's ~21 ms of encoder priming then plays as a moment of
silence before the picture's first frame (Matroska starts the file at the sound's
earlier first timestamp). FFV1 keeps the input's chroma layout (4:2:0, 4:2:2, 4:1:1, 4:4:4)
when it is 8-bit planar YUV, else uses 4:2:0; H.264 always uses 4:2:0 for playback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import math
import os
import queue
import secrets
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from restore.pal import square_pixel_width

__all__ = [
    "CODECS",
    "DEFAULT_CODEC",
    "VIDEO_SUFFIXES",
    "VideoError",
    "VideoInfo",
    "VideoInterrupted",
    "VideoReport",
    "bob_field",
    "is_video_path",
    "output_suffix",
    "partial_path_for",
    "probe_video",
    "restore_video",
    "split_fields",
    "transform_video",
    "weave_fields",
    "write_frames",
]

#: Lowercase file suffixes taken as video inputs.
VIDEO_SUFFIXES = frozenset(
    {".avi", ".mp4", ".mkv", ".mov", ".m4v", ".mpg", ".mpeg", ".ts", ".m2ts", ".webm", ".dv", ".vob", ".wmv", ".flv"}
)

#: Output codecs: name -> (FFmpeg encoder, containers that may keep the input's suffix).
CODECS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ffv1": ("ffv1", (".mkv",)),
    "h264": ("libx264", (".mkv", ".mp4", ".m4v", ".mov")),
}
DEFAULT_CODEC = "ffv1"

_FORMAT_FOR_SUFFIX = {".mkv": "matroska", ".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".avi": "avi"}
_ENCODER_OPTIONS = {
    "ffv1": {"level": "3", "slicecrc": "1", "slices": "4", "g": "1"},
    "libx264": {"crf": "16", "preset": "fast"},
}
# 8-bit planar YUV layouts FFV1 may keep from the input (else 4:2:0).
_FFV1_KEEPABLE_FORMATS = frozenset({"yuv420p", "yuv422p", "yuv411p", "yuv444p", "yuv410p"})

# FFmpeg's AVFieldOrder values (libavcodec/defs.h): which field is displayed first.
_FIELD_PROGRESSIVE = 1
_FIELD_ORDER_TOP_FIRST = {2: True, 5: True, 3: False, 4: False}  # TT, BT: top first; BB, TB: bottom first
_FIELD_ORDER_CODE = {True: 2, False: 3}

# A stream that decodes fewer frames than its header promises by more than this many,
# or this share, is reported as truncated (headers round durations, edit lists and
# decoder delay hide a frame or two). Only these containers' headers are trusted; for
# others (MPEG-PS/TS, raw streams) FFmpeg may estimate the duration from the bit rate.
_MISSING_FRAMES_TOLERANCE = 2
_MISSING_FRAMES_SHARE = 0.02
_TRUSTED_DURATION_FORMATS = ("matroska", "mov", "mp4", "avi")


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
class VideoInfo:
    """What `probe_video` learns from a file's headers (no frame decoded)."""

    path: Path
    width: int
    height: int
    frame_rate: Fraction
    frames: int | None            # from the header, or duration × rate; None when unknown
    frames_certain: bool          # the header states the count or the stream's duration (MP4, MOV,
                                  # AVI, Matroska); else ``frames`` is an estimate
    duration: float | None        # seconds
    codec: str
    pix_fmt: str | None
    audio_codecs: list[str]
    container: str


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


# --------------------------------------------------------------------------- #
# Names
# --------------------------------------------------------------------------- #
def is_video_path(path: str | os.PathLike) -> bool:
    """True when the file name's suffix is a video suffix (`VIDEO_SUFFIXES`)."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def _check_codec(codec: str) -> str:
    if codec not in CODECS:
        raise ValueError(f"codec must be one of {sorted(CODECS)}, got {codec!r}")
    return codec


def output_suffix(input_path: str | os.PathLike, codec: str = DEFAULT_CODEC, audio_codecs: list[str] | tuple = ()) -> str:
    """The output container's suffix: the input's own when the codec may live in it and the
    container can hold every audio codec in ``audio_codecs``, else ``.mkv`` (holds anything)."""
    _check_codec(codec)
    suffix = Path(input_path).suffix.lower()
    if suffix in CODECS[codec][1] and suffix != ".mkv":
        supported = _supported_codecs(_FORMAT_FOR_SUFFIX[suffix])
        if all(name in supported for name in audio_codecs):
            return suffix
    return ".mkv"


def partial_path_for(output_path: str | os.PathLike) -> Path:
    """Where an interrupted run keeps its frames: ``capture.mkv`` -> ``capture.partial.mkv``."""
    output_path = Path(output_path)
    return output_path.with_name(f"{output_path.stem}.partial{output_path.suffix}")


_SUPPORTED_CACHE: dict[str, frozenset[str]] = {}


def _supported_codecs(format_name: str) -> frozenset[str]:
    """Codec names an FFmpeg muxer accepts (asks FFmpeg; cached, the query walks all codecs)."""
    if format_name not in _SUPPORTED_CACHE:
        import av

        with av.open(os.devnull, "w", format=format_name) as container:
            _SUPPORTED_CACHE[format_name] = frozenset(container.supported_codecs)
    return _SUPPORTED_CACHE[format_name]


# --------------------------------------------------------------------------- #
# Fields
# --------------------------------------------------------------------------- #
def split_fields(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A frame's top field (lines 0, 2, 4, ...) and bottom field (lines 1, 3, ...), as
    contiguous arrays (a 576-line frame gives two 288-line fields)."""
    if frame.shape[0] < 2:
        raise ValueError(f"a frame needs at least 2 lines to have two fields, got {frame.shape[0]}")
    return np.ascontiguousarray(frame[0::2]), np.ascontiguousarray(frame[1::2])


def weave_fields(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """The inverse of `split_fields`: interleave the fields' lines into one frame."""
    if top.shape[1:] != bottom.shape[1:] or top.shape[0] - bottom.shape[0] not in (0, 1):
        raise ValueError(f"fields do not fit together: {top.shape} and {bottom.shape}")
    frame = np.empty((top.shape[0] + bottom.shape[0], *top.shape[1:]), dtype=top.dtype)
    frame[0::2] = top
    frame[1::2] = bottom
    return frame


def bob_field(field: np.ndarray, bottom: bool, height: int) -> np.ndarray:
    """One field made a full ``height``-line frame: its lines go where they were filmed
    (top field on even lines, bottom field on odd lines, half a line lower) and the lines
    between are the mean of their neighbours (the edge line is repeated)."""
    if field.shape[0] != (height // 2 if bottom else (height + 1) // 2):
        raise ValueError(f"a {'bottom' if bottom else 'top'} field of a {height}-line frame has "
                         f"{height // 2 if bottom else (height + 1) // 2} lines, got {field.shape[0]}")
    wide = field.astype(np.uint16)
    frame = np.empty((height, *field.shape[1:]), dtype=np.uint16)
    own, other = (slice(1, None, 2), slice(0, None, 2)) if bottom else (slice(0, None, 2), slice(1, None, 2))
    frame[own] = wide
    # Neighbours of each missing line: the field lines above and below it (edges repeat).
    padded = np.concatenate([wide[:1], wide, wide[-1:]]) if bottom else np.concatenate([wide, wide[-1:]])
    missing = frame[other].shape[0]
    frame[other] = (padded[:missing] + padded[1 : missing + 1] + 1) // 2
    return frame.astype(field.dtype)


# --------------------------------------------------------------------------- #
# Probing
# --------------------------------------------------------------------------- #
def _open_input(path: Path):
    import av

    if not path.exists():
        if path.is_symlink():
            raise VideoError(path, f"broken symbolic link: its target {os.readlink(path)} does not exist")
        raise VideoError(path, "no such file or directory")
    if path.is_dir():
        raise VideoError(path, "is a folder, not a video file")
    if path.stat().st_size == 0:
        raise VideoError(path, "empty file")
    try:
        container = av.open(str(path), "r")
    except av.error.FFmpegError as error:
        raise VideoError(path, f"not a readable video ({_ffmpeg_reason(error)}); the file may be truncated, corrupt or not a video") from None
    except OSError as error:
        raise VideoError(path, f"cannot open ({error.strerror or error})") from None
    if not container.streams.video:
        container.close()
        raise VideoError(path, "has no video stream")
    if _is_still_image_format(container.format.name):
        container.close()
        raise VideoError(path, "is a still image, not a video; restore it as an image instead")
    return container


def _is_still_image_format(format_name: str) -> bool:
    """FFmpeg's demuxers for single image files (``png_pipe``, ``jpeg_pipe``, ``image2``, ...):
    FFmpeg opens a picture as a one-frame video, but it is not one."""
    names = format_name.split(",")
    return any(name.endswith("_pipe") or name in ("image2", "image2pipe") for name in names)


def _ffmpeg_reason(error: Exception) -> str:
    # FFmpegError's str() repeats the file name; the strerror is the useful part.
    return getattr(error, "strerror", None) or str(error)


def _frame_rate(stream) -> Fraction:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and rate > 0:
            return Fraction(rate)
    return Fraction(25)  # PAL, when nothing says otherwise


def _info(path: Path, container) -> VideoInfo:
    stream = container.streams.video[0]
    rate = _frame_rate(stream)
    trusted_header = any(name in container.format.name.split(",") for name in _TRUSTED_DURATION_FORMATS)
    frames, certain = None, False
    if stream.frames:
        frames, certain = int(stream.frames), True
    duration = _stream_duration(stream) if trusted_header else None
    if duration is not None:
        certain = True
    elif stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    elif container.duration:  # all streams together: a guide for the progress bar only
        duration = container.duration / 1_000_000
    if frames is None and duration:
        frames = max(1, round(duration * rate))
    context = stream.codec_context
    return VideoInfo(
        path=path,
        width=int(context.width),
        height=int(context.height),
        frame_rate=rate,
        frames=frames,
        frames_certain=certain,
        duration=duration,
        codec=context.name,
        pix_fmt=context.pix_fmt,
        audio_codecs=[audio.codec_context.name for audio in container.streams.audio],
        container=container.format.name,
    )


def _stream_duration(stream) -> float | None:
    """The video stream's own duration, seconds, as its container's header states it (MP4,
    MOV, AVI: the stream duration; Matroska: the per-track DURATION tag FFmpeg and
    mkvmerge write); None when the header does not say.

    Matroska's tag is the time the track *ends*, not its length: when the video starts
    late (a muxer shifts everything by AAC's priming delay, 21 ms at 48 kHz, because
    Matroska cannot store negative timestamps) the stream's start time is subtracted, so
    a 75-frame clip is 75 frames, not 76."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    tag = (stream.metadata or {}).get("DURATION") or (stream.metadata or {}).get("duration")
    if tag:
        try:
            hours, minutes, seconds = tag.split(":")
            end = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        except ValueError:
            return None
        start = float(stream.start_time * stream.time_base) if stream.start_time and stream.time_base else 0.0
        return end - start if 0.0 < start < end else end
    return None


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Read a video file's headers; raises `VideoError` when it is not a usable video."""
    path = Path(path)
    container = _open_input(path)
    try:
        return _info(path, container)
    finally:
        container.close()


# --------------------------------------------------------------------------- #
# The pipeline
# --------------------------------------------------------------------------- #
def restore_video(
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    restorer: Any,
    *,
    fields: bool = False,
    deinterlace: str | None = None,
    field_order: str = "auto",
    codec: str = DEFAULT_CODEC,
    pal_aspect: bool = False,
    progress: bool = True,
    max_frames: int | None = None,
) -> VideoReport:
    """Restore every frame of a video file with ``restorer`` (a `Restorer`, or anything
    with ``restore(rgb) -> rgb``; uint8 RGB, same size) and write ``output_path``.

    ``fields``: restore each field on its own and re-interlace; ``deinterlace="bob"``:
    output 50p from 25i (see the module docstring for the trade-offs). ``pal_aspect``:
    resize to square pixels (720 -> 768 wide), as the image CLI does; otherwise the
    input's pixel aspect flag is kept. Other arguments as `transform_video`.
    """
    if deinterlace not in (None, "bob"):
        raise ValueError(f"deinterlace must be None or 'bob', got {deinterlace!r}")
    if fields and deinterlace:
        raise ValueError("choose fields=True or deinterlace='bob', not both")
    restore = restorer.restore if hasattr(restorer, "restore") else restorer
    if not callable(restore):
        raise ValueError(f"restorer must have a restore(rgb) method or be callable, got {type(restorer).__name__}")
    if pal_aspect:
        def process(rgb):
            return restorer.restore(rgb, pal_aspect=True)
    else:
        process = restore
    mode = "bob" if deinterlace == "bob" else ("fields" if fields else "frames")
    return transform_video(
        input_path, output_path, process, mode=mode, field_order=field_order, codec=codec,
        progress=progress, max_frames=max_frames, pal_aspect=pal_aspect, description="restoring",
    )


def transform_video(
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    process: Callable[[np.ndarray], np.ndarray],
    *,
    mode: str = "frames",
    field_order: str = "auto",
    codec: str = DEFAULT_CODEC,
    progress: bool = True,
    max_frames: int | None = None,
    pal_aspect: bool = False,
    description: str = "processing",
) -> VideoReport:
    """Run ``process`` (uint8 RGB H×W×3 -> uint8 RGB, same H; same W unless ``pal_aspect``,
    then ``round(W*768/720)``) on every picture of a video and write ``output_path``.

    ``mode``: "frames" (whole frames), "fields" (each field, re-woven) or "bob" (each
    field as a full frame, double rate). ``field_order``: "auto" (from the stream, else
    top first), "tff" or "bff". ``codec``: a key of `CODECS`; the output's container
    comes from ``output_path``'s suffix (``.mkv``, ``.mp4``, ``.m4v``, ``.mov``, ``.avi``).
    ``progress``: a bar on stderr when it is a terminal. ``max_frames``: stop after that
    many input frames (the audio is cut at the same time).

    The output is written to a hidden temporary name beside ``output_path`` and renamed
    when complete, replacing an existing file. Raises `VideoError` for an unusable or
    truncated input (frames done before a failure are kept in `partial_path_for`
    (output_path), and the error says so), `VideoInterrupted` on Ctrl-C (same partial
    file), ValueError for bad arguments and OSError when the output cannot be written.
    """
    import av

    input_path, output_path = Path(input_path), Path(output_path)
    if mode not in ("frames", "fields", "bob"):
        raise ValueError(f"mode must be 'frames', 'fields' or 'bob', got {mode!r}")
    if field_order not in ("auto", "tff", "bff"):
        raise ValueError(f"field_order must be 'auto', 'tff' or 'bff', got {field_order!r}")
    _check_codec(codec)
    if max_frames is not None and (not isinstance(max_frames, int) or max_frames < 1):
        raise ValueError(f"max_frames must be a positive integer or None, got {max_frames!r}")
    container_format = _FORMAT_FOR_SUFFIX.get(output_path.suffix.lower())
    if container_format is None:
        raise ValueError(f"output must end in one of {sorted(_FORMAT_FOR_SUFFIX)}, got {output_path.name!r}")
    encoder = CODECS[codec][0]
    if encoder not in av.codecs_available:
        raise ValueError(f"this FFmpeg build has no {encoder} encoder; choose another codec ({sorted(CODECS)})")

    started = time.perf_counter()
    source = _open_input(input_path)
    try:
        run = _Run(source=source, input_path=input_path, output_path=output_path, container_format=container_format,
                   encoder=encoder, codec=codec, process=process, mode=mode, field_order=field_order,
                   max_frames=max_frames, pal_aspect=pal_aspect, progress=progress, description=description)
        return run.execute(started)
    finally:
        source.close()


@dataclasses.dataclass(eq=False, repr=False)
class _Run:
    """One pass over a file: the job as `transform_video` checked it, and the streams and
    counters it needs (set up from the job in ``__post_init__``)."""

    source: Any
    input_path: Path
    output_path: Path
    container_format: str
    encoder: str
    codec: str
    process: Callable[[np.ndarray], np.ndarray]
    mode: str
    field_order: str
    max_frames: int | None
    pal_aspect: bool
    progress: bool
    description: str

    def __post_init__(self):
        self.info = _info(self.input_path, self.source)
        self.in_video = self.source.streams.video[0]
        self.in_video.thread_type = "AUTO"  # FFmpeg's own decoding threads
        self.in_audio = list(self.source.streams.audio)
        self.frame_rate = self.info.frame_rate * (2 if self.mode == "bob" else 1)
        # Output timestamps: the input's time base, halved for bob so the second field's
        # frame (half a frame later) has an exact integer timestamp.
        base = self.in_video.time_base or Fraction(1, 1000)
        self.time_base = Fraction(base.numerator, base.denominator * 2) if self.mode == "bob" else Fraction(base)
        self.frames_in = self.frames_out = self.frames_decoded = 0
        self.decode_seconds = self.model_seconds = self.encode_seconds = 0.0
        self.audio_queue: deque = deque()
        self.video_end = None        # seconds: end of the last frame written
        self.last_pts = None
        self.interlaced = False
        self.top_field_first: bool | None = None
        self.output = None
        self.out_video = None
        self.out_audio: dict[int, Any] = {}
        self.writer_failure: BaseException | None = None
        path = self.output_path
        self.temporary = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")

    # ------------------------------------------------------------------ driver
    def execute(self, started: float) -> VideoReport:
        import av

        expected = self.info.frames
        total = min(expected, self.max_frames) if expected and self.max_frames else (expected or self.max_frames)
        bar = _progress_bar(total, self.description, self.input_path.name, self.progress)
        interrupted = False
        failure: VideoError | None = None
        try:
            try:
                self._loop(bar)
            except KeyboardInterrupt:
                interrupted = True
            except av.error.FFmpegError as error:
                failure = VideoError(self.input_path, f"cannot decode frame {self.frames_decoded + 1} "
                                                      f"({_ffmpeg_reason(error)}); the file may be truncated or corrupt")
            if failure is None and not interrupted and self.frames_in == 0:
                failure = VideoError(self.input_path, "no video frame could be decoded (truncated or corrupt file?)")
            # With max_frames the run may stop early on purpose; the file must still hold
            # the frames asked for (all of them when it is shorter than max_frames).
            wanted = min(expected, self.max_frames) if expected and self.max_frames else expected
            if (failure is None and not interrupted and self.info.frames_certain and wanted
                    and self.frames_in + max(_MISSING_FRAMES_TOLERANCE, _MISSING_FRAMES_SHARE * wanted) < wanted):
                failure = VideoError(self.input_path, f"the file ends early: {self.frames_in} of {expected} frames "
                                                      "could be decoded (truncated or corrupt)")
        except BaseException:
            bar.close()
            self._discard()
            raise
        bar.close()

        if (failure is not None or interrupted) and self.frames_out == 0:
            self._discard()  # nothing worth keeping
            if interrupted:
                raise VideoInterrupted(self._report(None, interrupted, started))
            raise failure
        final = self.output_path if failure is None and not interrupted else partial_path_for(self.output_path)
        with _sigint_deferred() as late_interrupt:  # Ctrl-C must not leave a file without its index
            try:
                self._finish(flush_all_audio=failure is None and not interrupted and self.max_frames is None)
                os.replace(self.temporary, final)
            except BaseException:
                self._discard()
                raise
        report = self._report(final, interrupted, started)
        if interrupted:
            raise VideoInterrupted(report)
        if late_interrupt:  # Ctrl-C while closing a complete file: the file stands, the run stops
            raise KeyboardInterrupt
        if failure is not None:
            failure.partial_path = final
            failure.args = (f"{failure.path}: {failure.full_reason}",)
            raise failure
        return report

    def _report(self, output_path: Path | None, interrupted: bool, started: float) -> VideoReport:
        return VideoReport(
            input_path=self.input_path, output_path=output_path, mode=self.mode, codec=self.codec,
            frames_in=self.frames_in, frames_out=self.frames_out, expected_frames=self.info.frames,
            frame_rate=self.frame_rate, duration=float(self.video_end or 0.0),
            audio_streams=len(self.out_audio), interlaced=self.interlaced,
            top_field_first=self.top_field_first, interrupted=interrupted,
            seconds=time.perf_counter() - started, decode_seconds=self.decode_seconds,
            model_seconds=self.model_seconds, encode_seconds=self.encode_seconds,
        )

    def _loop(self, bar) -> None:
        """Three stages in step, so decoding and encoding overlap the model: a reader
        thread (demux, decode, RGB), this thread (the model: the only stage that runs
        user code, and where Ctrl-C arrives) and a writer thread (encode, mux, audio).
        Small queues between them bound the frames in flight to a handful. An error in
        a stage stops the others and is raised here; on any exit the writer first
        writes what has been restored, so an interrupted file keeps every finished frame."""
        decoded: queue.Queue = queue.Queue(maxsize=_QUEUE_FRAMES)
        restored: queue.Queue = queue.Queue(maxsize=_QUEUE_FRAMES)
        stop = threading.Event()
        reader = threading.Thread(target=self._stage, args=(self._read, decoded, stop), name="video-reader", daemon=True)
        writer = threading.Thread(target=self._stage, args=(self._write_all, restored, stop), name="video-writer", daemon=True)
        reader.start()
        writer.start()
        try:
            while True:
                try:
                    item = decoded.get(timeout=0.1)
                except queue.Empty:
                    if self.writer_failure is not None:
                        break
                    continue
                if item is _END:
                    break
                if isinstance(item, _Failure):
                    raise item.error
                if item[0] == "audio":
                    _put(restored, item, stop)
                    continue
                _, rgb, pts = item
                started = time.perf_counter()
                pictures = self._process(rgb)
                self.model_seconds += time.perf_counter() - started
                if not _put(restored, ("video", pictures, pts), stop):
                    break  # the writer failed: its error is raised below
                self.frames_in += 1
                bar.update(1)
                if self.max_frames is not None and self.frames_in >= self.max_frames:
                    break
        finally:
            # Ctrl-C waits until both threads are done: closing the file under a running
            # writer could crash FFmpeg.
            with _sigint_deferred() as late_interrupt:
                stop.set()  # the reader stops at its next packet
                while writer.is_alive():  # the writer drains the queue, then ends
                    try:
                        restored.put(_END, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                writer.join()
                reader.join()
        if self.writer_failure is not None:
            raise self.writer_failure
        if late_interrupt:
            raise KeyboardInterrupt

    def _stage(self, work, channel: queue.Queue, stop: threading.Event) -> None:
        try:
            work(channel, stop)
        except BaseException as error:  # handed to the model thread, which raises it
            if work == self._write_all:
                if not isinstance(error, OSError) and type(error).__module__.startswith("av"):
                    # An encoder or muxer error is about the output, not the input.
                    error = OSError(f"encoding or writing the output failed ({_ffmpeg_reason(error)})")
                self.writer_failure = error
                stop.set()
            else:
                _put(channel, _Failure(error), stop)

    def _read(self, decoded: queue.Queue, stop: threading.Event) -> None:
        clock = time.perf_counter()
        for packet in self.source.demux(self.in_video, *self.in_audio):
            if stop.is_set():
                return
            if packet.stream.type == "audio":
                if packet.dts is not None or packet.pts is not None:  # not the flush packet
                    self.decode_seconds += time.perf_counter() - clock
                    if not _put(decoded, ("audio", packet), stop):
                        return
                    clock = time.perf_counter()  # waiting for a free slot is not decoding
                continue
            for frame in packet.decode():
                self.frames_decoded += 1
                rgb = self._to_rgb(frame)
                self.decode_seconds += time.perf_counter() - clock
                if not _put(decoded, ("video", rgb, frame.pts), stop):
                    return
                clock = time.perf_counter()
        _put(decoded, _END, stop)

    def _write_all(self, restored: queue.Queue, stop: threading.Event) -> None:
        while True:
            item = restored.get()
            if item is _END:
                return
            started = time.perf_counter()
            if item[0] == "audio":
                self._queue_audio(item[1])
            else:
                self._write(item[1], item[2])
            self.encode_seconds += time.perf_counter() - started

    # ------------------------------------------------------------------ frames
    def _to_rgb(self, frame) -> np.ndarray:
        if self.output is None:
            self._start(frame)
        # A mid-stream size change is scaled back to the first frame's size.
        return frame.to_ndarray(format="rgb24", width=self.width_in, height=self.height_in)

    def _process(self, rgb: np.ndarray) -> list[np.ndarray]:
        if self.mode == "frames":
            return [self._checked(self.process(rgb), rgb.shape[0])]
        top, bottom = split_fields(rgb)
        if self.mode == "fields":
            return [weave_fields(self._checked(self.process(top), top.shape[0]),
                                 self._checked(self.process(bottom), bottom.shape[0]))]
        height = rgb.shape[0]
        first, second = ((top, False), (bottom, True)) if self.top_field_first else ((bottom, True), (top, False))
        return [self._checked(self.process(bob_field(field, is_bottom, height)), height)
                for field, is_bottom in (first, second)]

    def _checked(self, picture, height: int) -> np.ndarray:
        picture = np.asarray(picture)
        if picture.dtype != np.uint8 or picture.shape != (height, self.width_out, 3):
            raise ValueError(f"the frame function returned {picture.dtype} {picture.shape}; "
                             f"expected uint8 {(height, self.width_out, 3)}")
        return np.ascontiguousarray(picture)

    def _write(self, pictures: list[np.ndarray], pts: int | None) -> None:
        import av

        step = self._frame_step()
        if pts is None:  # some AVI files: count frames instead
            pts = (self.last_pts + step) if self.last_pts is not None else 0
        elif self.mode == "bob":
            pts = 2 * pts
        for index, picture in enumerate(pictures):
            picture_pts = pts + index * (step // 2 if self.mode == "bob" else 0)
            if self.last_pts is not None and picture_pts <= self.last_pts:
                picture_pts = self.last_pts + 1  # encoders need strictly rising timestamps
            self.last_pts = picture_pts
            video_frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            video_frame.pts = picture_pts
            video_frame.time_base = self.time_base
            for packet in self.out_video.encode(video_frame):
                self.output.mux(packet)
            self.frames_out += 1
        end = float((self.last_pts + (step // 2 if self.mode == "bob" else step)) * self.time_base)
        self.video_end = end
        self._flush_audio(until=end)

    def _frame_step(self) -> int:
        """One input frame's duration in output time-base units (even for bob)."""
        step = round(1 / (self.info.frame_rate * self.time_base))
        return max(2 if self.mode == "bob" else 1, step + (step % 2 if self.mode == "bob" else 0))

    # ------------------------------------------------------------------ audio
    def _queue_audio(self, packet) -> None:
        self.audio_queue.append(packet)
        if self.video_end is not None:
            self._flush_audio(until=self.video_end)

    def _flush_audio(self, until: float | None) -> None:
        """Mux queued audio packets that start before ``until`` seconds (None: all)."""
        while self.audio_queue:
            packet = self.audio_queue[0]
            timestamp = packet.pts if packet.pts is not None else packet.dts
            if until is not None and timestamp is not None and float(timestamp * packet.time_base) >= until:
                return
            self.audio_queue.popleft()
            packet.stream = self.out_audio[packet.stream_index]
            self.output.mux(packet)

    # ------------------------------------------------------------------ output
    def _start(self, first_frame) -> None:
        """Open the output once the first frame tells the field order and size."""
        import av

        self.width_in, self.height_in = first_frame.width, first_frame.height
        if self.height_in < 2 and self.mode != "frames":
            raise VideoError(self.input_path, "frames of one line have no fields")
        self.width_out = square_pixel_width(self.width_in) if self.pal_aspect else self.width_in
        order_code = self.in_video.codec_context.field_order
        self.interlaced = bool(first_frame.interlaced_frame) or order_code in _FIELD_ORDER_TOP_FIRST
        if self.field_order != "auto":
            self.top_field_first = self.field_order == "tff"
        elif self.mode != "frames" or self.interlaced:
            self.top_field_first = _FIELD_ORDER_TOP_FIRST.get(order_code, True)

        output = av.open(str(self.temporary), "w", format=self.container_format)
        self.output = output
        stream = output.add_stream(self.encoder, rate=self.frame_rate)
        stream.width, stream.height = self.width_out, self.height_in
        stream.pix_fmt = self._pix_fmt()
        stream.time_base = self.time_base
        stream.codec_context.time_base = self.time_base
        options = dict(_ENCODER_OPTIONS[self.encoder])
        if self.mode == "bob" or not self.interlaced:
            stream.codec_context.field_order = _FIELD_PROGRESSIVE
        else:
            stream.codec_context.field_order = _FIELD_ORDER_CODE[bool(self.top_field_first)]
            if self.encoder == "libx264":
                # Interlaced coding (field-aware DCT and motion search) for woven fields.
                options["x264-params"] = "tff=1" if self.top_field_first else "bff=1"
        ratio = self.in_video.codec_context.sample_aspect_ratio
        if self.pal_aspect:
            stream.codec_context.sample_aspect_ratio = Fraction(1, 1)
        elif ratio and ratio > 0:
            stream.codec_context.sample_aspect_ratio = ratio
        stream.options = options
        self.out_video = stream
        for audio in self.in_audio:
            try:
                self.out_audio[audio.index] = output.add_stream_from_template(audio)
            except ValueError as error:
                raise VideoError(self.input_path, f"the {self.output_path.suffix} container cannot hold audio stream "
                                                  f"{audio.index} ({audio.codec_context.name}): {error}; use .mkv") from None

    def _pix_fmt(self) -> str:
        source = self.info.pix_fmt or ""
        if self.encoder == "ffv1" and source in _FFV1_KEEPABLE_FORMATS:
            return source
        return "yuv420p"

    def _finish(self, flush_all_audio: bool) -> None:
        for packet in self.out_video.encode(None):
            self.output.mux(packet)
        self._flush_audio(until=None if flush_all_audio else self.video_end)
        self.output.close()
        self.output = None

    def _discard(self) -> None:
        if self.output is not None:
            with contextlib.suppress(Exception):
                self.output.close()
            self.output = None
        with contextlib.suppress(OSError):
            self.temporary.unlink()


class _Failure:
    """An exception raised in the reader thread, on its way to the model thread."""

    def __init__(self, error: BaseException):
        self.error = error


_END = object()  # end of a stage's stream
_QUEUE_FRAMES = 3  # frames waiting between two stages: enough to keep each stage busy


def _put(channel: queue.Queue, item, stop: threading.Event) -> bool:
    """Put ``item`` unless ``stop`` is set first; False when it was not put."""
    while not stop.is_set():
        try:
            channel.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _progress_bar(total: int | None, description: str, name: str, enabled: bool):
    from tqdm import tqdm

    # disable=None: a bar only when stderr is a terminal, so logs and pipes stay clean.
    return tqdm(total=total, desc=f"{description} {name}", unit="frame", disable=None if enabled else True,
                file=sys.stderr, dynamic_ncols=True, smoothing=0.1)


@contextlib.contextmanager
def _sigint_deferred():
    """Hold off Ctrl-C while the output is being closed (main thread only; elsewhere a
    no-op). Yields a list that is non-empty afterwards when Ctrl-C was pressed meanwhile."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)



def write_frames(
    path: str | os.PathLike,
    frames,
    frame_rate: Fraction | int = 25,
    *,
    codec: str = "h264",
    audio: np.ndarray | None = None,
    sample_rate: int = 48000,
    top_field_first: bool | None = None,
) -> Path:
    """Write uint8 RGB frames (any iterable, consumed one at a time) as a video file, with
    an optional audio track: ``audio`` int16 samples, shape ``(samples,)`` or
    ``(samples, channels)``, stored as FLAC (lossless; MP4 gets AAC). ``top_field_first``
    flags the video interlaced with that field order. For test clips and benchmarks."""
    import av

    path = Path(path)
    _check_codec(codec)
    container_format = _FORMAT_FOR_SUFFIX.get(path.suffix.lower())
    if container_format is None:
        raise ValueError(f"path must end in one of {sorted(_FORMAT_FOR_SUFFIX)}, got {path.name!r}")
    frame_rate = Fraction(frame_rate)
    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise ValueError("no frames to write")
    with av.open(str(path), "w", format=container_format) as output:
        stream = output.add_stream(CODECS[codec][0], rate=frame_rate)
        stream.height, stream.width = first.shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = dict(_ENCODER_OPTIONS[CODECS[codec][0]])
        if top_field_first is not None:
            stream.codec_context.field_order = _FIELD_ORDER_CODE[top_field_first]
        samples_written = 0
        if audio is not None:
            samples = np.asarray(audio, dtype=np.int16)
            samples = samples[:, None] if samples.ndim == 1 else samples
            layout = {1: "mono", 2: "stereo"}[samples.shape[1]]
            audio_stream = output.add_stream("aac" if container_format == "mp4" else "flac", rate=sample_rate, layout=layout)

        def write_audio(until: int) -> None:
            # Audio up to the current video time, so the muxer never holds much.
            nonlocal samples_written
            while samples_written < min(until, samples.shape[0]):
                block = samples[samples_written : min(samples_written + 1024, samples.shape[0])]
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block).reshape(1, -1), format="s16", layout=layout)
                frame.sample_rate = sample_rate
                frame.pts = samples_written
                frame.time_base = Fraction(1, sample_rate)
                for packet in audio_stream.encode(frame):
                    output.mux(packet)
                samples_written += block.shape[0]

        for index, rgb in enumerate(itertools.chain([first], frames)):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = index
            frame.time_base = 1 / frame_rate
            for packet in stream.encode(frame):
                output.mux(packet)
            if audio is not None:
                write_audio(math.ceil((index + 1) / frame_rate * sample_rate))
        for packet in stream.encode(None):
            output.mux(packet)
        if audio is not None:
            write_audio(samples.shape[0])
            for packet in audio_stream.encode(None):
                output.mux(packet)
    return path
