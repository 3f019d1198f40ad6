"""VHS/PAL frame restoration: the Gradio web app (also a Hugging Face Space).

Four tabs:

* **Restore**: one image (or several) through the shipped Pix2Pix generator; a before/after
  slider and the restored PNG to download. An option treats the input as PAL anamorphic
  (720×576 non-square pixels).
* **Degrade**: the VHS/PAL simulator with one slider per strength, a dropdown per form
  option beside its artifact, a shuffle-order checkbox, presets, a seed and a "random"
  button; the preview updates when a slider is released or a choice changed, and can be sent
  to Restore.
* **Video**: a short clip (up to 10 s) restored frame by frame, with its sound; before and after
  players. Whole captures go through ``python -m restore``.
* **Compare**: SSIM, PSNR and an SSIM heat-map of two images, and a small study: one clean
  image is degraded, restored, and both are scored against the original.

This file is UI only: every image operation is a call into the `restore` package. The plain
handler functions come first (they take file paths and settings and return file paths,
numbers and tables, so they can be tested without a browser), then one builder per tab
(`build_restore_tab`, `build_degrade_tab`, ...: its layout, then its events with their API
names), put together by `build_demo`. The API names: ``restore``, ``restore_batch``,
``degrade``, ``compare``, ``study`` and ``restore_video`` (all callable with ``gradio_client``).
``degrade`` keeps its original parameters first (image, the sixteen original strengths,
tint_hue, seed); everything added since comes after seed, with defaults.

Run ``python app.py`` and open http://localhost:7860 (no network needed). The model is loaded
on first use, once, from ``$VHS_RESTORE_MODEL`` (a folder or ``hf://owner/name@rev``) or the
bundled ``checkpoints/``.

Files: one work folder per process (``vhs-restore-app-*`` in ``$GRADIO_TEMP_DIR`` or the system
temporary folder) holds everything the app writes: uploads, examples, results, and Gradio's own
cache (``$GRADIO_TEMP_DIR`` is pointed at it). Results are written there once and served from
there (Gradio copies only files outside its cache). The folder is removed when the server stops:
normal exit, Ctrl-C (SIGINT) or SIGTERM (how a Space is stopped); old results are pruned hourly.

Requests: each event has its own concurrency limit (the model one call at a time; the
simulator and the metrics, which need no model, beside it) under one queue of `QUEUE_SIZE`
waiting requests. A refused request (bad value, bad file) gets a plain message and leaves one
``refused /<api>: <reason>`` line in the server log, never a traceback.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline: no telemetry calls


def _make_work_dir() -> Path:
    """This process's work folder, and Gradio's cache inside it (see the module notes). Set up
    before Gradio is imported, which reads ``$GRADIO_TEMP_DIR`` in places at import time."""
    base = Path(os.environ.get("GRADIO_TEMP_DIR") or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="vhs-restore-app-", dir=base)).resolve()
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    return folder


_WORK_DIR = _make_work_dir()

import atexit
import inspect
import logging
import secrets
import shutil
import signal
import sys
import threading
import time
import types
import uuid
from dataclasses import dataclass, field
from typing import Any

import cv2
import gradio as gr
import numpy as np

from restore import PRESETS, DegradeSettings, degrade, psnr, random_settings, ssim
from restore.metrics import ssim_and_map
from restore.degrade import (
    ANY,
    ARTIFACT_NAMES,
    FORM_ARTIFACT,
    FORM_OPTIONS,
    ORIGINAL_STRENGTH_NAMES,
    STRENGTH_NAMES,
    TABLE,
)
from restore.degrade.artifacts import STAGES
from restore.pal import PAL_HEIGHT, PAL_WIDTH
from restore.images import MAX_PIXELS as LIBRARY_MAX_PIXELS
from restore.images import ImageError, LoadedImage, read_image, write_png

# --------------------------------------------------------------------------------------------
# Limits and settings
# --------------------------------------------------------------------------------------------
MAX_UPLOAD_MB = 40
MAX_FILE_SIZE = f"{MAX_UPLOAD_MB}mb"  # enforced by Gradio at upload time (launch max_file_size)
MAX_PIXELS = min(12_000_000, LIBRARY_MAX_PIXELS)  # width × height, checked from the file header
MAX_BATCH = 50  # images per "Restore all"
# Requests waiting, all events together (Gradio's queue max_size). A waiting request costs only
# its upload, already on disk; the limit is there so a flood is refused rather than piled up.
QUEUE_SIZE = 256
# Calls of one kind running at once. The model runs one call at a time (restore, batch, study,
# video share it); the simulator and the metrics need no model and run beside it, in their own
# lanes, so a queue of restorations never holds them up. Compare is kept to two at once: each
# 12-megapixel pair takes a few hundred MB.
MODEL_EVENTS: dict[str, Any] = {"concurrency_id": "model", "concurrency_limit": 1}
DEGRADE_EVENTS: dict[str, Any] = {"concurrency_id": "degrade", "concurrency_limit": 4}
COMPARE_EVENTS: dict[str, Any] = {"concurrency_id": "compare", "concurrency_limit": 2}
DEFAULT_CONCURRENCY = 2  # anything else (presets, random settings)
MAP_MAX_SIDE = 1280  # the SSIM heat-map is shown at most this long (the scores use every pixel)
EXAMPLE_IMAGES = ("astronaut", "coffee", "chelsea", "rocket")  # bundled with scikit-image
EXAMPLE_SEED = 7
DEFAULT_PRESET = "default"
CUSTOM = "custom"
OUTPUT_TTL_S = 3600  # our own result files older than this are deleted
PSNR_CAP_DB = 100.0  # PSNR shown for identical images (the true value is infinite)

LAUNCH_OPTIONS: dict[str, Any] = {"max_file_size": MAX_FILE_SIZE, "show_error": True}

# The Degrade tab's settings. The /degrade API takes them after the image in this order:
# the sixteen original strengths, tint_hue and seed (the order callers have always used),
# then everything added since — the new strengths, the form options, shuffle_order — each
# with a default (its `DegradeSettings` default), so old positional calls still work.
NEW_STRENGTH_NAMES = tuple(name for name in STRENGTH_NAMES if name not in ORIGINAL_STRENGTH_NAMES)
FORM_NAMES = tuple(FORM_OPTIONS)
SETTING_NAMES = (*STRENGTH_NAMES, "tint_hue", *FORM_NAMES, "shuffle_order")
ADDED_API_PARAMETERS = (*NEW_STRENGTH_NAMES, *FORM_NAMES, "shuffle_order")
DEGRADE_API_PARAMETERS = ("image", *ORIGINAL_STRENGTH_NAMES, "tint_hue", "seed", *ADDED_API_PARAMETERS)
_DEFAULT_SETTINGS = DegradeSettings()

# Human labels (label, info) of every strength: one slider each.
STRENGTH_LABELS = {
    "interlace": ("Interlace", "the two fields displaced sideways (motion between fields)"),
    "side_borders": ("Side borders", "black blanking at the left and right edges"),
    "softness": ("Softness", "low luma bandwidth: soft, low-resolution detail"),
    "blur": ("Blur", "optical or digital blur of the whole picture"),
    "chroma_smear": ("Chroma smear", "colour smeared along the lines (colour-under bandwidth)"),
    "ringing": ("Ringing", "over-sharpening halos and echoes"),
    "grain": ("Grain and snow", "luma grain, streaky chroma noise, snow specks"),
    "noise": ("Noise", "sensor or transmission noise: Gaussian, Poisson or chroma"),
    "dropouts": ("Dropouts", "short white streaks where the tape lost oxide"),
    "tracking": ("Tracking error", "a band of noise and sideways displacement"),
    "jitter": ("Line jitter", "time-base error: lines shifted sideways"),
    "line_offsets": ("Line offsets", "blocks of lines shifted sideways: a staircase or a wave"),
    "top_skew": ("Top skew (flagging)", "the top lines bent sideways"),
    "head_switching": ("Head switching", "the bottom lines torn sideways, with noise"),
    "chroma_delay": ("Chroma delay", "colour shifted right of the picture: coloured fringes"),
    "tint_band": ("Tint band", "a tinted band over the top of the picture"),
    "color_band": ("Colour band", "a band with RGB channels lost, a tint or a wash of colour"),
    "levels": ("Levels and cast", "lifted blacks, washed colours, colour cast"),
    "pal_aspect": ("PAL aspect", "squeezed to the anamorphic 720-sample grid and back"),
    "resample": ("Resampling", "scaled down and up again: blur, aliasing, blocky edges"),
    "channel_shift": ("Channel shift", "R, G and B planes misregistered by whole pixels"),
    "posterize": ("Posterisation", "too few levels per channel: banding, lifted black floor"),
    "speckle": ("Speckle", "pixel specks of digitisation: salt and pepper, dark or bright"),
    "line_streaks": ("Line streaks", "streaks of corrupted lines: noise, repeated or torn lines"),
    "compression": ("Capture compression", "JPEG blocking of the capture card"),
    "second_pass": ("Second pass", "blur, noise, resampling and JPEG once more, as in a re-digitised copy"),
}
# Labels of the form options (a dropdown each, beside its artifact's slider).
FORM_LABELS = {
    "blur_kernel": ("Blur kernel", "gaussian, box, or anisotropic (a rotated Gaussian)"),
    "noise_kind": ("Noise kind", "gaussian, poisson (stronger in bright areas) or streaky chroma noise"),
    "ringing_form": ("Ringing form", "peaking (overshoot and echo) or sinc (ripples along every edge)"),
    "skew_profile": ("Skew profile", "how the bend grows toward the top edge"),
    "band_form": ("Band form", "channel loss (one or two RGB channels gone), tint, or added colour"),
    "band_position": ("Band position", "where the band lies: top, middle or bottom"),
    "line_offset_form": ("Offset form", "a staircase of line blocks or a sine wave"),
    "speckle_kind": ("Speckle kind", "impulse (salt and pepper), dark or bright specks"),
    "resample_filter": ("Resampling filter", "the filter used to scale down and up"),
}
ANY_LABEL = "any (drawn from the seed)"  # how the dropdowns show the choice "any"
SHUFFLE_LABEL = ("Shuffle order", "apply the artifacts of each stage in a random order (drawn from the seed)")
TINT_HUE_LABEL = ("Tint band hue (degrees)", "about 35 = magenta, 215 = green")
# Headings of the simulator's stages, in the order the damage happens.
STAGE_TITLES = {
    "scene": "Scene",
    "recording": "Recording",
    "tape": "Tape",
    "deck": "Playback deck",
    "capture": "Capture and digitisation",
}


def degrade_api_description() -> str:
    """What the /degrade endpoint takes, parameter by parameter, in its order."""
    new = "; ".join(f"{name} ({STRENGTH_LABELS[name][1]})" for name in NEW_STRENGTH_NAMES)
    forms = "; ".join(
        f"{option} ({STRENGTH_LABELS[FORM_ARTIFACT[option]][0].lower()}: {FORM_LABELS[option][1]}; one of "
        f"{' | '.join(FORM_OPTIONS[option])}; default {getattr(_DEFAULT_SETTINGS, option)})"
        for option in FORM_NAMES
    )
    return (
        "Degrade an image with the VHS/PAL simulator. Parameters, in order: image; the artifact strengths "
        f"{', '.join(ORIGINAL_STRENGTH_NAMES)}, each in [0, 1] (0 = off; all strengths 0 = unchanged); "
        "tint_hue, the tint band's hue in degrees in [0, 360] (35 = magenta, 215 = green); seed, a whole "
        "number >= 0 (same seed, same damage). Then, each optional: more strengths in [0, 1], default 0 "
        f"(off): {new}. Form options, each 'any' (one drawn from the seed) or a form name: {forms}. "
        "shuffle_order, true or false (default false): apply the artifacts of each stage in a random "
        "order drawn from the seed. Returns the degraded PNG (twice: preview and download)."
    )


# --------------------------------------------------------------------------------------------
# The model: loaded lazily, once per process, shared by every session
# --------------------------------------------------------------------------------------------
class SharedRestorer:
    """One `restore.Restorer` for the whole app, created on first use.

    Loading imports TensorFlow and reads the weights (seconds), so it happens when the first
    restoration is asked for, not at start-up. The lock makes concurrent first calls wait for
    one load instead of loading twice; model runs are serialised by the queue
    (``concurrency_id="model"``) and, for direct callers, by a second lock.
    """

    def __init__(self, source: str | None = None):
        self.source = source  # None: $VHS_RESTORE_MODEL, else the bundled checkpoints/
        self._load_lock = threading.Lock()
        self.run_lock = threading.Lock()
        self._restorer = None

    def get(self):
        with self._load_lock:
            if self._restorer is None:
                from restore import load_restorer  # imports TensorFlow

                try:
                    self._restorer = load_restorer(self.source)
                except Exception as exc:  # noqa: BLE001 - shown to the user as is
                    raise gr.Error(
                        f"The restoration model could not be loaded: {exc}", title="Model unavailable"
                    ) from exc
            return self._restorer

    def set(self, restorer) -> None:
        """Replace the shared restorer (tests; None means load again on next use)."""
        with self._load_lock:
            self._restorer = restorer

    @property
    def loaded(self) -> bool:
        return self._restorer is not None

    def describe(self) -> str:
        restorer = self._restorer
        if restorer is None:
            return "not loaded yet (it loads on the first restoration)"
        text = str(getattr(restorer, "description", "") or "loaded")
        reason = getattr(restorer, "fallback_reason", None)
        return f"{text} (fallback: {reason})" if reason else text

    def restore(self, rgb: np.ndarray, pal_aspect: bool = False) -> np.ndarray:
        pal_aspect = _flag(pal_aspect, "pal_aspect")
        restorer = self.get()
        with self.run_lock:
            return restorer.restore(rgb, pal_aspect=pal_aspect)


MODEL = SharedRestorer()


# --------------------------------------------------------------------------------------------
# Files: uploads in, PNGs out
# --------------------------------------------------------------------------------------------
_closing = threading.Event()  # set when the work folder is being removed: no new files
_last_prune = [0.0]


def remove_work_dir() -> None:
    """Remove the work folder (uploads, results, Gradio's cache): at exit, and when the server
    is stopped by a signal (`serve`). Safe to call twice."""
    _closing.set()
    shutil.rmtree(_WORK_DIR, ignore_errors=True)


atexit.register(remove_work_dir)


def _prune(now: float) -> None:
    """Delete result folders older than `OUTPUT_TTL_S`, and the empty folders Gradio's own
    `delete_cache` leaves behind (it deletes files only)."""
    outputs = _WORK_DIR / "outputs"
    for old in list(outputs.iterdir()) if outputs.is_dir() else []:
        try:
            if now - old.stat().st_mtime > OUTPUT_TTL_S:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    for entry in _WORK_DIR.iterdir():
        if entry.is_dir() and entry.name not in ("outputs", "examples"):
            try:
                if now - entry.stat().st_mtime > OUTPUT_TTL_S:
                    entry.rmdir()  # only when empty
            except OSError:
                pass


def _output_dir() -> Path:
    """A fresh folder for one call's result files; old ones are pruned now and then."""
    if _closing.is_set():
        raise gr.Error("The server is shutting down; try again in a moment.", title="Shutting down",
                       print_exception=False)
    now = time.time()
    if now - _last_prune[0] > 600:
        _last_prune[0] = now
        _prune(now)
    outputs = _WORK_DIR / "outputs"
    outputs.mkdir(exist_ok=True)  # not parents: a removed work folder is not made again
    folder = outputs / uuid.uuid4().hex
    folder.mkdir()
    return folder


def _stem(path: str | os.PathLike) -> str:
    stem = Path(path).stem or "image"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:80]


