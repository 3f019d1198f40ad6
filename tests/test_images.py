"""Tests for restore.images: reading, checks, normalising, atomic PNG writing, folder scanning."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import resource
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from restore.images import (
    IMAGE_SUFFIXES,
    MAX_PIXELS,
    ImageError,
    LoadedImage,
    decode_image_bytes,
    find_images,
    probe_image,
    read_image,
    to_rgb_uint8,
    write_png,
)


def _rng(seed=0):
    return np.random.default_rng(seed)


def _noise(h=24, w=32, seed=0) -> np.ndarray:
    return _rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _smooth(h=32, w=48) -> np.ndarray:
    """A gradient that survives JPEG compression closely."""
    y, x = np.mgrid[0:h, 0:w]
    planes = [x * 255 // (w - 1), y * 255 // (h - 1), np.full_like(x, 128)]
    return np.dstack(planes).astype(np.uint8)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose valid IHDR claims width×height RGB pixels, with a few bytes of IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


# ------------------------------------------------------------------------------- round trips


def test_png_round_trip_exact(tmp_path):
    rgb = _noise()
    p = write_png(tmp_path / "a.png", rgb)
    assert p == tmp_path / "a.png"
    img = read_image(p)
    assert isinstance(img, LoadedImage)
    assert img.rgb.dtype == np.uint8 and img.rgb.shape == (24, 32, 3)
    np.testing.assert_array_equal(img.rgb, rgb)
    assert img.alpha is None and img.bit_depth == 8 and img.rgb16 is None
    assert img.path == p
    assert (img.height, img.width) == (24, 32)


@pytest.mark.parametrize("fmt,suffix", [("JPEG", ".jpg"), ("BMP", ".bmp"), ("TIFF", ".tif"),
                                        ("WEBP", ".webp"), ("PPM", ".ppm")])
def test_other_formats_round_trip(tmp_path, fmt, suffix):
    rgb = _smooth()
    p = tmp_path / f"a{suffix}"
    kwargs = {"quality": 95} if fmt in ("JPEG", "WEBP") else {}
    Image.fromarray(rgb).save(p, fmt, **kwargs)
    img = read_image(p)
    assert img.rgb.shape == rgb.shape and img.rgb.dtype == np.uint8 and img.bit_depth == 8
    err = np.abs(img.rgb.astype(int) - rgb.astype(int)).mean()
    assert err < (3 if fmt in ("JPEG", "WEBP") else 1e-9)


def test_gif_first_frame(tmp_path):
    frames = [Image.fromarray(np.full((8, 8, 3), v, np.uint8)) for v in (10, 200)]
    p = tmp_path / "anim.gif"
    frames[0].save(p, save_all=True, append_images=frames[1:])
    img = read_image(p)
    assert img.rgb.shape == (8, 8, 3)
    assert abs(int(img.rgb.mean()) - 10) <= 2


def test_decode_image_bytes_matches_read_image(tmp_path):
    p = write_png(tmp_path / "a.png", _noise())
    data = p.read_bytes()
    img = decode_image_bytes(data, name="frame.png")
    np.testing.assert_array_equal(img.rgb, read_image(p).rgb)
    assert img.path is None
    np.testing.assert_array_equal(decode_image_bytes(bytearray(data)).rgb, img.rgb)


# --------------------------------------------------------------------------------- orientation


def test_exif_rotated_jpeg_comes_back_upright(tmp_path):
    # Stored 40 wide × 20 high: left half red, right half blue. Orientation 6 means "rotate 90°
    # clockwise to display", so upright it is 20 wide × 40 high with red on top, blue below.
    stored = np.zeros((20, 40, 3), np.uint8)
    stored[:, :20] = (255, 0, 0)
    stored[:, 20:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6
    p = tmp_path / "rotated.jpg"
    Image.fromarray(stored).save(p, "JPEG", quality=95, exif=exif)

    img = read_image(p)
    assert img.rgb.shape == (40, 20, 3)
    top, bottom = img.rgb[:16].reshape(-1, 3).mean(0), img.rgb[24:].reshape(-1, 3).mean(0)
    assert top[0] > 200 and top[2] < 50
    assert bottom[2] > 200 and bottom[0] < 50


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_matches_pillow_exif_transpose(tmp_path, orientation):
    stored = _noise(6, 10, seed=orientation)
    exif = Image.Exif()
    exif[0x0112] = orientation
    p = tmp_path / "o.png"
    Image.fromarray(stored).save(p, "PNG", exif=exif)
    with Image.open(p) as im:
        expected = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    np.testing.assert_array_equal(read_image(p).rgb, expected)


def _with_exif_orientation(png: bytes, orientation: int) -> bytes:
    """Insert an eXIf chunk (EXIF Orientation) right after a PNG's IHDR chunk."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    raw = exif.tobytes()
    raw = raw[6:] if raw.startswith(b"Exif\x00\x00") else raw
    ihdr_end = 8 + 4 + 4 + 13 + 4
    return png[:ihdr_end] + _png_chunk(b"eXIf", raw) + png[ihdr_end:]


