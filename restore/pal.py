"""PAL / BT.601 facts and line shifting, in one place: frame geometry, the RGB <-> YUV
matrices, and moving lines sideways.

A digitised PAL frame has 576 active lines of 720 samples (13.5 MHz, BT.601); a 4:3
picture on that grid is 768 square pixels wide, so each sample is about 1.07 pixels wide.

Line shifting has one sign convention everywhere: a positive offset moves a line's
content to the right, a negative one to the left. The simulator uses it to make
time-base damage (`restore.degrade`), the time-base corrector to undo it
(`restore.engine.timebase`, which measures offsets with the same sign and shifts by minus them).
"""

from __future__ import annotations

import cv2
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


def _source_columns(offsets: np.ndarray, width: int) -> np.ndarray:
    """float32 ``len(offsets)×width``: the column each output pixel of line ``y`` is read
    from when that line moves right by ``offsets[y]``. The sign convention lives here."""
    return np.arange(width, dtype=np.float32)[None, :] - np.asarray(offsets, np.float32)[:, None]


def _border(fill_black: bool) -> int:
    # Black is 0 in RGB and in YUV alike; otherwise the edge pixels are repeated.
    return cv2.BORDER_CONSTANT if fill_black else cv2.BORDER_REPLICATE


def _check_offsets(offsets: np.ndarray, height: int) -> None:
    if np.shape(offsets) != (height,):
        raise ValueError(f"offsets must be one number per line ({height}), got shape {np.shape(offsets)}")


def shift_lines(image: np.ndarray, offsets: float | np.ndarray, *, fill_black: bool = False) -> np.ndarray:
    """Move line ``y`` of ``image`` right by ``offsets[y]`` pixels (negative: left),
    sub-pixel with linear interpolation; a single number moves every line by it.

    ``image`` is ``H×W`` or ``H×W×C`` of any dtype `cv2.remap` takes (uint8, uint16,
    float32); returns a new array of the same shape and dtype. What comes in at the
    edge is black (0) with ``fill_black``, else the edge pixels repeated.
    """
    height, width = image.shape[:2]
    if np.ndim(offsets) == 0:
        # One offset for all lines is an affine warp: the same pixels as the remap
        # below, several times faster.
        matrix = np.float32([[1, 0, offsets], [0, 1, 0]])
        return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=_border(fill_black), borderValue=0)
    _check_offsets(offsets, height)
    map_y = np.repeat(np.arange(height, dtype=np.float32)[:, None], width, axis=1)
    return cv2.remap(image, _source_columns(offsets, width), map_y, cv2.INTER_LINEAR, borderMode=_border(fill_black), borderValue=0)


def shift_lines_in_place(planes: list[np.ndarray], offsets: np.ndarray, rows: slice = slice(None), *, fill_black: bool = False) -> None:
    """Move line ``rows[y]`` of every plane right by ``offsets[y]`` pixels, in place, as
    `shift_lines` does. ``planes`` are same-size float32 ``H×W`` arrays (the simulator's
    [Y, U, V] frame); ``offsets`` has one number per line of ``rows``.

    The maps are built once for all planes, in OpenCV's 1/32-pixel fixed point: the
    simulator has always drawn its line shifts on that grid, so its outputs (and the
    training pairs made from them) stay as they were.
    """
    height, width = planes[0][rows].shape
    _check_offsets(offsets, height)
    map_y = np.broadcast_to(np.arange(height, dtype=np.float32)[:, None], (height, width))
    map_x, map_y = cv2.convertMaps(_source_columns(offsets, width), np.ascontiguousarray(map_y), cv2.CV_16SC2)
    for plane in planes:
        plane[rows] = cv2.remap(plane[rows], map_x, map_y, cv2.INTER_LINEAR, borderMode=_border(fill_black), borderValue=0)
