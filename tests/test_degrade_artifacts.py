"""The simulator's artifacts (restore/degrade/artifacts/): the table, the contract every
artifact shares, and the same contract for every form an option selects.

Every artifact is checked for the contract all of them share (strength 0 is an exact
copy, shape and dtype kept, deterministic per generator, argument errors), and so is
every form an option selects (`FORMS`). What each artifact does is checked per stage,
in test_degrade_<stage>.py. Images come from scikit-image's bundled samples.
"""

from __future__ import annotations

import dataclasses
import importlib
import math

import cv2
import numpy as np
import pytest
from degrade_helpers import BAD_IMAGES, mean_abs_difference

from restore.degrade import (
    ANY,
    ARTIFACT_NAMES,
    ARTIFACTS,
    FORM_ARTIFACT,
    FORM_OPTIONS,
    FORMS,
    ORIGINAL_STRENGTH_NAMES,
    STRENGTH_NAMES,
    TABLE,
    DegradeSettings,
)
from restore.degrade.artifacts import STAGES
from restore.degrade.frame import to_frame, to_rgb

pytest_plugins = ("degrade_fixtures",)


# The artifacts whose damage depends on the strength alone (the PAL squeeze is a fixed
# resampling, the capture card's JPEG quality a function of strength), as the table
# declares them; every other artifact draws from the generator. Both kinds are checked
# below, so the table's claim is tested, not trusted.
SEED_INDEPENDENT_ARTIFACTS = {name for name in ARTIFACT_NAMES if not TABLE[name].random}


RANDOM_ARTIFACTS = [name for name in ARTIFACT_NAMES if name not in SEED_INDEPENDENT_ARTIFACTS]


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
    assert set(stages) <= set(STAGES)
    assert stages == sorted(stages, key=STAGES.index)
    # Every form option belongs to an artifact, and its choices are its forms plus "any".
    assert set(FORM_ARTIFACT) == set(FORMS) == set(FORM_OPTIONS)
    assert set(FORM_ARTIFACT.values()) <= set(ARTIFACT_NAMES)
    for option, forms in FORMS.items():
        assert FORM_OPTIONS[option] == (ANY, *forms) and len(set(forms)) == len(forms) >= 2


@pytest.mark.parametrize("name", ARTIFACT_NAMES)
def test_each_artifact_has_params_a_draw_and_an_apply(name, pal_frame):
    artifact = TABLE[name]
    # The three parts live in the module of the artifact's stage.
    stage_module = importlib.import_module(f"restore.degrade.artifacts.{artifact.stage}")
    assert artifact.draw is getattr(stage_module, f"random_{name}")
    assert artifact.apply is getattr(stage_module, f"add_{name}")
    params = artifact.draw(0.7, np.random.default_rng(0), pal_frame.shape[:2], DegradeSettings())
    assert type(params) is getattr(stage_module, _params_class_name(name))
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
    assert mean_abs_difference(strong, pal_frame) > mean_abs_difference(weak, pal_frame) > 0.0


@pytest.mark.parametrize("name", ARTIFACT_NAMES)
@pytest.mark.parametrize("strength", [-0.1, 1.5, math.nan, math.inf, "strong", None])
def test_bad_strength_raises(name, strength, small_image):
    with pytest.raises(ValueError, match="strength"):
        ARTIFACTS[name](small_image, strength, np.random.default_rng(0))


@pytest.mark.parametrize("name", ["grain", "jitter", "compression"])
@pytest.mark.parametrize("image", BAD_IMAGES.values(), ids=BAD_IMAGES.keys())
def test_bad_image_raises_in_artifacts(name, image):
    with pytest.raises(ValueError, match="image"):
        ARTIFACTS[name](image, 0.5, np.random.default_rng(0))


@pytest.mark.parametrize("name", ARTIFACT_NAMES)
@pytest.mark.parametrize("rng", [0, None, np.random.RandomState(0)], ids=["int", "None", "RandomState"])
def test_rng_must_be_a_generator(name, rng, small_image):
    with pytest.raises(ValueError, match="Generator"):
        ARTIFACTS[name](small_image, 0.5, rng)


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
        weak.append(mean_abs_difference(ARTIFACTS[name](pal_frame, 0.25, np.random.default_rng(seed), settings), pal_frame))
        strong.append(mean_abs_difference(ARTIFACTS[name](pal_frame, 1.0, np.random.default_rng(seed), settings), pal_frame))
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
