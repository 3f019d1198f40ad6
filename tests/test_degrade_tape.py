"""Tape-stage artifacts (restore/degrade/artifacts/tape.py): what each does, on a 576×720
PAL-sized frame."""

from __future__ import annotations

import numpy as np
import pytest
from degrade_helpers import high_frequency_energy

from restore.degrade import ARTIFACTS, FORMS, DegradeSettings, rgb_to_yuv

pytest_plugins = ("degrade_fixtures",)


def test_grain_adds_high_frequencies(pal_frame):
    output = ARTIFACTS["grain"](pal_frame, 1.0, np.random.default_rng(0))
    assert high_frequency_energy(output) > 2.0 * high_frequency_energy(pal_frame)


@pytest.mark.parametrize("kind", FORMS["noise_kind"])
def test_noise_adds_high_frequencies(kind, pal_frame):
    for seed in range(4):
        output = ARTIFACTS["noise"](pal_frame, 1.0, np.random.default_rng(seed), DegradeSettings(noise_kind=kind))
        assert high_frequency_energy(output) > 1.3 * high_frequency_energy(pal_frame), seed


def test_chroma_noise_leaves_luma_nearly_unchanged(pal_frame):
    for seed in range(4):
        output = ARTIFACTS["noise"](pal_frame, 1.0, np.random.default_rng(seed), DegradeSettings(noise_kind="chroma"))
        change = np.abs(rgb_to_yuv(output) - rgb_to_yuv(pal_frame)).mean(axis=(0, 1))
        assert change[0] < 0.2 * min(change[1], change[2]), (seed, change)


def test_poisson_noise_is_stronger_in_bright_areas():
    halves = np.full((96, 128, 3), 40, np.uint8)
    halves[:, 64:] = 200
    for seed in range(4):
        output = ARTIFACTS["noise"](halves, 1.0, np.random.default_rng(seed), DegradeSettings(noise_kind="poisson")).astype(float)
        assert output[:, 64:].std() > 1.5 * output[:, :64].std() > 0, seed
