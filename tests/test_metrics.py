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
