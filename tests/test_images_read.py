"""restore.images, reading: every supported format back as RGB uint8, EXIF orientation
applied (to 16-bit colour and alpha too), and each colour mode (greyscale, palette, alpha,
16 bit) normalised."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from images_helpers import noise, rng, smooth, with_exif_orientation
from PIL import Image, ImageOps

from restore.images import LoadedImage, decode_image_bytes, read_image, to_rgb_uint8, write_png

# ------------------------------------------------------------------------------- round trips


def test_png_round_trip_exact(tmp_path):
    rgb = noise()
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
    rgb = smooth()
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
    p = write_png(tmp_path / "a.png", noise())
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
    stored = noise(6, 10, seed=orientation)
    exif = Image.Exif()
    exif[0x0112] = orientation
    p = tmp_path / "o.png"
    Image.fromarray(stored).save(p, "PNG", exif=exif)
    with Image.open(p) as im:
        expected = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    np.testing.assert_array_equal(read_image(p).rgb, expected)



@pytest.mark.parametrize("orientation", [3, 5, 6])
def test_orientation_applied_to_16bit_and_alpha(orientation):
    rgb16 = rng(1).integers(0, 65536, (6, 10, 3), dtype=np.uint16)
    alpha16 = rng(2).integers(0, 65536, (6, 10), dtype=np.uint16)
    ok, buf = cv2.imencode(".png", np.dstack([rgb16[:, :, ::-1], alpha16]))
    assert ok
    img = decode_image_bytes(with_exif_orientation(buf.tobytes(), orientation))
    assert img.bit_depth == 16

    def upright(a):  # what ImageOps.exif_transpose does for these orientations
        return {3: np.rot90(a, 2), 5: a.swapaxes(0, 1), 6: np.rot90(a, -1)}[orientation]

    np.testing.assert_array_equal(img.rgb16, upright(rgb16))
    np.testing.assert_array_equal(img.alpha, upright(alpha16))
    np.testing.assert_array_equal(img.rgb, to_rgb_uint8(upright(rgb16)))


# ------------------------------------------------------------------------ modes, alpha, 16 bit


def test_greyscale_gives_three_equal_channels(tmp_path):
    grey = rng().integers(0, 256, (12, 16), dtype=np.uint8)
    p = tmp_path / "g.png"
    Image.fromarray(grey, "L").save(p)
    img = read_image(p)
    assert img.rgb.shape == (12, 16, 3) and img.bit_depth == 8 and img.alpha is None
    for c in range(3):
        np.testing.assert_array_equal(img.rgb[:, :, c], grey)


def test_rgba_alpha_kept(tmp_path):
    rgb = noise(10, 12)
    alpha = rng(5).integers(0, 256, (10, 12), dtype=np.uint8)
    p = tmp_path / "rgba.png"
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(p)
    img = read_image(p)
    np.testing.assert_array_equal(img.rgb, rgb)
    assert img.alpha is not None and img.alpha.dtype == np.uint8
    np.testing.assert_array_equal(img.alpha, alpha)


def test_la_alpha_kept(tmp_path):
    la = rng().integers(0, 256, (5, 7, 2), dtype=np.uint8)
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
    rgb16 = rng(3).integers(0, 65536, (9, 11, 3), dtype=np.uint16)
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
    grey = rng(4).integers(0, 65536, (5, 6), dtype=np.uint16)
    ok, buf = cv2.imencode(".png", grey)
    assert ok
    img = decode_image_bytes(buf.tobytes())
    assert img.bit_depth == 16
    np.testing.assert_array_equal(img.rgb16, np.repeat(grey[:, :, None], 3, axis=2))

    bgra = rng(5).integers(0, 65536, (5, 6, 4), dtype=np.uint16)
    ok, buf = cv2.imencode(".png", bgra)
    assert ok
    img = decode_image_bytes(buf.tobytes())
    assert img.bit_depth == 16 and img.alpha.dtype == np.uint16
    np.testing.assert_array_equal(img.rgb16, bgra[:, :, 2::-1])
    np.testing.assert_array_equal(img.alpha, bgra[:, :, 3])
