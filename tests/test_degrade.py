"""Tests of the VHS/PAL simulator, the package restore/degrade/.

Every artifact is checked for the contract all of them share (strength 0 is an exact
copy, shape and dtype kept, deterministic per generator, argument errors), and so is
every form an option selects (`FORMS`); then each artifact and form for the damage it
is meant to do and where it does it, on a 576×720 PAL-sized frame where positions or
sizes matter (distances scale with the picture, so small images get sub-pixel damage).
`degrade` itself is checked for identity, determinism, presets, the shuffled order, the
second pass, random training settings and settings (de)serialisation. Images come from
scikit-image's bundled samples, so nothing outside the repository is needed.
"""

from __future__ import annotations

import dataclasses
import json
import math

import cv2
import numpy as np
import pytest
from skimage import data

from restore.degrade import (
    ANY,
    ARTIFACT_NAMES,
    ARTIFACTS,
    FORM_ARTIFACT,
    FORM_OPTIONS,
    FORMS,
    OPTION_NAMES,
    ORIGINAL_STRENGTH_NAMES,
    PRESETS,
    STRENGTH_NAMES,
    TABLE,
    DegradeSettings,
    degrade,
    random_settings,
    rgb_to_yuv,
)
from restore.degrade import artifacts as artifacts_module
from restore.degrade.artifacts import SECOND_PASS_ARTIFACTS
from restore.degrade.frame import to_frame, to_rgb
from restore.degrade.pipeline import plan, second_pass_plan
from restore.metrics import ssim

# The artifacts whose damage depends on the strength alone (the PAL squeeze is a fixed
# resampling, the capture card's JPEG quality a function of strength), as the table
# declares them; every other artifact draws from the generator. Both kinds are checked
# below, so the table's claim is tested, not trusted.
SEED_INDEPENDENT_ARTIFACTS = {name for name in ARTIFACT_NAMES if not TABLE[name].random}
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
# The sixteen original strengths, in the order the app's API takes them positionally:
# new strengths may only come after them.
ORIGINAL_SIXTEEN = (
    "interlace", "side_borders", "softness", "chroma_smear", "ringing", "grain", "dropouts", "tracking",
    "jitter", "top_skew", "head_switching", "chroma_delay", "tint_band", "levels", "pal_aspect", "compression",
)


def _params_class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Params"


def test_artifact_table_matches_names():
    assert tuple(ARTIFACTS) == ARTIFACT_NAMES == tuple(TABLE)
    assert len(ARTIFACT_NAMES) == len(set(ARTIFACT_NAMES))
    # Every artifact has its strength field; the only other strength is the second pass.
    assert set(STRENGTH_NAMES) == set(ARTIFACT_NAMES) | {"second_pass"}
    assert ORIGINAL_STRENGTH_NAMES == ORIGINAL_SIXTEEN == STRENGTH_NAMES[:16]
    assert [field.name for field in dataclasses.fields(DegradeSettings)][:16] == list(ORIGINAL_SIXTEEN)
    assert SEED_INDEPENDENT_ARTIFACTS == {"pal_aspect", "compression"}
    # Stages run in physical order, and the table lists the artifacts stage by stage.
    stages = [TABLE[name].stage for name in ARTIFACT_NAMES]
    assert set(stages) <= set(artifacts_module.STAGES)
    assert stages == sorted(stages, key=artifacts_module.STAGES.index)
    # Every form option belongs to an artifact, and its choices are its forms plus "any".
    assert set(FORM_ARTIFACT) == set(FORMS) == set(FORM_OPTIONS)
    assert set(FORM_ARTIFACT.values()) <= set(ARTIFACT_NAMES)
    for option, forms in FORMS.items():
        assert FORM_OPTIONS[option] == (ANY, *forms) and len(set(forms)) == len(forms) >= 2


