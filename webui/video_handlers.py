"""The Video tab's handler as a plain function: a short clip (`limits.MAX_VIDEO_SECONDS`,
`limits.MAX_VIDEO_FRAMES`) restored frame by frame with its sound (`restore_video_clip`).
Whole captures go through the command line, ``python -m restore``."""

from __future__ import annotations

from pathlib import Path

from webui import limits
from webui.inputs import (
    check_upload_size,
    input_error,
    no_progress,
    output_dir,
    stem,
    user_error,
)
from webui.model import MODEL

VIDEO_MODES = [  # (label, mode): see restore/video/fields.py for the trade-offs
    ("Whole frames", "frames"),
    ("Each field on its own (interlaced, keeps 25i)", "fields"),
    ("Deinterlace to 50p (bob)", "bob"),
]


def _probe_clip(path, mode: str):
    """The clip's `restore.video` info, after checking the mode, the upload, its length and its
    frame size; `gr.Error` naming the file otherwise."""
    from restore import video

    if mode not in {value for _, value in VIDEO_MODES}:
        raise input_error(f"Unknown mode {mode!r}: use frames, fields or bob.", title="Bad option")
    if path is None or str(path) == "":
        raise input_error("Please upload a video clip first.", title="No video")
    path = Path(path)
    name = path.name
    check_upload_size(path)
    try:
        info = video.probe_video(path)
    except video.VideoError as exc:
        raise input_error(f"{name}: {exc.reason}", title="Cannot use this file") from None
    seconds = info.duration if info.duration else (info.frames / info.frame_rate if info.frames else None)
    max_seconds, max_frames = limits.MAX_VIDEO_SECONDS, limits.MAX_VIDEO_FRAMES
    if (seconds and seconds > max_seconds + 0.02) or (info.frames and info.frames > max_frames):
        raise input_error(
            f"{name}: the clip is {float(seconds or 0):.1f} s long ({info.frames} frames); the app restores clips "
            f"of up to {max_seconds} s ({max_frames} frames). Trim it, or restore the whole "
            f"capture with the command line: python -m restore {name} -o OUTDIR",
            title="Clip too long",
        )
    if info.width * info.height > limits.MAX_PIXELS:
        raise input_error(f"{name}: {info.width}×{info.height} frames are larger than the app allows.",
                          title="Frames too large")
    return info


def _picture_restorer(frames: int, progress):
    """The model as a `restore.video.Batched` function (the restorer's pictures per call
    at a time), reporting progress in frames."""
    from restore import video

    if not MODEL.loaded:
        progress(0.0, desc="Loading the model (first use)…")
    restorer = MODEL.get()

    def restore_pictures(pictures, contexts):
        with MODEL.run_lock:
            restored = restorer.restore_batch(pictures)
        progress((min(contexts[-1].index + 1, frames), frames), desc="Restoring", unit="frames")
        return restored

    return video.Batched(restore_pictures, restorer.pictures_per_call)


def restore_video_clip(path, mode: str = "frames", progress=no_progress) -> tuple[str, str]:
    """Restore a short video clip: at most `limits.MAX_VIDEO_SECONDS` and `limits.MAX_VIDEO_FRAMES`.

    ``mode``: "frames", "fields" or "bob" (`restore.video`). Returns ``(before, after)``:
    the input re-encoded as H.264 for the browser, and the restored clip with the same frame
    rate, duration and sound (bob: 50 frames/s). Both are MP4 when MP4 can hold the clip's
    sound (copied untouched), else Matroska. Raises `gr.Error` for a missing, oversize,
    unreadable, truncated or too long clip.
    """
    from restore import video

    info = _probe_clip(path, mode)
    path = Path(path)
    suffix = video.output_suffix("clip.mp4", "h264", info.audio_codecs)
    folder, name = output_dir(), stem(path)
    max_frames = limits.MAX_VIDEO_FRAMES
    restore_pictures = _picture_restorer(info.frames or max_frames, progress)
    try:
        before = video.transform_video(path, folder / f"{name}_input{suffix}", lambda rgb, frame: rgb, codec="h264",
                                       progress=False, max_frames=max_frames)
        after = video.transform_video(path, folder / f"{name}_restored{suffix}", restore_pictures, mode=mode,
                                      codec="h264", progress=False, max_frames=max_frames)
    except video.VideoError as exc:
        if exc.partial_path is not None:  # frames done before the failure: not handed out here
            Path(exc.partial_path).unlink(missing_ok=True)
        raise input_error(f"{path.name}: {exc.reason}", title="Cannot use this file") from None
    except ValueError as exc:
        raise user_error(exc, path.name) from None
    return str(before.output_path), str(after.output_path)
