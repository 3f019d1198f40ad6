"""PAL / BT.601 facts, in one place: frame geometry and the RGB <-> YUV matrices.

A digitised PAL frame has 576 active lines of 720 samples (13.5 MHz, BT.601); a 4:3
picture on that grid is 768 square pixels wide, so each sample is about 1.07 pixels wide.
"""

from __future__ import annotations

import numpy as np

PAL_WIDTH, PAL_HEIGHT = 720, 576
SQUARE_PIXEL_WIDTH = 768  # 4:3 square-pixel equivalent of a PAL line

# BT.601 RGB <-> YUV (full range), as 3×3 matrices for cv2.transform: Y in [0, 1] for RGB
# in [0, 1], U about ±0.44, V about ±0.62.
RGB_TO_YUV = np.array(
    [[0.299, 0.587, 0.114], [-0.14713, -0.28886, 0.436], [0.615, -0.51499, -0.10001]],
    dtype=np.float32,
)
YUV_TO_RGB = np.linalg.inv(RGB_TO_YUV).astype(np.float32)


def square_pixel_width(width: int) -> int:
    """Width in square pixels of a PAL anamorphic line of ``width`` samples (720 -> 768)."""
    return max(1, round(width * SQUARE_PIXEL_WIDTH / PAL_WIDTH))