@pytest.mark.parametrize("orientation", [3, 5, 6])
def test_orientation_applied_to_16bit_and_alpha(orientation):
    rgb16 = _rng(1).integers(0, 65536, (6, 10, 3), dtype=np.uint16)
    alpha16 = _rng(2).integers(0, 65536, (6, 10), dtype=np.uint16)
    ok, buf = cv2.imencode(".png", np.dstack([rgb16[:, :, ::-1], alpha16]))
    assert ok
    img = decode_image_bytes(_with_exif_orientation(buf.tobytes(), orientation))
    assert img.bit_depth == 16

    def upright(a):  # what ImageOps.exif_transpose does for these orientations
        return {3: np.rot90(a, 2), 5: a.swapaxes(0, 1), 6: np.rot90(a, -1)}[orientation]

    np.testing.assert_array_equal(img.rgb16, upright(rgb16))
    np.testing.assert_array_equal(img.alpha, upright(alpha16))
    np.testing.assert_array_equal(img.rgb, to_rgb_uint8(upright(rgb16)))


# ------------------------------------------------------------------------ modes, alpha, 16 bit


def test_greyscale_gives_three_equal_channels(tmp_path):
    grey = _rng().integers(0, 256, (12, 16), dtype=np.uint8)
    p = tmp_path / "g.png"
    Image.fromarray(grey, "L").save(p)
    img = read_image(p)
    assert img.rgb.shape == (12, 16, 3) and img.bit_depth == 8 and img.alpha is None
    for c in range(3):
        np.testing.assert_array_equal(img.rgb[:, :, c], grey)


def test_rgba_alpha_kept(tmp_path):
    rgb = _noise(10, 12)
    alpha = _rng(5).integers(0, 256, (10, 12), dtype=np.uint8)
    p = tmp_path / "rgba.png"
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(p)
    img = read_image(p)
    np.testing.assert_array_equal(img.rgb, rgb)
    assert img.alpha is not None and img.alpha.dtype == np.uint8
    np.testing.assert_array_equal(img.alpha, alpha)


def test_la_alpha_kept(tmp_path):
    la = _rng().integers(0, 256, (5, 7, 2), dtype=np.uint8)
    p = tmp_path / "la.png"
    Image.fromarray(la, "LA").save(p)
    img = read_image(p)
    np.testing.assert_array_equal(img.rgb, np.repeat(la[:, :, :1], 3, axis=2))
    np.testing.assert_array_equal(img.alpha, la[:, :, 1])


def test_palette_with_and_without_transparency(tmp_path):
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[:2] = (255, 0, 0)
    rgb[2:] = (0, 255, 0)
    pal = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    p = tmp_path / "p.png"
    pal.save(p)
    img = read_image(p)
    np.testing.assert_array_equal(img.rgb, rgb)
    assert img.alpha is None

    red_index = pal.getpixel((0, 0))
    pal.save(p, transparency=red_index)
    img = read_image(p)
    np.testing.assert_array_equal(img.rgb[2:], rgb[2:])
    assert img.alpha is not None
    assert (img.alpha[:2] == 0).all() and (img.alpha[2:] == 255).all()


