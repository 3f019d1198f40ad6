"""Capture-stage artifacts (restore/degrade/artifacts/capture.py): what each does, and
where, on a 576×720 PAL-sized frame or the small cat."""

from __future__ import annotations

import numpy as np
import pytest
from degrade_helpers import (
    changed_rows,
    drawn_params,
    high_frequency_energy,
    mean_abs_difference,
    read_only,
    row_runs,
)

from restore.degrade import ARTIFACTS, FORMS, DegradeSettings, rgb_to_yuv

pytest_plugins = ("degrade_fixtures",)


def test_compression_is_worse_at_full_strength(pal_frame):
    rng = np.random.default_rng(0)
    strong = mean_abs_difference(ARTIFACTS["compression"](pal_frame, 1.0, rng), pal_frame)
    mild = mean_abs_difference(ARTIFACTS["compression"](pal_frame, 0.3, rng), pal_frame)
    assert strong > 1.5 * mild > 0


def test_line_streaks_corrupt_only_a_few_lines(pal_frame):
    height = pal_frame.shape[0]
    for seed in range(8):
        output = ARTIFACTS["line_streaks"](pal_frame, 1.0, np.random.default_rng(seed))
        params = drawn_params("line_streaks", 1.0, seed, pal_frame)
        rows = changed_rows(output, pal_frame)
        assert rows.size, seed
        assert rows.size <= params.count * int(params.max_lines) <= 0.1 * height, (seed, params)
        assert len(row_runs(rows)) <= params.count, (seed, row_runs(rows))
        unchanged = np.setdiff1d(np.arange(height), rows)
        assert np.array_equal(output[unchanged], pal_frame[unchanged])
        # A corrupted line is really corrupted, not nudged by rounding.
        assert mean_abs_difference(output[rows], pal_frame[rows]) > 10, seed


def _shifted(channel: np.ndarray, right: int, down: int) -> np.ndarray:
    """``channel`` moved ``right`` and ``down`` whole pixels, edges repeated."""
    height, width = channel.shape
    return channel[np.clip(np.arange(height) - down, 0, height - 1)][:, np.clip(np.arange(width) - right, 0, width - 1)]


def test_channel_shift_moves_each_channel_by_whole_pixels(pal_frame):
    seen_vertical = False
    for seed in range(6):
        output = ARTIFACTS["channel_shift"](pal_frame, 1.0, np.random.default_rng(seed)).astype(int)
        found = []
        for channel in range(3):
            # The best whole-pixel shift, searched on a crop, then checked on the whole frame.
            crop = (slice(200, 264), slice(200, 456))
            candidates = [(right, down) for right in range(-8, 9) for down in range(-3, 4)]
            errors = [np.abs(output[..., channel][crop] - _shifted(pal_frame[..., channel], *shift)[crop]).max() for shift in candidates]
            shift = candidates[int(np.argmin(errors))]
            assert np.abs(output[..., channel] - _shifted(pal_frame[..., channel], *shift)).max() <= 2, (seed, channel, shift)
            found.append(shift)
        assert any(shift != (0, 0) for shift in found), seed  # misregistered, not a copy
        assert tuple(found) == drawn_params("channel_shift", 1.0, seed, pal_frame).shifts
        seen_vertical |= any(down for _, down in found)
    assert seen_vertical  # now and then a channel is a line off, too


def _posterize_levels(params) -> np.ndarray:
    steps = params.levels - 1
    return np.arange(params.levels) / steps * (1 - params.floor) + params.floor


@pytest.fixture(scope="module")
def ramp_image(small_image) -> np.ndarray:
    """The small cat with a full black-to-white grey ramp along the top 16 rows."""
    image = small_image.copy()
    image[:16] = np.linspace(0, 255, image.shape[1]).round().astype(np.uint8)[None, :, None]
    return read_only(image)


