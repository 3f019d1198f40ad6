"""Scene-stage artifacts (restore/degrade/artifacts/scene.py): what each does, and where,
on a 576×720 PAL-sized frame."""

from __future__ import annotations

import numpy as np
from degrade_helpers import mean_abs_difference

from restore.degrade import ARTIFACTS

pytest_plugins = ("degrade_fixtures",)


def test_side_borders_blank_the_edges(pal_frame):
    for seed in range(3):
        output = ARTIFACTS["side_borders"](pal_frame, 1.0, np.random.default_rng(seed))
        assert np.all(output[:, :12] == 0)  # at least 12 px on the left at full strength
        assert np.all(output[:, -2:] == 0)  # at least 2 px on the right
        assert np.array_equal(output[:, 24:-10], pal_frame[:, 24:-10])  # the picture is untouched


def test_interlace_moves_only_the_odd_lines(pal_frame):
    for seed in range(3):
        output = ARTIFACTS["interlace"](pal_frame, 1.0, np.random.default_rng(seed))
        assert np.array_equal(output[0::2], pal_frame[0::2])
        assert mean_abs_difference(output[1::2], pal_frame[1::2]) > 1.0