@pytest.mark.parametrize("name", ARTIFACT_NAMES)
def test_each_artifact_has_params_a_draw_and_an_apply(name, pal_frame):
    artifact = TABLE[name]
    assert artifact.draw is getattr(artifacts_module, f"random_{name}")
    assert artifact.apply is getattr(artifacts_module, f"add_{name}")
    params = artifact.draw(0.7, np.random.default_rng(0), pal_frame.shape[:2], DegradeSettings())
    assert type(params).__name__ == _params_class_name(name)
    assert dataclasses.is_dataclass(params)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(params, dataclasses.fields(params)[0].name, 0)
    # Drawing is deterministic per generator, and drifting fields are real numeric fields.
    assert params == artifact.draw(0.7, np.random.default_rng(0), pal_frame.shape[:2], DegradeSettings())
    fields = {field.name for field in dataclasses.fields(params)}
    assert set(artifact.drift) <= fields
    for field in artifact.drift:
        assert all(isinstance(value, (int, float)) for value in np.atleast_1d(getattr(params, field)))
    # The public function is exactly: draw with the generator, then apply.
    rng = np.random.default_rng(5)
    expected = to_rgb(artifact.apply(to_frame(pal_frame), artifact.draw(0.7, rng, pal_frame.shape[:2], DegradeSettings()), rng))
    assert np.array_equal(ARTIFACTS[name](pal_frame, 0.7, np.random.default_rng(5)), expected)


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
# The same contract for every form an option selects
# --------------------------------------------------------------------------- #
FORM_CASES = [(option, form) for option, forms in FORMS.items() for form in forms]
FORM_IDS = [f"{option}={form}" for option, form in FORM_CASES]

# The params field that records each option's form (the band's position is where its rows are).
_FORM_FIELD = {
    "blur_kernel": "kernel", "noise_kind": "kind", "ringing_form": "form", "skew_profile": "profile",
    "band_form": "form", "line_offset_form": "form", "speckle_kind": "kind", "resample_filter": "down",
}


def _form_settings(option: str, form: str) -> DegradeSettings:
    return DegradeSettings(**{option: form})


def _drawn_form(option: str, params, height: int) -> str:
    if option == "band_position":
        if params.top == 0:
            return "top"
        return "bottom" if math.isclose(params.top + params.height, height) else "middle"
    return getattr(params, _FORM_FIELD[option])


@pytest.mark.parametrize(("option", "form"), FORM_CASES, ids=FORM_IDS)
def test_form_strength_zero_is_the_identity(option, form, small_image):
    output = ARTIFACTS[FORM_ARTIFACT[option]](small_image, 0.0, np.random.default_rng(0), _form_settings(option, form))
    assert np.array_equal(output, small_image)
    assert not np.shares_memory(output, small_image)


@pytest.mark.parametrize(("option", "form"), FORM_CASES, ids=FORM_IDS)
def test_form_is_deterministic_per_seed_and_seeds_differ(option, form, pal_frame):
    name, settings = FORM_ARTIFACT[option], _form_settings(option, form)
    first = ARTIFACTS[name](pal_frame, 1.0, np.random.default_rng(7), settings)
    assert first.shape == pal_frame.shape and first.dtype == np.uint8
    assert np.array_equal(first, ARTIFACTS[name](pal_frame, 1.0, np.random.default_rng(7), settings))
    others = [ARTIFACTS[name](pal_frame, 1.0, np.random.default_rng(seed), settings) for seed in (1, 2, 3)]
    assert any(not np.array_equal(first, other) for other in others)


@pytest.mark.parametrize(("option", "form"), FORM_CASES, ids=FORM_IDS)
def test_form_is_the_one_drawn(option, form):
    # The option really selects the form: every draw has it, whatever the seed.
    name, settings = FORM_ARTIFACT[option], _form_settings(option, form)
    for seed in range(8):
        params = TABLE[name].draw(1.0, np.random.default_rng(seed), (576, 720), settings)
        assert _drawn_form(option, params, 576) == form
        if option == "resample_filter":
            assert params.up == form
        if form == "middle":
            assert 0.1 * 576 <= params.top and params.top + params.height <= 0.9 * 576 + 1e-6


@pytest.mark.parametrize("option", list(FORMS))
def test_any_form_draws_every_form(option):
    # "any" (the training default) draws a form per image: over some seeds every one comes up.
    name, settings = FORM_ARTIFACT[option], _form_settings(option, ANY)
    seen = {_drawn_form(option, TABLE[name].draw(0.8, np.random.default_rng(seed), (576, 720), settings), 576) for seed in range(80)}
    assert seen == set(FORMS[option])


