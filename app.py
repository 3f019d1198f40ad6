"""VHS/PAL frame restoration: the Gradio web app (also a Hugging Face Space).

Four tabs:

* **Restore**: one image (or several) through the shipped Pix2Pix generator; a before/after
  slider and the restored PNG to download. An option treats the input as PAL anamorphic
  (720×576 non-square pixels).
* **Degrade**: the VHS/PAL simulator with one slider per artifact, presets, a seed and a
  "random" button; the preview updates when a slider is released and can be sent to Restore.
* **Video**: a short clip (up to 10 s) restored frame by frame, with its sound; before and after
  players. Whole captures go through ``python -m restore``.
* **Compare**: SSIM, PSNR and an SSIM heat-map of two images, and a small study: one clean
  image is degraded, restored, and both are scored against the original.

This file is UI only: every image operation is a call into the `restore` package. The plain
handler functions come first (they take file paths and settings and return file paths,
numbers and tables, so they can be tested without a browser), then the layout in
`build_demo`, then the events with their API names: ``restore``, ``restore_batch``,
``degrade``, ``compare``, ``study`` and ``restore_video`` (all callable with ``gradio_client``).

Run ``python app.py`` and open http://localhost:7860 (no network needed). The model is loaded
on first use, once, from ``$VHS_RESTORE_MODEL`` (a folder or ``hf://owner/name@rev``) or the
bundled ``checkpoints/``.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline: no telemetry calls

import atexit
import inspect
import secrets
import shutil
import tempfile
import threading
import time
import types
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import gradio as gr
import numpy as np

from restore import PRESETS, DegradeSettings, degrade, psnr, random_settings, ssim, ssim_map
from restore.degrade import ARTIFACT_NAMES, PAL_HEIGHT, PAL_WIDTH
from restore.images import MAX_PIXELS as LIBRARY_MAX_PIXELS
from restore.images import ImageError, LoadedImage, read_image, write_png

# --------------------------------------------------------------------------------------------
# Limits and settings
# --------------------------------------------------------------------------------------------
MAX_UPLOAD_MB = 40
MAX_FILE_SIZE = f"{MAX_UPLOAD_MB}mb"  # enforced by Gradio at upload time (launch max_file_size)
MAX_PIXELS = min(12_000_000, LIBRARY_MAX_PIXELS)  # width × height, checked from the file header
MAX_BATCH = 50  # images per "Restore all"
QUEUE_SIZE = 32
DEFAULT_CONCURRENCY = 2  # degrade / compare calls running at once
EXAMPLE_IMAGES = ("astronaut", "coffee", "chelsea", "rocket")  # bundled with scikit-image
EXAMPLE_SEED = 7
DEFAULT_PRESET = "default"
CUSTOM = "custom"
OUTPUT_TTL_S = 3600  # our own result files older than this are deleted
PSNR_CAP_DB = 100.0  # PSNR shown for identical images (the true value is infinite)

LAUNCH_OPTIONS: dict[str, Any] = {"max_file_size": MAX_FILE_SIZE, "show_error": True}

# Human labels for the simulator's artifacts; an artifact added later still gets a slider.
ARTIFACT_LABELS = {
    "interlace": ("Interlace", "the two fields displaced sideways (motion between fields)"),
    "side_borders": ("Side borders", "black blanking at the left and right edges"),
    "softness": ("Softness", "low luma bandwidth: soft, low-resolution detail"),
    "chroma_smear": ("Chroma smear", "colour smeared along the lines (colour-under bandwidth)"),
    "ringing": ("Ringing", "over-sharpening halos and echoes"),
    "grain": ("Grain and snow", "luma grain, streaky chroma noise, snow specks"),
    "dropouts": ("Dropouts", "short white streaks where the tape lost oxide"),
    "tracking": ("Tracking error", "a band of noise and sideways displacement"),
    "jitter": ("Line jitter", "time-base error: lines shifted sideways"),
    "top_skew": ("Top skew (flagging)", "the top lines bent sideways"),
    "head_switching": ("Head switching", "the bottom lines torn sideways, with noise"),
    "chroma_delay": ("Chroma delay", "colour shifted right of the picture: coloured fringes"),
    "tint_band": ("Tint band", "a tinted band over the top of the picture"),
    "levels": ("Levels and cast", "lifted blacks, washed colours, colour cast"),
    "pal_aspect": ("PAL aspect", "squeezed to the anamorphic 720-sample grid and back"),
    "compression": ("Capture compression", "JPEG blocking of the capture card"),
}


def artifact_label(name: str) -> tuple[str, str]:
    return ARTIFACT_LABELS.get(name, (name.replace("_", " ").capitalize(), ""))


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
        restorer = self.get()
        with self.run_lock:
            return restorer.restore(rgb, pal_aspect=bool(pal_aspect))


MODEL = SharedRestorer()


# --------------------------------------------------------------------------------------------
# Files: uploads in, PNGs out
# --------------------------------------------------------------------------------------------
_WORK_DIR = Path(tempfile.mkdtemp(prefix="vhs-restore-app-"))
atexit.register(shutil.rmtree, _WORK_DIR, ignore_errors=True)
_last_prune = [0.0]


def _output_dir() -> Path:
    """A fresh folder for one call's result files; old ones are pruned now and then."""
    outputs = _WORK_DIR / "outputs"
    now = time.time()
    if now - _last_prune[0] > 600 and outputs.is_dir():
        _last_prune[0] = now
        for old in outputs.iterdir():
            try:
                if now - old.stat().st_mtime > OUTPUT_TTL_S:
                    shutil.rmtree(old, ignore_errors=True)
            except OSError:
                pass
    folder = outputs / uuid.uuid4().hex
    folder.mkdir(parents=True)
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
    loaded = load_upload(path)
    if not MODEL.loaded:
        progress(0.05, desc="Loading the model (first use)…")
    MODEL.get()
    progress(0.3, desc="Restoring…")
    restored, before, alpha = _restore_loaded(loaded, bool(pal_aspect), Path(path).name)
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
            restored, _, alpha = _restore_loaded(loaded, bool(pal_aspect), name)
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
VIDEO_MODES = [  # (label, mode): see restore/video.py for the trade-offs
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
    pictures = (info.frames or MAX_VIDEO_FRAMES) * (1 if mode == "frames" else 2)
    done = [0]

    def restore_picture(rgb):
        with MODEL.run_lock:
            restored = restorer.restore(rgb)
        done[0] += 1
        progress((min(done[0], pictures), pictures), desc="Restoring", unit="pictures")
        return restored

    try:
        before = video.transform_video(path, folder / f"{stem}_input{suffix}", lambda rgb: rgb, codec="h264",
                                       progress=False, max_frames=MAX_VIDEO_FRAMES)
        after = video.restore_video(path, folder / f"{stem}_restored{suffix}", restore_picture,
                                    fields=mode == "fields", deinterlace="bob" if mode == "bob" else None,
                                    codec="h264", progress=False, max_frames=MAX_VIDEO_FRAMES)
    except video.VideoError as exc:
        raise _input_error(f"{name}: {exc.reason}", title="Cannot use this file") from None
    except ValueError as exc:
        raise _user_error(exc, name) from None
    return str(before.output_path), str(after.output_path)


def settings_from_values(strengths: dict[str, float] | list[float], tint_hue: float | None = None) -> DegradeSettings:
    """`DegradeSettings` from slider values (a dict by artifact name, or a list in
    `ARTIFACT_NAMES` order) and the tint hue; raises `gr.Error` for out-of-range values."""
    if not isinstance(strengths, dict):
        strengths = list(strengths)
        if len(strengths) != len(ARTIFACT_NAMES):
            raise _input_error(f"expected {len(ARTIFACT_NAMES)} artifact strengths, got {len(strengths)}")
        strengths = dict(zip(ARTIFACT_NAMES, strengths))
    values: dict[str, Any] = {name: float(value or 0.0) for name, value in strengths.items()}
    if tint_hue is not None:
        values["tint_hue"] = float(tint_hue)
    try:
        return DegradeSettings(**values)
    except (TypeError, ValueError) as exc:
        raise _input_error(f"Invalid degradation settings: {exc}", title="Invalid settings") from None


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


def preset_values(name: str) -> list[float]:
    """The slider values of a preset: the artifact strengths in order, then the tint hue."""
    if name not in PRESETS:
        raise _input_error(f"Unknown preset {name!r}; choose one of {', '.join(PRESETS)}.")
    settings = PRESETS[name]
    return [round(float(v), 2) for v in settings.strengths().values()] + [round(float(settings.tint_hue))]


def random_values(seed: int | None = None) -> tuple[list[float], int]:
    """Random settings (the training distribution) as slider values, and the seed used."""
    seed = secrets.randbelow(2**31 - 1) if seed is None else _seed(seed)
    settings = random_settings(np.random.default_rng(seed))
    values = [round(float(v), 2) for v in settings.strengths().values()]
    return values + [round(float(settings.tint_hue) % 360)], seed


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


def ssim_heatmap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The per-pixel SSIM as a colour heat-map (uint8 RGB, viridis: dark = different,
    yellow = identical; SSIM below 0 shows as 0)."""
    level = np.clip(ssim_map(a, b), 0.0, 1.0)
    grey = np.round(level * 255.0).astype(np.uint8)
    return cv2.applyColorMap(grey, cv2.COLORMAP_VIRIDIS)[:, :, ::-1].copy()


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

    Different sizes raise `gr.Error` unless ``resize`` (B is then resized to A's size).
    """
    a = load_upload(path_a, "image A").rgb
    b = load_upload(path_b, "image B").rgb
    b = _fit_pair(a, b, bool(resize), ("A", "B"))
    try:
        ssim_value, psnr_value = _scores(a, b)
        heatmap = ssim_heatmap(a, b)
    except ValueError as exc:
        raise _user_error(exc) from None
    return ssim_value, psnr_value, heatmap


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


def _with_signature(fn, names: list[str]):
    """Give a ``*args`` event function named parameters (gradio_client shows these names)."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    fn.__signature__ = inspect.Signature([inspect.Parameter(name, kind) for name in names])
    return fn


INTRO = f"""
# VHS/PAL frame restoration
Restores digitised VHS frames (PAL, 720×576): grain and snow, line jitter, tearing at the top and
bottom, chroma delay and smear, soft detail, tint bands, dropouts and washed colours — with a
Pix2Pix (U-Net) model trained on clean photos damaged by a VHS simulator.
Uploads: PNG, JPEG, TIFF, BMP, WebP, GIF or PPM, up to {MAX_UPLOAD_MB} MB and
{MAX_PIXELS / 1e6:g} megapixels. Everything runs on this machine; nothing is uploaded elsewhere.
"""


# --------------------------------------------------------------------------------------------
# Layout and events
# --------------------------------------------------------------------------------------------
def build_demo(examples: ExampleSet | None = None) -> gr.Blocks:
    """The whole app as a `gr.Blocks` (queued, not launched)."""
    examples = examples or make_examples()
    labels = [name.capitalize() for name in examples.names]
    first_clean = examples.clean[0] if examples.clean else None
    first_degraded = examples.degraded[0] if examples.degraded else None
    presets = list(PRESETS)

    with gr.Blocks(title="VHS/PAL restoration", analytics_enabled=False, delete_cache=(3600, 7200)) as demo:
        gr.Markdown(INTRO)
        with gr.Tabs(selected="restore", elem_id="tabs") as tabs:
            # ---------------------------------------------------------------- Restore
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
                                example_labels=labels, label="Degraded examples (default preset)",
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

            # ---------------------------------------------------------------- Degrade
            with gr.Tab("Degrade", id="degrade", elem_id="tab-degrade"):
                with gr.Row():
                    with gr.Column():
                        d_input = image_input("Clean image", "degrade-input", value=first_clean)
                        if examples.clean:
                            gr.Examples(
                                [[p] for p in examples.clean], inputs=[d_input],
                                example_labels=labels, label="Clean examples",
                            )
                        with gr.Row():
                            d_preset = gr.Dropdown(
                                presets + [CUSTOM], value=DEFAULT_PRESET, label="Preset",
                                info="sets all sliders", elem_id="degrade-preset",
                            )
                            d_seed = gr.Number(
                                EXAMPLE_SEED, label="Seed", precision=0, minimum=0,
                                info="same seed, same damage", elem_id="degrade-seed",
                            )
                        with gr.Row():
                            d_random = gr.Button("Random settings", elem_id="degrade-random")
                            d_apply = gr.Button("Degrade", variant="primary", elem_id="degrade-button")
                    with gr.Column():
                        d_output = _image_output("Degraded preview", "degrade-output", value=first_degraded)
                        with gr.Row():
                            d_download = gr.DownloadButton(
                                "Download degraded PNG", value=first_degraded, elem_id="degrade-download"
                            )
                            d_send = gr.Button("Send to Restore →", elem_id="degrade-send")
                gr.Markdown(
                    "**Artifacts**: strength 0 = off, 1 = strongest. "
                    "The preview updates when you release a slider."
                )
                defaults = preset_values(DEFAULT_PRESET)
                sliders: list[gr.Slider] = []
                per_row = 4
                for start in range(0, len(ARTIFACT_NAMES), per_row):
                    with gr.Row():
                        for index in range(start, min(start + per_row, len(ARTIFACT_NAMES))):
                            name = ARTIFACT_NAMES[index]
                            label, info = artifact_label(name)
                            sliders.append(
                                gr.Slider(
                                    0.0, 1.0, value=defaults[index], step=0.01, label=label, info=info,
                                    elem_id=f"slider-{name}",
                                )
                            )
                with gr.Row():
                    d_hue = gr.Slider(
                        0, 360, value=defaults[-1], step=1, label="Tint band hue (degrees)",
                        info="about 35 = magenta, 215 = green", elem_id="slider-tint_hue",
                    )

            # ---------------------------------------------------------------- Compare
            with gr.Tab("Compare", id="compare", elem_id="tab-compare"):
                gr.Markdown(
                    "### Two images: SSIM, PSNR and where they differ\n"
                    "The SSIM map is dark where the images differ and yellow where they match."
                )
                with gr.Row():
                    c_a = image_input("Image A (reference)", "compare-a", value=first_clean)
                    c_b = image_input("Image B", "compare-b", value=first_degraded)
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
                        s_input = image_input("Clean image", "study-input", value=first_clean)
                        with gr.Row():
                            s_preset = gr.Dropdown(
                                presets, value=DEFAULT_PRESET, label="Preset", elem_id="study-preset"
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
                        [[p] for p in examples.clean], inputs=[s_input], example_labels=labels,
                        label="Clean examples",
                    )

            # ---------------------------------------------------------------- Video
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

        # ------------------------------------------------------------------------ events
        model_events = {"concurrency_id": "model", "concurrency_limit": 1}

        def restore_event(image, pal_aspect, progress=gr.Progress()):
            return restore_image(image, pal_aspect, progress)

        r_button.click(
            restore_event, [r_input, r_pal], [r_output, r_slider, r_download], api_name="restore",
            api_description="Restore one image. Returns the restored PNG, the (input, restored) "
            "pair and the PNG to download.",
            **model_events,
        ).then(lambda: f"Model: {MODEL.describe()}", None, model_info, api_visibility="private", queue=False)

        def batch_event(files, pal_aspect, progress=gr.Progress()):
            return restore_batch(files, pal_aspect, progress)

        b_button.click(
            batch_event, [b_files, b_pal], [b_gallery, b_outputs, b_report], api_name="restore_batch",
            api_description="Restore several images; bad files are skipped and reported.",
            **model_events,
        )

        def degrade_event(image, *values):
            *strengths, tint_hue, seed = values
            path = degrade_image(image, settings_from_values(strengths, tint_hue), seed)
            return path, path

        _with_signature(degrade_event, ["image", *ARTIFACT_NAMES, "tint_hue", "seed"])
        degrade_inputs = [d_input, *sliders, d_hue, d_seed]
        gr.on(
            [s.release for s in sliders] + [d_hue.release, d_seed.submit, d_apply.click],
            degrade_event, degrade_inputs, [d_output, d_download], api_name="degrade",
            api_description="Degrade an image: artifact strengths in [0, 1] (all 0 = unchanged), "
            "tint hue in degrees, seed. Returns the degraded PNG (twice: preview and download).",
            trigger_mode="always_last",
        )

        def new_clean_image(image, *values):
            if image is None:
                return None, None
            return degrade_event(image, *values)

        d_input.change(
            new_clean_image, degrade_inputs, [d_output, d_download], api_visibility="private",
            trigger_mode="always_last",
        )

        def preset_event(name):
            if name == CUSTOM:
                return [gr.skip()] * (len(sliders) + 1)
            return preset_values(name)

        d_preset.input(preset_event, d_preset, [*sliders, d_hue], api_visibility="private").then(
            new_clean_image, degrade_inputs, [d_output, d_download], api_visibility="private"
        )

        def random_event():
            values, seed = random_values()
            return [*values, seed, CUSTOM]

        d_random.click(random_event, None, [*sliders, d_hue, d_seed, d_preset], api_visibility="private").then(
            new_clean_image, degrade_inputs, [d_output, d_download], api_visibility="private"
        )

        def send_event(degraded):
            if not degraded:
                raise _input_error("There is no degraded image to send yet.", title="Nothing to send")
            return degraded, gr.Tabs(selected="restore")

        d_send.click(send_event, d_output, [r_input, tabs], api_visibility="private", queue=False)

        def compare_event(image_a, image_b, resize):
            ssim_value, psnr_value, heatmap = compare_images(image_a, image_b, resize)
            return ssim_value, psnr_for_display(psnr_value), heatmap, compare_summary(ssim_value, psnr_value)

        c_button.click(
            compare_event, [c_a, c_b, c_resize], [c_ssim, c_psnr, c_map, c_summary], api_name="compare",
            api_description=f"SSIM, PSNR (dB; {PSNR_CAP_DB:g} for identical images) and the SSIM "
            "heat-map of two images, and a one-line summary. Different sizes are an error unless "
            "resize is true (B is then resized to A's size).",
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
            **model_events,
        )

        def video_event(clip, mode, progress=gr.Progress()):
            return restore_video_clip(clip, mode, progress)

        v_button.click(
            video_event, [v_input, v_mode], [v_before, v_after], api_name="restore_video",
            api_description=f"Restore a short video clip (up to {MAX_VIDEO_SECONDS} s): mode frames, fields or "
            "bob. Returns the input and the restored clip (H.264; the sound copied).",
            **model_events,
        )

    demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY, max_size=QUEUE_SIZE)
    return demo


demo = build_demo()

if __name__ == "__main__":
    demo.launch(**LAUNCH_OPTIONS)