@pytest.mark.parametrize("mode", ["1", "CMYK", "I", "I;16"])
def test_other_modes_become_rgb(tmp_path, mode):
    grey = np.array([[0, 255], [255, 0]], np.uint8).repeat(4, 0).repeat(4, 1)
    src = Image.fromarray(grey, "L")
    if mode == "CMYK":
        p = tmp_path / "cmyk.jpg"
        src.convert("RGB").convert("CMYK").save(p, "JPEG", quality=100)
    elif mode in ("I", "I;16"):
        p = tmp_path / "wide.png" if mode == "I;16" else tmp_path / "wide.pgm"
        ok, buf = cv2.imencode(p.suffix, grey.astype(np.uint16) * 257)
        assert ok
        p.write_bytes(buf.tobytes())
    else:
        p = tmp_path / "bits.png"
        src.convert(mode).save(p)
    img = read_image(p)
    assert img.rgb.shape == (8, 8, 3) and img.rgb.dtype == np.uint8
    assert np.abs(img.rgb.astype(int) - grey[:, :, None].astype(int)).max() <= 3
    if mode in ("I", "I;16"):
        assert img.bit_depth == 16
        np.testing.assert_array_equal(img.rgb16[:, :, 1], grey.astype(np.uint16) * 257)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16bit_colour_read(tmp_path, suffix):
    rgb16 = _rng(3).integers(0, 65536, (9, 11, 3), dtype=np.uint16)
    rgb16[0, :3] = [[128, 129, 385], [65535, 0, 32896], [32767, 32768, 127]]  # rounding edges
    ok, buf = cv2.imencode(suffix, np.ascontiguousarray(rgb16[:, :, ::-1]))
    assert ok
    p = tmp_path / f"deep{suffix}"
    p.write_bytes(buf.tobytes())

    img = read_image(p)
    assert img.bit_depth == 16 and img.alpha is None
    assert img.rgb16.dtype == np.uint16 and img.rgb16.shape == (9, 11, 3)
    np.testing.assert_array_equal(img.rgb16, rgb16)
    assert img.rgb.dtype == np.uint8
    np.testing.assert_array_equal(img.rgb, np.rint(rgb16 / 257.0).astype(np.uint8))


def test_16bit_grey_and_rgba_read(tmp_path):
    grey = _rng(4).integers(0, 65536, (5, 6), dtype=np.uint16)
    ok, buf = cv2.imencode(".png", grey)
    img = decode_image_bytes(buf.tobytes())
    assert img.bit_depth == 16
    np.testing.assert_array_equal(img.rgb16, np.repeat(grey[:, :, None], 3, axis=2))

    bgra = _rng(5).integers(0, 65536, (5, 6, 4), dtype=np.uint16)
    ok, buf = cv2.imencode(".png", bgra)
    img = decode_image_bytes(buf.tobytes())
    assert img.bit_depth == 16 and img.alpha.dtype == np.uint16
    np.testing.assert_array_equal(img.rgb16, bgra[:, :, 2::-1])
    np.testing.assert_array_equal(img.alpha, bgra[:, :, 3])


def test_16bit_write_round_trip(tmp_path):
    rgb16 = _rng(6).integers(0, 65536, (7, 9, 3), dtype=np.uint16)
    rgb8 = to_rgb_uint8(rgb16)
    p = write_png(tmp_path / "w16.png", rgb8, sixteen_bit=rgb16)
    with Image.open(p) as im:  # really a 16-bit PNG, not 8-bit
        assert im.tile[0].args == "RGB;16B"
    img = read_image(p)
    assert img.bit_depth == 16
    np.testing.assert_array_equal(img.rgb16, rgb16)
    np.testing.assert_array_equal(img.rgb, rgb8)

    alpha8 = _rng(7).integers(0, 256, (7, 9), dtype=np.uint8)
    img = read_image(write_png(tmp_path / "w16a.png", rgb8, alpha=alpha8, sixteen_bit=rgb16))
    np.testing.assert_array_equal(img.rgb16, rgb16)
    np.testing.assert_array_equal(img.alpha, alpha8.astype(np.uint16) * 257)


def test_write_rgba_and_uint16_alpha_reduced(tmp_path):
    rgb = _noise(6, 8)
    alpha16 = _rng(8).integers(0, 65536, (6, 8), dtype=np.uint16)
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
        write_png(tmp_path / "x.png", _noise(6, 8), **kwargs)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------- bad inputs


def _truncated_jpeg(tmp_path: Path) -> Path:
    buf = io.BytesIO()
    Image.fromarray(_noise(64, 64)).save(buf, "JPEG", quality=90)
    p = tmp_path / "cut.jpg"
    p.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    return p


def _truncated_png(tmp_path: Path) -> Path:
    p = write_png(tmp_path / "cut.png", _noise(64, 64))
    p.write_bytes(p.read_bytes()[:-3000])
    return p


def _zero_bytes(tmp_path: Path) -> Path:
    p = tmp_path / "empty.png"
    p.write_bytes(b"")
    return p


def _text_named_png(tmp_path: Path) -> Path:
    p = tmp_path / "notes.png"
    p.write_text("this is not an image\n")
    return p


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "nope.png"


def _directory(tmp_path: Path) -> Path:
    p = tmp_path / "folder.png"
    p.mkdir()
    return p