@pytest.mark.parametrize(("option", "form"), FORM_CASES, ids=FORM_IDS)
def test_form_changes_the_image_and_more_strength_means_more_damage(option, form, pal_frame):
    name, settings = FORM_ARTIFACT[option], _form_settings(option, form)
    weak, strong = [], []
    for seed in range(4):
        weak.append(_mean_abs_difference(ARTIFACTS[name](pal_frame, 0.25, np.random.default_rng(seed), settings), pal_frame))
        strong.append(_mean_abs_difference(ARTIFACTS[name](pal_frame, 1.0, np.random.default_rng(seed), settings), pal_frame))
    assert min(strong) > 0.0, strong  # full strength always does something
    assert np.mean(weak) > 0.0, weak
    if (option, form) == ("resample_filter", "nearest"):
        # Nearest-neighbour aliasing depends on how the pixel grids line up, not only on
        # the factor: per seed a weaker squeeze can move more pixels. On average it cannot.
        assert np.mean(strong) > np.mean(weak), (weak, strong)
    else:
        # Same seed, same draws: only the strength differs. (A weak blur can be below
        # what 8 bits show, so the weak side may be 0.)
        assert all(s > w for w, s in zip(weak, strong)), (weak, strong)


@pytest.mark.parametrize("option", list(FORMS))
@pytest.mark.parametrize("bad", ["triangle", "", None, 3, "ANY"])
def test_bad_form_raises_naming_the_option(option, bad):
    with pytest.raises(ValueError, match=option):
        DegradeSettings(**{option: bad})


@pytest.mark.parametrize("bad", ["yes", 1, 0, None, 1.0])
def test_shuffle_order_must_be_a_bool(bad):
    with pytest.raises(ValueError, match="shuffle_order"):
        DegradeSettings(shuffle_order=bad)


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
# What the new artifacts and forms do, and where
# --------------------------------------------------------------------------- #
def _runs(rows: np.ndarray) -> list[tuple[int, int]]:
    """Contiguous runs ``(first, last)`` of sorted row indices."""
    if rows.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(rows) > 1)
    starts, ends = np.r_[rows[0], rows[breaks + 1]], np.r_[rows[breaks], rows[-1]]
    return list(zip(starts.tolist(), ends.tolist()))


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


def _draw(name: str, strength: float, seed: int, image: np.ndarray, settings: DegradeSettings | None = None):
    """The parameters ``ARTIFACTS[name](image, strength, default_rng(seed), settings)``
    applies: the public function draws them first from the same generator."""
    return TABLE[name].draw(strength, np.random.default_rng(seed), image.shape[:2], settings or DegradeSettings())


@pytest.mark.parametrize("position", FORMS["band_position"])
def test_color_band_changes_only_its_rows(position, pal_frame):
    height = pal_frame.shape[0]
    settings = DegradeSettings(band_position=position)
    for seed in range(6):
        output = ARTIFACTS["color_band"](pal_frame, 1.0, np.random.default_rng(seed), settings)
        params = _draw("color_band", 1.0, seed, pal_frame, settings)
        rows = _changed_rows(output, pal_frame)
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
        runs = _runs(_changed_rows(output, pal_frame))
        assert len(runs) == 1, (seed, runs)
        band = slice(runs[0][0], runs[0][1] + 1)
        ratio = output[band].reshape(-1, 3).mean(axis=0) / pal_frame[band].reshape(-1, 3).mean(axis=0)
        lost = np.flatnonzero(np.asarray(_draw("color_band", 1.0, seed, pal_frame, settings).gains) < 1)
        kept = np.setdiff1d(np.arange(3), lost)
        assert 1 <= lost.size <= 2, seed  # one or two channels gone, never all three
        assert ratio[lost].max() < 0.5, (seed, ratio)
        assert ratio[lost].max() < ratio[kept].min(), (seed, ratio)
        # A lost channel only ever gets darker (up to the round trip's rounding).
        assert np.all(output[..., lost].astype(int) <= pal_frame[..., lost].astype(int) + 1)


