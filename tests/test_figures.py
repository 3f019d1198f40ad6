"""restore.figures: the sample grids of training and the benchmarks."""

import numpy as np

from restore.figures import image_grid


def test_image_grid_scales_rows_and_fills_gaps():
    wide = np.zeros((20, 40, 3), np.uint8)  # scaled to 10×20
    square = np.full((30, 30, 3), 7, np.uint8)  # scaled to 10×10
    grid = image_grid([(wide, wide), (square,)], height=10, gap=2, fill=255)
    # Row 1: two 14×24 cells; row 2: one 14×14 cell padded on the right to 48.
    assert grid.shape == (28, 48, 3) and grid.dtype == np.uint8
    assert (grid[0] == 255).all() and (grid[2:12, 2:22] == 0).all() and (grid[2:12, 26:46] == 0).all()
    assert (grid[16:26, 2:12] == 7).all() and (grid[14:28, 14:] == 255).all()
    assert image_grid([(wide,)], height=10).shape == (10, 20, 3)  # no gap by default
