"""Running a frame function over a whole video file: `transform_video` (any per-picture
function; the simulator's ``python -m restore.degrade clip.mp4 -o bad.mp4`` uses it) and
`restore_video` (a `restore.engine.restorer.Restorer`). This module checks the job, wires the
stages (`restore.video.stages`: reader, model, writer) and decides what becomes of the
output: the finished file, a playable ``<stem>.partial<suffix>`` after Ctrl-C or a
failure, or nothing.

demux → decode one frame → RGB → process → encode → mux, one frame at a time (for a
`Batched` function, the few frames already decoded): memory is bounded by a few frames
plus the codecs' own small buffers (decoder threads, encoder look-ahead), never the
clip. Audio packets are copied untouched; other streams
(subtitles, data) are not carried. Progress shows as a bar in frames with the rate and
the estimated time left (only on a terminal). Ctrl-C stops cleanly: the encoder is
flushed and the file closed, so the frames done so far are a playable file kept as
``<stem>.partial<suffix>``, and `VideoInterrupted` (a KeyboardInterrupt) says where.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from restore.video.formats import (
    CODECS,
    DEFAULT_CODEC,
    check_codec,
    container_format,
    partial_path_for,
)
from restore.video.frames import MODES, Batched, FrameContext, FrameFunction, ModelStage
from restore.video.probe import open_input, read_info
from restore.video.reader import AudioPacket, Decoded, Layout, Reader
from restore.video.results import (
    VideoError,
    VideoInterrupted,
    VideoReport,
    ffmpeg_reason,
)
from restore.video.segments import Segment
from restore.video.stages import Stages, sigint_deferred
from restore.video.writer import (
    AudioCopy,
    OutputFormat,
    Timestamps,
    VideoWriter,
    pix_fmt_for,
)

# A stream that decodes fewer frames than its header promises by more than this many,
# or this share, is reported as truncated (headers round durations, edit lists and
# decoder delay hide a frame or two). Only trusted headers count (`VideoInfo.frames_certain`).
_MISSING_FRAMES_TOLERANCE = 2
_MISSING_FRAMES_SHARE = 0.02
_FIELD_ORDERS = ("auto", "tff", "bff")


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
    segment: Segment | None = None,
) -> VideoReport:
    """Restore every frame of a video file with ``restorer`` (a `Restorer`, or anything
    with ``restore(rgb) -> rgb``, or such a function; uint8 RGB, same size) and write
    ``output_path``.

    ``fields``: restore each field on its own and re-interlace; ``deinterlace="bob"``:
    output 50p from 25i (see `restore.video.fields` for the trade-offs). ``pal_aspect``:
    resize to square pixels (720 -> 768 wide), as the image CLI does; otherwise the
    input's pixel aspect flag is kept. Other arguments as `transform_video`.
    """
    if deinterlace not in (None, "bob"):
        raise ValueError(f"deinterlace must be None or 'bob', got {deinterlace!r}")
    if fields and deinterlace:
        raise ValueError("choose fields=True or deinterlace='bob', not both")
    restore = restorer.restore if hasattr(restorer, "restore") else restorer
    if not callable(restore):
        # A ValueError, as for every other bad argument here (callers catch that one).
        raise ValueError(f"restorer must have a restore(rgb) method or be callable, got {type(restorer).__name__}")  # noqa: TRY004
    if hasattr(restorer, "restore_batch"):
        # A Restorer runs a few pictures per network call where that is faster (PICTURES_PER_CALL),
        # and follows a colour bar from frame to frame (video_batches).
        restore_batch = restorer.video_batches() if hasattr(restorer, "video_batches") else restorer.restore_batch

        def restore_pictures(pictures: list[np.ndarray], frames: list[FrameContext]) -> list[np.ndarray]:
            return restore_batch(pictures, pal_aspect=pal_aspect)
        process = Batched(restore_pictures, getattr(restorer, "pictures_per_call", 1))
    elif pal_aspect:
        def process(rgb: np.ndarray, frame: FrameContext) -> np.ndarray:
            return restorer.restore(rgb, pal_aspect=True)
    else:
        def process(rgb: np.ndarray, frame: FrameContext) -> np.ndarray:
            return restore(rgb)
    mode = "bob" if deinterlace == "bob" else ("fields" if fields else "frames")
    return transform_video(
        input_path, output_path, process, mode=mode, field_order=field_order, codec=codec,
        progress=progress, max_frames=max_frames, pal_aspect=pal_aspect, description="restoring", segment=segment,
    )


def transform_video(
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    process: FrameFunction,
    *,
    mode: str = "frames",
    field_order: str = "auto",
    codec: str = DEFAULT_CODEC,
    progress: bool = True,
    max_frames: int | None = None,
    pal_aspect: bool = False,
    description: str = "processing",
    segment: Segment | None = None,
) -> VideoReport:
    """Run ``process(picture, frame)`` on every picture of a video and write ``output_path``:
    ``picture`` uint8 RGB H×W×3, ``frame`` its `FrameContext` (the input frame's index and
    time, and the field); it returns uint8 RGB, same H; same W unless ``pal_aspect``, then
    ``round(W*768/720)``. ``process`` may instead be a `restore.video.frames.Batched`
    function, given several pictures per call.

    ``mode``: "frames" (whole frames), "fields" (each field, re-woven) or "bob" (each
    field as a full frame, double rate). ``field_order``: "auto" (from the stream, else
    top first), "tff" or "bff". ``codec``: a key of `CODECS`; the output's container
    comes from ``output_path``'s suffix (``.mkv``, ``.mp4``, ``.m4v``, ``.mov``, ``.avi``).
    ``progress``: a bar on stderr when it is a terminal. ``max_frames``: stop after that
    many input frames (the audio is cut at the same time). ``segment``: only that
    `restore.video.segments.Segment`'s frames, without audio (for `join_segments`).

    The output is written to a hidden temporary name beside ``output_path`` and renamed
    when complete, replacing an existing file. Raises `VideoError` for an unusable or
    truncated input (frames done before a failure are kept in `partial_path_for`
    (output_path), and the error says so), `VideoInterrupted` on Ctrl-C (same partial
    file), ValueError for bad arguments and OSError when the output cannot be written.
    """
    job = _Job.checked(Path(input_path), Path(output_path), process, mode=mode, field_order=field_order, codec=codec,
                       progress=progress, max_frames=max_frames, pal_aspect=pal_aspect, description=description,
                       segment=segment)
    started = time.perf_counter()
    source = open_input(job.input_path)
    try:
        return _Run(job, source).execute(started)
    finally:
        source.close()


@dataclasses.dataclass(frozen=True)
class _Job:
    """What `transform_video` was asked to do, checked."""

    input_path: Path
    output_path: Path
    process: FrameFunction | Batched
    mode: str
    field_order: str
    codec: str
    progress: bool
    max_frames: int | None
    pal_aspect: bool
    description: str
    segment: Segment | None = None
    container_format: str = ""
    encoder: str = ""

    @classmethod
    def checked(cls, input_path: Path, output_path: Path, process: FrameFunction | Batched, **options) -> _Job:
        """The job, or ValueError for a bad argument (before the input is opened)."""
        import av

        job = cls(input_path, output_path, process, **options)
        if job.mode not in MODES:
            raise ValueError(f"mode must be 'frames', 'fields' or 'bob', got {job.mode!r}")
        if job.field_order not in _FIELD_ORDERS:
            raise ValueError(f"field_order must be 'auto', 'tff' or 'bff', got {job.field_order!r}")
        check_codec(job.codec)
        if job.max_frames is not None and (not isinstance(job.max_frames, int) or job.max_frames < 1):
            raise ValueError(f"max_frames must be a positive integer or None, got {job.max_frames!r}")
        job = dataclasses.replace(job, container_format=container_format(output_path), encoder=CODECS[job.codec][0])
        if job.encoder not in av.codecs_available:
            raise ValueError(f"this FFmpeg build has no {job.encoder} encoder; choose another codec ({sorted(CODECS)})")
        return job


class _Restored(NamedTuple):
    """One input frame's output frames, on their way to the writer."""

    pictures: list[np.ndarray]
    pts: int | None


