"""Opening an input and reading what its headers say (no frame decoded): size, frame
rate, frame count and duration (and whether the header can be trusted for them), codec,
pixel format, audio codecs, container. Anything that is not a usable video (missing,
empty, a folder, a still image, no video stream, unreadable) is a `VideoError` here,
before a run starts."""

from __future__ import annotations

import dataclasses
import os
from fractions import Fraction
from pathlib import Path

from restore.video.results import VideoError, ffmpeg_reason

# Only these containers' headers are trusted for a stream's length; for others (MPEG-PS/TS,
# raw streams) FFmpeg may estimate the duration from the bit rate.
_TRUSTED_DURATION_FORMATS = ("matroska", "mov", "mp4", "avi")


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


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Read a video file's headers; raises `VideoError` when it is not a usable video."""
    path = Path(path)
    container = open_input(path)
    try:
        return read_info(path, container)
    finally:
        container.close()


def open_input(path: Path):
    """The file opened for reading with PyAV; `VideoError` when it is not a usable video."""
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
        raise VideoError(path, f"not a readable video ({ffmpeg_reason(error)}); the file may be truncated, corrupt or not a video") from None
    except OSError as error:
        raise VideoError(path, f"cannot open ({error.strerror or error})") from None
    if not container.streams.video:
        container.close()
        raise VideoError(path, "has no video stream")
    if _is_still_image_format(container.format.name):
        container.close()
        raise VideoError(path, "is a still image, not a video; restore it as an image instead")
    return container


def read_info(path: Path, container) -> VideoInfo:
    """What the headers of an open input say about its first video stream."""
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


def _is_still_image_format(format_name: str) -> bool:
    """FFmpeg's demuxers for single image files (``png_pipe``, ``jpeg_pipe``, ``image2``, ...):
    FFmpeg opens a picture as a one-frame video, but it is not one."""
    names = format_name.split(",")
    return any(name.endswith("_pipe") or name in ("image2", "image2pipe") for name in names)


def _frame_rate(stream) -> Fraction:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and rate > 0:
            return Fraction(rate)
    return Fraction(25)  # PAL, when nothing says otherwise


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
