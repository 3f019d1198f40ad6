"""restore.images, the checks before and while decoding: bad files raise `ImageError` naming
the path and the reason, pixel limits refuse huge headers without decoding them,
`probe_image` reads the header only, and reading never changes the file."""

from __future__ import annotations

import io
import pickle
import resource
from pathlib import Path

import pytest
from images_helpers import noise, png_claiming, sha
from PIL import Image

from restore.images import MAX_PIXELS, ImageError, decode_image_bytes, probe_image, read_image, write_png

# ------------------------------------------------------------------------------- bad inputs


def _truncated_jpeg(tmp_path: Path) -> Path:
    buf = io.BytesIO()
    Image.fromarray(noise(64, 64)).save(buf, "JPEG", quality=90)
    p = tmp_path / "cut.jpg"
    p.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    return p


def _truncated_png(tmp_path: Path) -> Path:
    p = write_png(tmp_path / "cut.png", noise(64, 64))
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
    before = sha(p) if p.is_file() else None
    with pytest.raises(ImageError) as info:
        read_image(p)
    err = info.value
    assert isinstance(err, ValueError)
    assert str(p) in str(err) and reason in str(err)
    assert err.path == p and reason in err.reason
    if before is not None:
        assert sha(p) == before


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"", "empty"),
        (b"GIF89a garbage", "not a recognised image"),
        (b"hello", "not a recognised image"),
        (png_claiming(40, 40), "corrupt or truncated"),
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
    p = write_png(tmp_path / "ten.png", noise(10, 10))
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
    p.write_bytes(png_claiming(width, height))
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
    p.write_bytes(png_claiming(100_000, 100_000))
    for call in (lambda: read_image(p, max_pixels=max_pixels), lambda: probe_image(p, max_pixels=max_pixels),
                 lambda: decode_image_bytes(p.read_bytes(), max_pixels=max_pixels)):
        with pytest.raises(ImageError) as info:
            call()
        assert info.value.reason == f"too many pixels: 10,000,000,000, more than the limit of {max_pixels:,}"
        assert "178" not in str(info.value)


def test_probe_image_checks_the_header_without_decoding(tmp_path):
    good = write_png(tmp_path / "good.png", noise(12, 20))
    assert probe_image(good) == (20, 12)
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.png").write_text("hello")
    big = tmp_path / "big.png"
    big.write_bytes(png_claiming(10_000, 6_000))
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
    Image.fromarray(noise()).save(p, exif=exif)
    before, mtime = sha(p), p.stat().st_mtime_ns
    read_image(p)
    assert sha(p) == before and p.stat().st_mtime_ns == mtime
    assert sorted(x.name for x in tmp_path.iterdir()) == [p.name]
