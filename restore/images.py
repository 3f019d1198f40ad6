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
import secrets
import stat
import warnings
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

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
        reason = _broken_link_reason(path) if path.is_symlink() else "no such file or directory"
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
        colour16 = _is_16bit_colour(img)  # must look at img.tile before load() clears it
        orientation = _orientation(img)
        try:
            img.load()
        except Exception as exc:  # noqa: BLE001 - OSError, SyntaxError, zlib errors, ...
            raise ImageError(label, f"corrupt or truncated image data ({exc})") from None

        rgb16 = alpha = None
        if colour16:
            rgb16, alpha = _decode_16bit_colour(whole_file(), (height, width))
        if rgb16 is None and img.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
            rgb16 = _grey_to_16bit(np.asarray(img))
        if rgb16 is not None:
            rgb = _reduce_16_to_8(rgb16)
            bit_depth = 16
        else:
            rgb, alpha = _pillow_to_rgb8(img, label)
            bit_depth = 8

    rgb = _orient(rgb, orientation)
    rgb16 = _orient(rgb16, orientation) if rgb16 is not None else None
    alpha = _orient(alpha, orientation) if alpha is not None else None
    return LoadedImage(rgb=rgb, alpha=alpha, bit_depth=bit_depth, path=None, rgb16=rgb16)


def _is_16bit_colour(img: Image.Image) -> bool:
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


def _decode_16bit_colour(data: bytes, shape: tuple[int, int]):
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


def _grey_to_16bit(grey: np.ndarray) -> np.ndarray:
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


def _reduce_16_to_8(a16: np.ndarray) -> np.ndarray:
    """uint16 0..65535 -> uint8 0..255 with exact rounding: round(x / 257) (no ties occur)."""
    return ((a16.astype(np.uint32) + 128) // 257).astype(np.uint8)


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


def _orient(a: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation (1..8) to an H×W or H×W×C array, as ImageOps.exif_transpose."""
    if orientation == 2:
        a = a[:, ::-1]
    elif orientation == 3:
        a = a[::-1, ::-1]
    elif orientation == 4:
        a = a[::-1]
    elif orientation == 5:
        a = a.swapaxes(0, 1)
    elif orientation == 6:
        a = np.rot90(a, -1)
    elif orientation == 7:
        a = np.rot90(a, 2).swapaxes(0, 1)
    elif orientation == 8:
        a = np.rot90(a, 1)
    return np.ascontiguousarray(a)


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
        out = _reduce_16_to_8(a)
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
            a16 = alpha if alpha.dtype == np.uint16 else alpha.astype(np.uint16) * np.uint16(257)
            bgr = np.dstack([bgr, a16])
        ok, buf = cv2.imencode(".png", np.ascontiguousarray(bgr))
        if not ok:
            raise OSError(f"{path}: OpenCV could not encode the 16-bit PNG")
        data = buf.tobytes()
    else:
        if alpha is not None:
            a8 = alpha if alpha.dtype == np.uint8 else _reduce_16_to_8(alpha)
            img = Image.fromarray(np.dstack([rgb8, a8]), "RGBA")
        else:
            img = Image.fromarray(rgb8, "RGB")
        out = io.BytesIO()
        img.save(out, format="PNG")
        data = out.getvalue()
    _atomic_write(path, data)
    return path


def _atomic_write(path: Path, data: bytes) -> None:
    folder = path.parent
    # O_EXCL with a random hidden name (not NamedTemporaryFile) so the file gets the usual
    # umask-derived permissions instead of 0600, and folder scans skip it.
    for _ in range(100):
        tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 collisions of 48 random bits
        raise FileExistsError(f"{path}: could not create a temporary file in {folder}")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); best effort, silently skipped where unsupported."""
    if os.name != "posix":
        return
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ------------------------------------------------------------------------------------- scanning


def find_images(
    paths: list[Path], recursive: bool = False
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into (sorted unique image files, [(path, reason), ...] errors).

    A file named explicitly is kept whatever its suffix (:func:`read_image` judges it). A folder
    contributes its regular files whose lowercase suffix is in :data:`IMAGE_SUFFIXES`, skipping
    hidden entries (names starting with "."); with ``recursive`` its non-hidden subfolders too
    (symlinked folders are not followed). Missing paths give (path, "no such file or directory");
    a symbolic link to nothing, named or found in a folder with an image suffix, gives (path,
    "broken symbolic link: ..."): a missing input is always reported, never skipped silently.
    """
    found: set[Path] = set()
    errors: list[tuple[Path, str]] = []
    for p in paths:
        p = Path(p)
        try:
            st = p.stat()
        except FileNotFoundError:
            errors.append((p, _broken_link_reason(p) if p.is_symlink() else "no such file or directory"))
            continue
        except OSError as exc:
            errors.append((p, exc.strerror or str(exc)))
            continue
        if stat.S_ISDIR(st.st_mode):
            _scan_folder(p, recursive, found, errors)
        else:
            found.add(p)
    return sorted(found), errors


def _broken_link_reason(path: str | os.PathLike) -> str:
    try:
        target = os.readlink(path)
    except OSError:
        return "broken symbolic link: its target does not exist"
    return f"broken symbolic link: its target {target} does not exist"


def _scan_folder(folder: Path, recursive: bool, found: set[Path], errors: list) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        errors.append((folder, exc.strerror or str(exc)))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                if recursive:
                    _scan_folder(folder / entry.name, recursive, found, errors)
            elif entry.is_file() and os.path.splitext(entry.name)[1].lower() in IMAGE_SUFFIXES:
                found.add(folder / entry.name)
            elif entry.is_symlink() and os.path.splitext(entry.name)[1].lower() in IMAGE_SUFFIXES and not os.path.exists(entry.path):
                errors.append((folder / entry.name, _broken_link_reason(entry.path)))
        except OSError:
            continue
