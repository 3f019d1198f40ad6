"""An image taken apart for the network and put back: its layout (grey, RGB, RGBA), its
full-scale value (8-bit, 16-bit, float), the conversions to and from float32 in [0, 1],
and runs of neighbouring images of one size (`Restorer.restore_batch`). Pure numpy and
OpenCV."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from restore.pal import square_pixel_width

# Full-scale value of each supported integer dtype; float images are already in [0, 1].
FULL_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


@dataclasses.dataclass(frozen=True)
class Prepared:
    """An image taken apart for the network: its RGB (``colour``, the caller's dtype, or
    float32 for float input), full-scale value and layout, and what `finish` needs."""

    array: np.ndarray
    layout: str  # "grey", "grey1", "rgb" or "rgba"
    colour: np.ndarray
    scale: float

    def finish(self, restored: np.ndarray, pal_aspect: bool) -> np.ndarray:
        """The restored RGB, in the input's dtype (a whole image) or float32 in [0, 1] (a
        tiled one), back in the input's layout and dtype and (with ``pal_aspect``) square pixels."""
        height, width = self.array.shape[:2]
        alpha = self.array[:, :, 3] if self.layout == "rgba" else None
        if alpha is not None and self.scale == 1.0:
            alpha = alpha.astype(np.float32)  # float results are float32, alpha included
        if pal_aspect:
            new_size = (square_pixel_width(width), height)
            # Cubic for the picture (sharp; its overshoot is clipped by the conversion
            # below), linear for alpha (no ringing around hard mask edges).
            restored = cv2.resize(restored, new_size, interpolation=cv2.INTER_CUBIC)
            if alpha is not None:
                alpha = cv2.resize(np.ascontiguousarray(alpha), new_size, interpolation=cv2.INTER_LINEAR)
        if self.layout in ("grey", "grey1"):
            restored = cv2.cvtColor(restored, cv2.COLOR_RGB2GRAY)
            restored = restored if self.layout == "grey" else restored[:, :, None]
        result = from_unit(restored, self.array.dtype, self.scale) if restored.dtype.kind == "f" else np.ascontiguousarray(restored)
        if alpha is not None:
            result = np.dstack([result, alpha])
        return result


def prepare(image) -> Prepared:
    """Check an image (see `Restorer.restore`) and take out its RGB."""
    array = np.asarray(image)
    if array.ndim == 2:
        layout = "grey"
        colour = np.repeat(array[:, :, None], 3, axis=2)
    elif array.ndim == 3 and array.shape[2] in (1, 3, 4):
        layout = {1: "grey1", 3: "rgb", 4: "rgba"}[array.shape[2]]
        colour = np.repeat(array, 3, axis=2) if layout == "grey1" else array[:, :, :3]
    else:
        raise ValueError(f"expected an image of shape H×W, H×W×1, H×W×3 or H×W×4; got {array.shape}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"image has no pixels: shape {array.shape}")
    scale = full_scale(array)
    if scale == 1.0:
        if not np.isfinite(colour).all():
            raise ValueError("float image contains NaN or infinity")
        colour = colour.astype(np.float32)
    return Prepared(array, layout, colour, scale)


def same_size_runs(prepared: list[Prepared], size: int) -> list[list[Prepared]]:
    """Neighbouring images of one shape and scale, in runs of at most ``size``."""
    runs: list[list[Prepared]] = []
    for item in prepared:
        last = runs[-1] if runs else None
        if last and len(last) < size and last[0].colour.shape == item.colour.shape and last[0].colour.dtype == item.colour.dtype:
            last.append(item)
        else:
            runs.append([item])
    return runs


def full_scale(array: np.ndarray) -> float:
    if array.dtype in FULL_SCALE:
        return FULL_SCALE[array.dtype]
    if array.dtype.kind == "f":
        return 1.0
    raise ValueError(f"unsupported image dtype {array.dtype}: use uint8, uint16 or float in [0, 1]")


def to_unit(block: np.ndarray, scale: float) -> np.ndarray:
    """Integer or float block -> float32 in [0, 1] (a new array)."""
    unit = block.astype(np.float32)
    if scale != 1.0:
        unit *= np.float32(1.0 / scale)
    else:
        np.clip(unit, 0.0, 1.0, out=unit)
    return unit


def from_unit(unit: np.ndarray, dtype: np.dtype, scale: float) -> np.ndarray:
    """float32 in [0, 1] -> the caller's dtype (rounded for integers, float32 for floats).

    Works in place on ``unit`` (which the caller gives up): for a 4000×3000 image each
    float temporary would cost another 144 MB.
    """
    np.clip(unit, 0.0, 1.0, out=unit)
    if scale == 1.0:
        return np.ascontiguousarray(unit)
    unit *= np.float32(scale)
    np.rint(unit, out=unit)
    return unit.astype(dtype)
