"""Safe reading and writing of images.

This module owns everything that touches image files:

* reading files (:func:`read_image`) and uploaded bytes (:func:`decode_image_bytes`) into a
  :class:`LoadedImage`: upright (EXIF orientation applied), uint8 RGB, with alpha and the original
  16-bit data kept when the source has them;
* the checks that make a bad input a clear :class:`ImageError` (message ``"<path>: <reason>"``)
  instead of a crash or a huge allocation: missing file, directory, empty file, not an image,
  corrupt or truncated data, too many pixels (checked from the header, before decoding);
* normalising the numpy images a Python caller or Gradio passes (:func:`to_rgb_uint8`);
* writing PNGs atomically (:func:`write_png`): a temporary file in the target folder, fsync,
  ``os.replace``; no partial file is ever left at the target path;
* expanding files and folders given on the command line into a list of images (:func:`find_images`).

Input files are only ever opened read-only. Nothing here imports Gradio or TensorFlow.
"""

from __future__ import annotations

import io
import os
import re
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from restore.deep_colour import (
    decode_16bit_colour,
    exif_upright,
    grey_to_16bit,
    is_16bit_colour,
    reduce_16_to_8,
)
from restore.files import broken_link_reason, find_files, write_bytes_atomically

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_PIXELS",
    "ImageError",
    "LoadedImage",
    "decode_image_bytes",
    "find_images",
    "probe_image",
    "read_image",
    "to_rgb_uint8",
    "write_png",
]

#: Default limit on width × height; larger images are refused before their pixel data is decoded.
MAX_PIXELS = 50_000_000

#: Lowercase suffixes treated as images when scanning folders (GIF: the first frame is used).
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".ppm", ".pgm", ".pnm"}
)

# Pillow decoders we allow. Restricting them keeps out formats whose decoders run external
# programs (EPS runs Ghostscript) or are rarely exercised. ("JPEG" also opens cameras' MPO files.)
_PIL_FORMATS = ("PNG", "JPEG", "BMP", "DIB", "TIFF", "WEBP", "GIF", "PPM")
_SUPPORTED_TEXT = "PNG, JPEG, BMP, TIFF, WebP, GIF, PPM/PGM"

_ORIENTATION_TAG = 0x0112


class ImageError(ValueError):
    """An input that cannot be used as an image. ``str(err)`` is ``"<path>: <reason>"``.

    Attributes: ``path`` (the file path or upload name, as given) and ``reason`` (plain words).
    """

    def __init__(self, path: object, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")

    def __reduce__(self):  # keep it picklable despite the two-argument constructor
        return (type(self), (self.path, self.reason))


@dataclass
class LoadedImage:
    """A decoded image, upright (EXIF orientation already applied).

    rgb:       uint8 array H×W×3, RGB order, 0..255. For 16-bit sources, ``round(rgb16 / 257)``.
    alpha:     None when the source has no transparency, else H×W: uint8 (0..255), or uint16
               (0..65535) when the source is 16-bit.
    bit_depth: 8 or 16 (bits per channel of the source; palette and 1-bit images count as 8).
    path:      the file read, or None for decoded bytes.
    rgb16:     for 16-bit sources, the original data as uint16 H×W×3 RGB (greyscale repeated
               into three channels); None for 8-bit sources.
    """

    rgb: np.ndarray
    alpha: np.ndarray | None = None
    bit_depth: int = 8
    path: Path | None = None
    rgb16: np.ndarray | None = None

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])


# --------------------------------------------------------------------------------------- reading