class _Run:
    """One pass over a file: the stages' parts and counters, and the output's fate."""

    def __init__(self, job: _Job, source):
        self.job = job
        self.mode = MODES[job.mode]
        self.info = read_info(job.input_path, source)
        self.reader = Reader(source, on_first_frame=self._open_output, segment=job.segment)
        self.first_index = job.segment.first_frame if job.segment else 0
        self.model = ModelStage(job.process, self.mode)
        self.frame_rate = self.info.frame_rate * self.mode.outputs_per_frame
        self.timestamps = Timestamps(self.reader.video.time_base, self.info.frame_rate, self.mode.outputs_per_frame)
        self.audio = AudioCopy()
        self.writer: VideoWriter | None = None
        self.frames_in = 0
        self.encode_seconds = 0.0
        self.bar = None
        path = job.output_path
        self.temporary = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")

    # ------------------------------------------------------------------ the run
    def execute(self, started: float) -> VideoReport:
        expected, limit = (self.job.segment.frames, None) if self.job.segment else (self.info.frames, self.job.max_frames)
        # With max_frames the run may stop early on purpose; the file must still hold the
        # frames asked for (all of them when it is shorter than max_frames).
        wanted = min(expected, limit) if expected and limit else expected
        self.bar = _progress_bar(wanted or limit, self.job.description, self.job.input_path.name, self.job.progress)
        try:
            interrupted, failure = self._pass(wanted)
        except BaseException:
            self.bar.close()
            self._discard()
            raise
        self.bar.close()
        return self._conclude(interrupted, failure, started)

    def _pass(self, wanted: int | None) -> tuple[bool, VideoError | None]:
        """Run the stages over the file: (interrupted, what is wrong with the input)."""
        import av

        try:
            Stages(self.reader.items, self._write, self.model.frames_per_call).run(self._process, self._frame_done)
        except KeyboardInterrupt:
            return True, None
        except av.error.FFmpegError as error:
            return False, VideoError(self.job.input_path, f"cannot decode frame {self.reader.frames_decoded + 1} "
                                                          f"({ffmpeg_reason(error)}); the file may be truncated or corrupt")
        if self.frames_in == 0:
            return False, VideoError(self.job.input_path, "no video frame could be decoded (truncated or corrupt file?)")
        if (self.info.frames_certain and wanted
                and self.frames_in + max(_MISSING_FRAMES_TOLERANCE, _MISSING_FRAMES_SHARE * wanted) < wanted):
            return False, VideoError(self.job.input_path, f"the file ends early: {self.frames_in} of {self.info.frames} "
                                                          "frames could be decoded (truncated or corrupt)")
        return False, None

    def _conclude(self, interrupted: bool, failure: VideoError | None, started: float) -> VideoReport:
        """Keep the file (finished, or partial after Ctrl-C or a failure) and report, or raise."""
        complete = failure is None and not interrupted
        if not complete and self._frames_out() == 0:
            self._discard()  # nothing worth keeping
            if interrupted:
                raise VideoInterrupted(self._report(None, interrupted, started))
            raise failure
        final = self.job.output_path if complete else partial_path_for(self.job.output_path)
        with sigint_deferred() as late_interrupt:  # Ctrl-C must not leave a file without its index
            try:
                self._finish(flush_all_audio=complete and self.job.max_frames is None)
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
        layout = self.reader.layout
        return VideoReport(
            input_path=self.job.input_path, output_path=output_path, mode=self.job.mode, codec=self.job.codec,
            frames_in=self.frames_in, frames_out=self._frames_out(), expected_frames=self.info.frames,
            frame_rate=self.frame_rate, duration=float(self.timestamps.end or 0.0),
            audio_streams=len(self.writer.audio_streams) if self.writer else 0,
            interlaced=bool(layout and layout.interlaced), top_field_first=layout.top_field_first if layout else None,
            interrupted=interrupted, seconds=time.perf_counter() - started, decode_seconds=self.reader.seconds,
            model_seconds=self.model.seconds, encode_seconds=self.encode_seconds,
        )

    # ------------------------------------------------------------------ the stages' work
    def _process(self, items: list[Decoded]) -> list[_Restored]:
        """The model stage (this thread): a few decoded frames through the frame function."""
        layout = self.reader.layout
        frames = [(item.rgb, FrameContext(index=self.first_index + self.frames_in + offset, time=self.reader.time_of(item.pts)))
                  for offset, item in enumerate(items)]
        outputs = self.model(frames, layout.output_width, layout.top_field_first)
        return [_Restored(pictures, item.pts) for pictures, item in zip(outputs, items)]

    def _frame_done(self) -> bool:
        """A frame went to the writer: count it; True when ``max_frames`` are done."""
        self.frames_in += 1
        self.bar.update(1)
        return self.job.max_frames is not None and self.frames_in >= self.job.max_frames

    def _write(self, item: _Restored | AudioPacket) -> None:
        """The writer stage (its thread): pictures encoded at their timestamps, audio in step."""
        started = time.perf_counter()
        if isinstance(item, AudioPacket):
            self.audio.add(item.packet, self.writer, self.timestamps.end)
        else:
            for picture, pts in zip(item.pictures, self.timestamps.of_frame(item.pts)):
                self.writer.write(picture, pts)
            self.audio.flush(self.writer, until=self.timestamps.end)
        self.encode_seconds += time.perf_counter() - started

    # ------------------------------------------------------------------ the output file
    def _open_output(self, first_frame) -> Layout:
        """Open the output once the first frame tells the field order and size (reader thread)."""
        job = self.job
        layout = Layout.of(first_frame, self.reader.video, self.mode, job.field_order, job.pal_aspect, job.input_path)
        ratio = self.reader.video.codec_context.sample_aspect_ratio
        self.writer = VideoWriter(self.temporary, OutputFormat(
            container_format=job.container_format, encoder=job.encoder, width=layout.output_width,
            height=layout.height, frame_rate=self.frame_rate, time_base=self.timestamps.time_base,
            pix_fmt=pix_fmt_for(job.encoder, self.info.pix_fmt),
            top_field_first=bool(layout.top_field_first) if self.mode.keeps_interlacing and layout.interlaced else None,
            sample_aspect_ratio=Fraction(1, 1) if job.pal_aspect else (ratio if ratio and ratio > 0 else None),
        ))
        for audio in self.reader.audio:
            try:
                self.writer.add_audio_stream(audio)
            except ValueError as error:
                raise VideoError(job.input_path, f"the {job.output_path.suffix} container cannot hold audio stream "
                                                 f"{audio.index} ({audio.codec_context.name}): {error}; use .mkv") from None
        return layout

    def _frames_out(self) -> int:
        return self.writer.frames if self.writer else 0

    def _finish(self, flush_all_audio: bool) -> None:
        self.writer.flush()
        self.audio.flush(self.writer, until=None if flush_all_audio else self.timestamps.end)
        self.writer.close()

    def _discard(self) -> None:
        if self.writer is not None:
            self.writer.abandon()
        with contextlib.suppress(OSError):
            self.temporary.unlink()


def _progress_bar(total: int | None, description: str, name: str, enabled: bool):
    from tqdm import tqdm

    # disable=None: a bar only when stderr is a terminal, so logs and pipes stay clean.
    return tqdm(total=total, desc=f"{description} {name}", unit="frame", disable=None if enabled else True,
                file=sys.stderr, dynamic_ncols=True, smoothing=0.1)
