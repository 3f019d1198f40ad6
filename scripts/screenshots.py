"""Take the README's screenshots of the app's three tabs in headless Chromium.

    python scripts/screenshots.py                   # bundled model, writes docs/screenshot_*.png
    python scripts/screenshots.py --model DIR_OR_HF --out docs --width 1280
    python scripts/screenshots.py --url http://127.0.0.1:7860/   # an app that is already running

It starts ``python app.py`` on a free localhost port (unless ``--url`` is given), then uses
each tab as a user would — restores a degraded example frame, moves a Degrade slider, runs
Compare and the degrade → restore study — and saves ``screenshot_restore.png``,
``screenshot_degrade.png`` and ``screenshot_compare.png``: full page, at most ``--width``
pixels wide, 256-colour optimised PNGs. The browser is the system Chromium
(``/usr/bin/chromium`` or ``$CHROMIUM``); nothing is downloaded. The same helpers
(``devtools``) drive the browser tests.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from devtools import browser
from devtools.appserver import REPO_ROOT, serve_app


def example_frame(folder: Path, name: str = "astronaut") -> Path:
    """A degraded 720×576 example frame, made exactly as the app makes its examples."""
    from webui.examples import make_examples

    return Path(make_examples(folder, names=(name,)).degraded[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs", help="folder for the PNGs (default: docs/)")
    parser.add_argument("--model", help="model source for the app ($VHS_RESTORE_MODEL); default: the bundled one")
    parser.add_argument("--url", help="use an app that is already running at this URL")
    parser.add_argument("--width", type=int, default=1280, help="page width in pixels (default 1280)")
    parser.add_argument("--image", type=Path, help="image to restore (default: a degraded example frame)")
    args = parser.parse_args(argv)

    if browser.chromium_path() is None:
        print("screenshots: Chromium not found (apt-get install chromium, or set $CHROMIUM)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="vhs-screenshots-") as scratch:
        image = args.image or example_frame(Path(scratch))
        if args.url:
            shots = browser.take_screenshots(args.url, args.out, image, args.width)
        else:
            with serve_app(model=args.model) as app:
                shots = browser.take_screenshots(app.url, args.out, image, args.width)
    for tab, path in shots.items():
        print(f"{tab}: {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
