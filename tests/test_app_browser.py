"""The app in a real browser: headless Debian Chromium driven by Playwright.

``python app.py`` runs in a subprocess on a free localhost port with a tiny untrained model;
the browser uploads an image on Restore and waits for the restored image, moves a Degrade
slider, picks a form, ticks shuffle order and picks a preset, waiting each time for the preview
to change (presets and random settings set every control), sends the result to Restore, runs Compare, and
saves a screenshot of every tab with the same helper that makes the README's screenshots.

Playwright never downloads a browser here: it launches /usr/bin/chromium (``.ci/run``
installs it with apt). Without Chromium these tests are skipped, saying so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from devtools import browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        browser.chromium_path() is None,
        reason="Chromium not installed: apt-get install chromium chromium-driver (.ci/run does)",
    ),
]


@pytest.fixture(scope="module")
def page(server):
    with browser.launch_browser() as page:
        browser.open_app(page, server)
        yield page


@pytest.fixture(scope="module")
def upload(tmp_path_factory) -> Path:
    from restore import PRESETS, degrade

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:144, 0:180]
    clean = np.clip(np.stack([x * 1.4, y * 1.7, (x + y) * 0.7], axis=2) + rng.normal(0, 8, (144, 180, 3)), 0, 255)
    bad = degrade(clean.astype(np.uint8), PRESETS["default"], seed=1)
    path = tmp_path_factory.mktemp("browser-input") / "tape_frame.png"
    Image.fromarray(bad).save(path)
    return path


def _natural_size(page, selector: str) -> tuple[int, int]:
    return tuple(
        page.evaluate(
            "(s) => { const i = document.querySelector(s + ' img'); return [i.naturalWidth, i.naturalHeight]; }",
            selector,
        )
    )


def test_restore_tab_shows_the_restored_image(page, upload):
    src = browser.restore_flow(page, upload)
    assert "tape_frame" in src  # the slider shows this upload's input and result
    sources = browser.image_sources(page, "#restore-slider")
    assert any("tape_frame_restored" in s for s in sources)
    assert _natural_size(page, "#restore-slider") == (180, 144)
    assert "Model: local model" in page.locator("#model-info").inner_text()


def test_degrade_slider_release_updates_the_preview(page):
    before, after = browser.degrade_flow(page, slider="grain", fraction=0.95)
    assert before != after and "degraded" in after
    value = page.locator("#slider-grain input[type=number]").input_value()
    assert float(value) > 0.8


def test_degrade_form_choice_and_checkbox_update_the_preview(page):
    # The preview's URL follows its content, so switch the band on first: its form then shows.
    browser.degrade_flow(page, slider="color_band", fraction=0.9)
    before, after = browser.degrade_choice_flow(page, "form-band_position", "bottom")
    assert before != after and "degraded" in after
    previous = after
    page.locator("#degrade-shuffle input[type=checkbox]").check()
    assert browser.wait_for_image(page, "#degrade-output", different_from=previous) != previous


def test_degrade_preset_sets_every_control(page):
    browser.degrade_choice_flow(page, "degrade-preset", "archive")  # then the preview is re-rendered
    # The preset's values reach the controls in their own update: wait for them (5 s at most).
    expect(page.locator("#form-band_form input")).to_have_value("channel loss", timeout=5000)
    assert browser.dropdown_text(page, "form-band_position") == "top"
    assert float(page.locator("#slider-color_band input[type=number]").input_value()) == 0.9
    assert not page.locator("#degrade-shuffle input[type=checkbox]").is_checked()
    page.locator("#degrade-random").click()
    page.wait_for_function("() => document.querySelector('#degrade-preset input').value === 'custom'")
    for option in ("form-band_form", "form-blur_kernel", "form-skew_profile"):
        expect(page.locator(f"#{option} input")).to_have_value("any (drawn from the seed)", timeout=5000)
    browser.degrade_choice_flow(page, "degrade-preset", "default")  # back to the default for later tests


def test_send_to_restore_fills_the_restore_input(page):
    browser.select_tab(page, "Degrade")
    previous = browser.image_sources(page, "#restore-input")
    page.locator("#degrade-send").click()
    src = browser.wait_for_image(page, "#restore-input", different_from=previous[0] if previous else None)
    assert page.locator("#restore-button").is_visible()  # the Restore tab is selected
    assert "degraded" in src or "_vhs" in src


def test_compare_tab_shows_scores_and_map(page):
    browser.compare_flow(page)
    ssim = float(page.locator("#compare-ssim input").input_value())
    assert 0.0 < ssim < 1.0  # the prefilled pair: a clean example and its degraded version
    browser.study_flow(page)
    assert "clean vs restored" in page.locator("#study-table").inner_text()


def test_screenshot_helper_saves_every_tab(page, server, upload, tmp_path):
    shots = browser.take_screenshots(server, tmp_path, upload, width=1000, page=page)
    assert set(shots) == {"restore", "degrade", "compare"}
    for path in shots.values():
        with Image.open(path) as image:
            assert image.width == 1000 and image.height > 500
