"""Tests of the benchmark's held-out degradation model, bench/heldout_damage/.

Every damage function keeps shape and dtype, leaves its input alone, is deterministic per seed and
changes the image; the band functions touch only the rows of their band.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from skimage import data

from bench import heldout_damage as damage

FUNCTIONS = {
    **{name: function for name, function in damage.SETS.items() if name != "clean"},
    **{name: function for name, (function, _) in damage.BAND_KINDS.items()},
    **damage.STEP_SETS,  # every digital and sample-like step, and every analogue step at both strengths
}
BAND_FUNCTIONS = {name: function for name, (function, _) in damage.BAND_KINDS.items()}


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return cv2.resize(data.astronaut(), (80, 64), interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_shape_dtype_determinism_and_change(image, name):
    function = FUNCTIONS[name]
    before = image.copy()
    for seed in range(3):
        first = function(image, np.random.default_rng(seed))
        second = function(image, np.random.default_rng(seed))
        assert first.shape == image.shape and first.dtype == np.uint8
        assert np.array_equal(first, second), "not deterministic per seed"
        assert not np.array_equal(first, image), f"seed {seed} left the image unchanged"
    assert np.array_equal(image, before), "the input was modified"


def test_clean_is_an_identical_copy(image):
    out = damage.clean(image, np.random.default_rng(0))
    assert out is not image and np.array_equal(out, image)


@pytest.mark.parametrize("name", BAND_FUNCTIONS)
@pytest.mark.parametrize("band", [damage.Band(10, 30, feather=0), damage.Band(0, 12, feather=3), damage.Band(44, 64, feather=5)])
def test_band_changes_only_its_rows(image, name, band):
    out = BAND_FUNCTIONS[name](image, np.random.default_rng(1), band=band)
    changed = np.flatnonzero(np.any(out != image, axis=(1, 2)))
    assert changed.size > 0
    assert changed.min() >= band.top and changed.max() < band.bottom


@pytest.mark.parametrize("name", BAND_FUNCTIONS)
def test_drawn_bands_are_one_run_of_rows_up_to_a_third_of_the_frame(image, name):
    for seed in range(5):
        out = BAND_FUNCTIONS[name](image, np.random.default_rng(seed))
        changed = np.flatnonzero(np.any(out != image, axis=(1, 2)))
        assert changed.size > 0
        assert changed.max() - changed.min() + 1 <= max(8, image.shape[0] // 3)


def test_band_weights_feather_inside_and_not_at_the_frame_edge():
    weights = damage.Band(0, 10, feather=3).weights(64)
    assert weights[0] == 1.0 and weights[-1] < 1.0  # the top edge is the frame's own
    assert np.all((weights > 0) & (weights <= 1))


def test_green_and_magenta_bars_drop_the_right_channels(image):
    band = damage.Band(0, 20)
    green = damage.green_bar(image, np.random.default_rng(0), band=band).astype(int)
    magenta = damage.magenta_bar(image, np.random.default_rng(0), band=band).astype(int)
    assert green[:20, :, [0, 2]].mean() < 0.25 * image[:20, :, [0, 2]].mean()
    assert magenta[:20, :, 1].mean() < 0.25 * image[:20, :, 1].mean()


def test_archive_like_drops_the_green_or_the_red_and_blue_over_the_top_75_to_100_lines():
    image = cv2.resize(data.astronaut(), (96, 576), interpolation=cv2.INTER_AREA)  # a PAL frame's 576 lines
    bars = set()
    for seed in range(8):
        out = damage.archive_like(image, np.random.default_rng(seed)).astype(np.float64)
        # Each channel's level against the clean frame's, in the lines every bar covers and below the longest.
        top = out[:72].mean(axis=(0, 1)) / image[:72].mean(axis=(0, 1))
        below = out[104:].mean(axis=(0, 1)) / image[104:].mean(axis=(0, 1))
        gone = tuple(int(channel) for channel in np.flatnonzero(top < 0.3))
        assert gone in {(0, 2), (1,)}, f"seed {seed}: channel levels {top.round(2)} in the top lines"
        assert (below > 0.8).all(), f"seed {seed}: channel levels {below.round(2)} below the bar"
        bars.add(gone)
    assert bars == {(0, 2), (1,)}  # both kinds of bar are drawn


def test_generalise_scores_every_step_alone(tmp_path, model_folder, capsys):
    # `python bench/generalise.py --steps`: each analogue step (both strengths) and digital step
    # alone, beside clean, in the table and the JSON.
    from bench import generalise

    photos = tmp_path / "photos"
    photos.mkdir()
    cv2.imwrite(str(photos / "coffee.png"), data.coffee()[..., ::-1])
    figures = tmp_path / "figures.json"
    assert generalise.main(["--val", str(photos), "--model", str(model_folder), "--steps", "--no-nlmeans",
                            "--grid", "", "--json", str(figures)]) == 0
    table = capsys.readouterr().out
    assert "| analogue_strong.lift_and_wash |" in table and "| digital.posterise |" in table and "| clean |" in table
    assert "| sample_like.red_cast |" in table
    sets = json.loads(figures.read_text())["sets"]
    assert set(sets) == {*damage.STEP_SETS, "clean"}
    assert len(damage.STEP_SETS) == 2 * len(damage.ANALOGUE_STEPS) + len(damage.DIGITAL_STEPS) + len(damage.SAMPLE_LIKE_STEPS)
    # The mild and strong forms of a step are different damage.
    assert sets["analogue_mild.luma_noise"]["input"]["psnr"] != sets["analogue_strong.luma_noise"]["input"]["psnr"]


def test_generalise_names_an_unknown_step(tmp_path, capsys):
    from bench import generalise

    with pytest.raises(SystemExit):
        generalise.parse_args(["--val", str(tmp_path), "--sets", "analogue_strong.no_such_step"])
    assert "unknown set(s) analogue_strong.no_such_step" in capsys.readouterr().err
