"""Tests of the VHS/PAL simulator, restore/degrade.py.

Every artifact is checked for the contract all of them share (strength 0 is an exact
copy, shape and dtype kept, deterministic per generator, argument errors), then for
the damage it is meant to do, on a 576×720 PAL-sized frame where positions matter.
`degrade` itself is checked for identity, determinism, presets, random training
settings and settings (de)serialisation. Images come from scikit-image's bundled
samples, so nothing outside the repository is needed.
"""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest
from skimage import data

from restore.degrade import (
    ARTIFACT_NAMES,
    ARTIFACTS,
    PRESETS,
    DegradeSettings,
    degrade,
    random_settings,
    rgb_to_yuv,
)
from restore.metrics import ssim

# These two depend on the strength only: the PAL squeeze is a fixed resampling and the
# capture card's JPEG quality is a function of strength. Every other artifact draws
# from the generator.
SEED_INDEPENDENT_ARTIFACTS = {"pal_aspect", "compression"}
RANDOM_ARTIFACTS = [name for name in ARTIFACT_NAMES if name not in SEED_INDEPENDENT_ARTIFACTS]


def _read_only(image: np.ndarray) -> np.ndarray:
    # Shared fixtures are read-only so an artifact that wrote into its input would fail loudly.
    image = np.ascontiguousarray(image)
    image.setflags(write=False)
    return image


@pytest.fixture(scope="module")
def small_image() -> np.ndarray:
    """96×128 RGB (the cat), for the contract checks that do not depend on position."""
    return _read_only(cv2.resize(data.chelsea(), (128, 96), interpolation=cv2.INTER_AREA))


@pytest.fixture(scope="module")
def pal_frame() -> np.ndarray:
    """A full 576×720 PAL frame (the astronaut), for checks at real PAL positions."""
    return _read_only(cv2.resize(data.astronaut(), (720, 576), interpolation=cv2.INTER_AREA))


def _mean_abs_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def _changed_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.flatnonzero((a != b).any(axis=(1, 2)))


# --------------------------------------------------------------------------- #
# The contract every artifact shares
# --------------------------------------------------------------------------- #
def test_artifact_table_matches_names():
    assert tuple(ARTIFACTS) == ARTIFACT_NAMES
    assert set(ARTIFACT_NAMES) <= {field for field in DegradeSettings().to_dict()}
    assert len(ARTIFACT_NAMES) == len(set(ARTIFACT_NAMES))


@pytest.mark.parametrize("name", ARTIFACT_NAMES)
def test_strength_zero_returns_an_exact_copy(name, small_image):
    output = ARTIFACTS[name](small_image, 0.0, np.random.default_rng(0))
    assert np.array_equal(output, small_image)
    assert output is not small_image
    assert not np.shares_memory(output, small_image)


@pytest.mark.parametrize("name", ARTIFACT_NAMES)
@pytest.mark.parametrize("strength", [0.3, 1.0])
@pytest.mark.parametrize("size", [(96, 128), (75, 101)], ids=["96x128", "odd-75x101"])
def test_shape_and_dtype_are_kept(name, strength, size, small_image):
    image = cv2.resize(small_image, size[::-1], interpolation=cv2.INTER_AREA)
    output = ARTIFACTS[name](image, strength, np.random.default_rng(1))
    assert output.shape == image.shape
    assert output.dtype == np.uint8


@pytest.mark.parametrize("name", ARTIFACT_NAMES)
def test_input_is_not_modified(name, small_image):
    image = small_image.copy()  # writable, so in-place writes would go through silently
    ARTIFACTS[name](image, 1.0, np.random.default_rng(2))
    assert np.array_equal(image, small_image)


@pytest.mark.parametrize("name", ARTIFACT_NAMES)
def test_same_seed_gives_same_output(name, small_image):
    first = ARTIFACTS[name](small_image, 0.8, np.random.default_rng(7))
    second = ARTIFACTS[name](small_image, 0.8, np.random.default_rng(7))
    assert np.array_equal(first, second)


@pytest.mark.parametrize("name", RANDOM_ARTIFACTS)
def test_other_seeds_give_other_output(name, pal_frame):
    reference = ARTIFACTS[name](pal_frame, 1.0, np.random.default_rng(0))
    # Some artifacts draw integers (border widths, band heights), so one other seed could
    # land on the same value; three seeds all doing so would mean the generator is ignored.
    others = [ARTIFACTS[name](pal_frame, 1.0, np.random.default_rng(seed)) for seed in (1, 2, 3)]
    assert any(not np.array_equal(reference, other) for other in others)


@pytest.mark.parametrize("name", sorted(SEED_INDEPENDENT_ARTIFACTS))
def test_seed_independent_artifacts_ignore_the_seed(name, small_image):
    first = ARTIFACTS[name](small_image, 1.0, np.random.default_rng(0))
    second = ARTIFACTS[name](small_image, 1.0, np.random.default_rng(12345))
    assert np.array_equal(first, second)


