"""The bundled checkpoint: it loads by default and really restores damaged frames."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from restore import PRESETS, degrade, load_restorer, psnr, ssim

CHECKPOINTS = Path(__file__).resolve().parent.parent / "checkpoints"


@pytest.fixture(scope="module")
def restorer():
    return load_restorer(str(CHECKPOINTS), fallback=False)


def test_bundled_folder_is_complete_and_small():
    weights = CHECKPOINTS / "generator.weights.h5"
    assert weights.stat().st_size < 50 * 2**20
    config = json.loads((CHECKPOINTS / "config.json").read_text())
    assert {"generator", "training", "validation", "preprocess"} <= set(config)
    assert config["training"]["steps"] > 0
    card = (CHECKPOINTS / "MODEL_CARD.md").read_text()
    assert "python -m train" in card and "PSNR" in card


def test_load_restorer_uses_the_bundled_checkpoint_by_default(monkeypatch):
    monkeypatch.delenv("VHS_RESTORE_MODEL", raising=False)
    restorer = load_restorer()
    assert restorer.fallback_reason is None
    assert "checkpoints" in restorer.description


@pytest.mark.parametrize(
    "name, preset, seed, psnr_gain, ssim_gain",
    [
        ("astronaut", "default", 0, 1.0, 0.02),
        ("coffee", "default", 1, 1.0, 0.02),
        ("astronaut", "heavy", 3, 0.5, 0.01),
    ],
)
def test_restoring_raises_psnr_and_ssim(restorer, name, preset, seed, psnr_gain, ssim_gain):
    clean = cv2.resize(getattr(data, name)(), (360, 288), interpolation=cv2.INTER_AREA)
    damaged = degrade(clean, PRESETS[preset], seed=seed)
    restored = restorer.restore(damaged)
    assert restored.shape == clean.shape and restored.dtype == np.uint8
    assert psnr(restored, clean) > psnr(damaged, clean) + psnr_gain
    assert ssim(restored, clean) > ssim(damaged, clean) + ssim_gain


def test_light_damage_is_improved_and_never_made_worse(restorer):
    """Light damage leaves little to gain, and fur or skin can be lit reddish by the scene
    itself: PSNR must still rise on every picture, SSIM on average, and never drop visibly."""
    psnr_gains, ssim_gains = [], []
    for name in ("chelsea", "astronaut", "coffee", "rocket"):
        clean = cv2.resize(getattr(data, name)(), (360, 288), interpolation=cv2.INTER_AREA)
        damaged = degrade(clean, PRESETS["light"], seed=2)
        restored = restorer.restore(damaged)
        psnr_gains.append(psnr(restored, clean) - psnr(damaged, clean))
        ssim_gains.append(ssim(restored, clean) - ssim(damaged, clean))
    assert min(psnr_gains) > 0.2, psnr_gains
    assert min(ssim_gains) > -0.005 and np.mean(ssim_gains) > 0.01, ssim_gains


def test_default_preset_gain_is_large(restorer):
    """The reference tapes' damage is what the model is for: a clear gain, not a nudge."""
    clean = cv2.resize(data.astronaut(), (720, 576), interpolation=cv2.INTER_AREA)
    damaged = degrade(clean, PRESETS["default"], seed=5)
    restored = restorer.restore(damaged)
    assert psnr(restored, clean) > psnr(damaged, clean) + 2.0
