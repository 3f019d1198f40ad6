"""Fields of interlaced frames (restore/video/fields.py): split, weave, bob."""

from __future__ import annotations

import numpy as np
import pytest

from restore import video


def test_field_helpers():
    frame = np.arange(7 * 4 * 3, dtype=np.uint8).reshape(7, 4, 3)
    top, bottom = video.split_fields(frame)
    assert top.shape == (4, 4, 3) and bottom.shape == (3, 4, 3)
    np.testing.assert_array_equal(video.weave_fields(top, bottom), frame)
    # Bob puts a field's lines where they were filmed and fills between them.
    lines = np.full((6, 2, 3), 0, np.uint8)
    lines[1::2] = 200  # bottom field bright, top field dark
    high_top = video.bob_field(video.split_fields(lines)[0], bottom=False, height=6)
    high_bottom = video.bob_field(video.split_fields(lines)[1], bottom=True, height=6)
    assert (high_top == 0).all() and (high_bottom == 200).all()
    ramp = np.arange(0, 60, 10, dtype=np.uint8)[:, None, None].repeat(2, 1).repeat(3, 2)  # 0, 10, ..., 50
    np.testing.assert_array_equal(video.bob_field(ramp[0::2], False, 6)[:, 0, 0], [0, 10, 20, 30, 40, 40])
    np.testing.assert_array_equal(video.bob_field(ramp[1::2], True, 6)[:, 0, 0], [10, 10, 20, 30, 40, 50])
    with pytest.raises(ValueError):
        video.bob_field(ramp[0::2], True, 5)
