"""Drive the Gradio app in a real browser: Debian's Chromium through Playwright.

Shared by the browser tests (``tests/test_app_browser.py``) and the screenshot script
(``scripts/screenshots.py``); the app itself runs under `devtools.appserver.serve_app`.
Playwright never downloads a browser here: it launches the system Chromium given by
``$CHROMIUM`` or ``/usr/bin/chromium``.

* `launch_browser` starts headless Chromium with networking extras switched off.
* `restore_flow`, `degrade_flow`, `compare_flow` do what a user does on each tab and
  wait until the result is visible; `take_screenshots` runs all three and saves a PNG each.
  `choose` picks a dropdown choice (`degrade_choice_flow`: a Degrade form or preset).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import time
from pathlib import Path

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
SCREENSHOT_NAMES = {
    "restore": "screenshot_restore.png",
    "degrade": "screenshot_degrade.png",
    "compare": "screenshot_compare.png",
}


def chromium_path() -> str | None:
    """The system Chromium executable, or None when it is not installed."""
    candidates = [os.environ.get("CHROMIUM", "")] + list(CHROMIUM_CANDIDATES)
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


@contextlib.contextmanager
def launch_browser(width: int = 1280, height: int = 900):
    """Headless system Chromium through Playwright; yields a fresh page."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise FileNotFoundError("Chromium is not installed (apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="vhs-restore-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=executable,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": width, "height": height},
                device_scale_factor=1,
            )
            try:
                page = context.pages[0] if context.pages else context.new_page()
                page.set_default_timeout(60_000)
                yield page
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


