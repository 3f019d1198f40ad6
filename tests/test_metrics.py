"""Tests of the quality metrics, restore/metrics.py: SSIM, PSNR and the SSIM map."""

from __future__ import annotations

import math
import warnings

import cv2
import numpy as np
import pytest
from skimage import data

from restore.metrics import psnr, ssim, ssim_map


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return cv2.resize(data.astronaut(), (128, 96), interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="module")
def noisy(image) -> np.ndarray:
    noise = np.random.default_rng(0).normal(0.0, 10.0, image.shape)
    return np.clip(image + noise, 0, 255).round().astype(np.uint8)


def test_identical_images(image):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no divide-by-zero warning on the way to inf
        assert psnr(image, image.copy()) == math.inf
        assert ssim(image, image.copy()) == pytest.approx(1.0)
    assert isinstance(psnr(image, image), float) and isinstance(ssim(image, image), float)


def test_noisy_copy_scores_lower(image, noisy):
    score = ssim(image, noisy)
    assert 0.2 < score < 0.95
    # Gaussian noise of σ=10 on 0-255: PSNR = 20·log10(255/10) ≈ 28 dB, a little more after clipping.
    assert 26.0 < psnr(image, noisy) < 31.0
    more_noisy = np.clip(image + np.random.default_rng(1).normal(0.0, 30.0, image.shape), 0, 255).astype(np.uint8)
    assert ssim(image, more_noisy) < score
    assert psnr(image, more_noisy) < psnr(image, noisy)


def test_psnr_of_a_constant_offset():
    flat = np.full((32, 48, 3), 100, np.uint8)
    assert psnr(flat, flat + 10) == pytest.approx(20 * math.log10(255 / 10))
    assert psnr(flat + 10, flat) == pytest.approx(20 * math.log10(255 / 10))  # symmetric


def test_ssim_is_symmetric(image, noisy):
    assert ssim(image, noisy) == pytest.approx(ssim(noisy, image))


def test_ssim_map(image, noisy):
    result = ssim_map(image, noisy)
    assert result.shape == image.shape[:2]
    assert result.dtype == np.float32
    assert result.max() <= 1.0 and result.min() >= -1.0
    # scikit-image's mean SSIM leaves out the 3-pixel border where the 7×7 window does not fit.
    assert result[3:-3, 3:-3].mean() == pytest.approx(ssim(image, noisy), abs=1e-5)
    assert np.allclose(ssim_map(image, image), 1.0)


def test_ssim_map_shows_where_damage_is(image):
    damaged = image.copy()
    damaged[:, 64:] = 255 - damaged[:, 64:]  # invert the right half only
    result = ssim_map(image, damaged)
    assert result[:, :58].mean() > 0.99
    assert result[:, 70:].mean() < 0.5


BAD_PAIRS = {
    "shapes": (np.zeros((32, 32, 3), np.uint8), np.zeros((32, 33, 3), np.uint8)),
    "float": (np.zeros((32, 32, 3), np.float32), np.zeros((32, 32, 3), np.float32)),
    "one-float": (np.zeros((32, 32, 3), np.uint8), np.zeros((32, 32, 3), np.float64)),
    "grey": (np.zeros((32, 32), np.uint8), np.zeros((32, 32), np.uint8)),
    "rgba": (np.zeros((32, 32, 4), np.uint8), np.zeros((32, 32, 4), np.uint8)),
    "tiny": (np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4, 3), np.uint8)),
    "list": ([[[0, 0, 0]]], np.zeros((1, 1, 3), np.uint8)),
}


@pytest.mark.parametrize("metric", [ssim, psnr, ssim_map])
@pytest.mark.parametrize("pair", BAD_PAIRS.values(), ids=BAD_PAIRS.keys())
def test_bad_inputs_raise(metric, pair):
    with pytest.raises(ValueError):
        metric(*pair)


def test_shape_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(32, 32, 3\).*\(32, 33, 3\)"):
        ssim(np.zeros((32, 32, 3), np.uint8), np.zeros((32, 33, 3), np.uint8))


# ------------------------------------------------------------------ large images (issue 14)
def _pair(height: int, width: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = cv2.resize(data.astronaut(), (width, height), interpolation=cv2.INTER_CUBIC)
    b = np.clip(a.astype(np.int16) + rng.integers(-40, 41, a.shape), 0, 255).astype(np.uint8)
    b[: height // 3, : width // 2] = 255 - b[: height // 3, : width // 2]  # a damaged corner
    return a, b


def _skimage_reference(a, b):
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    score, full = structural_similarity(a, b, channel_axis=2, data_range=255, full=True)
    level = np.clip(full.mean(axis=2), -1.0, 1.0).astype(np.float32)
    return score, level, peak_signal_noise_ratio(a, b, data_range=255)


@pytest.mark.parametrize("shape", [(123, 77), (64, 90), (300, 41)])
def test_large_images_are_scored_in_slabs_exactly_as_scikit_image(monkeypatch, shape):
    from restore import metrics

    a, b = _pair(*shape)
    score, level, peak = _skimage_reference(a, b)
    monkeypatch.setattr(metrics, "SLAB_PIXELS", 700)  # slabs of 7 to 17 rows: many slab edges
    assert metrics.ssim(a, b) == pytest.approx(score, rel=1e-12)
    assert metrics.psnr(a, b) == pytest.approx(peak, rel=1e-12)
    np.testing.assert_allclose(metrics.ssim_map(a, b), level, atol=1e-6)
    with_map = metrics.ssim_and_map(a, b)
    assert with_map[0] == pytest.approx(score, rel=1e-12)
    np.testing.assert_allclose(with_map[1], level, atol=1e-6)


@pytest.mark.parametrize("slab_pixels", [700, 1 << 20])
def test_ssim_map_at_a_bounded_display_size_is_the_block_mean(monkeypatch, slab_pixels):
    from restore import metrics

    a, b = _pair(130, 95, seed=1)
    score, level, _ = _skimage_reference(a, b)
    monkeypatch.setattr(metrics, "SLAB_PIXELS", slab_pixels)
    score_small, small = metrics.ssim_and_map(a, b, max_side=40)
    assert score_small == pytest.approx(score, rel=1e-12)  # the score still uses every pixel
    factor = 4  # the smallest whole factor that brings 130 to <= 40
    assert small.shape == (33, 24) and small.dtype == np.float32  # ceil(130/4) × ceil(95/4)
    expected = np.array([[level[r * factor:(r + 1) * factor, c * factor:(c + 1) * factor].mean()
                          for c in range(24)] for r in range(33)])
    np.testing.assert_allclose(small, expected, atol=1e-6)
    assert metrics.ssim_map(a, b, max_side=200).shape == (130, 95)  # small enough: full size
    with pytest.raises(ValueError, match="max_side"):
        metrics.ssim_map(a, b, max_side=0)


def test_a_large_pair_is_scored_in_bounded_memory():
    # 6 megapixels: scikit-image's whole-image SSIM and map take 916 MiB of float64
    # temporaries (tracemalloc peak; 12 MP in the app reached 3.2 GB RSS). Slab by slab the
    # score, the display map and PSNR stay under 250 MiB.
    import tracemalloc

    from restore import metrics

    a, b = _pair(2000, 3000)
    tracemalloc.start()
    try:
        score, level = metrics.ssim_and_map(a, b, max_side=1280)
        value = metrics.psnr(a, b)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert level.shape == (667, 1000)  # factor 3
    assert 0.0 < score < 1.0 and 5.0 < value < 40.0
    assert peak < 250 * 2**20, f"peak {peak / 2**20:.0f} MiB"
