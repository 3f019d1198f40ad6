"""The Compare tab's handlers as plain functions: two images scored (SSIM, PSNR and an SSIM
heat-map, `compare_images`), and the study: one clean image degraded, restored, and both
scored against it (`run_study`)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from restore import PRESETS, degrade, psnr, ssim
from restore.images import write_png
from restore.metrics import ssim_and_map
from webui import limits
from webui.inputs import (
    flag,
    input_error,
    load_upload,
    no_progress,
    output_dir,
    seed_value,
    stem,
    user_error,
)
from webui.model import MODEL

STUDY_HEADERS = ["Comparison", "SSIM", "PSNR (dB)"]


def _fit_pair(a: np.ndarray, b: np.ndarray, resize: bool, names: tuple[str, str]) -> np.ndarray:
    """``b`` at ``a``'s size; `gr.Error` when the sizes differ and ``resize`` is off."""
    if a.shape == b.shape:
        return b
    (ha, wa), (hb, wb) = a.shape[:2], b.shape[:2]
    if not resize:
        raise input_error(
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
    """PSNR capped at `limits.PSNR_CAP_DB`: JSON (hence the web page and gradio_client) has no
    infinity, and anything above ~100 dB is visually identical anyway."""
    return min(float(value), limits.PSNR_CAP_DB)


def compare_images(path_a, path_b, resize: bool = False) -> tuple[float, float, np.ndarray]:
    """SSIM, PSNR (dB; inf when identical) and the SSIM heat-map of two image files.

    Different sizes raise `gr.Error` unless ``resize`` (B is then resized to A's size). The
    scores use every pixel; the heat-map is at most `limits.MAP_MAX_SIDE` pixels long (each of
    its pixels the mean SSIM of its block), which bounds the memory and time of a 12-megapixel
    pair.
    """
    resize = flag(resize, "resize")
    a = load_upload(path_a, "image A").rgb
    b = load_upload(path_b, "image B").rgb
    b = _fit_pair(a, b, resize, ("A", "B"))
    try:
        value = psnr(a, b)
        ssim_value, level = ssim_and_map(a, b, limits.MAP_MAX_SIDE)
    except ValueError as exc:
        raise user_error(exc) from None
    psnr_value = value if np.isinf(value) else round(value, 2)
    return round(ssim_value, 4), psnr_value, heatmap_colours(level)


def _psnr_text(value: float) -> str:
    return "∞ (identical images)" if np.isinf(value) else f"{value:.2f}"


def compare_summary(ssim_value: float, psnr_value: float) -> str:
    return f"**SSIM** {ssim_value:.4f} (1 = identical) · **PSNR** {_psnr_text(psnr_value)} dB"


def _study_summary(rows: list[list]) -> str:
    (_, ssim_bad, psnr_bad), (_, ssim_good, psnr_good) = rows
    return (
        f"Restoration changed SSIM by **{ssim_good - ssim_bad:+.4f}** "
        f"({ssim_bad:.4f} → {ssim_good:.4f}) and PSNR by **{psnr_good - psnr_bad:+.2f} dB** "
        f"({_psnr_text(psnr_bad)} → {_psnr_text(psnr_good)} dB)."
    )


def run_study(path, preset: str = limits.DEFAULT_PRESET, seed: int = limits.EXAMPLE_SEED, progress=no_progress):
    """Degrade a clean image with a preset, restore it, and score both against the clean one.

    Returns ``(degraded_png, restored_png, table, summary)``; ``table`` has the columns
    `STUDY_HEADERS` and two rows, clean vs degraded and clean vs restored.
    """
    clean = load_upload(path, "a clean image").rgb
    if preset not in PRESETS:
        raise input_error(f"Unknown preset {preset!r}; choose one of {', '.join(PRESETS)}.")
    progress(0.1, desc="Degrading…")
    try:
        bad = degrade(clean, PRESETS[preset], seed=seed_value(seed))
    except ValueError as exc:
        raise user_error(exc, Path(path).name) from None
    if not MODEL.loaded:
        progress(0.2, desc="Loading the model (first use)…")
    MODEL.get()
    progress(0.4, desc="Restoring…")
    restored = MODEL.restore(bad)
    progress(0.9, desc="Scoring…")
    rows = [["clean vs degraded", *_scores(clean, bad)], ["clean vs restored", *_scores(clean, restored)]]
    folder = output_dir()
    name = stem(path)
    degraded_png = write_png(folder / f"{name}_degraded.png", bad)
    restored_png = write_png(folder / f"{name}_restored.png", restored)
    return str(degraded_png), str(restored_png), rows, _study_summary(rows)
