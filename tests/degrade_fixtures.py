"""Fixtures shared by the simulator's test modules (tests/test_degrade_*.py), which load
them with ``pytest_plugins = ("degrade_fixtures",)``. Images come from scikit-image's
bundled samples, so nothing outside the repository is needed.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from degrade_helpers import read_only
from skimage import data


@pytest.fixture(scope="module")
def small_image() -> np.ndarray:
    """96×128 RGB (the cat), for the contract checks that do not depend on position."""
    return read_only(cv2.resize(data.chelsea(), (128, 96), interpolation=cv2.INTER_AREA))


@pytest.fixture(scope="module")
def pal_frame() -> np.ndarray:
    """A full 576×720 PAL frame (the astronaut), for checks at real PAL positions."""
    return read_only(cv2.resize(data.astronaut(), (720, 576), interpolation=cv2.INTER_AREA))
