"""restore.images, writing: `write_png` (8 and 16 bit, alpha, bad arrays refused, written
atomically so a failure leaves the old file and no temporary) and `to_rgb_uint8`."""

from __future__ import annotations

import os

import numpy as np
import pytest
from images_helpers import noise, rng, sha
from PIL import Image

from restore.images import read_image, to_rgb_uint8, write_png


def test_16bit_write_round_trip(tmp_path):
    rgb16 = rng(6).integers(0, 65536, (7, 9, 3), dtype=np.uint16)
    rgb8 = to_rgb_uint8(rgb16)
    p = write_png(tmp_path / "w16.png", rgb8, sixteen_bit=rgb16)
    with Image.open(p) as im:  # really a 16-bit PNG, not 8-bit
        assert im.tile[0].args == "RGB;16B"
    img = read_image(p)
    assert img.bit_depth == 16
    np.testing.assert_array_equal(img.rgb16, rgb16)
    np.testing.assert_array_equal(img.rgb, rgb8)

    alpha8 = rng(7).integers(0, 256, (7, 9), dtype=np.uint8)
    img = read_image(write_png(tmp_path / "w16a.png", rgb8, alpha=alpha8, sixteen_bit=rgb16))
    np.testing.assert_array_equal(img.rgb16, rgb16)
    np.testing.assert_array_equal(img.alpha, alpha8.astype(np.uint16) * 257)


def test_write_rgba_and_uint16_alpha_reduced(tmp_path):
    rgb = noise(6, 8)
    alpha16 = rng(8).integers(0, 65536, (6, 8), dtype=np.uint16)
    img = read_image(write_png(tmp_path / "a.png", rgb, alpha=alpha16))
    np.testing.assert_array_equal(img.rgb, rgb)
    np.testing.assert_array_equal(img.alpha, np.rint(alpha16 / 257.0).astype(np.uint8))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"alpha": np.zeros((5, 5), np.uint8)},
        {"alpha": np.zeros((6, 8), np.float32)},
        {"sixteen_bit": np.zeros((6, 8, 3), np.uint8)},
        {"sixteen_bit": np.zeros((6, 8), np.uint16)},
    ],
)
def test_write_png_rejects_bad_arrays_and_creates_nothing(tmp_path, kwargs):
    with pytest.raises(ValueError):
        write_png(tmp_path / "x.png", noise(6, 8), **kwargs)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- atomic writing


def test_write_png_leaves_no_temp_files_and_replaces(tmp_path):
    target = tmp_path / "out.png"
    write_png(target, noise(seed=1))
    write_png(target, noise(seed=2))  # replaces
    assert [x.name for x in tmp_path.iterdir()] == ["out.png"]
    np.testing.assert_array_equal(read_image(target).rgb, noise(seed=2))
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # not a temp file's 0600


def test_write_png_directory_at_target_fails_cleanly(tmp_path):
    target = tmp_path / "out.png"
    target.mkdir()
    with pytest.raises(OSError):
        write_png(target, noise())
    assert target.is_dir() and list(target.iterdir()) == []
    assert [x.name for x in tmp_path.iterdir()] == ["out.png"]


def test_write_png_missing_folder_fails_and_creates_nothing(tmp_path):
    with pytest.raises(OSError):
        write_png(tmp_path / "no" / "out.png", noise())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_write_png_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(PermissionError):
            write_png(folder / "out.png", noise())
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_write_png_failure_midway_keeps_old_file_and_removes_temp(tmp_path, monkeypatch):
    target = tmp_path / "out.png"
    write_png(target, noise(seed=1))
    before = sha(target)

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        write_png(target, noise(seed=2))
    monkeypatch.undo()
    assert [x.name for x in tmp_path.iterdir()] == ["out.png"]
    assert sha(target) == before


# ----------------------------------------------------------------------------- to_rgb_uint8


_G = np.array([[0, 128], [255, 7]], np.uint8)
_RGB = np.dstack([_G, 255 - _G, _G // 2])


@pytest.mark.parametrize(
    "array,expected",
    [
        (_G, np.dstack([_G] * 3)),
        (_G[:, :, None], np.dstack([_G] * 3)),
        (_RGB, _RGB),
        (np.dstack([_RGB, np.zeros_like(_G)]), _RGB),
        (_RGB.astype(np.uint16) * 257, _RGB),
        (_RGB.astype(np.float32) / 255, _RGB),
        (_RGB.astype(np.float64) / 255, _RGB),
        (_RGB.astype(np.float16) / 255, _RGB),
        (np.array([[True, False]]), np.array([[[255] * 3, [0] * 3]], np.uint8)),
        (_RGB.astype(np.int64), _RGB),
        (np.array([[-0.5, 1.5]], np.float32), np.array([[[0] * 3, [255] * 3]], np.uint8)),
    ],
)
def test_to_rgb_uint8_accepts(array, expected):
    out = to_rgb_uint8(array)
    assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3
    assert out.flags.c_contiguous
    np.testing.assert_array_equal(out, expected)


def test_to_rgb_uint8_returns_a_copy():
    src = _RGB.copy()
    to_rgb_uint8(src)[:] = 0
    np.testing.assert_array_equal(src, _RGB)


def test_to_rgb_uint8_uint16_rounding():
    x = np.array([[0, 128, 129, 385, 386, 65535]], np.uint16)
    np.testing.assert_array_equal(to_rgb_uint8(x)[0, :, 0], [0, 0, 1, 1, 2, 255])


@pytest.mark.parametrize(
    "array",
    [
        np.zeros(5, np.uint8),
        np.zeros((4, 4, 2), np.uint8),
        np.zeros((4, 4, 5), np.uint8),
        np.zeros((2, 4, 4, 3), np.uint8),
        np.zeros((0, 4, 3), np.uint8),
        np.array([[300, 0]], np.int32),
        np.array([[-1, 0]], np.int16),
        np.array([[np.nan, 0.5]], np.float32),
        np.zeros((2, 2), np.complex64),
        np.array([["a", "b"]]),
    ],
)
def test_to_rgb_uint8_rejects(array):
    with pytest.raises(ValueError):
        to_rgb_uint8(array)