@pytest.mark.parametrize("name", ARTIFACT_NAMES)
def test_full_strength_changes_the_image(name, pal_frame):
    output = ARTIFACTS[name](pal_frame, 1.0, np.random.default_rng(0))
    assert not np.array_equal(output, pal_frame)


@pytest.mark.parametrize("name", ARTIFACT_NAMES)
def test_more_strength_means_more_damage(name, pal_frame):
    weak = ARTIFACTS[name](pal_frame, 0.25, np.random.default_rng(4))
    strong = ARTIFACTS[name](pal_frame, 1.0, np.random.default_rng(4))
    assert _mean_abs_difference(strong, pal_frame) > _mean_abs_difference(weak, pal_frame) > 0.0


# --------------------------------------------------------------------------- #
# Argument checks
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("name", ARTIFACT_NAMES)
@pytest.mark.parametrize("strength", [-0.1, 1.5, math.nan, math.inf, "strong", None])
def test_bad_strength_raises(name, strength, small_image):
    with pytest.raises(ValueError, match="strength"):
        ARTIFACTS[name](small_image, strength, np.random.default_rng(0))


BAD_IMAGES = {
    "float": np.zeros((32, 32, 3), np.float32),
    "uint16": np.zeros((32, 32, 3), np.uint16),
    "grey-HxW": np.zeros((32, 32), np.uint8),
    "rgba-HxWx4": np.zeros((32, 32, 4), np.uint8),
    "too-small": np.zeros((4, 4, 3), np.uint8),
    "list": [[[0, 0, 0]] * 32] * 32,
}


@pytest.mark.parametrize("name", ["grain", "jitter", "compression"])
@pytest.mark.parametrize("image", BAD_IMAGES.values(), ids=BAD_IMAGES.keys())
def test_bad_image_raises_in_artifacts(name, image):
    with pytest.raises(ValueError, match="image"):
        ARTIFACTS[name](image, 0.5, np.random.default_rng(0))


@pytest.mark.parametrize("image", BAD_IMAGES.values(), ids=BAD_IMAGES.keys())
def test_bad_image_raises_in_degrade(image):
    with pytest.raises(ValueError, match="image"):
        degrade(image, PRESETS["default"], seed=0)


@pytest.mark.parametrize("name", ARTIFACT_NAMES)
@pytest.mark.parametrize("rng", [0, None, np.random.RandomState(0)], ids=["int", "None", "RandomState"])
def test_rng_must_be_a_generator(name, rng, small_image):
    with pytest.raises(ValueError, match="Generator"):
        ARTIFACTS[name](small_image, 0.5, rng)


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
    with pytest.raises(ValueError):
        DegradeSettings(**fields)


def test_degrade_rejects_settings_that_are_not_degrade_settings(small_image):
    with pytest.raises(ValueError, match="DegradeSettings"):
        degrade(small_image, {"jitter": 0.5}, seed=0)


def test_from_dict_rejects_unknown_keys():
    with pytest.raises(ValueError, match="vhs_wobble"):
        DegradeSettings.from_dict({"jitter": 0.5, "vhs_wobble": 1.0})


# --------------------------------------------------------------------------- #
# What each artifact does, at PAL positions
# --------------------------------------------------------------------------- #
def test_chroma_smear_keeps_luma(pal_frame):
    output = ARTIFACTS["chroma_smear"](pal_frame, 1.0, np.random.default_rng(0))
    change = np.abs(rgb_to_yuv(output) - rgb_to_yuv(pal_frame)).mean(axis=(0, 1))
    luma_change, chroma_change = change[0], min(change[1], change[2])
    assert chroma_change > 0.002  # colour really smeared (U/V span about ±0.6)
    assert luma_change < 0.25 * chroma_change  # luma moves only through rounding and clipping


def test_head_switching_tears_only_the_bottom(pal_frame):
    for seed in range(3):
        output = ARTIFACTS["head_switching"](pal_frame, 1.0, np.random.default_rng(seed))
        assert np.array_equal(output[:288], pal_frame[:288])
        rows = _changed_rows(output, pal_frame)
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
        assert _mean_abs_difference(output[:20], pal_frame[:20]) > 5 * _mean_abs_difference(output[60:288], pal_frame[60:288])


def test_side_borders_blank_the_edges(pal_frame):
    for seed in range(3):
        output = ARTIFACTS["side_borders"](pal_frame, 1.0, np.random.default_rng(seed))
        assert np.all(output[:, :12] == 0)  # at least 12 px on the left at full strength
        assert np.all(output[:, -2:] == 0)  # at least 2 px on the right
        assert np.array_equal(output[:, 24:-10], pal_frame[:, 24:-10])  # the picture is untouched


def test_compression_is_worse_at_full_strength(pal_frame):
    rng = np.random.default_rng(0)
    strong = _mean_abs_difference(ARTIFACTS["compression"](pal_frame, 1.0, rng), pal_frame)
    mild = _mean_abs_difference(ARTIFACTS["compression"](pal_frame, 0.3, rng), pal_frame)
    assert strong > 1.5 * mild > 0


