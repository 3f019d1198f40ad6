"""Recording-stage artifacts (restore/degrade/artifacts/recording.py): what each does, and
where, on a 576×720 PAL-sized frame (distances scale with the picture)."""

from __future__ import annotations

import numpy as np
import pytest
from degrade_helpers import drawn_params, high_frequency_energy, read_only

from restore.degrade import ARTIFACTS, FORMS, DegradeSettings, rgb_to_yuv

pytest_plugins = ("degrade_fixtures",)


def _horizontal_gradient_energy(image: np.ndarray) -> float:
    return float((np.diff(image.astype(np.float32), axis=1) ** 2).mean())


def test_softness_removes_horizontal_detail(pal_frame):
    output = ARTIFACTS["softness"](pal_frame, 1.0, np.random.default_rng(0))
    assert _horizontal_gradient_energy(output) < 0.6 * _horizontal_gradient_energy(pal_frame)


def test_chroma_smear_keeps_luma(pal_frame):
    output = ARTIFACTS["chroma_smear"](pal_frame, 1.0, np.random.default_rng(0))
    change = np.abs(rgb_to_yuv(output) - rgb_to_yuv(pal_frame)).mean(axis=(0, 1))
    luma_change, chroma_change = change[0], min(change[1], change[2])
    assert chroma_change > 0.002  # colour really smeared (U/V span about ±0.6)
    assert luma_change < 0.25 * chroma_change  # luma moves only through rounding and clipping


@pytest.mark.parametrize("kernel", FORMS["blur_kernel"])
def test_blur_removes_detail_without_moving_the_picture(kernel, pal_frame):
    settings = DegradeSettings(blur_kernel=kernel)
    for seed in range(4):
        output = ARTIFACTS["blur"](pal_frame, 1.0, np.random.default_rng(seed), settings)
        assert high_frequency_energy(output) < 0.7 * high_frequency_energy(pal_frame), seed
    # A blur spreads a dot symmetrically: its centre of mass stays put (an even-sided box
    # would move it half a pixel).
    dot = np.zeros((576, 720, 3), np.uint8)
    dot[288, 359] = 255
    rows, cols = np.mgrid[:576, :720]
    for seed in range(4):
        spread = ARTIFACTS["blur"](dot, 1.0, np.random.default_rng(seed), settings)[..., 1].astype(float)
        assert spread.max() < 255  # blurred at all
        centre = ((spread * rows).sum() / spread.sum(), (spread * cols).sum() / spread.sum())
        assert np.allclose(centre, (288, 359), atol=0.05), (seed, centre)


@pytest.fixture(scope="module")
def edge_image() -> np.ndarray:
    """Dark grey left half, light grey right half: a step for ringing to ripple around
    (PAL-wide: peaking works on detail a few PAL pixels wide)."""
    image = np.full((16, 720, 3), 60, np.uint8)
    image[:, 360:] = 190
    return read_only(image)


@pytest.mark.parametrize("form", FORMS["ringing_form"])
def test_ringing_overshoots_both_sides_of_an_edge(form, edge_image):
    settings = DegradeSettings(ringing_form=form)
    for seed in range(4):
        output = ARTIFACTS["ringing"](edge_image, 1.0, np.random.default_rng(seed), settings).astype(int)
        params = drawn_params("ringing", 1.0, seed, edge_image, settings)
        assert np.all(output == output[:1])  # along lines only: every line alike
        assert np.all(np.abs(output - output[..., :1]) <= 1)  # luma only: grey stays grey
        line = output[0, :, 1]
        assert line.min() < 60 - 2 and line.max() > 190 + 2, (seed, line[340:380])  # halos on both sides
        if form == "sinc":
            # The ripples of a truncated sinc reach only its taps from the edge; beyond, a flat
            # field is untouched.
            reach = params.taps + 1
            assert np.array_equal(line[: 360 - reach], edge_image[0, : 360 - reach, 1])
            assert np.array_equal(line[360 + reach :], edge_image[0, 360 + reach :, 1])
