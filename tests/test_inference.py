"""The restoration engine (restore/engine/restorer.py): sizes, colour kinds, tiling, tracing,
PAL aspect, files, memory. A tiny generator with a random (non-identity) output layer
keeps these fast; the bundled checkpoint is exercised where it is present."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from restore.engine import tiling  # noqa: E402
from restore.engine.model import GENERATOR_CONFIGS  # noqa: E402
from restore.engine.restorer import Restorer, load_restorer, pal_square_width  # noqa: E402
from restore.images import read_image  # noqa: E402

REPOSITORY = Path(__file__).resolve().parent.parent
BUNDLED_WEIGHTS = REPOSITORY / "checkpoints" / "generator.weights.h5"

TILE, OVERLAP = 128, 32


@pytest.fixture(scope="module")
def restorer(model_folder) -> Restorer:
    return load_restorer(str(model_folder), tile=TILE, overlap=OVERLAP)


@pytest.fixture(scope="module")
def untiled(model_folder) -> Restorer:
    return load_restorer(str(model_folder), tile=None)


def smooth_image(height: int, width: int) -> np.ndarray:
    """Gentle colour gradients and waves: any seam would stand out against them."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.dstack([
        128 + 90 * np.sin(x / 37.0) * np.cos(y / 53.0),
        128 + 80 * np.cos((x + y) / 61.0),
        60 + 120 * (x / width) * (y / height) + 20 * np.sin(y / 29.0),
    ])
    return np.clip(image, 0, 255).astype(np.uint8)


