"""Helpers shared by the image tests (tests/test_images_*.py, tests/test_files.py): small
random and smooth pictures, file hashes, and hand-made PNG bytes (chunks, a header that
claims a huge picture, an EXIF orientation spliced in)."""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def rng(seed=0):
    return np.random.default_rng(seed)


def noise(h=24, w=32, seed=0) -> np.ndarray:
    return rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def smooth(h=32, w=48) -> np.ndarray:
    """A gradient that survives JPEG compression closely."""
    y, x = np.mgrid[0:h, 0:w]
    planes = [x * 255 // (w - 1), y * 255 // (h - 1), np.full_like(x, 128)]
    return np.dstack(planes).astype(np.uint8)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose valid IHDR claims width×height RGB pixels, with a few bytes of IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def with_exif_orientation(png: bytes, orientation: int) -> bytes:
    """Insert an eXIf chunk (EXIF Orientation) right after a PNG's IHDR chunk."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    raw = exif.tobytes()
    raw = raw[6:] if raw.startswith(b"Exif\x00\x00") else raw
    ihdr_end = 8 + 4 + 4 + 13 + 4
    return png[:ihdr_end] + png_chunk(b"eXIf", raw) + png[ihdr_end:]