def _input_error(message: str, title: str = "Error") -> gr.Error:
    """A `gr.Error` about the user's input: shown in the page, no traceback in the server log."""
    return gr.Error(message, title=title, print_exception=False)


def _check_upload_size(path: Path) -> None:
    """Raise `gr.Error` for a file over `MAX_UPLOAD_MB`; a missing file is left to its reader to report."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # read_image / probe_video report the missing file
    if size > MAX_UPLOAD_MB * 1024 * 1024:
        raise _input_error(
            f"{path.name}: the file is {size / 2**20:.1f} MB, more than the {MAX_UPLOAD_MB} MB limit.",
            title="File too large",
        )


def load_upload(path: str | os.PathLike | None, what: str = "an image") -> LoadedImage:
    """Decode an uploaded file with `restore.images` (EXIF orientation, 16-bit, alpha).

    Raises `gr.Error` naming the file and the reason for a missing upload, an oversize file,
    too many pixels, or an unreadable, corrupt or non-image file.
    """
    if path is None or str(path) == "":
        raise _input_error(f"Please upload {what} first (or pick an example).", title="No image")
    path = Path(path)
    _check_upload_size(path)
    try:
        return read_image(path, max_pixels=MAX_PIXELS)
    except ImageError as exc:
        raise _input_error(f"{path.name}: {exc.reason}", title="Cannot use this file") from None


def _flag(value: Any, name: str) -> bool:
    """A checkbox value from the page or the API, strictly: true or false (None, an unset
    checkbox, is false). Anything else is refused naming ``name``: the string "false" is
    truthy, so taking its truth value would switch the option on."""
    if value is None:
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise _input_error(f"{name} must be true or false, got {value!r}", title="Invalid option")


def _user_error(exc: ValueError, name: str = "") -> gr.Error:
    """A library ValueError (e.g. an image below the minimum size) as a message for the user."""
    return _input_error(f"{name}: {exc}" if name else str(exc), "Cannot process this image")


# --------------------------------------------------------------------------------------------
# Handlers: plain functions (file paths and settings in; file paths, numbers, tables out)
# --------------------------------------------------------------------------------------------
def _no_progress(*_args, **_kwargs):
    return None


def _restore_loaded(loaded: LoadedImage, pal_aspect: bool, name: str):
    """Run the model on a decoded upload: ``(restored, input_at_that_size, alpha_or_None)``."""
    try:
        restored = MODEL.restore(loaded.rgb, pal_aspect=pal_aspect)
    except ValueError as exc:
        raise _user_error(exc, name) from None
    height, width = restored.shape[:2]
    before, alpha = loaded.rgb, loaded.alpha
    if before.shape[:2] != (height, width):  # PAL anamorphic: 720 samples -> 768 square pixels
        before = cv2.resize(before, (width, height), interpolation=cv2.INTER_CUBIC)
        if alpha is not None:
            alpha = cv2.resize(alpha, (width, height), interpolation=cv2.INTER_LINEAR)
    return restored, before, alpha


def restore_image(path, pal_aspect: bool = False, progress=_no_progress) -> tuple[str, tuple[str, str], str]:
    """Restore one image file.

    Returns ``(restored_png, (input_png, restored_png), restored_png)``: the restored image,
    the before/after pair for the slider and the file to download. The restored PNG has the
    input's height and width (with ``pal_aspect``, the square-pixel width ``W * 768 / 720``)
    and keeps the input's alpha channel, when it has one.
    """
    pal_aspect = _flag(pal_aspect, "pal_aspect")
    loaded = load_upload(path)
    if not MODEL.loaded:
        progress(0.05, desc="Loading the model (first use)…")
    MODEL.get()
    progress(0.3, desc="Restoring…")
    restored, before, alpha = _restore_loaded(loaded, pal_aspect, Path(path).name)
    folder = _output_dir()
    stem = _stem(path)
    before_png = write_png(folder / f"{stem}_input.png", before)
    after_png = write_png(folder / f"{stem}_restored.png", restored, alpha=alpha)
    return str(after_png), (str(before_png), str(after_png)), str(after_png)


def restore_batch(paths, pal_aspect: bool = False, progress=_no_progress) -> tuple[list, list[str], str]:
    """Restore several image files; a bad file is reported and skipped, the rest still run.

    Returns ``(gallery, pngs, report)``: ``(png, caption)`` pairs for a gallery, the restored
    PNG paths to download, and a Markdown report. Raises `gr.Error` when nothing could be
    restored.
    """
    pal_aspect = _flag(pal_aspect, "pal_aspect")
    paths = [p for p in (paths or []) if p]
    if not paths:
        raise _input_error("Please upload one or more images first.", title="No images")
    if len(paths) > MAX_BATCH:
        raise _input_error(f"{len(paths)} files: at most {MAX_BATCH} images per batch.", title="Too many files")
    progress(0.0, desc="Loading the model…")
    MODEL.get()
    folder = _output_dir()
    gallery, pngs, problems, used = [], [], [], set()
    for index, path in enumerate(paths):
        name = Path(path).name
        progress((index, len(paths)), desc=f"Restoring {name}", unit="images")
        try:
            loaded = load_upload(path)
            restored, _, alpha = _restore_loaded(loaded, pal_aspect, name)
        except gr.Error as exc:
            problems.append(exc.message)
            continue
        stem, n = _stem(path), 1
        while f"{stem}_restored.png" in used:
            n += 1
            stem = f"{_stem(path)}_{n}"
        used.add(f"{stem}_restored.png")
        png = str(write_png(folder / f"{stem}_restored.png", restored, alpha=alpha))
        gallery.append((png, name))
        pngs.append(png)
    progress((len(paths), len(paths)), desc="Done", unit="images")
    if not pngs:
        raise _input_error("No image could be restored:\n" + "\n".join(problems), title="Nothing restored")
    report = f"Restored {len(pngs)} of {len(paths)} images."
    if problems:
        report += "\n\nSkipped:\n" + "\n".join(f"- {p}" for p in problems)
    return gallery, pngs, report


# --------------------------------------------------------------------------------------------
# Video: short clips here; whole captures go through the command line
# --------------------------------------------------------------------------------------------
MAX_VIDEO_SECONDS = 10
MAX_VIDEO_FRAMES = 250  # 10 s of PAL
VIDEO_MODES = [  # (label, mode): see restore/video/fields.py for the trade-offs
    ("Whole frames", "frames"),
    ("Each field on its own (interlaced, keeps 25i)", "fields"),
    ("Deinterlace to 50p (bob)", "bob"),
]


def restore_video_clip(path, mode: str = "frames", progress=_no_progress) -> tuple[str, str]:
    """Restore a short video clip: at most ``MAX_VIDEO_SECONDS`` and ``MAX_VIDEO_FRAMES``.

    ``mode``: "frames", "fields" or "bob" (`restore.video`). Returns ``(before, after)``:
    the input re-encoded as H.264 for the browser, and the restored clip with the same frame
    rate, duration and sound (bob: 50 frames/s). Both are MP4 when MP4 can hold the clip's
    sound (copied untouched), else Matroska. Raises `gr.Error` for a missing, oversize,
    unreadable, truncated or too long clip.
    """
    from restore import video

    if mode not in {value for _, value in VIDEO_MODES}:
        raise _input_error(f"Unknown mode {mode!r}: use frames, fields or bob.", title="Bad option")
    if path is None or str(path) == "":
        raise _input_error("Please upload a video clip first.", title="No video")
    path = Path(path)
    name = path.name
    _check_upload_size(path)
    try:
        info = video.probe_video(path)
    except video.VideoError as exc:
        raise _input_error(f"{name}: {exc.reason}", title="Cannot use this file") from None
    seconds = info.duration if info.duration else (info.frames / info.frame_rate if info.frames else None)
    if (seconds and seconds > MAX_VIDEO_SECONDS + 0.02) or (info.frames and info.frames > MAX_VIDEO_FRAMES):
        raise _input_error(
            f"{name}: the clip is {float(seconds or 0):.1f} s long ({info.frames} frames); the app restores clips "
            f"of up to {MAX_VIDEO_SECONDS} s ({MAX_VIDEO_FRAMES} frames). Trim it, or restore the whole "
            f"capture with the command line: python -m restore {name} -o OUTDIR",
            title="Clip too long",
        )
    if info.width * info.height > MAX_PIXELS:
        raise _input_error(f"{name}: {info.width}×{info.height} frames are larger than the app allows.",
                           title="Frames too large")
    suffix = video.output_suffix("clip.mp4", "h264", info.audio_codecs)
    folder, stem = _output_dir(), _stem(path)
    if not MODEL.loaded:
        progress(0.0, desc="Loading the model (first use)…")
    restorer = MODEL.get()
    frames = info.frames or MAX_VIDEO_FRAMES

    def restore_picture(rgb, frame):
        with MODEL.run_lock:
            restored = restorer.restore(rgb)
        progress((min(frame.index + 1, frames), frames), desc="Restoring", unit="frames")
        return restored

    try:
        before = video.transform_video(path, folder / f"{stem}_input{suffix}", lambda rgb, frame: rgb, codec="h264",
                                       progress=False, max_frames=MAX_VIDEO_FRAMES)
        after = video.transform_video(path, folder / f"{stem}_restored{suffix}", restore_picture, mode=mode,
                                      codec="h264", progress=False, max_frames=MAX_VIDEO_FRAMES)
    except video.VideoError as exc:
        if exc.partial_path is not None:  # frames done before the failure: not handed out here
            Path(exc.partial_path).unlink(missing_ok=True)
        raise _input_error(f"{name}: {exc.reason}", title="Cannot use this file") from None
    except ValueError as exc:
        raise _user_error(exc, name) from None
    return str(before.output_path), str(after.output_path)


def _invalid_setting(message: str) -> gr.Error:
    return _input_error(f"Invalid degradation settings: {message}", title="Invalid settings")


def _setting_value(name: str, value: Any) -> Any:
    """One Degrade-tab value, checked strictly; `gr.Error` naming ``name`` when it is wrong."""
    if name in STRENGTH_NAMES or name == "tint_hue":
        if value is None and name != "tint_hue":
            return 0.0  # an empty slider: off
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise _invalid_setting(f"{name} must be a number, got {value!r}")
        return float(value)
    if name in FORM_OPTIONS:
        if not isinstance(value, str) or value not in FORM_OPTIONS[name]:
            raise _invalid_setting(f"{name} must be one of {', '.join(FORM_OPTIONS[name])}; got {value!r}")
        return value
    if name == "shuffle_order":
        if not isinstance(value, (bool, np.bool_)):  # "false" is a string, not False
            raise _invalid_setting(f"shuffle_order must be true or false, got {value!r}")
        return bool(value)
    raise _invalid_setting(f"unknown setting {name!r}; known: {', '.join(SETTING_NAMES)}")


def settings_from_values(values: dict[str, Any] | list[float], tint_hue: float | None = None) -> DegradeSettings:
    """`DegradeSettings` from the Degrade tab's values.

    ``values`` is a dict by setting name (any of `SETTING_NAMES`: the strengths,
    ``tint_hue``, the form options, ``shuffle_order``; the others keep their defaults) or a
    list of strengths in `STRENGTH_NAMES` order (all of them, or the original sixteen).
    ``tint_hue``, when given, is the tint band's hue. Raises `gr.Error` naming the setting
    for a strength out of [0, 1], a non-number, an unknown form or a non-boolean
    ``shuffle_order``.
    """
    if not isinstance(values, dict):
        values = list(values)
        if len(values) not in (len(STRENGTH_NAMES), len(ORIGINAL_STRENGTH_NAMES)):
            raise _input_error(
                f"expected {len(STRENGTH_NAMES)} (or the original {len(ORIGINAL_STRENGTH_NAMES)}) artifact "
                f"strengths, got {len(values)}", title="Invalid settings",
            )
        values = dict(zip(STRENGTH_NAMES, values))
    if tint_hue is not None:
        values = {**values, "tint_hue": tint_hue}
    checked = {
        name: _setting_value(name, value)
        for name, value in values.items()
        if not (name == "tint_hue" and value is None)  # no hue given: the default
    }
    try:
        return DegradeSettings(**checked)
    except (TypeError, ValueError) as exc:
        raise _invalid_setting(str(exc)) from None


def _seed(seed) -> int:
    try:
        value = int(seed or 0)
    except (TypeError, ValueError):
        raise _input_error(f"The seed must be a whole number, got {seed!r}.", title="Invalid seed") from None
    if value < 0:
        raise _input_error(f"The seed must be 0 or more, got {value}.", title="Invalid seed")
    return value


def degrade_image(path, settings: DegradeSettings, seed: int = 0) -> str:
    """Degrade one image file with the simulator; returns the degraded PNG (same size)."""
    loaded = load_upload(path, "a clean image")
    try:
        bad = degrade(loaded.rgb, settings, seed=_seed(seed))
    except ValueError as exc:
        raise _user_error(exc, Path(path).name) from None
    return str(write_png(_output_dir() / f"{_stem(path)}_degraded.png", bad))


def settings_values(settings: DegradeSettings) -> dict[str, Any]:
    """The Degrade tab's values of ``settings``, by name in `SETTING_NAMES` order:
    strengths rounded to the sliders' 0.01 step, the hue to whole degrees in [0, 360),
    the form options and shuffle_order as they are."""
    values: dict[str, Any] = {name: round(float(getattr(settings, name)), 2) for name in STRENGTH_NAMES}
    values["tint_hue"] = round(float(settings.tint_hue) % 360) % 360
    values.update({option: getattr(settings, option) for option in FORM_NAMES})
    values["shuffle_order"] = bool(settings.shuffle_order)
    return values


def preset_values(name: str) -> dict[str, Any]:
    """The Degrade tab's values of a preset (see `settings_values`)."""
    if name not in PRESETS:
        raise _input_error(f"Unknown preset {name!r}; choose one of {', '.join(PRESETS)}.")
    return settings_values(PRESETS[name])