@pytest.mark.parametrize(
    "make,reason",
    [
        (_truncated_jpeg, "truncated"),
        (_truncated_png, "truncated"),
        (_zero_bytes, "empty"),
        (_text_named_png, "not a recognised image"),
        (_missing, "no such file"),
        (_directory, "directory"),
    ],
)
def test_bad_inputs_raise_image_error_with_path_and_reason(tmp_path, make, reason):
    p = make(tmp_path)
    before = _sha(p) if p.is_file() else None
    with pytest.raises(ImageError) as info:
        read_image(p)
    err = info.value
    assert isinstance(err, ValueError)
    assert str(p) in str(err) and reason in str(err)
    assert err.path == p and reason in err.reason
    if before is not None:
        assert _sha(p) == before


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"", "empty"),
        (b"GIF89a garbage", "not a recognised image"),
        (b"hello", "not a recognised image"),
        (_png_claiming(40, 40), "corrupt or truncated"),
    ],
)
def test_decode_image_bytes_errors_name_the_upload(data, reason):
    with pytest.raises(ImageError) as info:
        decode_image_bytes(data, name="clip.gif")
    assert str(info.value).startswith("clip.gif: ") and reason in str(info.value)


def test_eps_is_not_handed_to_ghostscript(tmp_path):
    p = tmp_path / "x.eps"
    p.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    with pytest.raises(ImageError, match="not a recognised image"):
        read_image(p)


def test_image_error_pickles():
    err = pickle.loads(pickle.dumps(ImageError(Path("a.png"), "bad")))
    assert isinstance(err, ImageError) and err.reason == "bad" and str(err) == "a.png: bad"


# ------------------------------------------------------------------------------ pixel limits


def test_pixel_limit_with_small_max_pixels(tmp_path):
    p = write_png(tmp_path / "ten.png", _noise(10, 10))
    assert read_image(p, max_pixels=100).rgb.shape == (10, 10, 3)
    with pytest.raises(ImageError, match="too many pixels") as info:
        read_image(p, max_pixels=99)
    assert str(p) in str(info.value)
    with pytest.raises(ImageError, match="too many pixels"):
        decode_image_bytes(p.read_bytes(), max_pixels=99)


@pytest.mark.parametrize("width,height", [(10_000, 6_000), (100_000, 100_000)])
def test_huge_header_refused_without_decoding(tmp_path, width, height):
    # 60 Mpx is over our 50 Mpx limit but under Pillow's own; 10 Gpx trips Pillow's bomb check.
    assert width * height > MAX_PIXELS
    p = tmp_path / "bomb.png"
    p.write_bytes(_png_claiming(width, height))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ImageError, match="too many pixels") as info:
        read_image(p)
    with pytest.raises(ImageError, match="too many pixels"):
        decode_image_bytes(p.read_bytes())
    assert str(p) in str(info.value)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert grown_kib < 100_000  # decoding 60 Mpx RGB alone would take 180 MB


@pytest.mark.parametrize("max_pixels", [MAX_PIXELS, 1_000_000])
def test_a_decompression_bomb_is_refused_with_the_tools_own_limit(tmp_path, max_pixels):
    # 10 Gpx trips Pillow's own guard (twice its 89,478,485) before ours: the message must
    # quote our limit, not Pillow's 178,956,970 (issue 14).
    p = tmp_path / "bomb.png"
    p.write_bytes(_png_claiming(100_000, 100_000))
    for call in (lambda: read_image(p, max_pixels=max_pixels), lambda: probe_image(p, max_pixels=max_pixels),
                 lambda: decode_image_bytes(p.read_bytes(), max_pixels=max_pixels)):
        with pytest.raises(ImageError) as info:
            call()
        assert info.value.reason == f"too many pixels: 10,000,000,000, more than the limit of {max_pixels:,}"
        assert "178" not in str(info.value)


def test_probe_image_checks_the_header_without_decoding(tmp_path):
    good = write_png(tmp_path / "good.png", _noise(12, 20))
    assert probe_image(good) == (20, 12)
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.png").write_text("hello")
    big = tmp_path / "big.png"
    big.write_bytes(_png_claiming(10_000, 6_000))
    cases = {"empty.png": "empty file", "text.png": "not a recognised image", "missing.png": "no such file",
             "big.png": f"more than the limit of {MAX_PIXELS:,}"}
    for name, reason in cases.items():
        with pytest.raises(ImageError, match=reason):
            probe_image(tmp_path / name)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert probe_image(big, max_pixels=10**9) == (10_000, 6_000)  # header only: 180 MB never decoded
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 100_000


# ----------------------------------------------------------------------- inputs never changed


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif"])
def test_reading_leaves_the_file_unchanged(tmp_path, suffix):
    p = tmp_path / f"in{suffix}"
    exif = Image.Exif()
    exif[0x0112] = 8
    Image.fromarray(_noise()).save(p, exif=exif)
    before, mtime = _sha(p), p.stat().st_mtime_ns
    read_image(p)
    assert _sha(p) == before and p.stat().st_mtime_ns == mtime
    assert sorted(x.name for x in tmp_path.iterdir()) == [p.name]


