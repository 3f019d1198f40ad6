"""train.pairs: the training pairs. Unreadable files yield no pair, each damage family draws
valid, varied settings (clean pairs are identical, light ones lightly damaged), bad family
weights are refused (also in their command-line form), the pair bank draws with the mix it
is given, and its top crops come from the top of the picture."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from skimage import data
from train_helpers import BAD_FILES, TRAIN_PHOTOS

from restore import DegradeSettings, degrade, psnr
from train.pairs import FAMILIES, PairSettings, list_images, make_pair, parse_families

pytest_plugins = ("train_fixtures",)  # the fixture photos


# --------------------------------------------------------------------------- #
# Pairs and damage families
# --------------------------------------------------------------------------- #
def test_unreadable_files_yield_no_pair(photos):
    train_dir, _ = photos
    assert {p.name for p in list_images(train_dir)} == set(TRAIN_PHOTOS) | set(BAD_FILES)
    for name in BAD_FILES:
        assert make_pair(train_dir / name, seed=0) is None
    degraded, clean = make_pair(train_dir / "coffee.jpg", seed=0)
    assert degraded.shape == clean.shape and degraded.dtype == clean.dtype == np.uint8


def test_clean_family_pairs_are_identical_and_light_family_pairs_are_lightly_damaged(photos):
    train_dir, _ = photos
    only = lambda family: PairSettings(families=((family, 1.0),), line_alignment_fraction=0.0)
    for seed in range(3):
        degraded, clean = make_pair(train_dir / "coffee.jpg", seed=seed, settings=only("clean"))
        assert np.array_equal(degraded, clean)
    light = [psnr(*make_pair(train_dir / "coffee.jpg", seed=seed, settings=only("light"))) for seed in range(6)]
    wide = [psnr(*make_pair(train_dir / "coffee.jpg", seed=seed, settings=only("wide"))) for seed in range(6)]
    assert np.mean(light) > np.mean(wide) + 3.0, (light, wide)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_draws_valid_varied_settings(family):
    drawn = [FAMILIES[family](np.random.default_rng(seed)) for seed in range(12)]
    assert all(isinstance(settings, DegradeSettings) for settings in drawn)
    assert all(settings.is_identity() for settings in drawn) == (family == "clean")
    if family != "clean":
        assert len({json.dumps(settings.to_dict()) for settings in drawn}) == len(drawn)


def test_archive_family_always_has_a_colour_band():
    assert all(FAMILIES["archive"](np.random.default_rng(seed)).color_band >= 0.4 for seed in range(20))


def test_bands_family_is_a_colour_band_alone():
    drawn = [FAMILIES["bands"](np.random.default_rng(seed)) for seed in range(30)]
    assert all(settings.color_band >= 0.3 for settings in drawn)
    allowed = ("color_band", "tint_band", "compression")
    others = {name for settings in drawn for name, value in settings.strengths().items() if value and name not in allowed}
    assert others == set()
    assert any(settings.tint_band for settings in drawn) and not all(settings.tint_band for settings in drawn)
    # Without its compression, the damage touches only the band's lines.
    clean = data.coffee()
    for seed, settings in enumerate(drawn[:8]):
        degraded = degrade(clean, dataclasses.replace(settings, compression=0.0), seed=seed)
        changed_rows = np.flatnonzero(np.any(degraded != clean, axis=(1, 2)))
        assert 0 < changed_rows.size < 0.75 * clean.shape[0]


def test_casts_family_is_a_white_balance_cast_about_black():
    clean = data.coffee()
    warm = 0
    for seed in range(12):
        settings = FAMILIES["casts"](np.random.default_rng(seed))
        assert 0.5 <= settings.levels <= 1.0
        gain, offset = np.asarray(settings.cast_gain), np.asarray(settings.cast_offset)
        # Pivoting about black: black moves by the offset alone, whatever the gain
        # (a proc-amp cast about mid-grey would move it by ½(1 - g) too).
        assert np.all(np.abs(offset - 0.5 * (gain - 1) * 255) <= 20 + 1e-9)
        warm += gain[0] > 1.04 and gain[2] < 0.98
        only_cast = dataclasses.replace(settings, color_band=0.0, top_skew=0.0, compression=0.0)
        shift = degrade(clean, only_cast, seed=seed).reshape(-1, 3).mean(0) - clean.reshape(-1, 3).mean(0)
        assert np.abs(shift).max() > 3  # a visible cast over the whole frame
    assert 3 <= warm <= 11


def test_levels_family_lifts_blacks_and_keeps_whites_and_hue():
    ramp = np.repeat(np.linspace(0, 255, 64, dtype=np.float32)[None, :, None], 16, axis=0).repeat(3, axis=2).astype(np.uint8)
    lifts = []
    for seed in range(12):
        settings = dataclasses.replace(FAMILIES["levels"](np.random.default_rng(seed)), grain=0.0, softness=0.0, compression=0.0)
        assert 0.4 <= settings.levels <= 1.0 and len(set(settings.cast_gain)) == 1 and len(set(settings.cast_offset)) == 1
        lifted = degrade(ramp, settings, seed=seed).astype(np.float32)
        assert np.abs(lifted[..., 0] - lifted[..., 2]).max() <= 2  # no cast: a grey ramp stays grey
        assert lifted[:, -1].mean() >= 235  # whites stay near white (the gamma moves them a little)
        lifts.append(lifted[:, 0].mean())
    assert min(lifts) >= 3 and max(lifts) >= 30  # the pedestal reaches past the simulator's own 0.08


@pytest.mark.parametrize(
    "families, message",
    [((("grain", 1.0),), "unknown damage families"), ((("clean", -1.0), ("wide", 1.0)), "weights"), ((("clean", 0.0),), "weights")],
)
def test_bad_pair_families_raise(families, message):
    with pytest.raises(ValueError, match=message):
        PairSettings(families=families)


def test_families_are_read_from_the_command_line_form():
    assert parse_families(" clean=0.25, bands=2,wide=1e-1 ") == (("clean", 0.25), ("bands", 2.0), ("wide", 0.1))


@pytest.mark.parametrize("text, message", [("clean", "'clean' is not NAME=WEIGHT"), ("bands=lots", "'bands=lots' is not"), (" , ", "at least one")])
def test_malformed_families_name_the_bad_item(text, message):
    with pytest.raises(ValueError, match=message):
        parse_families(text)


def test_the_bank_draws_pairs_with_its_settings(photos):
    from train.pairs import PairBank

    train_dir, _ = photos
    only_clean = PairSettings(families=(("clean", 1.0),), line_alignment_fraction=0.0)
    with PairBank([train_dir / name for name in TRAIN_PHOTOS], size=3, settings=only_clean) as bank:
        bank.wait_until_ready(timeout=120)
        pairs = list(bank.pairs)
    assert len(pairs) == 3
    assert all(np.array_equal(degraded, clean) for degraded, clean in pairs)  # the mix reached the workers


# --------------------------------------------------------------------------- #
# The pair bank's crops
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_top_crops_come_from_the_top_of_the_picture(fraction):
    from train.pairs import PairBank

    # Rows numbered by value, so a crop tells where it was taken.
    rows = np.repeat(np.arange(200, dtype=np.uint8)[:, None, None], 64, axis=1).repeat(3, axis=2)
    bank = PairBank([Path("unused.png")], size=1, top_crop_fraction=fraction)
    bank.pairs = [(rows, rows)]
    degraded, clean = bank.sample(32, 32, np.random.default_rng(0))
    tops = np.round(degraded[:, 0, 0, 0] * 255).astype(int)
    assert np.array_equal(degraded, clean)
    if fraction == 1.0:
        assert np.all(tops == 0)
    else:
        assert np.mean(tops == 0) < 0.2


def test_top_crop_fraction_must_be_a_fraction():
    from train.pairs import PairBank

    with pytest.raises(ValueError, match="top_crop_fraction"):
        PairBank([Path("unused.png")], top_crop_fraction=1.5)
