"""The Restore tab's handlers (`webui.restore_handlers`) as plain functions, with a fake
restorer (no TensorFlow): one image (size, PAL aspect, alpha, EXIF) and a batch."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image
from webui_helpers import make_image, read_png, save_png

from webui import limits, restore_handlers

pytest_plugins = ("webui_fixtures",)  # the fixtures fake_model, picture, corrupt


def test_restore_image_returns_pngs_of_input_size(fake_model, picture):
    path, rgb = picture
    restored, (before, after), download = restore_handlers.restore_image(path)
    assert restored == after == download
    assert Path(restored).name == "frame_restored.png"
    np.testing.assert_array_equal(read_png(restored), 255 - rgb)
    np.testing.assert_array_equal(read_png(before), rgb)
    assert fake_model.calls == 1


def test_restore_image_pal_aspect_widens_both_slider_images(fake_model, tmp_path):
    path = save_png(tmp_path / "pal.png", make_image(48, 720))
    restored, (before, after), _ = restore_handlers.restore_image(path, pal_aspect=True)
    assert read_png(restored).shape == (48, 768, 3)
    assert read_png(before).shape == read_png(after).shape == (48, 768, 3)


def test_restore_image_keeps_alpha(fake_model, tmp_path):
    rgb = make_image()
    alpha = np.full(rgb.shape[:2], 200, np.uint8)
    restored, _, _ = restore_handlers.restore_image(save_png(tmp_path / "rgba.png", rgb, alpha))
    out = read_png(restored)
    assert out.shape == (*rgb.shape[:2], 4)
    np.testing.assert_array_equal(out[:, :, 3], alpha)


def test_restore_image_applies_exif_orientation(fake_model, tmp_path):
    rgb = make_image(40, 80)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    path = tmp_path / "camera.jpg"
    Image.fromarray(rgb).save(path, exif=exif, quality=95)
    restored, _, _ = restore_handlers.restore_image(path)
    assert read_png(restored).shape == (80, 40, 3)


def test_restore_batch_skips_bad_files_and_reports_them(fake_model, picture, corrupt, tmp_path):
    path, rgb = picture
    other = save_png(tmp_path / "other.png", make_image(32, 40, seed=1))
    seen = []
    gallery, pngs, report = restore_handlers.restore_batch(
        [str(path), str(corrupt), str(other)], progress=lambda *a, **k: seen.append((a, k))
    )
    assert [Path(p).name for p in pngs] == ["frame_restored.png", "other_restored.png"]
    assert [caption for _, caption in gallery] == ["frame.png", "other.png"]
    np.testing.assert_array_equal(read_png(pngs[0]), 255 - rgb)
    assert "Restored 2 of 3 images" in report and "broken.png" in report
    assert len(seen) >= 3  # progress reported per image


def test_restore_batch_same_names_do_not_overwrite(fake_model, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = save_png(tmp_path / "a" / "x.png", make_image(seed=1))
    second = save_png(tmp_path / "b" / "x.png", make_image(seed=2))
    _, pngs, _ = restore_handlers.restore_batch([first, second])
    assert len(set(pngs)) == 2


def test_restore_batch_errors(fake_model, corrupt):
    with pytest.raises(gr.Error, match="upload one or more"):
        restore_handlers.restore_batch([])
    with pytest.raises(gr.Error, match="No image could be restored"):
        restore_handlers.restore_batch([corrupt])
    with pytest.raises(gr.Error, match="at most"):
        restore_handlers.restore_batch(["x.png"] * (limits.MAX_BATCH + 1))
