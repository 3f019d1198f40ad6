"""Time-base correction: line offsets measured on the black side borders and undone."""

import cv2
import numpy as np
import pytest
from skimage import data

from restore.degrade import ARTIFACTS, DegradeSettings, degrade
from restore.engine.timebase import TimebaseSettings, correct_timebase, estimate_line_offsets
from restore.metrics import psnr
from restore.pal import shift_lines


@pytest.fixture(scope="module")
def frame():
    return cv2.resize(data.astronaut(), (360, 288), interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="module")
def bordered(frame):
    return ARTIFACTS["side_borders"](frame, 0.8, np.random.default_rng(0))


def wave(height, amplitude=3.0):
    lines = np.arange(height, dtype=np.float32)
    return amplitude * np.sin(lines / 23.0) + 0.5 * amplitude * np.sin(lines / 5.0 + 1.0)


def test_offsets_follow_the_displacement(bordered):
    true_offsets = wave(bordered.shape[0])
    jittered = shift_lines(bordered, true_offsets, fill_black=True)
    estimated = estimate_line_offsets(jittered)
    assert estimated is not None
    # The absolute position of a straight border is unknown: compare around the median.
    error = estimated - (true_offsets - np.median(true_offsets))
    assert np.corrcoef(estimated, true_offsets)[0, 1] > 0.97
    assert np.abs(error - np.median(error)).mean() < 0.4


def test_correction_brings_the_frame_back(bordered):
    jittered = shift_lines(bordered, wave(bordered.shape[0]), fill_black=True)
    corrected = correct_timebase(jittered)
    assert corrected.shape == jittered.shape and corrected.dtype == np.uint8
    assert psnr(corrected, bordered) > psnr(jittered, bordered) + 4.0


def test_simulated_jitter_with_borders_is_reduced(frame):
    settings = DegradeSettings(side_borders=0.8, jitter=0.9)
    gains = []
    for seed in range(4):
        jittered = degrade(frame, settings, seed=seed)
        reference = degrade(frame, DegradeSettings(side_borders=0.8), seed=seed)
        gains.append(psnr(correct_timebase(jittered), reference) - psnr(jittered, reference))
    assert np.mean(gains) > 1.0


@pytest.mark.parametrize("seed", range(3))
def test_frames_without_borders_pass_unchanged(frame, seed):
    jittered = degrade(frame, DegradeSettings(jitter=1.0, grain=0.5), seed=seed)
    assert estimate_line_offsets(jittered) is None
    np.testing.assert_array_equal(correct_timebase(jittered), jittered)


def test_straight_border_needs_no_correction(bordered):
    assert estimate_line_offsets(bordered) is None
    np.testing.assert_array_equal(correct_timebase(bordered), bordered)


def test_a_border_that_only_wanders_slowly_is_left_alone(bordered):
    # A slide mount's edge or a turned picture: its edge drifts a few pixels over the frame,
    # with none of the line-to-line movement of a time-base error. Shifting would shear it.
    lines = np.arange(bordered.shape[0], dtype=np.float32)
    wandering = shift_lines(bordered, 2.0 * np.sin(lines / 90.0), fill_black=True)
    assert estimate_line_offsets(wandering) is None
    np.testing.assert_array_equal(correct_timebase(wandering), wandering)


def test_a_ragged_border_over_a_picture_that_stays_is_left_alone(frame):
    # A scanned film's edge (or dark picture at the side) wanders from line to line while
    # the picture stays put: the border alone is no time-base error, and shifting the
    # lines by its wander would shear a good frame.
    ragged = frame.copy()
    for line, width in enumerate(np.rint(12 + wave(frame.shape[0])).astype(int)):
        ragged[line, :width] = 0
    anything_goes = TimebaseSettings(min_agreement=-1.0)
    assert estimate_line_offsets(ragged, anything_goes) is not None  # the border alone looks like jitter
    assert estimate_line_offsets(ragged) is None
    np.testing.assert_array_equal(correct_timebase(ragged), ragged)


def test_input_is_not_modified(bordered):
    jittered = shift_lines(bordered, wave(bordered.shape[0]), fill_black=True)
    before = jittered.copy()
    correct_timebase(jittered)
    np.testing.assert_array_equal(jittered, before)


def test_offsets_have_the_sign_of_pal_shift_lines(bordered):
    # The lower half moved 3 px right (positive, as `restore.pal.shift_lines` moves it):
    # measured 3 px further right than the upper half. (On top, lines moved ±0.6 px against
    # their neighbours: without such line-to-line jitter an edge is not a time-base error.)
    height = bordered.shape[0]
    lines = np.arange(height)
    offsets = (np.where(lines < height // 2, 0.0, 3.0) + np.where((lines // 2) % 2, 0.6, -0.6)).astype(np.float32)
    estimated = estimate_line_offsets(shift_lines(bordered, offsets, fill_black=True))
    assert estimated is not None
    lower, upper = estimated[height // 2 + 4 :], estimated[: height // 2 - 4]
    assert abs(float(np.median(lower) - np.median(upper)) - 3.0) < 0.3, (np.median(lower), np.median(upper))


def test_correction_is_pal_shift_lines_by_minus_the_offsets(bordered):
    # correct_timebase undoes the measured offsets with the one line shifter, black coming
    # in at the edges as the blanking did.
    jittered = shift_lines(bordered, wave(bordered.shape[0]), fill_black=True)
    offsets = estimate_line_offsets(jittered)
    assert offsets is not None
    np.testing.assert_array_equal(correct_timebase(jittered), shift_lines(jittered, -offsets, fill_black=True))


@pytest.mark.parametrize("bad", [np.zeros((32, 32), np.uint8), np.zeros((32, 32, 3), np.float32), np.zeros((32, 32, 4), np.uint8)])
def test_bad_input_raises(bad):
    with pytest.raises(ValueError, match="uint8 H×W×3"):
        correct_timebase(bad)
