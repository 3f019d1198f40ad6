"""Settings, presets and the training distribution (restore/degrade/settings.py): argument
checks, (de)serialisation, scaling, what each preset does to a real picture, and
`random_settings`."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from degrade_helpers import mean_abs_difference

from restore.degrade import (
    ANY,
    FORMS,
    OPTION_NAMES,
    PRESETS,
    STRENGTH_NAMES,
    DegradeSettings,
    degrade,
    random_settings,
    rgb_to_yuv,
)
from restore.metrics import psnr, ssim

pytest_plugins = ("degrade_fixtures",)


@pytest.mark.parametrize(
    "fields",
    [
        {"jitter": 2},
        {"jitter": -0.1},
        {"grain": math.nan},
        {"softness": "a lot"},
        {"cast_gain": (0.0, 1.0, 1.0)},
        {"cast_gain": (1.0, 1.0)},
        {"cast_offset": (math.nan, 0.0, 0.0)},
        {"tint_hue": math.inf},
    ],
    ids=lambda fields: ",".join(f"{key}={value}" for key, value in fields.items()),
)
def test_bad_settings_raise(fields):
    with pytest.raises(ValueError, match=next(iter(fields))):  # the message names the field
        DegradeSettings(**fields)


def test_from_dict_rejects_unknown_keys():
    with pytest.raises(ValueError, match="vhs_wobble"):
        DegradeSettings.from_dict({"jitter": 0.5, "vhs_wobble": 1.0})


@pytest.mark.parametrize("option", list(FORMS))
@pytest.mark.parametrize("bad", ["triangle", "", None, 3, "ANY"])
def test_bad_form_raises_naming_the_option(option, bad):
    with pytest.raises(ValueError, match=option):
        DegradeSettings(**{option: bad})


@pytest.mark.parametrize("bad", ["yes", 1, 0, None, 1.0])
def test_shuffle_order_must_be_a_bool(bad):
    with pytest.raises(ValueError, match="shuffle_order"):
        DegradeSettings(shuffle_order=bad)


def test_settings_round_trip_through_dict_and_json():
    original = DegradeSettings(jitter=0.5, chroma_delay=1.0, tint_hue=200.0, cast_offset=(1.0, 2.0, 3.0))
    assert DegradeSettings.from_dict(original.to_dict()) == original
    # JSON turns tuples into lists; from_json must turn them back.
    assert DegradeSettings.from_json(json.dumps(original.to_dict())) == original
    for preset in PRESETS.values():
        assert DegradeSettings.from_dict(preset.to_dict()) == preset


def test_scaled_multiplies_every_strength_and_keeps_the_options(small_image):
    settings = dataclasses.replace(PRESETS["archive"], tint_hue=200.0, shuffle_order=True, second_pass=0.4)
    half = settings.scaled(0.5)
    for name in STRENGTH_NAMES:
        assert getattr(half, name) == pytest.approx(0.5 * getattr(settings, name)), name
    for name in OPTION_NAMES:
        assert getattr(half, name) == getattr(settings, name), name
    assert settings.scaled(1.0) == settings
    assert settings.scaled(0.0).is_identity()
    assert np.array_equal(degrade(small_image, settings.scaled(0.0), seed=2), small_image)
    damage = [mean_abs_difference(degrade(small_image, settings.scaled(factor), seed=2), small_image) for factor in (0.2, 0.6, 1.0)]
    assert damage[0] < damage[1] < damage[2], damage


@pytest.mark.parametrize("factor", [-0.5, 1.5, math.nan, "half", None])
def test_scaled_rejects_a_factor_outside_zero_to_one(factor):
    for settings in (PRESETS["default"], DegradeSettings()):  # also where every product is 0
        with pytest.raises(ValueError, match="factor"):
            settings.scaled(factor)


def test_presets_are_the_ones_offered_and_clean_changes_nothing(small_image, pal_frame):
    # The names the app's preset menu and the CLI's --preset offer.
    assert {"default", "light", "heavy", "archive", "clean"} <= set(PRESETS)
    for settings in PRESETS.values():
        assert isinstance(settings, DegradeSettings)
    assert PRESETS["clean"].is_identity()
    assert not any(PRESETS[name].is_identity() for name in PRESETS if name != "clean")
    # "clean" gives the picture back untouched, whatever the seed.
    for image in (small_image, pal_frame):
        for seed in range(3):
            assert np.array_equal(degrade(image, PRESETS["clean"], seed=seed), image)


@pytest.mark.parametrize("image_name", ["small_image", "pal_frame"])
def test_presets_damage_in_order_light_default_heavy(image_name, request):
    # What a user picks a preset for: light damages least, heavy most, on every seed.
    image = request.getfixturevalue(image_name)
    for seed in range(3):
        scores = {name: psnr(degrade(image, PRESETS[name], seed=seed), image) for name in ("light", "default", "heavy")}
        assert scores["light"] > scores["default"] + 3.0, (seed, scores)
        assert scores["default"] > scores["heavy"] + 0.5, (seed, scores)


def test_archive_is_other_damage_than_default():
    # The archive preset is the digital faults of a digitised archive, not the reference
    # tapes' analogue look: on a mid-grey card, default casts it red, archive keeps it grey.
    card = np.full((576, 720, 3), 128, np.uint8)
    for seed in range(3):
        default = np.median(degrade(card, PRESETS["default"], seed=seed)[150:450, 60:660].reshape(-1, 3), axis=0)
        archive = np.median(degrade(card, PRESETS["archive"], seed=seed)[150:450, 60:660].reshape(-1, 3), axis=0)
        assert default[0] > max(default[1], default[2]) + 20, (seed, default)
        assert archive.max() - archive.min() <= 4, (seed, archive)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_each_preset_degrades_deterministically_by_a_plausible_amount(preset, pal_frame):
    first = degrade(pal_frame, PRESETS[preset], seed=3)
    assert first.shape == pal_frame.shape and first.dtype == np.uint8
    assert np.array_equal(first, degrade(pal_frame, PRESETS[preset], seed=3))
    if preset == "clean":
        assert np.array_equal(first, pal_frame)
        return
    assert not np.array_equal(first, degrade(pal_frame, PRESETS[preset], seed=4))
    # Visible damage that still leaves the picture: neither a near copy nor noise.
    assert 3.0 < mean_abs_difference(first, pal_frame) < 50.0
    assert 0.3 < ssim(first, pal_frame) < 0.95


def _channel_ratio(output: np.ndarray, original: np.ndarray, rows: slice) -> np.ndarray:
    return output[rows].reshape(-1, 3).mean(axis=0) / original[rows].reshape(-1, 3).mean(axis=0)


def test_archive_preset_has_a_colour_bar_at_the_top(pal_frame):
    for seed in range(4):
        output = degrade(pal_frame, PRESETS["archive"], seed=seed)
        # The middle of the picture keeps its colours (the lifted floor of posterising
        # brightens it a little)...
        middle = _channel_ratio(output, pal_frame, slice(200, 400))
        assert np.all((0.85 < middle) & (middle < 1.3)), (seed, middle)
        # ...while over the top lines (the bar is at least 7 of 576) one or two channels are gone.
        top = _channel_ratio(output, pal_frame, slice(0, 6)) / middle
        assert 1 <= (top < 0.6).sum() <= 2, (seed, top)


def _toward_hue(image: np.ndarray, hue_degrees: float, rows: slice) -> float:
    """Mean chroma of ``rows`` along the hue ``hue_degrees`` of the U/V plane."""
    hue = math.radians(hue_degrees)
    yuv = rgb_to_yuv(np.ascontiguousarray(image[rows]))
    return float((yuv[..., 1] * math.cos(hue) + yuv[..., 2] * math.sin(hue)).mean())


def test_default_preset_looks_like_the_reference_tapes(pal_frame):
    settings = PRESETS["default"]
    card = np.zeros((576, 720, 3), np.uint8)  # black left, mid-grey right
    card[:, 360:] = 128
    for seed in range(3):
        # A red cast with lifted blacks...
        on_card = degrade(card, settings, seed=seed)[150:450].astype(float)
        black, grey = on_card[:, 60:300].reshape(-1, 3).mean(axis=0), on_card[:, 420:660].reshape(-1, 3).mean(axis=0)
        assert np.all(black > 8), (seed, black)
        assert grey[0] > max(grey[1], grey[2]) + 20, (seed, grey)
        # ...a magenta band over the top lines, and the bottom lines torn by head switching.
        output = degrade(pal_frame, settings, seed=seed)
        top = slice(0, 25)
        assert _toward_hue(output, settings.tint_hue, top) > _toward_hue(pal_frame, settings.tint_hue, top) + 0.05, seed
        assert mean_abs_difference(output[-4:], pal_frame[-4:]) > 1.5 * mean_abs_difference(output[300:400], pal_frame[300:400])


def test_presets_lower_ssim_in_order(pal_frame):
    scores = {name: ssim(degrade(pal_frame, PRESETS[name], seed=0), pal_frame) for name in ("light", "default", "heavy")}
    # Damage a restorer can still learn from: clearly worse, far from noise.
    assert 0.4 < scores["default"] < 0.9
    assert scores["light"] > scores["default"] > scores["heavy"] > 0.2


def test_random_settings_are_valid_and_vary(small_image):
    samples = [random_settings(np.random.default_rng(seed)) for seed in range(40)]
    for settings in samples:
        assert isinstance(settings, DegradeSettings)
        assert all(0.0 <= strength <= 1.0 for strength in settings.strengths().values())
    assert len({json.dumps(settings.to_dict()) for settings in samples}) == len(samples)
    # Over 40 draws every strength (the second pass too) is on at least once and off at least once.
    for name in STRENGTH_NAMES:
        states = {getattr(settings, name) > 0 for settings in samples}
        assert states == {True, False}, name
    # Every form is drawn per image, and the order is shuffled now and then.
    for settings in samples:
        assert all(getattr(settings, option) == ANY for option in FORMS)
    assert {settings.shuffle_order for settings in samples} == {True, False}
    assert random_settings(np.random.default_rng(3)) == random_settings(np.random.default_rng(3))
    for seed, settings in enumerate(samples[:8]):
        output = degrade(small_image, settings, seed=seed)
        assert output.shape == small_image.shape and output.dtype == np.uint8
        assert np.array_equal(output, degrade(small_image, settings, seed=seed))


def test_random_settings_rejects_a_non_generator():
    with pytest.raises(ValueError, match="Generator"):
        random_settings(3)