def test_posterize_leaves_few_levels_and_lifts_the_floor(ramp_image):
    modes = set()
    for seed in range(10):
        output = ARTIFACTS["posterize"](ramp_image, 1.0, np.random.default_rng(seed))
        params = drawn_params("posterize", 1.0, seed, ramp_image)
        levels = _posterize_levels(params) * 255
        modes.add(params.luma_only)
        if params.luma_only:
            # Brightness quantised, colour kept: where no channel clipped, the luma sits on a level.
            unclipped = ((output > 0) & (output < 255)).all(axis=2)
            luma = rgb_to_yuv(output)[..., 0][unclipped] * 255
            assert np.abs(luma[:, None] - levels[None, :]).min(axis=1).max() <= 1.0, seed
            assert luma.min() >= levels[0] - 1.0
        else:
            # Every channel value on one of the few levels (up to rounding), none below the floor.
            distance = np.abs(output.reshape(-1, 1).astype(float) - levels[None, :]).min(axis=1)
            assert distance.max() <= 1.0, seed
            for channel in range(3):
                assert np.unique(output[..., channel]).size <= 2 * params.levels < np.unique(ramp_image[..., channel]).size
            assert output.min() >= params.floor * 255 - 1
        assert params.levels <= 2 ** 5.5  # at full strength: at most ~45 of 256 levels
    assert modes == {True, False}  # both the RGB and the luma-only kind came up
    # The black floor is lifted: the ramp's black is grey now.
    lifted = [seed for seed in range(10) if drawn_params("posterize", 1.0, seed, ramp_image).floor > 8 / 255]
    assert lifted
    for seed in lifted:
        output = ARTIFACTS["posterize"](ramp_image, 1.0, np.random.default_rng(seed))
        assert output[:16, :4].min() > ramp_image[:16, :4].min() + 4


@pytest.mark.parametrize("kind", FORMS["speckle_kind"])
def test_speckle_changes_few_pixels_in_the_right_direction(kind, small_image):
    for seed in range(6):
        output = ARTIFACTS["speckle"](small_image, 1.0, np.random.default_rng(seed), DegradeSettings(speckle_kind=kind))
        params = drawn_params("speckle", 1.0, seed, small_image, DegradeSettings(speckle_kind=kind))
        changed = output != small_image  # per channel value
        # A small fraction of the picture, about the drawn density (whole pixels or single channels).
        assert 0 < changed.mean() <= 1.3 * params.density + 0.003 and changed.any(axis=2).mean() < 0.1, (seed, params)
        new, old = output[changed].astype(int), small_image[changed].astype(int)
        if kind == "dark":
            assert new.max() <= 39  # 0.15 of white, up to rounding
            assert np.all((new < old) | (old <= 39)), seed  # only darkens (a pixel darker still may stay dark)
        elif kind == "bright":
            assert new.min() >= 216  # 0.85 of white
            assert np.all((new > old) | (old >= 216)), seed
        else:
            assert np.all((new <= 1) | (new >= 254)), seed  # salt and pepper: black or white
            assert (new <= 1).any() and (new >= 254).any()
        if not params.colour:
            # Whole-pixel specks are grey: every channel of a speck has the same value.
            specks = changed.any(axis=2)
            spread = output[specks].astype(int).max(axis=1) - output[specks].astype(int).min(axis=1)
            assert np.all(spread <= 2), seed


@pytest.mark.parametrize("name", ["blur", "resample"])
def test_blur_and_resample_remove_high_frequencies(name, pal_frame):
    # With every form drawn ("any"); nearest-neighbour resampling is checked apart below.
    energies = []
    for seed in range(6):
        settings = DegradeSettings(resample_filter="cubic") if name == "resample" else DegradeSettings()
        energies.append(high_frequency_energy(ARTIFACTS[name](pal_frame, 1.0, np.random.default_rng(seed), settings)))
    assert max(energies) < 0.95 * high_frequency_energy(pal_frame)


@pytest.mark.parametrize("resample_filter", FORMS["resample_filter"])
def test_resample_loses_detail_with_every_filter(resample_filter, pal_frame):
    settings = DegradeSettings(resample_filter=resample_filter)
    for seed in range(4):
        output = ARTIFACTS["resample"](pal_frame, 1.0, np.random.default_rng(seed), settings)
        params = drawn_params("resample", 1.0, seed, pal_frame, settings)
        if resample_filter == "nearest":
            # Blocks: each surviving pixel repeated about ``factor`` times along the line.
            repeated = (output[:, 1:] == output[:, :-1]).all(axis=2).mean()
            assert repeated >= 1 - 1 / params.factor_x - 0.02 > (pal_frame[:, 1:] == pal_frame[:, :-1]).all(axis=2).mean(), seed
        else:
            limit = 0.97 if resample_filter == "area" else 0.95  # OpenCV's area filter enlarges by repeating pixels
            assert high_frequency_energy(output) < limit * high_frequency_energy(pal_frame), (seed, params)
