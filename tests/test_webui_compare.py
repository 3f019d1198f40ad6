"""The Compare tab's handlers (`webui.compare_handlers`): SSIM, PSNR and the heat-map of two
images, and the degrade → restore study (with a fake restorer)."""

from __future__ import annotations

import cv2
import gradio as gr
import numpy as np
import pytest
from webui_helpers import make_image, read_png, save_png

from restore import PRESETS, DegradeSettings, degrade, psnr, ssim
from webui import compare_handlers, limits

pytest_plugins = ("webui_fixtures",)  # the fixtures fake_model, picture


def test_compare_identical_and_different(picture, tmp_path):
    path, rgb = picture
    ssim_value, psnr_value, heatmap = compare_handlers.compare_images(path, path)
    assert ssim_value == 1.0 and psnr_value == float("inf")
    assert heatmap.shape == rgb.shape and heatmap.dtype == np.uint8
    assert compare_handlers.psnr_for_display(psnr_value) == limits.PSNR_CAP_DB
    noisy = save_png(tmp_path / "noisy.png", degrade(rgb, DegradeSettings(grain=1.0), seed=1))
    ssim_value, psnr_value, heatmap = compare_handlers.compare_images(path, noisy)
    assert 0.0 < ssim_value < 0.95 and 5.0 < psnr_value < 40.0
    assert len(np.unique(heatmap.reshape(-1, 3), axis=0)) > 10  # a real colour map


def test_compare_sizes_differ_unless_resized(picture, tmp_path):
    path, rgb = picture
    half = save_png(tmp_path / "half.png", cv2.resize(rgb, (48, 32), interpolation=cv2.INTER_AREA))
    with pytest.raises(gr.Error, match=r"differ in size: A is 96×64, B is 48×32.*Resize B"):
        compare_handlers.compare_images(path, half)
    ssim_value, psnr_value, heatmap = compare_handlers.compare_images(path, half, resize=True)
    assert 0.3 < ssim_value < 1.0 and np.isfinite(psnr_value) and heatmap.shape == rgb.shape


def test_compare_heat_map_is_bounded_and_the_scores_exact(tmp_path, monkeypatch):
    # A 12-megapixel pair took 29 s and 3.2 GB for a full-size map (issue 14): the map is
    # shown at most MAP_MAX_SIDE long, each pixel its block's mean SSIM; the scores use every pixel.
    from restore.metrics import ssim_map

    rgb = make_image(130, 190, seed=5)
    bad = degrade(rgb, PRESETS["default"], seed=2)
    path_a, path_b = save_png(tmp_path / "a.png", rgb), save_png(tmp_path / "b.png", bad)
    monkeypatch.setattr(limits, "MAP_MAX_SIDE", 50)
    ssim_value, psnr_value, heatmap = compare_handlers.compare_images(path_a, path_b)
    assert heatmap.shape == (33, 48, 3)  # factor 4: ceil(130/4) × ceil(190/4)
    assert ssim_value == round(ssim(rgb, bad), 4) and psnr_value == round(psnr(rgb, bad), 2)
    np.testing.assert_array_equal(heatmap, compare_handlers.heatmap_colours(ssim_map(rgb, bad, max_side=50)))


def test_ssim_heatmap_colours():
    rgb = make_image()
    same = compare_handlers.ssim_heatmap(rgb, rgb)
    expected = cv2.applyColorMap(np.full((1, 1), 255, np.uint8), cv2.COLORMAP_VIRIDIS)[0, 0, ::-1]
    assert (same == expected).all()  # identical: uniformly the top of the colour map (yellow)


def test_study_scores_degraded_and_restored(fake_model, picture):
    path, rgb = picture
    degraded, restored, rows, summary = compare_handlers.run_study(path, "default", 4)
    bad = degrade(rgb, PRESETS["default"], seed=4)
    np.testing.assert_array_equal(read_png(degraded), bad)
    np.testing.assert_array_equal(read_png(restored), 255 - bad)
    assert [row[0] for row in rows] == ["clean vs degraded", "clean vs restored"]
    assert all(len(row) == len(compare_handlers.STUDY_HEADERS) for row in rows)
    assert "SSIM" in summary and "PSNR" in summary
    with pytest.raises(gr.Error, match="Unknown preset"):
        compare_handlers.run_study(path, "nope", 1)