# ------------------------------------------------------------------------------ page actions
def open_app(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#restore-button").wait_for(state="visible")


def select_tab(page, name: str) -> None:
    """Click a top-level tab button ("Restore", "Degrade", "Compare")."""
    page.get_by_role("tab", name=name, exact=True).first.click()


def _loaded_image_src(page, selector: str) -> str | None:
    """The src of the first fully loaded <img> (naturalWidth > 0) under ``selector``."""
    return page.evaluate(
        """(selector) => {
            const root = document.querySelector(selector);
            if (!root) return null;
            for (const img of root.querySelectorAll('img')) {
                if (img.complete && img.naturalWidth > 0 && img.getAttribute('src')) return img.getAttribute('src');
            }
            return null;
        }""",
        selector,
    )


def wait_for_image(page, selector: str, different_from: str | None = None, timeout: float = 90.0) -> str:
    """Wait until an <img> under ``selector`` has loaded (and its src is not ``different_from``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        src = _loaded_image_src(page, selector)
        if src and src != different_from:
            return src
        page.wait_for_timeout(200)
    raise TimeoutError(f"no new loaded image under {selector} within {timeout:.0f} s")


def image_sources(page, selector: str) -> list[str]:
    return page.evaluate(
        "(s) => Array.from(document.querySelectorAll(s + ' img')).filter(i => i.naturalWidth > 0).map(i => i.getAttribute('src'))",
        selector,
    )


def upload_image(page, elem_id: str, path: str | os.PathLike) -> None:
    """Put a file into the image upload component ``#elem_id`` and wait for its preview."""
    before = _loaded_image_src(page, f"#{elem_id}")
    page.locator(f"#{elem_id} input[type=file]").set_input_files(str(path))
    wait_for_image(page, f"#{elem_id}", different_from=before)


def restore_flow(page, image_path: str | os.PathLike) -> str:
    """Restore tab: upload, click Restore, wait for the before/after slider's images."""
    select_tab(page, "Restore")
    upload_image(page, "restore-input", image_path)
    previous = _loaded_image_src(page, "#restore-slider")
    page.locator("#restore-button").click()
    return wait_for_image(page, "#restore-slider", different_from=previous, timeout=120)


def move_slider(page, name: str, fraction: float) -> None:
    """Click the range input of artifact ``name`` at ``fraction`` of its width, as a user
    would: the browser sends input and pointerup, and pointerup is Gradio's "release"."""
    slider = page.locator(f"#slider-{name} input[type=range]")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    slider.click(position={"x": max(1.0, box["width"] * fraction), "y": box["height"] / 2})


def degrade_flow(page, slider: str = "grain", fraction: float = 0.95) -> tuple[str, str]:
    """Degrade tab: move one slider and wait until the preview image changes.

    Returns the preview's ``(src before, src after)``."""
    select_tab(page, "Degrade")
    before = wait_for_image(page, "#degrade-output")
    move_slider(page, slider, fraction)
    after = wait_for_image(page, "#degrade-output", different_from=before)
    return before, after


def choose(page, elem_id: str, label: str) -> None:
    """Pick the choice shown as ``label`` in the dropdown ``#elem_id``, as a user does:
    open the list, click the option (Gradio's "input" event)."""
    field = page.locator(f"#{elem_id} input")
    field.scroll_into_view_if_needed()
    field.click()
    page.get_by_role("option", name=label, exact=True).first.click()


def dropdown_text(page, elem_id: str) -> str:
    """The choice a dropdown shows (its label, not its value)."""
    return page.locator(f"#{elem_id} input").input_value()


def degrade_choice_flow(page, elem_id: str, label: str) -> tuple[str, str]:
    """Degrade tab: pick ``label`` in the dropdown ``#elem_id`` and wait until the preview
    image changes. Returns the preview's ``(src before, src after)``."""
    select_tab(page, "Degrade")
    before = wait_for_image(page, "#degrade-output")
    choose(page, elem_id, label)
    after = wait_for_image(page, "#degrade-output", different_from=before)
    return before, after


def compare_flow(page) -> str:
    """Compare tab: compare the prefilled pair and wait for the SSIM map."""
    select_tab(page, "Compare")
    previous = _loaded_image_src(page, "#compare-map")
    page.locator("#compare-button").click()
    src = wait_for_image(page, "#compare-map", different_from=previous)
    page.locator("#compare-summary").get_by_text("SSIM").first.wait_for()
    return src


def study_flow(page) -> str:
    """Compare tab, study: degrade and restore the prefilled clean image."""
    select_tab(page, "Compare")
    previous = _loaded_image_src(page, "#study-restored")
    page.locator("#study-button").click()
    return wait_for_image(page, "#study-restored", different_from=previous, timeout=120)


def save_png(page, path: Path, max_width: int = 1280) -> Path:
    """Full-page screenshot, scaled to at most ``max_width`` and saved as an optimised PNG."""
    from PIL import Image

    data = page.screenshot(full_page=True, type="png")
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if image.width > max_width:
        image = image.resize((max_width, round(image.height * max_width / image.width)), Image.LANCZOS)
    # A 256-colour palette keeps UI screenshots small and crisp.
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG", optimize=True)
    return path


def take_screenshots(
    url: str, out_dir: Path, image_path: str | os.PathLike, width: int = 1280, page=None
) -> dict[str, Path]:
    """Use every tab like a user and save a full-page screenshot of each (at most ``width``
    pixels wide); returns {tab: png path}. Uses ``page`` when given (reloading the app in
    it), else a browser of its own."""
    if page is None:
        with launch_browser(width=width, height=900) as own_page:
            return take_screenshots(url, out_dir, image_path, width, own_page)
    out_dir = Path(out_dir)
    page.set_viewport_size({"width": width, "height": 900})
    open_app(page, url)
    shots = {}
    restore_flow(page, image_path)
    page.wait_for_timeout(500)
    shots["restore"] = save_png(page, out_dir / SCREENSHOT_NAMES["restore"], width)
    degrade_flow(page)
    page.wait_for_timeout(500)
    shots["degrade"] = save_png(page, out_dir / SCREENSHOT_NAMES["degrade"], width)
    compare_flow(page)
    study_flow(page)
    page.wait_for_timeout(500)
    shots["compare"] = save_png(page, out_dir / SCREENSHOT_NAMES["compare"], width)
    return shots