@pytest.mark.parametrize("form", FORMS["line_offset_form"])
def test_line_offsets_shift_only_a_block_of_lines_by_whole_pixels(form, pal_frame):
    settings = DegradeSettings(line_offset_form=form)
    for seed in range(5):
        output = ARTIFACTS["line_offsets"](pal_frame, 1.0, np.random.default_rng(seed), settings)
        params = _draw("line_offsets", 1.0, seed, pal_frame, settings)
        top, bottom = int(params.top), int(params.top) + int(params.height)
        rows = _changed_rows(output, pal_frame)
        assert rows.size and rows.min() >= top and rows.max() < bottom, (seed, params)
        # Each changed line is the same line moved sideways by a whole number of pixels.
        offsets, errors = _best_shifts(output[rows], pal_frame[rows], 48)  # at most 40 px at full strength
        assert errors.max() <= 1, (seed, rows[errors > 1])
        if form == "staircase":
            # One run of lines down to the block's end, pushed further and further one way.
            assert len(_runs(rows)) == 1 and rows.max() == bottom - 1, (seed, _runs(rows))
            assert np.all(np.diff(np.abs(offsets)) >= 0) and len(set(np.sign(offsets))) == 1, (seed, offsets)
            assert len(set(offsets.tolist())) >= 2  # steps, not one shift
        else:
            # A wave: zero only near its crossings, both directions when it has room.
            assert rows.size > 0.5 * (bottom - top), seed
            if bottom - top > params.period:
                assert offsets.min() < 0 < offsets.max(), (seed, offsets)


def test_line_streaks_corrupt_only_a_few_lines(pal_frame):
    height = pal_frame.shape[0]
    for seed in range(8):
        output = ARTIFACTS["line_streaks"](pal_frame, 1.0, np.random.default_rng(seed))
        params = _draw("line_streaks", 1.0, seed, pal_frame)
        rows = _changed_rows(output, pal_frame)
        assert rows.size, seed
        assert rows.size <= params.count * int(params.max_lines) <= 0.1 * height, (seed, params)
        assert len(_runs(rows)) <= params.count, (seed, _runs(rows))
        unchanged = np.setdiff1d(np.arange(height), rows)
        assert np.array_equal(output[unchanged], pal_frame[unchanged])
        # A corrupted line is really corrupted, not nudged by rounding.
        assert _mean_abs_difference(output[rows], pal_frame[rows]) > 10, seed


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
        assert tuple(found) == _draw("channel_shift", 1.0, seed, pal_frame).shifts
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
    return _read_only(image)


def test_posterize_leaves_few_levels_and_lifts_the_floor(ramp_image):
    modes = set()
    for seed in range(10):
        output = ARTIFACTS["posterize"](ramp_image, 1.0, np.random.default_rng(seed))
        params = _draw("posterize", 1.0, seed, ramp_image)
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
    lifted = [seed for seed in range(10) if _draw("posterize", 1.0, seed, ramp_image).floor > 8 / 255]
    assert lifted
    for seed in lifted:
        output = ARTIFACTS["posterize"](ramp_image, 1.0, np.random.default_rng(seed))
        assert output[:16, :4].min() > ramp_image[:16, :4].min() + 4


@pytest.mark.parametrize("kind", FORMS["speckle_kind"])
def test_speckle_changes_few_pixels_in_the_right_direction(kind, small_image):
    for seed in range(6):
        output = ARTIFACTS["speckle"](small_image, 1.0, np.random.default_rng(seed), DegradeSettings(speckle_kind=kind))
        params = _draw("speckle", 1.0, seed, small_image, DegradeSettings(speckle_kind=kind))
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


@pytest.mark.parametrize("kernel", FORMS["blur_kernel"])
def test_blur_removes_detail_without_moving_the_picture(kernel, pal_frame):
    settings = DegradeSettings(blur_kernel=kernel)
    for seed in range(4):
        output = ARTIFACTS["blur"](pal_frame, 1.0, np.random.default_rng(seed), settings)
        assert _high_frequency_energy(output) < 0.7 * _high_frequency_energy(pal_frame), seed
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


@pytest.mark.parametrize("name", ["blur", "resample"])
def test_blur_and_resample_remove_high_frequencies(name, pal_frame):
    # With every form drawn ("any"); nearest-neighbour resampling is checked apart below.
    energies = []
    for seed in range(6):
        settings = DegradeSettings(resample_filter="cubic") if name == "resample" else DegradeSettings()
        energies.append(_high_frequency_energy(ARTIFACTS[name](pal_frame, 1.0, np.random.default_rng(seed), settings)))
    assert max(energies) < 0.95 * _high_frequency_energy(pal_frame)