# --------------------------------------------------------------------------- atomic writing


def test_write_png_leaves_no_temp_files_and_replaces(tmp_path):
    target = tmp_path / "out.png"
    write_png(target, _noise(seed=1))
    write_png(target, _noise(seed=2))  # replaces
    assert [x.name for x in tmp_path.iterdir()] == ["out.png"]
    np.testing.assert_array_equal(read_image(target).rgb, _noise(seed=2))
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # not a temp file's 0600


def test_write_png_directory_at_target_fails_cleanly(tmp_path):
    target = tmp_path / "out.png"
    target.mkdir()
    with pytest.raises(OSError):
        write_png(target, _noise())
    assert target.is_dir() and list(target.iterdir()) == []
    assert [x.name for x in tmp_path.iterdir()] == ["out.png"]


def test_write_png_missing_folder_fails_and_creates_nothing(tmp_path):
    with pytest.raises(OSError):
        write_png(tmp_path / "no" / "out.png", _noise())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_write_png_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(PermissionError):
            write_png(folder / "out.png", _noise())
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_write_png_failure_midway_keeps_old_file_and_removes_temp(tmp_path, monkeypatch):
    target = tmp_path / "out.png"
    write_png(target, _noise(seed=1))
    before = _sha(target)

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        write_png(target, _noise(seed=2))
    monkeypatch.undo()
    assert [x.name for x in tmp_path.iterdir()] == ["out.png"]
    assert _sha(target) == before


# ------------------------------------------------------------------------------ find_images


@pytest.fixture
def mixed_folder(tmp_path):
    root = tmp_path / "frames"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".hidden_dir").mkdir()
    for rel in ["b.png", "a.JPG", "c.tiff", "sub/d.png", "sub/deeper/e.webp",
                ".hidden.png", ".hidden_dir/f.png", "sub/.g.png"]:
        (root / rel).write_bytes(b"x")
    (root / "notes.txt").write_text("hi")
    (root / "sub" / "readme.md").write_text("hi")
    (root / "folder.png").mkdir()  # a folder with an image suffix is not an image
    return root


def test_find_images_flat(mixed_folder):
    files, errors = find_images([mixed_folder], recursive=False)
    assert files == [mixed_folder / n for n in ["a.JPG", "b.png", "c.tiff"]]
    assert errors == []


def test_find_images_recursive(mixed_folder):
    files, errors = find_images([mixed_folder], recursive=True)
    rels = [f.relative_to(mixed_folder).as_posix() for f in files]
    assert rels == ["a.JPG", "b.png", "c.tiff", "sub/d.png", "sub/deeper/e.webp"]
    assert errors == []


def test_find_images_explicit_files_missing_paths_and_duplicates(mixed_folder):
    missing = mixed_folder / "gone.png"
    files, errors = find_images(
        [mixed_folder / "notes.txt", missing, mixed_folder, mixed_folder / "b.png"], recursive=False
    )
    assert files == sorted([mixed_folder / n for n in ["a.JPG", "b.png", "c.tiff", "notes.txt"]])
    assert errors == [(missing, "no such file or directory")]


def test_find_images_reports_dangling_symlinks(mixed_folder, tmp_path):
    # A link to nothing inside a folder used to be skipped without a word (issue 14).
    (mixed_folder / "gone.png").symlink_to(tmp_path / "deleted.png")
    (mixed_folder / "sub" / "gone.jpg").symlink_to(tmp_path / "deleted.jpg")
    (mixed_folder / "notes-link.txt").symlink_to(tmp_path / "deleted.txt")  # not an image name: ignored
    files, errors = find_images([mixed_folder], recursive=True)
    assert mixed_folder / "gone.png" not in files
    assert sorted(errors) == [
        (mixed_folder / "gone.png", f"broken symbolic link: its target {tmp_path / 'deleted.png'} does not exist"),
        (mixed_folder / "sub" / "gone.jpg", f"broken symbolic link: its target {tmp_path / 'deleted.jpg'} does not exist"),
    ]
    # Named explicitly, and when read.
    files, errors = find_images([mixed_folder / "gone.png"])
    assert files == [] and errors[0][1].startswith("broken symbolic link")
    with pytest.raises(ImageError, match="broken symbolic link"):
        read_image(mixed_folder / "gone.png")


def test_image_suffixes():
    wanted = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
    assert wanted <= IMAGE_SUFFIXES
    assert all(s == s.lower() and s.startswith(".") for s in IMAGE_SUFFIXES)


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