def read_image(path: str | os.PathLike, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """Read an image file into a :class:`LoadedImage` (see there for shapes and dtypes).

    Raises :class:`ImageError` (naming ``path`` and the reason) when the path is missing, a
    directory or not a regular file, the file is empty, unreadable, not an image Pillow may decode,
    corrupt or truncated, or has more than ``max_pixels`` pixels. The size is checked from the
    header before any pixel data is decoded. The file is opened read-only and never modified.
    """
    path = Path(path)
    with _open_file(path) as fp:

        def whole_file() -> bytes:
            fp.seek(0)
            return fp.read()

        loaded = _decode(fp, path, max_pixels, whole_file)
    loaded.path = path
    return loaded


def probe_image(path: str | os.PathLike, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """Check an image file as :func:`read_image` does, reading only its header: no pixel
    data is decoded. Returns ``(width, height)`` as stored (before EXIF orientation).

    Raises the :class:`ImageError` that :func:`read_image` would for a missing, empty,
    unreadable, non-image or too large file; corrupt pixel data is only found by decoding.
    Cheap enough to run over every input before loading a model.
    """
    path = Path(path)
    with _open_file(path) as fp:
        with _open_header(fp, path, max_pixels) as img:
            width, height = img.size
            _check_size(path, width, height, max_pixels)
    return width, height


def _open_file(path: Path) -> BinaryIO:
    """``path`` opened read-only, after the checks that need no reading; `ImageError` otherwise."""
    try:
        st = path.stat()
    except FileNotFoundError:
        reason = broken_link_reason(path) if path.is_symlink() else "no such file or directory"
        raise ImageError(path, reason) from None
    except PermissionError:
        raise ImageError(path, "permission denied") from None
    except OSError as exc:
        raise ImageError(path, f"cannot access the file ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ImageError(path, "is a directory, not an image file")
    if not stat.S_ISREG(st.st_mode):
        raise ImageError(path, "not a regular file")
    if st.st_size == 0:
        raise ImageError(path, "empty file (0 bytes)")
    try:
        return open(path, "rb")
    except PermissionError:
        raise ImageError(path, "permission denied") from None
    except OSError as exc:
        raise ImageError(path, f"cannot open the file ({exc.strerror or exc})") from None


def decode_image_bytes(
    data: bytes | bytearray | memoryview, name: str = "upload", max_pixels: int = MAX_PIXELS
) -> LoadedImage:
    """Decode an encoded image held in memory (e.g. a web upload); ``path`` of the result is None.

    Same checks and result as :func:`read_image`; error messages name ``name``.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ImageError(name, f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise ImageError(name, "empty file (0 bytes)")
    return _decode(io.BytesIO(data), name, max_pixels, lambda: data)


def _open_header(fp: BinaryIO, label: object, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Pillow's lazy open (the header only); `ImageError` for anything it cannot identify."""
    try:
        # We apply our own (normally stricter) limit afterwards; Pillow's warning is noise here,
        # and its DecompressionBombError (beyond twice its limit) becomes an ImageError.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(fp, formats=_PIL_FORMATS)
    except UnidentifiedImageError:
        reason = f"not a recognised image file (supported: {_SUPPORTED_TEXT})"
        raise ImageError(label, reason) from None
    except Image.DecompressionBombError as exc:
        # Pillow's own guard fired first: say so with our limit, not Pillow's (178,956,970).
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(found.group(1)):,}, " if found else ""
        raise ImageError(label, f"too many pixels: {size}more than the limit of {max_pixels:,}") from None
    except Exception as exc:  # noqa: BLE001 - any header failure is a bad input
        raise ImageError(label, f"cannot read the image header ({exc})") from None


def _check_size(label: object, width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise ImageError(label, f"image has no pixels ({width}×{height})")
    if width * height > max_pixels:
        raise ImageError(
            label,
            f"too many pixels: {width}×{height} = {width * height:,}, more than the limit of {max_pixels:,}",
        )


def _decode(
    fp: BinaryIO, label: object, max_pixels: int, whole_file: Callable[[], bytes]
) -> LoadedImage:
    img = _open_header(fp, label, max_pixels)
    with img:
        width, height = img.size
        _check_size(label, width, height, max_pixels)
        colour16 = is_16bit_colour(img)  # must look at img.tile before load() clears it
        orientation = _orientation(img)
        try:
            img.load()
        except Exception as exc:  # noqa: BLE001 - OSError, SyntaxError, zlib errors, ...
            raise ImageError(label, f"corrupt or truncated image data ({exc})") from None

        rgb16 = alpha = None
        if colour16:
            rgb16, alpha = decode_16bit_colour(whole_file(), (height, width))
        if rgb16 is None and img.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
            rgb16 = grey_to_16bit(np.asarray(img))
        if rgb16 is not None:
            if orientation != 1:
                exif = img.getexif().tobytes()
                rgb16 = exif_upright(rgb16, exif)
                alpha = exif_upright(alpha, exif) if alpha is not None else None
            rgb = reduce_16_to_8(rgb16)
            bit_depth = 16
        else:
            rgb, alpha = _pillow_to_rgb8(ImageOps.exif_transpose(img) if orientation != 1 else img, label)
            bit_depth = 8

    return LoadedImage(rgb=rgb, alpha=alpha, bit_depth=bit_depth, path=None, rgb16=rgb16)


def _pillow_to_rgb8(img: Image.Image, label: object):
    """Any 8-bit Pillow mode -> (uint8 H×W×3, uint8 H×W alpha or None)."""
    mode = img.mode
    try:
        if mode == "LA":
            la = np.asarray(img)
            return np.repeat(la[:, :, :1], 3, axis=2), la[:, :, 1].copy()
        # Alpha band, a palette with alpha, or a tRNS colour key (L, P, RGB).
        if mode in ("RGBA", "PA", "RGBa", "La") or img.has_transparency_data:
            arr = np.asarray(img.convert("RGBA"))
            return np.ascontiguousarray(arr[:, :, :3]), arr[:, :, 3].copy()
        if mode == "L":
            return np.repeat(np.asarray(img)[:, :, None], 3, axis=2), None
        return np.array(img.convert("RGB")), None
    except Exception as exc:  # noqa: BLE001
        raise ImageError(label, f"unsupported colour mode {mode!r} ({exc})") from None


def _orientation(img: Image.Image) -> int:
    try:
        value = img.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not make the image unreadable
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


# ---------------------------------------------------------------------------------- normalising


def to_rgb_uint8(array) -> np.ndarray:
    """Normalise a numpy image to a new C-contiguous uint8 RGB array H×W×3 (0..255).

    Shapes: H×W (grey), H×W×1 (grey), H×W×3 (RGB), H×W×4 (RGBA: alpha dropped, not
    composited).
    Dtypes: uint8; uint16 (0..65535, rounded to round(x / 257)); float in [0, 1] (clipped to
    [0, 1], then round(x * 255); NaN/inf refused); bool (True = 255); other integer types only
    when every value is in 0..255. Raises ValueError for anything else.
    """
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[2] in (1, 3, 4):
        a = a[:, :, :1] if a.shape[2] == 1 else a[:, :, :3]
    elif a.ndim != 2:
        raise ValueError(f"expected shape H×W, H×W×1, H×W×3 or H×W×4; got {a.shape}")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"image has no pixels: shape {a.shape}")

    kind = a.dtype.kind
    if a.dtype == np.uint8:
        out = a
    elif a.dtype == np.bool_:
        out = a.astype(np.uint8) * np.uint8(255)
    elif a.dtype == np.uint16:
        out = reduce_16_to_8(a)
    elif kind == "f":
        f = a.astype(np.float32) if a.dtype.itemsize < 4 else a
        if not np.isfinite(f).all():
            raise ValueError("float image contains NaN or infinity")
        out = np.rint(np.clip(f, 0.0, 1.0) * 255.0).astype(np.uint8)
    elif kind in "iu":
        if a.min() < 0 or a.max() > 255:
            raise ValueError(
                f"{a.dtype} image values must be in 0..255 (got {a.min()}..{a.max()}); "
                "use uint16 for 16-bit data or float in [0, 1]"
            )
        out = a.astype(np.uint8)
    else:
        raise ValueError(f"unsupported image dtype {a.dtype}")

    if out.ndim == 2:
        out = out[:, :, None]
    if out.shape[2] == 1:
        return np.repeat(out, 3, axis=2)
    return np.array(out, dtype=np.uint8, order="C", copy=True)


# -------------------------------------------------------------------------------------- writing


# zlib level of the PNGs written (lossless at every level). 1 is OpenCV's default, and what
# Real-ESRGAN writes: a 720×576 frame encodes in ~29 ms against Pillow's default level 6's
# ~110 ms (twice a frame's restoration), for files ~12% larger (measured on a noisy
# 720×576 frame; `bench/speed.py` times the whole file path).
PNG_COMPRESSION = 1


def write_png(
    path: str | os.PathLike,
    rgb: np.ndarray,
    alpha: np.ndarray | None = None,
    sixteen_bit: np.ndarray | None = None,
) -> Path:
    """Write a PNG atomically and return its path.

    rgb:         an image :func:`to_rgb_uint8` accepts (normally uint8 H×W×3); sets the size.
    alpha:       optional H×W uint8 or uint16; the PNG is then RGBA.
    sixteen_bit: optional uint16 H×W×3 RGB (same H, W); the PNG is then 16 bits per channel and
                 holds this data (``rgb`` only fixes the size); a uint8 alpha is scaled by 257.
                 Without it, a uint16 alpha is rounded to 8 bits.

    The data is encoded in memory, written to a hidden temporary file in the target's folder,
    fsynced and moved over ``path`` with ``os.replace``: readers see the old file or the new one,
    never a partial one. On failure the temporary file is removed and the error (OSError, or
    ValueError for bad arrays) is raised. The target's folder must exist; nothing else is created.
    """
    path = Path(path)
    rgb8 = to_rgb_uint8(rgb)
    h, w = rgb8.shape[:2]
    if alpha is not None:
        alpha = np.asarray(alpha)
        if alpha.ndim == 3 and alpha.shape[2] == 1:
            alpha = alpha[:, :, 0]
        if alpha.shape != (h, w) or alpha.dtype not in (np.uint8, np.uint16):
            raise ValueError(
                f"alpha must be uint8 or uint16 of shape {(h, w)}, got {alpha.dtype} {alpha.shape}"
            )
    if sixteen_bit is not None:
        s16 = np.asarray(sixteen_bit)
        if s16.shape != (h, w, 3) or s16.dtype != np.uint16:
            raise ValueError(
                f"sixteen_bit must be uint16 of shape {(h, w, 3)}, got {s16.dtype} {s16.shape}"
            )
        bgr = s16[:, :, ::-1]
        if alpha is not None:
            bgr = np.dstack([bgr, alpha if alpha.dtype == np.uint16 else alpha.astype(np.uint16) * np.uint16(257)])
    else:
        bgr = rgb8[:, :, ::-1]
        if alpha is not None:
            bgr = np.dstack([bgr, alpha if alpha.dtype == np.uint8 else reduce_16_to_8(alpha)])
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(bgr), [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION])
    if not ok:
        raise OSError(f"{path}: OpenCV could not encode the PNG")
    data = buf.tobytes()
    return write_bytes_atomically(path, data)


# ------------------------------------------------------------------------------------- scanning


def find_images(paths: list[Path], recursive: bool = False) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into (sorted unique image files, [(path, reason), ...] errors):
    :func:`restore.files.find_files` with the suffixes in :data:`IMAGE_SUFFIXES`."""
    return find_files(paths, IMAGE_SUFFIXES, recursive)