@pytest.mark.parametrize("resample_filter", FORMS["resample_filter"])
def test_resample_loses_detail_with_every_filter(resample_filter, pal_frame):
    settings = DegradeSettings(resample_filter=resample_filter)
    for seed in range(4):
        output = ARTIFACTS["resample"](pal_frame, 1.0, np.random.default_rng(seed), settings)
        params = _draw("resample", 1.0, seed, pal_frame, settings)
        if resample_filter == "nearest":
            # Blocks: each surviving pixel repeated about ``factor`` times along the line.
            repeated = (output[:, 1:] == output[:, :-1]).all(axis=2).mean()
            assert repeated >= 1 - 1 / params.factor_x - 0.02 > (pal_frame[:, 1:] == pal_frame[:, :-1]).all(axis=2).mean(), seed
        else:
            limit = 0.97 if resample_filter == "area" else 0.95  # OpenCV's area filter enlarges by repeating pixels
            assert _high_frequency_energy(output) < limit * _high_frequency_energy(pal_frame), (seed, params)


@pytest.mark.parametrize("kind", FORMS["noise_kind"])
def test_noise_adds_high_frequencies(kind, pal_frame):
    for seed in range(4):
        output = ARTIFACTS["noise"](pal_frame, 1.0, np.random.default_rng(seed), DegradeSettings(noise_kind=kind))
        assert _high_frequency_energy(output) > 1.3 * _high_frequency_energy(pal_frame), seed


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


@pytest.fixture(scope="module")
def edge_image() -> np.ndarray:
    """Dark grey left half, light grey right half: a step for ringing to ripple around
    (PAL-wide: peaking works on detail a few PAL pixels wide)."""
    image = np.full((16, 720, 3), 60, np.uint8)
    image[:, 360:] = 190
    return _read_only(image)


@pytest.mark.parametrize("form", FORMS["ringing_form"])
def test_ringing_overshoots_both_sides_of_an_edge(form, edge_image):
    settings = DegradeSettings(ringing_form=form)
    for seed in range(4):
        output = ARTIFACTS["ringing"](edge_image, 1.0, np.random.default_rng(seed), settings).astype(int)
        params = _draw("ringing", 1.0, seed, edge_image, settings)
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


@pytest.mark.parametrize("profile", FORMS["skew_profile"])
def test_top_skew_profiles_bend_only_the_top(profile, pal_frame):
    settings = DegradeSettings(skew_profile=profile)
    for seed in range(3):
        output = ARTIFACTS["top_skew"](pal_frame, 1.0, np.random.default_rng(seed), settings)
        params = _draw("top_skew", 1.0, seed, pal_frame, settings)
        rows = _changed_rows(output, pal_frame)
        assert rows.min() == 0 and rows.max() < int(params.height), (seed, params)
        # The bend is largest at the top line and has mostly died down a fifth of the way up.
        low = int(0.8 * params.height)
        (top_shift, low_shift), _ = _best_shifts(output[[0, low]], pal_frame[[0, low]], 40)
        assert abs(top_shift - params.direction * params.offset) <= 1, (seed, top_shift, params)
        assert abs(low_shift) <= 0.2 * params.offset + 1, (seed, low_shift, params)


# --------------------------------------------------------------------------- #
# degrade(), presets and settings
# --------------------------------------------------------------------------- #
def test_all_zero_settings_are_identity(small_image):
    output = degrade(small_image, DegradeSettings(), seed=5)
    assert np.array_equal(output, small_image)
    assert not np.shares_memory(output, small_image)


def test_presets_exist():
    # The names the app's preset menu and the CLI's --preset offer.
    assert {"default", "light", "heavy", "archive", "clean"} <= set(PRESETS)
    for settings in PRESETS.values():
        assert isinstance(settings, DegradeSettings)
    assert PRESETS["clean"].is_identity()
    assert not any(PRESETS[name].is_identity() for name in PRESETS if name != "clean")


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
    assert 3.0 < _mean_abs_difference(first, pal_frame) < 50.0
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
        assert _mean_abs_difference(output[-4:], pal_frame[-4:]) > 1.5 * _mean_abs_difference(output[300:400], pal_frame[300:400])


