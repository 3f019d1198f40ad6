"""PAL / BT.601 facts and line shifting (restore/pal.py): the one sign convention (a
positive offset moves a line's content right), sub-pixel shifts, what comes in at the
edge, and the in-place shifter the simulator uses agreeing with `shift_lines`."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from restore.pal import (
    RGB_TO_YUV,
    YUV_TO_RGB,
    shift_lines,
    shift_lines_in_place,
    square_pixel_width,
)


def _dot_lines(height: int = 6, width: int = 32, column: int = 10) -> np.ndarray:
    """float32 ``height×width``: black, one white pixel per line at ``column``."""
    image = np.zeros((height, width), np.float32)
    image[:, column] = 1.0
    return image


@pytest.fixture(scope="module")
def picture() -> np.ndarray:
    return cv2.resize(data.astronaut(), (128, 96), interpolation=cv2.INTER_AREA)


def test_square_pixel_width_and_matrices():
    assert square_pixel_width(720) == 768 and square_pixel_width(360) == 384
    np.testing.assert_allclose(YUV_TO_RGB @ RGB_TO_YUV, np.eye(3), atol=1e-6)


@pytest.mark.parametrize("offset", [3, -3, 0])
def test_positive_offset_moves_content_right(offset):
    shifted = shift_lines(_dot_lines(), float(offset))
    assert np.all(shifted.argmax(axis=1) == 10 + offset)
    assert np.all(shifted.max(axis=1) == 1.0)


def test_each_line_moves_by_its_own_offset():
    offsets = np.array([0, 1, 2, -1, -4, 5], np.float32)
    shifted = shift_lines(_dot_lines(), offsets)
    assert shifted.argmax(axis=1).tolist() == (10 + offsets).astype(int).tolist()


def test_sub_pixel_offsets_interpolate_linearly():
    shifted = shift_lines(_dot_lines(), np.full(6, 0.25, np.float32))
    np.testing.assert_allclose(shifted[:, 10], 0.75, atol=1e-6)
    np.testing.assert_allclose(shifted[:, 11], 0.25, atol=1e-6)
    np.testing.assert_allclose(shifted.sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize("offset", [4.0, -4.0])
def test_what_comes_in_at_the_edge(offset):
    grey = np.full((4, 20, 3), 128, np.uint8)
    edge = slice(0, 4) if offset > 0 else slice(-4, None)
    assert np.all(shift_lines(grey, offset, fill_black=True)[:, edge] == 0)  # blanking
    np.testing.assert_array_equal(shift_lines(grey, offset), grey)  # the edge repeated


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("fill_black", [False, True])
def test_one_offset_is_the_same_as_that_offset_on_every_line(picture, dtype, fill_black):
    # A single number takes a faster path (an affine warp); it must give the same pixels.
    image = picture.astype(dtype) * (257 if dtype == np.uint16 else 1)
    for offset in (1.37, -2.5, 7.0):
        single = shift_lines(image, offset, fill_black=fill_black)
        per_line = shift_lines(image, np.full(image.shape[0], offset, np.float32), fill_black=fill_black)
        assert single.dtype == image.dtype and single.shape == image.shape
        np.testing.assert_array_equal(single, per_line)


def test_whole_pixel_shift_and_back_restores_the_inside(picture):
    offsets = np.random.default_rng(0).integers(-5, 6, picture.shape[0]).astype(np.float32)
    back = shift_lines(shift_lines(picture, offsets), -offsets)
    np.testing.assert_array_equal(back[:, 5:-5], picture[:, 5:-5])


def test_in_place_shift_follows_the_same_convention_on_its_rows_only(picture):
    planes = [np.ascontiguousarray(channel.astype(np.float32)) for channel in cv2.split(picture)]
    before = [plane.copy() for plane in planes]
    rows = slice(20, 60)
    offsets = np.random.default_rng(1).integers(-6, 7, 40).astype(np.float32)
    shift_lines_in_place(planes, offsets, rows, fill_black=True)
    for plane, original in zip(planes, before):
        np.testing.assert_array_equal(plane[:20], original[:20])
        np.testing.assert_array_equal(plane[60:], original[60:])
        # Whole pixels: exactly what shift_lines does.
        np.testing.assert_array_equal(plane[rows], shift_lines(original[rows], offsets, fill_black=True))
    # Sub-pixel: the same up to its 1/32-pixel grid.
    fractional = np.linspace(-3.3, 3.3, 40).astype(np.float32)
    plane = before[0].copy()
    shift_lines_in_place([plane], fractional, rows)
    assert np.abs(plane[rows] - shift_lines(before[0][rows], fractional)).max() <= 255 / 32


@pytest.mark.parametrize("length", [5, 7])
def test_offsets_must_be_one_per_line(length):
    with pytest.raises(ValueError, match=r"one number per line \(6\)"):
        shift_lines(_dot_lines(), np.zeros(length, np.float32))
    with pytest.raises(ValueError, match=r"one number per line \(6\)"):
        shift_lines_in_place([_dot_lines()], np.zeros(length, np.float32))
