"""`degrade` (restore/degrade/pipeline.py): identity, determinism, argument checks, each
artifact's own randomness, the shuffled order within stages and the second pass."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from degrade_helpers import BAD_IMAGES

from restore.degrade import ARTIFACT_NAMES, PRESETS, TABLE, DegradeSettings, degrade
from restore.degrade.artifacts import SECOND_PASS_ARTIFACTS, STAGES
from restore.degrade.pipeline import plan, second_pass_plan
from restore.metrics import ssim

pytest_plugins = ("degrade_fixtures",)


def test_all_zero_settings_are_identity(small_image):
    output = degrade(small_image, DegradeSettings(), seed=5)
    assert np.array_equal(output, small_image)
    assert not np.shares_memory(output, small_image)


@pytest.mark.parametrize("image", BAD_IMAGES.values(), ids=BAD_IMAGES.keys())
def test_bad_image_raises_in_degrade(image):
    with pytest.raises(ValueError, match="image"):
        degrade(image, PRESETS["default"], seed=0)


def test_degrade_rejects_settings_that_are_not_degrade_settings(small_image):
    with pytest.raises(ValueError, match="DegradeSettings"):
        degrade(small_image, {"jitter": 0.5}, seed=0)


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


def test_each_artifact_has_its_own_randomness(pal_frame):
    # Head switching runs before the tint band and touches only the bottom lines: turning
    # it on must not re-roll the band (height, feather) at the top.
    alone = degrade(pal_frame, DegradeSettings(tint_band=1.0), seed=9)
    with_tear = degrade(pal_frame, DegradeSettings(tint_band=1.0, head_switching=1.0), seed=9)
    assert np.array_equal(alone[:288], with_tear[:288])
    assert not np.array_equal(alone[288:], with_tear[288:])


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
        stages = [STAGES.index(TABLE[name].stage) for name in order]
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