@pytest.mark.parametrize("preset", ["default", "light", "heavy", "archive"])
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


def test_settings_round_trip_through_dict_and_json():
    original = DegradeSettings(jitter=0.5, chroma_delay=1.0, tint_hue=200.0, cast_offset=(1.0, 2.0, 3.0))
    assert DegradeSettings.from_dict(original.to_dict()) == original
    # JSON turns tuples into lists; from_json must turn them back.
    assert DegradeSettings.from_json(json.dumps(original.to_dict())) == original
    for preset in PRESETS.values():
        assert DegradeSettings.from_dict(preset.to_dict()) == preset


# --------------------------------------------------------------------------- #
# The shuffled order, the second pass, scaling
# --------------------------------------------------------------------------- #
# Several artifacts of one stage each (recording; capture), whose order matters: blurring
# before or after posterising, speckle before or after JPEG.
SEVERAL_PER_STAGE = DegradeSettings(
    softness=0.6, blur=0.8, chroma_smear=0.6, ringing=0.8,
    channel_shift=0.8, posterize=0.8, speckle=0.6, compression=0.5,
)


def test_shuffled_order_is_deterministic_and_not_the_fixed_order(small_image):
    shuffled = dataclasses.replace(SEVERAL_PER_STAGE, shuffle_order=True)
    differs = []
    for seed in range(4):
        output = degrade(small_image, shuffled, seed=seed)
        assert np.array_equal(output, degrade(small_image, shuffled, seed=seed))
        differs.append(not np.array_equal(output, degrade(small_image, SEVERAL_PER_STAGE, seed=seed)))
    assert any(differs)


def test_shuffled_order_stays_within_each_stage():
    everything = DegradeSettings(**{name: 0.5 for name in ARTIFACT_NAMES}, shuffle_order=True)
    orders = set()
    for seed in range(6):
        order = plan(everything, np.random.default_rng(seed))
        assert sorted(order) == sorted(ARTIFACT_NAMES)  # each enabled artifact once
        stages = [artifacts_module.STAGES.index(TABLE[name].stage) for name in order]
        assert stages == sorted(stages), order  # the scene is never captured before it is recorded
        orders.add(tuple(order))
    assert len(orders) > 1
    # Without shuffling, the table's order.
    assert plan(dataclasses.replace(everything, shuffle_order=False), np.random.default_rng(0)) == list(ARTIFACT_NAMES)


def test_second_pass_alone_damages_and_zero_is_the_identity(small_image, pal_frame):
    assert np.array_equal(degrade(small_image, DegradeSettings(second_pass=0.0), seed=1), small_image)
    assert not DegradeSettings(second_pass=0.3).is_identity()
    for seed in range(4):
        output = degrade(pal_frame, DegradeSettings(second_pass=0.6), seed=seed)
        assert not np.array_equal(output, pal_frame), seed
        assert np.array_equal(output, degrade(pal_frame, DegradeSettings(second_pass=0.6), seed=seed))
    # The second pass is re-digitisation damage only, each step at most the pass's strength.
    for seed in range(20):
        steps = second_pass_plan(0.6, np.random.default_rng(seed))
        assert steps and {name for name, _ in steps} <= set(SECOND_PASS_ARTIFACTS)
        assert all(0 < strength <= 0.6 for _, strength in steps)


def test_second_pass_adds_damage_on_top_of_the_first(small_image):
    first = DegradeSettings(softness=0.5, grain=0.3, levels=0.5)
    twice = dataclasses.replace(first, second_pass=0.7)
    scores = [(ssim(degrade(small_image, first, seed=seed), small_image), ssim(degrade(small_image, twice, seed=seed), small_image)) for seed in range(4)]
    assert all(second < once for once, second in scores), scores


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
    damage = [_mean_abs_difference(degrade(small_image, settings.scaled(factor), seed=2), small_image) for factor in (0.2, 0.6, 1.0)]
    assert damage[0] < damage[1] < damage[2], damage


@pytest.mark.parametrize("factor", [-0.5, 1.5, math.nan, "half", None])
def test_scaled_rejects_a_factor_outside_zero_to_one(factor):
    for settings in (PRESETS["default"], DegradeSettings()):  # also where every product is 0
        with pytest.raises(ValueError, match="factor"):
            settings.scaled(factor)
