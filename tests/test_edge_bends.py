"""Time-base correction of bent top and bottom lines (flagging) on frames without borders."""

import cv2
import numpy as np
import pytest
from skimage import data

from restore.degrade import ARTIFACTS, DegradeSettings, degrade
from restore.engine.restorer import _align_lines
from restore.engine.timebase import EdgeBendSettings, correct_timebase, estimate_edge_bends, line_corrections
from restore.metrics import psnr
from restore.pal import shift_lines

HEIGHT, WIDTH = 288, 360
BEND_LINES, BEND_SHIFT = 30, 12.0  # at this size: 60 lines and 24 px of a 720×576 frame


def picture(name: str) -> np.ndarray:
    return cv2.resize(getattr(data, name)(), (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="module")
def frame():
    return picture("astronaut")


def bend(edge: str, side: str) -> np.ndarray:
    """Per-line offsets of a quadratic bend at the ``edge`` ("top"/"bottom"), black entering
    from ``side`` ("left": the lines moved right, positive)."""
    lines = np.arange(HEIGHT, dtype=np.float32)
    offsets = BEND_SHIFT * np.clip(1 - lines / BEND_LINES, 0, 1) ** 2
    offsets = offsets if edge == "top" else offsets[::-1]
    return (offsets if side == "left" else -offsets).astype(np.float32)


# The detector needs picture with some structure beside the black (it cannot tell a bend
# from a dark object's corner on a flat or dark picture): each corner on a photo that has it.
@pytest.mark.parametrize("name, edge, side", [
    ("astronaut", "top", "left"), ("astronaut", "top", "right"), ("rocket", "bottom", "left"), ("chelsea", "bottom", "right"),
])
def test_a_bent_edge_is_measured_and_straightened(name, edge, side):
    frame = picture(name)
    true_offsets = bend(edge, side)
    bent = shift_lines(frame, true_offsets, fill_black=True)
    estimated = estimate_edge_bends(bent)
    assert estimated is not None
    bent_lines = np.abs(true_offsets) > 1.0
    assert np.abs(estimated - true_offsets)[bent_lines].mean() < 0.4
    # Lines that never moved stay where they are.
    assert np.all(estimated[np.abs(true_offsets) == 0] == 0)
    corrected = correct_timebase(bent)
    assert psnr(corrected, frame) > psnr(bent, frame) + 5.0


def test_the_gap_is_filled_from_the_edge_not_black(frame):
    bent = shift_lines(frame, bend("top", "left"), fill_black=True)
    offsets, fill_black = line_corrections(bent)
    assert not fill_black
    corrected = correct_timebase(bent)
    np.testing.assert_array_equal(corrected, shift_lines(bent, -offsets))
    # The top line moved 12 px right and back: its right end repeats its last pixel, not black.
    assert corrected[0, -6:].min() > 0


def test_a_bend_on_a_frame_with_borders_is_measured_on_the_border():
    frame = picture("chelsea")
    bordered = ARTIFACTS["side_borders"](frame, 0.8, np.random.default_rng(0))
    true_offsets = bend("top", "left")
    bent = shift_lines(bordered, true_offsets, fill_black=True)
    offsets, fill_black = line_corrections(bent)
    assert fill_black  # the blanking comes back in at the side, as the border was
    bent_lines = np.abs(true_offsets) > 1.0
    assert np.abs(offsets - true_offsets)[bent_lines].mean() < 0.3
    assert np.all(offsets[np.abs(true_offsets) == 0] == 0)
    assert psnr(correct_timebase(bent), bordered) > psnr(bent, bordered) + 5.0


@pytest.mark.parametrize("side_borders", [0.0, 0.8])
def test_simulated_flagging_is_straightened_with_and_without_borders(side_borders):
    frame = picture("chelsea")
    gains = []
    for seed in range(4):
        skewed = degrade(frame, DegradeSettings(side_borders=side_borders, top_skew=1.0), seed=seed)
        reference = degrade(frame, DegradeSettings(side_borders=side_borders), seed=seed)
        gains.append(psnr(correct_timebase(skewed), reference) - psnr(skewed, reference))
    assert min(gains) > 4.0, gains


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea", "rocket", "camera", "immunohistochemistry"])
def test_clean_pictures_are_left_alone(name):
    picture = getattr(data, name)()
    picture = picture if picture.ndim == 3 else np.repeat(picture[..., None], 3, axis=2)
    for image in (picture, cv2.resize(picture, (720, 576), interpolation=cv2.INTER_AREA)):
        assert estimate_edge_bends(image) is None
        np.testing.assert_array_equal(correct_timebase(image), image)


def test_a_dark_corner_that_never_moved_is_not_a_bend():
    frame = picture("chelsea")
    # The same wedge of black, painted over the picture instead of pushed in by a shift:
    # shifting the lines would tear the picture, so it is left as it is.
    # The black is exactly that of a shifted frame, edge blending included.
    coverage = shift_lines(np.ones(frame.shape, np.float32), bend("top", "left"), fill_black=True)
    cornered = np.rint(frame * coverage).astype(np.uint8)
    assert estimate_edge_bends(cornered) is None
    # What rejects it is the torn picture: the wedge alone would pass for a bend.
    assert estimate_edge_bends(cornered, EdgeBendSettings(min_gain=-1.0)) is not None


def test_a_short_wedge_is_not_a_bend(frame):
    # Five lines of black at the top corner: as often a dark object as a bend.
    lines = np.arange(HEIGHT, dtype=np.float32)
    bent = shift_lines(frame, (BEND_SHIFT * np.clip(1 - lines / 5, 0, 1)).astype(np.float32), fill_black=True)
    assert estimate_edge_bends(bent) is None


def test_settings_decide_what_counts(frame):
    bent = shift_lines(frame, bend("top", "left"), fill_black=True)
    assert estimate_edge_bends(bent, EdgeBendSettings(min_shift=30.0)) is None
    assert estimate_edge_bends(bent, EdgeBendSettings(max_lines=20.0)) is None


def test_high_bit_depth_frames_are_straightened_like_8_bit_ones(frame):
    bent = shift_lines(frame, bend("top", "right"), fill_black=True)
    offsets, _ = line_corrections(bent)
    deep = bent.astype(np.uint16) * 257
    np.testing.assert_array_equal(_align_lines(deep, 65535.0), shift_lines(deep, -offsets))