def _horizontal_gradient_energy(image: np.ndarray) -> float:
    return float((np.diff(image.astype(np.float32), axis=1) ** 2).mean())


def _high_frequency_energy(image: np.ndarray) -> float:
    image = image.astype(np.float32)
    return float(((image - cv2.GaussianBlur(image, (0, 0), 1.0)) ** 2).mean())


def test_softness_removes_horizontal_detail(pal_frame):
    output = ARTIFACTS["softness"](pal_frame, 1.0, np.random.default_rng(0))
    assert _horizontal_gradient_energy(output) < 0.6 * _horizontal_gradient_energy(pal_frame)


def test_grain_adds_high_frequencies(pal_frame):
    output = ARTIFACTS["grain"](pal_frame, 1.0, np.random.default_rng(0))
    assert _high_frequency_energy(output) > 2.0 * _high_frequency_energy(pal_frame)


def test_interlace_moves_only_the_odd_lines(pal_frame):
    for seed in range(3):
        output = ARTIFACTS["interlace"](pal_frame, 1.0, np.random.default_rng(seed))
        assert np.array_equal(output[0::2], pal_frame[0::2])
        assert _mean_abs_difference(output[1::2], pal_frame[1::2]) > 1.0


# --------------------------------------------------------------------------- #
# degrade(), presets and settings
# --------------------------------------------------------------------------- #
def test_all_zero_settings_are_identity(small_image):
    output = degrade(small_image, DegradeSettings(), seed=5)
    assert np.array_equal(output, small_image)
    assert not np.shares_memory(output, small_image)


def test_presets_exist():
    assert {"default", "light", "heavy"} <= set(PRESETS)
    for settings in PRESETS.values():
        assert isinstance(settings, DegradeSettings)
    assert any(PRESETS["default"].strengths().values())


@pytest.mark.parametrize("preset", ["default", "light", "heavy"])
def test_degrade_is_deterministic_per_seed(preset, small_image):
    first = degrade(small_image, PRESETS[preset], seed=3)
    assert first.shape == small_image.shape and first.dtype == np.uint8
    assert np.array_equal(first, degrade(small_image, PRESETS[preset], seed=3))
    # An integer seed and a generator made from it are the same thing.
    assert np.array_equal(first, degrade(small_image, PRESETS[preset], seed=np.random.default_rng(3)))
    assert not np.array_equal(first, degrade(small_image, PRESETS[preset], seed=4))


def test_default_is_the_default_preset(small_image):
    assert np.array_equal(degrade(small_image, seed=1), degrade(small_image, PRESETS["default"], seed=1))


def test_presets_lower_ssim_in_order(pal_frame):
    scores = {name: ssim(degrade(pal_frame, PRESETS[name], seed=0), pal_frame) for name in ("light", "default", "heavy")}
    # Damage a restorer can still learn from: clearly worse, far from noise.
    assert 0.4 < scores["default"] < 0.9
    assert scores["light"] > scores["default"] > scores["heavy"] > 0.2


def test_each_artifact_has_its_own_randomness(pal_frame):
    # Head switching runs before the tint band and touches only the bottom lines: turning
    # it on must not re-roll the band (height, feather) at the top.
    alone = degrade(pal_frame, DegradeSettings(tint_band=1.0), seed=9)
    with_tear = degrade(pal_frame, DegradeSettings(tint_band=1.0, head_switching=1.0), seed=9)
    assert np.array_equal(alone[:288], with_tear[:288])
    assert not np.array_equal(alone[288:], with_tear[288:])


def test_random_settings_are_valid_and_vary(small_image):
    samples = [random_settings(np.random.default_rng(seed)) for seed in range(40)]
    for settings in samples:
        assert isinstance(settings, DegradeSettings)
        assert all(0.0 <= strength <= 1.0 for strength in settings.strengths().values())
    assert len({json.dumps(settings.to_dict()) for settings in samples}) == len(samples)
    # Over 40 draws every artifact is on at least once and off at least once.
    for name in ARTIFACT_NAMES:
        states = {getattr(settings, name) > 0 for settings in samples}
        assert states == {True, False}, name
    assert random_settings(np.random.default_rng(3)) == random_settings(np.random.default_rng(3))
    output = degrade(small_image, samples[0], seed=0)
    assert output.shape == small_image.shape and output.dtype == np.uint8


def test_random_settings_rejects_a_non_generator():
    with pytest.raises(ValueError, match="Generator"):
        random_settings(3)


def test_settings_round_trip_through_dict_and_json():
    original = DegradeSettings(jitter=0.5, chroma_delay=1.0, tint_hue=200.0, cast_offset=(1.0, 2.0, 3.0))
    assert DegradeSettings.from_dict(original.to_dict()) == original
    # JSON turns tuples into lists; from_json must turn them back.
    assert DegradeSettings.from_json(json.dumps(original.to_dict())) == original
    for preset in PRESETS.values():
        assert DegradeSettings.from_dict(preset.to_dict()) == preset