def random_values(seed: int | None = None) -> tuple[dict[str, Any], int]:
    """Random settings (the training distribution: every form "any", the order shuffled
    now and then) as the Degrade tab's values, and the seed used."""
    seed = secrets.randbelow(2**31 - 1) if seed is None else _seed(seed)
    return settings_values(random_settings(np.random.default_rng(seed))), seed


def _with_signature(fn, names, defaults: dict[str, Any] | None = None):
    """Give a ``*args`` event function named parameters (gradio_client shows these names),
    with ``defaults`` for those that have one (they must come last)."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    defaults = defaults or {}
    fn.__signature__ = inspect.Signature(
        [inspect.Parameter(name, kind, default=defaults.get(name, inspect.Parameter.empty)) for name in names]
    )
    return fn


def degrade_event(image, *values):
    """The /degrade endpoint: the values in `DEGRADE_API_PARAMETERS` order after the
    image (see `degrade_api_description`); returns the degraded PNG twice (preview and
    download)."""
    if len(values) != len(DEGRADE_API_PARAMETERS) - 1:
        raise _input_error(f"expected {len(DEGRADE_API_PARAMETERS) - 1} values after the image, got {len(values)}")
    named = dict(zip(DEGRADE_API_PARAMETERS[1:], values))
    seed = named.pop("seed")
    path = degrade_image(image, settings_from_values(named), seed)
    return path, path


# The parameters added after seed default to the library's defaults: a call without them
# degrades exactly as before they existed.
_with_signature(degrade_event, DEGRADE_API_PARAMETERS,
                {name: getattr(_DEFAULT_SETTINGS, name) for name in ADDED_API_PARAMETERS})


def _fit_pair(a: np.ndarray, b: np.ndarray, resize: bool, names: tuple[str, str]) -> np.ndarray:
    """``b`` at ``a``'s size; `gr.Error` when the sizes differ and ``resize`` is off."""
    if a.shape == b.shape:
        return b
    (ha, wa), (hb, wb) = a.shape[:2], b.shape[:2]
    if not resize:
        raise _input_error(
            f"The images differ in size: {names[0]} is {wa}×{ha}, {names[1]} is {wb}×{hb}. "
            "Tick “Resize B to A's size” to compare them anyway.",
            title="Different sizes",
        )
    shrink = wb * hb > wa * ha
    return cv2.resize(b, (wa, ha), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


def heatmap_colours(level: np.ndarray) -> np.ndarray:
    """An SSIM map (`restore.metrics.ssim_map`) as a colour heat-map (uint8 RGB, viridis:
    dark = different, yellow = identical; SSIM below 0 shows as 0)."""
    grey = np.round(np.clip(level, 0.0, 1.0) * 255.0).astype(np.uint8)
    return cv2.applyColorMap(grey, cv2.COLORMAP_VIRIDIS)[:, :, ::-1].copy()


def ssim_heatmap(a: np.ndarray, b: np.ndarray, max_side: int | None = None) -> np.ndarray:
    """The per-pixel SSIM of two images as a colour heat-map (`heatmap_colours`), at most
    ``max_side`` pixels long (block means of the full-resolution map; None: full size)."""
    return heatmap_colours(ssim_and_map(a, b, max_side)[1])


def _scores(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """SSIM (4 decimals) and PSNR in dB (2 decimals; inf for identical images)."""
    value = psnr(a, b)
    return round(ssim(a, b), 4), (value if np.isinf(value) else round(value, 2))


def psnr_for_display(value: float) -> float:
    """PSNR capped at `PSNR_CAP_DB`: JSON (hence the web page and gradio_client) has no
    infinity, and anything above ~100 dB is visually identical anyway."""
    return min(float(value), PSNR_CAP_DB)


def compare_images(path_a, path_b, resize: bool = False) -> tuple[float, float, np.ndarray]:
    """SSIM, PSNR (dB; inf when identical) and the SSIM heat-map of two image files.

    Different sizes raise `gr.Error` unless ``resize`` (B is then resized to A's size). The
    scores use every pixel; the heat-map is at most `MAP_MAX_SIDE` pixels long (each of its
    pixels the mean SSIM of its block), which bounds the memory and time of a 12-megapixel pair.
    """
    resize = _flag(resize, "resize")
    a = load_upload(path_a, "image A").rgb
    b = load_upload(path_b, "image B").rgb
    b = _fit_pair(a, b, resize, ("A", "B"))
    try:
        value = psnr(a, b)
        ssim_value, level = ssim_and_map(a, b, MAP_MAX_SIDE)
    except ValueError as exc:
        raise _user_error(exc) from None
    psnr_value = value if np.isinf(value) else round(value, 2)
    return round(ssim_value, 4), psnr_value, heatmap_colours(level)


def _psnr_text(value: float) -> str:
    return "∞ (identical images)" if np.isinf(value) else f"{value:.2f}"


def compare_summary(ssim_value: float, psnr_value: float) -> str:
    return f"**SSIM** {ssim_value:.4f} (1 = identical) · **PSNR** {_psnr_text(psnr_value)} dB"


STUDY_HEADERS = ["Comparison", "SSIM", "PSNR (dB)"]


def run_study(path, preset: str = DEFAULT_PRESET, seed: int = EXAMPLE_SEED, progress=_no_progress):
    """Degrade a clean image with a preset, restore it, and score both against the clean one.

    Returns ``(degraded_png, restored_png, table, summary)``; ``table`` has the columns
    `STUDY_HEADERS` and two rows, clean vs degraded and clean vs restored.
    """
    clean = load_upload(path, "a clean image").rgb
    if preset not in PRESETS:
        raise _input_error(f"Unknown preset {preset!r}; choose one of {', '.join(PRESETS)}.")
    progress(0.1, desc="Degrading…")
    try:
        bad = degrade(clean, PRESETS[preset], seed=_seed(seed))
    except ValueError as exc:
        raise _user_error(exc, Path(path).name) from None
    if not MODEL.loaded:
        progress(0.2, desc="Loading the model (first use)…")
    MODEL.get()
    progress(0.4, desc="Restoring…")
    restored = MODEL.restore(bad)
    progress(0.9, desc="Scoring…")
    rows = [["clean vs degraded", *_scores(clean, bad)], ["clean vs restored", *_scores(clean, restored)]]
    (_, ssim_bad, psnr_bad), (_, ssim_good, psnr_good) = rows
    summary = (
        f"Restoration changed SSIM by **{ssim_good - ssim_bad:+.4f}** "
        f"({ssim_bad:.4f} → {ssim_good:.4f}) and PSNR by **{psnr_good - psnr_bad:+.2f} dB** "
        f"({_psnr_text(psnr_bad)} → {_psnr_text(psnr_good)} dB)."
    )
    folder = _output_dir()
    stem = _stem(path)
    degraded_png = write_png(folder / f"{stem}_degraded.png", bad)
    restored_png = write_png(folder / f"{stem}_restored.png", restored)
    return str(degraded_png), str(restored_png), rows, summary


# --------------------------------------------------------------------------------------------
# Examples: images bundled with scikit-image, degraded at start-up (no downloads)
# --------------------------------------------------------------------------------------------
@dataclass
class ExampleSet:
    names: list[str] = field(default_factory=list)
    clean: list[str] = field(default_factory=list)
    degraded: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [name.capitalize() for name in self.names]

    @property
    def first_clean(self) -> str | None:
        return self.clean[0] if self.clean else None

    @property
    def first_degraded(self) -> str | None:
        return self.degraded[0] if self.degraded else None


def pal_frame(rgb: np.ndarray) -> np.ndarray:
    """Centre-crop to the 5:4 shape of a 720×576 PAL frame and resize to it."""
    height, width = rgb.shape[:2]
    target = PAL_WIDTH / PAL_HEIGHT
    if width / height > target:
        new_width = int(round(height * target))
        left = (width - new_width) // 2
        rgb = rgb[:, left : left + new_width]
    else:
        new_height = int(round(width / target))
        top = (height - new_height) // 2
        rgb = rgb[top : top + new_height]
    shrink = rgb.shape[1] > PAL_WIDTH
    return cv2.resize(rgb, (PAL_WIDTH, PAL_HEIGHT), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


def make_examples(folder: Path | None = None, names=EXAMPLE_IMAGES) -> ExampleSet:
    """Write clean 720×576 frames from `skimage.data` and their degraded versions
    (``PRESETS["default"]``, seed `EXAMPLE_SEED`) as PNGs into ``folder``."""
    import skimage.data

    folder = Path(folder or _WORK_DIR / "examples")
    folder.mkdir(parents=True, exist_ok=True)
    examples = ExampleSet()
    for name in names:
        clean = pal_frame(np.ascontiguousarray(getattr(skimage.data, name)()[:, :, :3]))
        bad = degrade(clean, PRESETS[DEFAULT_PRESET], seed=EXAMPLE_SEED)
        examples.names.append(name)
        examples.clean.append(str(write_png(folder / f"{name}.png", clean)))
        examples.degraded.append(str(write_png(folder / f"{name}_vhs.png", bad)))
    return examples


# --------------------------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------------------------
def _path_of_upload(self, payload):
    """`gr.Image.preprocess` replacement for our image inputs: the uploaded file's path, untouched.

    `gr.Image` would open the file with Pillow before the handler runs, so a corrupt or
    non-image upload would fail inside Gradio with a generic message. Instead the handler
    decodes it with `restore.images` (EXIF orientation, 16-bit, alpha, pixel cap), and a bad
    file becomes a `gr.Error` that names the file and the reason.
    """
    if payload is None:
        return None
    if payload.path:
        return str(payload.path)
    return gr.Image.preprocess(self, payload)  # an inline data: URL


def image_input(label: str, elem_id: str | None = None, value: str | None = None) -> gr.Image:
    """An image upload whose event handlers receive the file path (see `_path_of_upload`).

    The override is set on the instance: a `gr.Image` subclass would make Gradio write an
    ``app.pyi`` stub next to this file on every import.
    """
    component = gr.Image(
        value=value, label=label, type="filepath", image_mode=None, sources=["upload", "clipboard"],
        height=320, elem_id=elem_id,
    )
    component.preprocess = types.MethodType(_path_of_upload, component)
    return component


def _image_output(label: str, elem_id: str, value: str | None = None, height: int = 320) -> gr.Image:
    return gr.Image(
        value=value, label=label, type="filepath", format="png", interactive=False, height=height,
        buttons=["download", "fullscreen"], elem_id=elem_id,
    )


INTRO = f"""
# VHS/PAL frame restoration
Restores digitised VHS frames (PAL, 720×576): grain and snow, line jitter, tearing at the top and
bottom, chroma delay and smear, soft detail, tint bands, dropouts and washed colours — with a
Pix2Pix (U-Net) model trained on clean photos damaged by a VHS simulator.
Uploads: PNG, JPEG, TIFF, BMP, WebP, GIF or PPM, up to {MAX_UPLOAD_MB} MB and
{MAX_PIXELS / 1e6:g} megapixels. Everything runs on this machine; nothing is uploaded elsewhere.
"""


# --------------------------------------------------------------------------------------------
# Layout and events: one builder per tab, each wiring its own events
# --------------------------------------------------------------------------------------------
def build_restore_tab(examples: ExampleSet) -> gr.Image:
    """The Restore tab (one image; several at once) and its events ``restore`` and
    ``restore_batch``. Returns the image input, which the Degrade tab sends to."""
    with gr.Tab("Restore", id="restore", elem_id="tab-restore"):
        with gr.Row():
            with gr.Column():
                r_input = image_input("VHS frame", "restore-input")
                r_pal = gr.Checkbox(
                    label="PAL anamorphic input",
                    info="720×576 with non-square pixels: the result is resized to "
                    "square pixels (720 → 768 wide)",
                    elem_id="restore-pal",
                )
                r_button = gr.Button("Restore", variant="primary", elem_id="restore-button")
                if examples.degraded:
                    gr.Examples(
                        [[p] for p in examples.degraded], inputs=[r_input],
                        example_labels=examples.labels, label="Degraded examples (default preset)",
                    )
            with gr.Column():
                with gr.Tabs():
                    with gr.Tab("Before / after"):
                        r_slider = gr.ImageSlider(
                            label="Before / after", type="filepath",
                            format="png", interactive=False, max_height=640, elem_id="restore-slider",
                        )
                    with gr.Tab("Restored"):
                        r_output = _image_output("Restored", "restore-output", height=480)
                r_download = gr.DownloadButton("Download restored PNG", elem_id="restore-download")
        with gr.Accordion("Several images at once", open=False):
            with gr.Row():
                with gr.Column():
                    b_files = gr.File(
                        label=f"Images (up to {MAX_BATCH})", file_count="multiple",
                        file_types=["image"], elem_id="batch-input",
                    )
                    b_pal = gr.Checkbox(label="PAL anamorphic input", elem_id="batch-pal")
                    b_button = gr.Button("Restore all", variant="primary", elem_id="batch-button")
                    b_report = gr.Markdown(label="Report", elem_id="batch-report")
                with gr.Column():
                    b_gallery = gr.Gallery(label="Restored", columns=3, format="png", elem_id="batch-gallery")
                    b_outputs = gr.File(label="Restored PNGs", file_count="multiple", elem_id="batch-output")
        model_info = gr.Markdown(f"Model: {MODEL.describe()}", elem_id="model-info")

    def restore_event(image, pal_aspect, progress=gr.Progress()):
        return restore_image(image, pal_aspect, progress)

    r_button.click(
        restore_event, [r_input, r_pal], [r_output, r_slider, r_download], api_name="restore",
        api_description="Restore one image. Returns the restored PNG, the (input, restored) "
        "pair and the PNG to download.",
        **MODEL_EVENTS,
    ).then(lambda: f"Model: {MODEL.describe()}", None, model_info, api_visibility="private", queue=False)

    def batch_event(files, pal_aspect, progress=gr.Progress()):
        return restore_batch(files, pal_aspect, progress)

    b_button.click(
        batch_event, [b_files, b_pal], [b_gallery, b_outputs, b_report], api_name="restore_batch",
        api_description="Restore several images; bad files are skipped and reported.",
        **MODEL_EVENTS,
    )
    return r_input


def _form_choices(option: str) -> list[tuple[str, str]]:
    """The dropdown choices of a form option: (label, value), "any" first."""
    return [(ANY_LABEL if form == ANY else form.replace("_", " "), form) for form in FORM_OPTIONS[option]]


def _passed_to_handler(component):
    """Let API values reach the handler unchanged: it checks them and names the parameter
    in its error (Gradio's own check of a dropdown value names neither)."""
    component.preprocess = types.MethodType(lambda self, payload: payload, component)
    return component


_CELLS_PER_ROW = 4


def _fill_row(cells: int) -> None:
    """Empty columns after ``cells`` cells, so every row keeps the same cell width."""
    for _ in range(_CELLS_PER_ROW - cells):
        gr.Column(min_width=220)


def _setting_cell(name: str, values: dict[str, Any], controls: dict[str, Any]) -> None:
    """One strength's cell: its slider, and its options below it (the tint band's hue, the
    artifact's form dropdowns). Adds the components to ``controls`` by setting name."""
    label, info = STRENGTH_LABELS[name]
    with gr.Column(min_width=220):
        with gr.Group():
            controls[name] = gr.Slider(
                0.0, 1.0, value=values[name], step=0.01, label=label, info=info, elem_id=f"slider-{name}"
            )
            if name == "tint_band":
                label, info = TINT_HUE_LABEL
                controls["tint_hue"] = gr.Slider(
                    0, 360, value=values["tint_hue"], step=1, label=label, info=info, elem_id="slider-tint_hue"
                )
            for option in FORM_NAMES:
                if FORM_ARTIFACT[option] == name:
                    label, info = FORM_LABELS[option]
                    controls[option] = _passed_to_handler(gr.Dropdown(
                        _form_choices(option), value=values[option], label=label, info=info,
                        elem_id=f"form-{option}",
                    ))


def degrade_controls(values: dict[str, Any]) -> dict[str, Any]:
    """The Degrade tab's settings, set to ``values`` (`settings_values`): the artifacts
    stage by stage in the order the damage happens, four cells a row, then the second pass
    and the shuffle checkbox. Returns the components by name, in `SETTING_NAMES` order."""
    controls: dict[str, Any] = {}
    for stage in STAGES:
        names = [name for name in ARTIFACT_NAMES if TABLE[name].stage == stage]
        gr.Markdown(f"**{STAGE_TITLES[stage]}**")
        for start in range(0, len(names), _CELLS_PER_ROW):
            with gr.Row():
                row = names[start : start + _CELLS_PER_ROW]
                for name in row:
                    _setting_cell(name, values, controls)
                _fill_row(len(row))
    gr.Markdown("**Afterwards**")
    with gr.Row():
        rest = [name for name in STRENGTH_NAMES if name not in ARTIFACT_NAMES]  # the second pass
        for name in rest:
            _setting_cell(name, values, controls)
        with gr.Column(min_width=220):
            label, info = SHUFFLE_LABEL
            controls["shuffle_order"] = _passed_to_handler(
                gr.Checkbox(values["shuffle_order"], label=label, info=info, elem_id="degrade-shuffle")
            )
        _fill_row(len(rest) + 1)
    return {name: controls[name] for name in SETTING_NAMES}


def build_degrade_tab(examples: ExampleSet, restore_input: gr.Image, tabs: gr.Tabs) -> None:
    """The Degrade tab and its events: ``degrade`` (every setting, see
    `degrade_api_description`), presets, random settings, and sending the result to
    ``restore_input`` on the Restore tab."""
    with gr.Tab("Degrade", id="degrade", elem_id="tab-degrade"):
        with gr.Row():
            with gr.Column():
                d_input = image_input("Clean image", "degrade-input", value=examples.first_clean)
                if examples.clean:
                    gr.Examples(
                        [[p] for p in examples.clean], inputs=[d_input],
                        example_labels=examples.labels, label="Clean examples",
                    )
                with gr.Row():
                    d_preset = gr.Dropdown(
                        list(PRESETS) + [CUSTOM], value=DEFAULT_PRESET, label="Preset",
                        info="sets all the settings below", elem_id="degrade-preset",
                    )
                    d_seed = gr.Number(
                        EXAMPLE_SEED, label="Seed", precision=0, minimum=0,
                        info="same seed, same damage", elem_id="degrade-seed",
                    )
                with gr.Row():
                    d_random = gr.Button("Random settings", elem_id="degrade-random")
                    d_apply = gr.Button("Degrade", variant="primary", elem_id="degrade-button")
            with gr.Column():
                d_output = _image_output("Degraded preview", "degrade-output", value=examples.first_degraded)
                with gr.Row():
                    d_download = gr.DownloadButton(
                        "Download degraded PNG", value=examples.first_degraded, elem_id="degrade-download"
                    )
                    d_send = gr.Button("Send to Restore →", elem_id="degrade-send")
        gr.Markdown(
            "**Artifacts**, in the order the damage happens: strength 0 = off, 1 = strongest; a form "
            "“any” is drawn from the seed. The preview updates when you release a slider or change a choice."
        )
        controls = degrade_controls(preset_values(DEFAULT_PRESET))

    components = {**controls, "image": d_input, "seed": d_seed}
    degrade_inputs = [components[name] for name in DEGRADE_API_PARAMETERS]
    sliders = [c for c in controls.values() if isinstance(c, gr.Slider)]
    choices = [c for c in controls.values() if not isinstance(c, gr.Slider)]  # dropdowns, checkbox
    gr.on(
        [s.release for s in sliders] + [c.input for c in choices] + [d_seed.submit, d_apply.click],
        degrade_event, degrade_inputs, [d_output, d_download], api_name="degrade",
        api_description=degrade_api_description(), trigger_mode="always_last", **DEGRADE_EVENTS,
    )

    def new_clean_image(image, *values):
        if image is None:
            return None, None
        return degrade_event(image, *values)

    d_input.change(
        new_clean_image, degrade_inputs, [d_output, d_download], api_visibility="private",
        trigger_mode="always_last", **DEGRADE_EVENTS,
    )

    def preset_event(name):
        if name == CUSTOM:
            return [gr.skip()] * len(controls)
        values = preset_values(name)
        return [values[setting] for setting in controls]

    d_preset.input(preset_event, d_preset, list(controls.values()), api_visibility="private").then(
        new_clean_image, degrade_inputs, [d_output, d_download], api_visibility="private", **DEGRADE_EVENTS
    )

    def random_event():
        values, seed = random_values()
        return [*(values[setting] for setting in controls), seed, CUSTOM]

    d_random.click(
        random_event, None, [*controls.values(), d_seed, d_preset], api_visibility="private"
    ).then(new_clean_image, degrade_inputs, [d_output, d_download], api_visibility="private", **DEGRADE_EVENTS)

    def send_event(degraded):
        if not degraded:
            raise _input_error("There is no degraded image to send yet.", title="Nothing to send")
        return degraded, gr.Tabs(selected="restore")

    d_send.click(send_event, d_output, [restore_input, tabs], api_visibility="private", queue=False)


def build_compare_tab(examples: ExampleSet) -> None:
    """The Compare tab: two images scored (``compare``) and the degrade → restore study (``study``)."""
    with gr.Tab("Compare", id="compare", elem_id="tab-compare"):
        gr.Markdown(
            "### Two images: SSIM, PSNR and where they differ\n"
            "The SSIM map is dark where the images differ and yellow where they match."
        )
        with gr.Row():
            c_a = image_input("Image A (reference)", "compare-a", value=examples.first_clean)
            c_b = image_input("Image B", "compare-b", value=examples.first_degraded)
            c_map = _image_output("SSIM map", "compare-map")
        with gr.Row():
            c_resize = gr.Checkbox(
                label="Resize B to A's size", info="when their sizes differ", elem_id="compare-resize"
            )
            c_button = gr.Button("Compare", variant="primary", elem_id="compare-button")
        with gr.Row():
            c_ssim = gr.Number(label="SSIM", info="1 = identical", interactive=False, elem_id="compare-ssim")
            c_psnr = gr.Number(
                label="PSNR", info=f"dB; higher = closer; identical images show {PSNR_CAP_DB:g}",
                interactive=False, elem_id="compare-psnr",
            )
            c_summary = gr.Markdown(label="Summary", elem_id="compare-summary")

        gr.Markdown(
            "### Study: degrade → restore\nOne clean image is degraded with a preset, then "
            "restored; both are scored against the clean original."
        )
        with gr.Row():
            with gr.Column():
                s_input = image_input("Clean image", "study-input", value=examples.first_clean)
                with gr.Row():
                    s_preset = gr.Dropdown(
                        list(PRESETS), value=DEFAULT_PRESET, label="Preset", elem_id="study-preset"
                    )
                    s_seed = gr.Number(EXAMPLE_SEED, label="Seed", precision=0, minimum=0, elem_id="study-seed")
                s_button = gr.Button("Degrade and restore", variant="primary", elem_id="study-button")
            s_degraded = _image_output("Degraded", "study-degraded")
            s_restored = _image_output("Restored", "study-restored")
        s_table = gr.Dataframe(
            headers=STUDY_HEADERS, datatype=["str", "number", "number"], interactive=False,
            label="Scores against the clean image", elem_id="study-table",
        )
        s_summary = gr.Markdown(label="Summary", elem_id="study-summary")
        if examples.clean:
            gr.Examples(
                [[p] for p in examples.clean], inputs=[s_input], example_labels=examples.labels,
                label="Clean examples",
            )

    def compare_event(image_a, image_b, resize):
        ssim_value, psnr_value, heatmap = compare_images(image_a, image_b, resize)
        return ssim_value, psnr_for_display(psnr_value), heatmap, compare_summary(ssim_value, psnr_value)

    c_button.click(
        compare_event, [c_a, c_b, c_resize], [c_ssim, c_psnr, c_map, c_summary], api_name="compare",
        api_description=f"SSIM, PSNR (dB; {PSNR_CAP_DB:g} for identical images) and the SSIM "
        "heat-map of two images (at most 1280 pixels long; the scores use every pixel), and a "
        "one-line summary. Different sizes are an error unless resize is true (B is then resized "
        "to A's size).",
        **COMPARE_EVENTS,
    )

    def study_event(image, preset, seed, progress=gr.Progress()):
        degraded, restored, rows, summary = run_study(image, preset, seed, progress)
        rows = [[name, s, psnr_for_display(p)] for name, s, p in rows]
        return degraded, restored, rows, summary

    s_button.click(
        study_event, [s_input, s_preset, s_seed], [s_degraded, s_restored, s_table, s_summary],
        api_name="study",
        api_description="Degrade a clean image with a preset and seed, restore it, and score "
        "clean vs degraded and clean vs restored (SSIM, PSNR).",
        **MODEL_EVENTS,
    )


def build_video_tab() -> None:
    """The Video tab: a short clip restored frame by frame (``restore_video``)."""
    with gr.Tab("Video", id="video", elem_id="tab-video"):
        gr.Markdown(
            f"### Short clips\nUp to {MAX_VIDEO_SECONDS} s ({MAX_VIDEO_FRAMES} frames). Every frame is "
            "restored; frame rate, duration and sound are kept. Whole captures: "
            "`python -m restore capture.avi -o OUTDIR` (same options, no length limit)."
        )
        with gr.Row():
            with gr.Column():
                v_input = gr.Video(label="VHS clip", sources=["upload"], elem_id="video-input")
                v_mode = gr.Radio(
                    VIDEO_MODES, value="frames", label="Interlaced video",
                    info="whole frames: fastest; each field: keeps the interlaced structure (archive "
                    "masters); bob: smooth 50p for screens, twice the work",
                    elem_id="video-mode",
                )
                v_button = gr.Button("Restore clip", variant="primary", elem_id="video-button")
            with gr.Column():
                v_before = gr.Video(label="Before", interactive=False, elem_id="video-before")
                v_after = gr.Video(label="After (restored)", interactive=False, elem_id="video-after")

    def video_event(clip, mode, progress=gr.Progress()):
        return restore_video_clip(clip, mode, progress)

    v_button.click(
        video_event, [v_input, v_mode], [v_before, v_after], api_name="restore_video",
        api_description=f"Restore a short video clip (up to {MAX_VIDEO_SECONDS} s): mode frames, fields or "
        "bob. Returns the input and the restored clip (H.264; the sound copied).",
        **MODEL_EVENTS,
    )


# --------------------------------------------------------------------------------------------
# Refused requests: a plain message for the user, one line in the server log, no traceback
# --------------------------------------------------------------------------------------------
LOG = logging.getLogger("vhs_restore.app")


def _one_line(text: object, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _event_parameter_names(block_fn) -> list[str]:
    """The names of an event's inputs, in order: its handler's parameters (the names
    gradio_client shows), without the ones Gradio fills in itself (gr.Progress)."""
    try:
        parameters = inspect.signature(block_fn.fn).parameters.values()
    except (TypeError, ValueError):
        return []
    names = []
    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            break
        if not isinstance(parameter.default, gr.Progress):
            names.append(parameter.name)
    return names


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _checked_input(component, name: str) -> None:
    """Make ``component``'s own input check refuse a bad value with a `gr.Error` that names
    ``name`` and prints no traceback (Gradio's would print one, and say "Could not preprocess
    input component at index 6 ... TypeError" to the user). Sliders and numbers also refuse a
    non-number before Gradio compares it with their range."""
    if getattr(component, "_vhs_checked_input", False):
        return
    original = component.preprocess
    numeric = isinstance(component, (gr.Slider, gr.Number))

    def preprocess(payload):
        if numeric and payload is not None and not _is_number(payload):
            raise _input_error(f"{name} must be a number, got {_one_line(repr(payload), 80)}", title="Invalid value")
        try:
            return original(payload)
        except gr.Error as exc:
            raise _input_error(f"{name}: {exc.message}", title=exc.title or "Invalid value") from None
        except Exception as exc:  # noqa: BLE001 - any failure to read the value is a bad value
            raise _input_error(f"{name}: cannot use this value ({type(exc).__name__}: {_one_line(exc, 160)})",
                               title="Invalid value") from None

    component.preprocess = preprocess
    component._vhs_checked_input = True


def _refusal_reason(exc: Exception) -> str:
    """What was wrong with a request that Gradio could not even hand to an event, in words."""
    from gradio.exceptions import InvalidPathError

    if isinstance(exc, InvalidPathError):
        return f"this file cannot be used: {_one_line(exc, 240)}"
    errors = getattr(exc, "errors", None)  # pydantic's ValidationError: the value's form is wrong
    if callable(errors):
        try:
            first = errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ()))
            return f"a value is not in the expected form ({where + ': ' if where else ''}{first.get('msg', '')})"
        except Exception:  # noqa: BLE001
            pass
    return _one_line(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 240)


def guard_requests(demo: gr.Blocks) -> gr.Blocks:
    """Make every refused request a plain `gr.Error` with one log line and no traceback.

    Gradio checks an API call's values before the handler runs: each input component's own
    check (wrapped by `_checked_input`, which names the parameter), then, around them, file
    paths that were not uploaded and values of the wrong form. Any of those failures becomes
    a `gr.Error` that prints no traceback, and every request refused with such an error
    (by Gradio's checks or by a handler: a bad file, a bad setting) is logged as one line,
    ``refused /<api_name>: <message>``, on the ``vhs_restore.app`` logger. Errors that are
    not the request's fault (a handler's bug, a model that does not load) keep their traceback.
    """
    fns = sorted(demo.fns.values(), key=lambda fn: fn.api_visibility != "public")  # public names win
    for block_fn in fns:
        names = _event_parameter_names(block_fn) if block_fn.api_visibility == "public" else []
        for index, component in enumerate(block_fn.inputs):
            label = getattr(component, "label", None)
            _checked_input(component, names[index] if index < len(names) else (label or f"input {index + 1}"))

    preprocess_data = demo.preprocess_data
    process_api = demo.process_api

    async def checked_preprocess_data(*args, **kwargs):
        try:
            return await preprocess_data(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as exc:  # noqa: BLE001 - the request's values could not be read
            raise _input_error(_refusal_reason(exc), title="Invalid request") from None

    async def logged_process_api(*args, **kwargs):
        try:
            return await process_api(*args, **kwargs)
        except gr.Error as exc:
            if not exc.print_exception:  # the request's fault: one line, no traceback
                block_fn = kwargs.get("block_fn", args[0] if args else None)
                if isinstance(block_fn, int):
                    block_fn = demo.fns.get(block_fn)
                event = getattr(block_fn, "api_name", None) or getattr(block_fn, "name", None) or "?"
                LOG.warning("refused /%s: %s", event, _one_line(exc.message))
            raise

    demo.preprocess_data = checked_preprocess_data
    demo.process_api = logged_process_api
    return demo


def build_demo(examples: ExampleSet | None = None) -> gr.Blocks:
    """The whole app as a `gr.Blocks` (queued, not launched): one builder per tab."""
    examples = examples or make_examples()
    with gr.Blocks(title="VHS/PAL restoration", analytics_enabled=False, delete_cache=(3600, 7200)) as demo:
        gr.Markdown(INTRO)
        with gr.Tabs(selected="restore", elem_id="tabs") as tabs:
            restore_input = build_restore_tab(examples)
            build_degrade_tab(examples, restore_input, tabs)
            build_compare_tab(examples)
            build_video_tab()
    demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY, max_size=QUEUE_SIZE)
    return guard_requests(demo)


# --------------------------------------------------------------------------------------------
# Serving: python app.py
# --------------------------------------------------------------------------------------------
def _log_to_stderr() -> None:
    """Refused requests as plain lines on stderr, unless logging is configured already."""
    if not LOG.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        LOG.addHandler(handler)
        LOG.setLevel(logging.INFO)
        LOG.propagate = False


def serve(app_demo: gr.Blocks | None = None, **options) -> int:
    """Launch the app (``python app.py``) until Ctrl-C or SIGTERM; returns the exit status.

    SIGTERM (how a Space, systemd or Docker stops a process) is handled as Ctrl-C: Gradio closes
    the server and deletes its files, then the work folder goes. Python's default SIGTERM would
    end the process at once and leave every upload and result on disk. An inherited ignored
    SIGINT or SIGTERM (a background job) stays ignored. Exit status 0 after a normal close,
    128 + the signal number after a signal (130 for SIGINT, 143 for SIGTERM).
    """
    app_demo = app_demo or demo
    received: list[int] = []

    def stop(signum, _frame):
        received.append(signum)
        raise KeyboardInterrupt  # Gradio's launch() closes the server on it

    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, stop)
    _log_to_stderr()
    try:
        app_demo.launch(**{**LAUNCH_OPTIONS, **options})
    except KeyboardInterrupt:
        pass
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):  # a second signal must not cut the clean-up short
            if signal.getsignal(signum) is stop:
                signal.signal(signum, signal.SIG_IGN)
        try:
            app_demo.close()
        except Exception:  # noqa: BLE001 - closing a server that never started
            pass
        remove_work_dir()
    if received:
        print(f"Stopped by {signal.Signals(received[0]).name}; removed the work folder {_WORK_DIR}", flush=True)
        return 128 + received[0]
    return 0


demo = build_demo()

if __name__ == "__main__":
    sys.exit(serve())
