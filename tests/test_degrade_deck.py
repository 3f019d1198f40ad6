"""Deck-stage artifacts (restore/degrade/artifacts/deck.py): what each does, and where, on
a 576×720 PAL-sized frame (positions matter: the tint band and flagging at the top, head
switching at the bottom, bands and line offsets where they were drawn)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from degrade_helpers import changed_rows, drawn_params, mean_abs_difference, row_runs

from restore.degrade import ARTIFACTS, FORMS, DegradeSettings, rgb_to_yuv

pytest_plugins = ("degrade_fixtures",)


def test_head_switching_tears_only_the_bottom(pal_frame):
    for seed in range(3):
        output = ARTIFACTS["head_switching"](pal_frame, 1.0, np.random.default_rng(seed))
        assert np.array_equal(output[:288], pal_frame[:288])
        rows = changed_rows(output, pal_frame)
        assert rows.min() >= 576 - 10  # at most the last 10 lines at full strength
        assert set(range(571, 576)) <= set(rows)  # at least the last 5 are torn


def test_tint_band_changes_only_the_top_lines(pal_frame):
    hue = math.radians(DegradeSettings().tint_hue)
    for seed in range(6):
        output = ARTIFACTS["tint_band"](pal_frame, 1.0, np.random.default_rng(seed))
        # Untouched YUV rows survive the RGB -> YUV -> RGB round trip exactly.
        assert np.array_equal(output[70:], pal_frame[70:])
        assert np.all((output[:40] != pal_frame[:40]).any(axis=(1, 2)))
        # The band is pushed toward the tint hue in the U/V plane.
        def toward_hue(image):
            yuv = rgb_to_yuv(np.ascontiguousarray(image[:30]))
            return float((yuv[..., 1] * math.cos(hue) + yuv[..., 2] * math.sin(hue)).mean())

        assert toward_hue(output) > toward_hue(pal_frame) + 0.1


def test_top_skew_bends_only_the_top(pal_frame):
    for seed in range(3):
        output = ARTIFACTS["top_skew"](pal_frame, 1.0, np.random.default_rng(seed))
        assert np.array_equal(output[288:], pal_frame[288:])
        assert mean_abs_difference(output[:20], pal_frame[:20]) > 5 * mean_abs_difference(output[60:288], pal_frame[60:288])


def _best_shifts(lines: np.ndarray, originals: np.ndarray, reach: int) -> tuple[np.ndarray, np.ndarray]:
    """Per line (rows of ``n×W×3`` arrays), the whole-pixel shift ``k`` (|k| <= ``reach``,
    positive = right) that best turns ``originals`` into ``lines``, judged away from the
    ends, and the largest error left after it."""
    width = originals.shape[1]
    lines, originals = lines.astype(np.int16), originals.astype(np.int16)
    mean_errors, max_errors = [], []
    for k in range(-reach, reach + 1):
        error = np.abs(lines[:, reach : width - reach] - originals[:, reach - k : width - reach - k])
        mean_errors.append(error.mean(axis=(1, 2)))
        max_errors.append(error.max(axis=(1, 2)))
    best = np.argmin(mean_errors, axis=0)
    return best - reach, np.take_along_axis(np.asarray(max_errors), best[None], axis=0)[0]


@pytest.mark.parametrize("profile", FORMS["skew_profile"])
def test_top_skew_profiles_bend_only_the_top(profile, pal_frame):
    settings = DegradeSettings(skew_profile=profile)
    for seed in range(3):
        output = ARTIFACTS["top_skew"](pal_frame, 1.0, np.random.default_rng(seed), settings)
        params = drawn_params("top_skew", 1.0, seed, pal_frame, settings)
        rows = changed_rows(output, pal_frame)
        assert rows.min() == 0 and rows.max() < int(params.height), (seed, params)
        # The bend is largest at the top line and has mostly died down a fifth of the way up.
        low = int(0.8 * params.height)
        (top_shift, low_shift), _ = _best_shifts(output[[0, low]], pal_frame[[0, low]], 40)
        assert abs(top_shift - params.direction * params.offset) <= 1, (seed, top_shift, params)
        assert abs(low_shift) <= 0.2 * params.offset + 1, (seed, low_shift, params)


@pytest.mark.parametrize("position", FORMS["band_position"])
def test_color_band_changes_only_its_rows(position, pal_frame):
    height = pal_frame.shape[0]
    settings = DegradeSettings(band_position=position)
    for seed in range(6):
        output = ARTIFACTS["color_band"](pal_frame, 1.0, np.random.default_rng(seed), settings)
        params = drawn_params("color_band", 1.0, seed, pal_frame, settings)
        rows = changed_rows(output, pal_frame)
        assert rows.size, seed
        # Only the band's rows (its feathered edge included) change; the rest is exact.
        top, bottom = round(params.top), round(params.top + params.height)
        assert rows.min() >= top - math.ceil(params.feather) and rows.max() < bottom, (seed, params)
        if position == "top":
            assert rows.min() == 0
        elif position == "bottom":
            assert rows.max() == height - 1  # the band reaches the last line
        else:
            assert 0.1 * height <= top and bottom <= 0.9 * height + 1


@pytest.mark.parametrize("position", FORMS["band_position"])
def test_color_band_channel_loss_darkens_the_lost_channels(position, pal_frame):
    settings = DegradeSettings(band_form="channel_loss", band_position=position)
    for seed in range(6):
        output = ARTIFACTS["color_band"](pal_frame, 1.0, np.random.default_rng(seed), settings)
        # Find the band where the picture changed: one contiguous run of whole rows.
        runs = row_runs(changed_rows(output, pal_frame))
        assert len(runs) == 1, (seed, runs)
        band = slice(runs[0][0], runs[0][1] + 1)
        ratio = output[band].reshape(-1, 3).mean(axis=0) / pal_frame[band].reshape(-1, 3).mean(axis=0)
        lost = np.flatnonzero(np.asarray(drawn_params("color_band", 1.0, seed, pal_frame, settings).gains) < 1)
        kept = np.setdiff1d(np.arange(3), lost)
        assert 1 <= lost.size <= 2, seed  # one or two channels gone, never all three
        assert ratio[lost].max() < 0.5, (seed, ratio)
        assert ratio[lost].max() < ratio[kept].min(), (seed, ratio)
        # A lost channel only ever gets darker (up to the round trip's rounding).
        assert np.all(output[..., lost].astype(int) <= pal_frame[..., lost].astype(int) + 1)


def test_color_band_channels_are_often_gone_outright(pal_frame):
    # The archives' green and pink bars: at full strength, the lost channels of about half
    # the bands are gone (gain 0), the rest attenuated; weaker bands never lose a channel
    # outright.
    settings = DegradeSettings(band_form="channel_loss")
    gains = [np.asarray(drawn_params("color_band", 1.0, seed, pal_frame, settings).gains) for seed in range(40)]
    gone = [bool((g[g < 1] == 0).all()) for g in gains]
    assert 10 <= sum(gone) <= 30
    assert all(g.min() > 0 for g, outright in zip(gains, gone) if not outright)
    half = [np.asarray(drawn_params("color_band", 0.5, seed, pal_frame, settings).gains) for seed in range(40)]
    assert min(g.min() for g in half) >= 0.5 - 1e-6
    # Gone outright, the band shows nothing of those channels where the picture is kept.
    seed = gone.index(True)
    params = drawn_params("color_band", 1.0, seed, pal_frame, settings)
    output = ARTIFACTS["color_band"](pal_frame, 1.0, np.random.default_rng(seed), settings)
    lost = np.flatnonzero(np.asarray(params.gains) == 0)
    top = round(params.top)  # full weight from the top to the feather's start (it falls inside the bottom edge)
    inside = output[top : round(params.top + params.height) - round(params.feather)]
    expected = 255 * np.asarray(params.colour)[lost] * (1 - params.visibility)
    assert np.abs(inside[..., lost].reshape(-1, lost.size).mean(0) - expected).max() < 3


@pytest.mark.parametrize("form", FORMS["line_offset_form"])
def test_line_offsets_shift_only_a_block_of_lines_by_whole_pixels(form, pal_frame):
    settings = DegradeSettings(line_offset_form=form)
    for seed in range(5):
        output = ARTIFACTS["line_offsets"](pal_frame, 1.0, np.random.default_rng(seed), settings)
        params = drawn_params("line_offsets", 1.0, seed, pal_frame, settings)
        top, bottom = int(params.top), int(params.top) + int(params.height)
        rows = changed_rows(output, pal_frame)
        assert rows.size and rows.min() >= top and rows.max() < bottom, (seed, params)
        # Each changed line is the same line moved sideways by a whole number of pixels.
        offsets, errors = _best_shifts(output[rows], pal_frame[rows], 48)  # at most 40 px at full strength
        assert errors.max() <= 1, (seed, rows[errors > 1])
        if form == "staircase":
            # One run of lines down to the block's end, pushed further and further one way.
            assert len(row_runs(rows)) == 1 and rows.max() == bottom - 1, (seed, row_runs(rows))
            assert np.all(np.diff(np.abs(offsets)) >= 0) and len(set(np.sign(offsets))) == 1, (seed, offsets)
            assert len(set(offsets.tolist())) >= 2  # steps, not one shift
        else:
            # A wave: zero only near its crossings, both directions when it has room.
            assert rows.size > 0.5 * (bottom - top), seed
            if bottom - top > params.period:
                assert offsets.min() < 0 < offsets.max(), (seed, offsets)