def noisy_image(height: int, width: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 12, (height, width, 3))
    return np.clip(smooth_image(height, width) + noise, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- #
# Sizes and colour kinds
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("size", [(37, 53), (100, 300), (1, 1), (128, 128), (129, 7)])
def test_any_size_keeps_size_and_dtype(restorer, size):
    image = noisy_image(*size)
    restored = restorer.restore(image)
    assert restored.shape == image.shape and restored.dtype == np.uint8


def test_the_model_really_changes_the_image(restorer):
    image = noisy_image(64, 96)
    assert np.abs(restorer.restore(image).astype(int) - image).mean() > 1.0


def test_greyscale_in_greyscale_out(restorer):
    rgb = noisy_image(40, 60)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    restored = restorer.restore(grey)
    assert restored.shape == grey.shape and restored.dtype == np.uint8
    channel = restorer.restore(grey[:, :, None])
    assert channel.shape == (40, 60, 1)
    np.testing.assert_array_equal(channel[:, :, 0], restored)
    # The luma of restoring the grey image as RGB.
    expected = cv2.cvtColor(restorer.restore(np.repeat(grey[:, :, None], 3, axis=2)), cv2.COLOR_RGB2GRAY)
    assert np.abs(restored.astype(int) - expected).max() <= 1


def test_rgba_keeps_alpha_and_restores_colour(restorer):
    rgb = noisy_image(50, 70)
    alpha = np.random.default_rng(1).integers(0, 256, (50, 70), dtype=np.uint8)
    restored = restorer.restore(np.dstack([rgb, alpha]))
    assert restored.shape == (50, 70, 4) and restored.dtype == np.uint8
    np.testing.assert_array_equal(restored[:, :, 3], alpha)
    np.testing.assert_array_equal(restored[:, :, :3], restorer.restore(rgb))


def test_sixteen_bit_is_restored_at_full_precision(restorer):
    rgb8 = noisy_image(48, 64)
    rgb16 = rgb8.astype(np.uint16) * 257 + np.random.default_rng(2).integers(0, 200, rgb8.shape).astype(np.uint16)
    restored16 = restorer.restore(rgb16)
    assert restored16.shape == rgb16.shape and restored16.dtype == np.uint16
    # Agrees with the 8-bit restoration at 8-bit precision...
    restored8 = restorer.restore(rgb8)
    assert np.abs(restored16 / 257.0 - restored8).max() <= 2.0
    # ...but is not quantised to 8 bits.
    assert np.mean(restored16 % 257 != 0) > 0.5


def test_float_input_gives_float32_in_unit_range(restorer):
    image = noisy_image(33, 45).astype(np.float64) / 255.0
    restored = restorer.restore(image)
    assert restored.dtype == np.float32 and restored.shape == image.shape
    assert 0.0 <= restored.min() and restored.max() <= 1.0
    expected = restorer.restore(noisy_image(33, 45)) / 255.0
    assert np.abs(restored - expected).max() <= 1.0 / 255 + 1e-6


@pytest.mark.parametrize(
    "image, message",
    [
        (np.zeros((10, 10, 2), np.uint8), "expected an image of shape"),
        (np.zeros((2, 10, 10, 3), np.uint8), "expected an image of shape"),
        (np.zeros((0, 10, 3), np.uint8), "no pixels"),
        (np.zeros((10, 10, 3), np.int32), "unsupported image dtype"),
        (np.full((4, 4, 3), np.nan, np.float32), "NaN"),
    ],
    ids=["two-channels", "batch", "empty", "int32", "nan"],
)
def test_bad_arrays_are_value_errors(restorer, image, message):
    with pytest.raises(ValueError, match=message):
        restorer.restore(image)


@pytest.mark.parametrize("tile", [100, 4, -8, 2.5])
def test_bad_tile_is_a_value_error(model_folder, tile):
    with pytest.raises(ValueError, match="tile must be a positive multiple of 8"):
        load_restorer(str(model_folder), tile=tile)


# --------------------------------------------------------------------------- #
# Tiling
# --------------------------------------------------------------------------- #
def test_tiled_and_untiled_agree_on_a_medium_image(restorer, untiled):
    image = noisy_image(300, 400)
    tiled = restorer.restore(image).astype(int)
    whole = untiled.restore(image).astype(int)
    difference = np.abs(tiled - whole)
    assert difference.mean() < 0.25 and difference.max() <= 3, (difference.mean(), difference.max())
    # For scale: the restoration itself moves pixels far more than tiling does.
    assert np.abs(whole - image).mean() > 20 * difference.mean()


def column_step_profile(image: np.ndarray) -> np.ndarray:
    """Mean |step| between neighbouring columns (``profile[i]``: columns i and i+1), after
    a 4×4 box blur that removes the 2-pixel checkerboard of transposed convolutions:
    what is left at a tile edge is a seam."""
    signal = cv2.blur(image.astype(np.float32).mean(axis=2), (4, 4))
    return np.abs(np.diff(signal, axis=1)).mean(axis=0)


def seam_ratio(image: np.ndarray, overlap: int) -> float:
    """Step strength at the tile edges of a (tile=TILE, overlap) run, over the median."""
    width = image.shape[1]
    starts = tiling.tile_starts(width, TILE, overlap, GENERATOR_CONFIGS["tiny"].multiple)
    edges = sorted({edge for start in starts for edge in (start, start + TILE)} - {0, width})
    profile = column_step_profile(image)
    return float(np.mean([profile[edge - 3 : edge + 2].max() for edge in edges]) / np.median(profile))


def test_no_visible_grid_on_a_large_smooth_image(model_folder, restorer, untiled):
    image = smooth_image(384, 1024)
    whole = untiled.restore(image)
    # The measure sees seams: hard-edged tiles (no overlap, no blending) show a grid.
    hard = load_restorer(str(model_folder), tile=TILE, overlap=0).restore(image)
    assert seam_ratio(hard, 0) > 1.3 * seam_ratio(whole, 0), (seam_ratio(hard, 0), seam_ratio(whole, 0))
    # Blended tiles: the edges look like anywhere else in an untiled run.
    blended = restorer.restore(image)
    assert seam_ratio(blended, OVERLAP) < 1.05 * seam_ratio(whole, OVERLAP), (seam_ratio(blended, OVERLAP), seam_ratio(whole, OVERLAP))


def test_tiles_are_aligned_to_the_network_grid_and_overlap():
    for length in (128, 200, 384, 1000, 4000):
        padded = length + (-length % 8)
        starts = tiling.tile_starts(max(padded, TILE), TILE, OVERLAP, 8)
        assert starts[0] == 0 and starts[-1] + TILE == max(padded, TILE)
        assert all(start % 8 == 0 for start in starts)
        assert all(second - first <= TILE - OVERLAP for first, second in zip(starts, starts[1:]))


def test_no_retrace_across_sizes_and_calls(model_folder):
    fresh = load_restorer(str(model_folder), tile=TILE, overlap=OVERLAP)
    sizes = [(37, 53), (64, 64), (100, 300), (300, 400), (200, 130), (17, 129), (8, 8)]
    for size in sizes:
        fresh.restore(noisy_image(*size))
    traced = fresh.tracing_count
    assert traced == 2  # one whole-image function (8-bit pixels) and one tile function, each traced once
    for size in reversed(sizes):
        fresh.restore(noisy_image(*size))
    assert fresh.tracing_count == traced


# --------------------------------------------------------------------------- #
# PAL aspect, line alignment
# --------------------------------------------------------------------------- #
def test_pal_aspect_gives_square_pixels(restorer):
    frame = noisy_image(576, 720)
    restored = restorer.restore(frame, pal_aspect=True)
    assert restored.shape == (576, 768, 3) and restored.dtype == np.uint8
    assert pal_square_width(720) == 768 and pal_square_width(360) == 384
    # Same picture as restoring at 720 and stretching it.
    stretched = cv2.resize(restorer.restore(frame), (768, 576), interpolation=cv2.INTER_CUBIC)
    assert np.abs(restored.astype(int) - stretched).mean() < 1.0
    rgba = restorer.restore(np.dstack([frame, np.full((576, 720), 200, np.uint8)]), pal_aspect=True)
    assert rgba.shape == (576, 768, 4) and (rgba[:, :, 3] == 200).all()


def test_line_alignment_follows_config_and_override(tmp_path, monkeypatch, model_factory):
    from restore.engine import timebase

    calls = []

    def spy(rgb):
        calls.append(rgb.shape)
        return rgb.copy()

    monkeypatch.setattr(timebase, "correct_timebase", spy)
    folder = model_factory(tmp_path / "aligned", preprocess={"line_alignment": True})
    assert json.loads((folder / "config.json").read_text())["preprocess"] == {"line_alignment": True}
    image = noisy_image(40, 56)
    load_restorer(str(folder)).restore(image)
    assert calls == [(40, 56, 3)]
    load_restorer(str(folder), line_alignment=False).restore(image)
    assert calls == [(40, 56, 3)]


def test_true_false_options_refuse_truthy_strings(restorer, model_folder):
    # "false" and "no" are truthy: taken as bools they switched the option on (issue 14).
    from restore.engine.weights import load_generator, resolve_model

    image = noisy_image(24, 32)
    for value in ("false", "no", 1, None):
        with pytest.raises(ValueError, match=r"pal_aspect must be True or False"):
            restorer.restore(image, pal_aspect=value)
    assert restorer.restore(image, pal_aspect=np.bool_(False)).shape == image.shape
    model, config = load_generator(resolve_model(str(model_folder)))
    with pytest.raises(ValueError, match=r"config preprocess\.line_alignment must be True or False, got 'no'"):
        Restorer(model, {**config, "preprocess": {"line_alignment": "no"}})
    with pytest.raises(ValueError, match=r"line_alignment must be True or False, got 'off'"):
        Restorer(model, config, line_alignment="off")
    assert Restorer(model, {**config, "preprocess": {"line_alignment": True}}).line_alignment is True


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_line_alignment_straightens_a_jittered_frame(model_folder, dtype):
    """Real time-base correction: a frame with black side borders whose lines wander, slowly
    and from line to line (a time-base error has both; slow drift alone is left alone)."""
    from restore.pal import shift_lines

    frame = np.zeros((144, 360, 3), np.uint8)
    frame[:, 20:344] = noisy_image(144, 324)
    lines = np.arange(144, dtype=np.float32)
    wobble = np.random.default_rng(0).normal(0.0, 0.8, 144)
    jittered = shift_lines(frame, 3.0 * np.sin(lines / 23.0) + 1.5 * np.sin(lines / 5.0 + 1.0) + wobble, fill_black=True)
    scale = 257 if dtype == np.uint16 else 1
    plain = load_restorer(str(model_folder), line_alignment=False)
    aligned = load_restorer(str(model_folder), line_alignment=True)
    assert aligned.line_alignment and not plain.line_alignment
    target = plain.restore(frame).astype(float)
    error_plain = np.abs(plain.restore(jittered.astype(dtype) * scale) / scale - target).mean()
    error_aligned = np.abs(aligned.restore(jittered.astype(dtype) * scale) / scale - target).mean()
    assert error_aligned < 0.7 * error_plain, (error_aligned, error_plain)


# --------------------------------------------------------------------------- #
# Files
# --------------------------------------------------------------------------- #
def test_restore_file_exif_rotated_jpeg_is_upright(restorer, tmp_path):
    image = noisy_image(40, 64)  # landscape pixels, stored with "rotate 90° clockwise to view"
    exif = Image.Exif()
    exif[0x0112] = 6
    source = tmp_path / "rotated.jpg"
    Image.fromarray(image).save(source, quality=95, exif=exif)
    output = restorer.restore_file(source, tmp_path / "rotated.png")
    with Image.open(output) as restored:
        assert restored.size == (40, 64)  # upright: portrait
        np.testing.assert_array_equal(np.asarray(restored.convert("RGB")), restorer.restore(read_image(source).rgb))


def test_restore_file_sixteen_bit_rgba_png(restorer, tmp_path):
    rgb16 = (noisy_image(30, 50).astype(np.uint16) * 257) + 77
    alpha16 = np.linspace(0, 65535, 30 * 50).reshape(30, 50).astype(np.uint16)
    source = tmp_path / "deep.png"
    cv2.imwrite(str(source), np.dstack([rgb16[:, :, ::-1], alpha16]))
    output = restorer.restore_file(source, tmp_path / "deep-restored.png")
    written = cv2.imread(str(output), cv2.IMREAD_UNCHANGED)
    assert written.dtype == np.uint16 and written.shape == (30, 50, 4)
    np.testing.assert_array_equal(written[:, :, 3], alpha16)
    np.testing.assert_array_equal(written[:, :, 2::-1], restorer.restore(rgb16))


def test_restore_file_greyscale_stays_grey(restorer, tmp_path):
    grey = cv2.cvtColor(noisy_image(36, 52), cv2.COLOR_RGB2GRAY)
    source = tmp_path / "grey.png"
    Image.fromarray(grey).save(source)
    output = restorer.restore_file(source, tmp_path / "grey-restored.png", pal_aspect=True)
    restored = np.asarray(Image.open(output).convert("RGB"))
    assert restored.shape == (36, pal_square_width(52), 3)
    assert (restored[:, :, 0] == restored[:, :, 1]).all() and (restored[:, :, 1] == restored[:, :, 2]).all()


# --------------------------------------------------------------------------- #
# Memory and the bundled checkpoint
# --------------------------------------------------------------------------- #
def test_large_image_restores_in_bounded_memory(model_folder):
    """4000×3000 in a fresh process: peak resident memory under 2 GiB. Uses the bundled
    checkpoint when it is shipped (the real activation sizes), else the tiny model."""
    source = "None" if BUNDLED_WEIGHTS.is_file() else repr(str(model_folder))
    script = textwrap.dedent(f"""
        import os, resource
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
        os.environ.pop("VHS_RESTORE_MODEL", None)
        import numpy as np
        from restore import load_restorer
        restorer = load_restorer({source})
        image = np.random.default_rng(0).integers(0, 256, (3000, 4000, 3), dtype=np.uint8)
        restored = restorer.restore(image)
        assert restored.shape == image.shape and restored.dtype == np.uint8
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    peak_kib = int(result.stdout.strip().splitlines()[-1])
    assert peak_kib < 2 * 1024 * 1024, f"peak RSS {peak_kib / 1024:.0f} MiB"


# --------------------------------------------------------------------------- #
# Several images at once
# --------------------------------------------------------------------------- #
class CountingRunner:
    """A network runner that notes how many whole pictures each `run_pixels` call gets."""

    def __init__(self, runner, calls: list[int]):
        self.runner, self.calls = runner, calls

    def __call__(self, batch):
        return self.runner(batch)

    def run_pixels(self, batch):
        self.calls.append(batch.shape[0])
        return self.runner.run_pixels(batch)


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_restore_batch_gives_what_restore_gives_each_image(model_folder, precision):
    fresh = load_restorer(str(model_folder), tile=TILE, overlap=OVERLAP, precision=precision)
    fresh.pictures_per_call = 2  # fewer than the shipped 4, so the cut of a run shows
    calls = []
    runner = fresh._runner
    fresh._runner = CountingRunner(runner, calls)
    # Two runs of equal sizes (the second cut by pictures_per_call), a lone size, one
    # image large enough to tile, and grey and 16-bit ones kept as they are.
    images = [noisy_image(48, 64, seed) for seed in range(3)] + [noisy_image(40, 40, 3), noisy_image(200, 300, 4),
                                                                  noisy_image(48, 64, 5)[:, :, 0],
                                                                  noisy_image(48, 64, 6).astype(np.uint16) * 257]
    together = fresh.restore_batch(images)
    assert calls[:3] == [2, 1, 1]  # the first three images: two in one call, then the third alone
    one_by_one = [fresh.restore(image) for image in images]
    for image, batched, single in zip(images, together, one_by_one):
        assert batched.dtype == image.dtype and batched.shape == image.shape
        scale = 257 if image.dtype == np.uint16 else 1
        assert np.abs(batched.astype(np.int64) - single.astype(np.int64)).max() <= scale  # within a level
    # The network really changed them (a batch is not passed through).
    assert np.abs(together[0].astype(int) - images[0].astype(int)).mean() > 1.0
    assert runner.tracing_count == 3  # batches of any size reuse the 8-bit, 16-bit and tile functions


def test_restore_batch_checks_every_image(restorer):
    with pytest.raises(ValueError, match="expected an image of shape"):
        restorer.restore_batch([noisy_image(32, 32), np.zeros((4, 4, 2), np.uint8)])
    assert restorer.restore_batch([]) == []


def test_pictures_per_call_follows_the_precision(model_folder):
    from restore.engine.precision import PICTURES_PER_CALL

    for precision in ("float32", "bfloat16"):
        assert load_restorer(str(model_folder), precision=precision).pictures_per_call == PICTURES_PER_CALL[precision]
    assert PICTURES_PER_CALL["bfloat16"] > 1  # measured faster per frame several at a time
