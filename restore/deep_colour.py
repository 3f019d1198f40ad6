"""Deep-colour decoding: the 16-bit data that Pillow would truncate to 8 bits.

Pillow opens 16-bit colour PNGs and PPMs as 8-bit RGB; OpenCV keeps all 16 bits, so
`restore.images` decodes those files with OpenCV and turns them upright here, with the
same EXIF rule Pillow applies to its own images. Arrays are uint16 0..65535.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageOps


def is_16bit_colour(img: Image.Image) -> bool:
    """True when Pillow would truncate a 16-bit colour (or grey+alpha) image to 8 bits."""
    if img.mode not in ("RGB", "RGBA", "LA"):
        return False
    for tile in img.tile or ():
        args = tile[3] if len(tile) > 3 else None
        if isinstance(args, str):
            rawmode = args
        else:
            rawmode = args[0] if isinstance(args, tuple) and args else ""
        if isinstance(rawmode, str) and ";16" in rawmode:
            return True
        if tile[0] == "ppm" and isinstance(args, tuple) and len(args) > 1 and args[1] > 255:
            return True
    return False


def decode_16bit_colour(data: bytes, shape: tuple[int, int]):
    """OpenCV keeps all 16 bits. Returns (rgb16, alpha16) or (None, None) to fall back to Pillow."""
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None or arr.dtype != np.uint16 or arr.shape[:2] != shape:
        return None, None
    alpha = None
    if arr.ndim == 2:
        rgb16 = np.repeat(arr[:, :, None], 3, axis=2)
    elif arr.shape[2] == 2:
        rgb16 = np.repeat(arr[:, :, :1], 3, axis=2)
        alpha = arr[:, :, 1].copy()
    elif arr.shape[2] == 3:
        rgb16 = arr[:, :, ::-1].copy()
    elif arr.shape[2] == 4:
        rgb16 = arr[:, :, 2::-1].copy()
        alpha = arr[:, :, 3].copy()
    else:
        return None, None
    return np.ascontiguousarray(rgb16), alpha


def grey_to_16bit(grey: np.ndarray) -> np.ndarray:
    """Pillow's 16/32-bit integer or float greyscale -> uint16 H×W×3.

    Integers are clipped to 0..65535; floats in [0, 1] are scaled to 0..65535, other floats clipped.
    """
    if grey.dtype.kind == "f":
        grey = np.nan_to_num(grey.astype(np.float64), nan=0.0, posinf=65535.0, neginf=0.0)
        if grey.size and grey.min() >= 0.0 and grey.max() <= 1.0:
            grey = grey * 65535.0
        grey = np.rint(np.clip(grey, 0, 65535))
    else:
        grey = np.clip(grey.astype(np.int64), 0, 65535)
    return np.repeat(grey.astype(np.uint16)[:, :, None], 3, axis=2)


def reduce_16_to_8(a16: np.ndarray) -> np.ndarray:
    """uint16 0..65535 -> uint8 0..255 with exact rounding: round(x / 257) (no ties occur)."""
    return ((a16.astype(np.uint32) + 128) // 257).astype(np.uint8)


def exif_upright(array: np.ndarray, exif: bytes) -> np.ndarray:
    """An H×W or H×W×C uint16 array turned upright as Pillow turns its own images.

    OpenCV decodes the 16-bit data, so Pillow never holds it: each plane goes through
    `PIL.ImageOps.exif_transpose` on its own (mode I;16) with the file's EXIF block.
    """
    planes = array[:, :, None] if array.ndim == 2 else array
    upright = []
    for channel in range(planes.shape[2]):
        plane = Image.fromarray(np.ascontiguousarray(planes[:, :, channel]))
        plane.info["exif"] = exif
        upright.append(np.asarray(ImageOps.exif_transpose(plane)))
    return np.ascontiguousarray(upright[0] if array.ndim == 2 else np.dstack(upright))
