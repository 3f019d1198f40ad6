"""What the web app's tests share: the /degrade parameters as callers have always passed them,
small real pictures written as files, a fake restorer that stands in for the model (no
TensorFlow), and `launched`, the app served in this process on a free localhost port for
`gradio_client`. Imported by name; the fixtures built on them are in ``webui_fixtures.py``.
"""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from restore.degrade import FORM_OPTIONS
from webui.limits import LAUNCH_OPTIONS

# The /degrade parameters as callers have always passed them, positionally: the image, the
# sixteen original artifact strengths, the tint hue and the seed. Written out, not derived,
# so that a change to the simulator's names or order cannot move them unnoticed.
OLD_DEGRADE_PARAMETERS = [
    "image", "interlace", "side_borders", "softness", "chroma_smear", "ringing", "grain", "dropouts",
    "tracking", "jitter", "top_skew", "head_switching", "chroma_delay", "tint_band", "levels",
    "pal_aspect", "compression", "tint_hue", "seed",
]
ADDED_DEGRADE_PARAMETERS = [
    "blur", "noise", "line_offsets", "color_band", "resample", "channel_shift", "posterize", "speckle",
    "line_streaks", "second_pass", *FORM_OPTIONS, "shuffle_order",
]


def make_image(height=64, width=96, seed=0) -> np.ndarray:
    """A smooth colour test picture with some detail."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / width, y * 255 / height, (x + y) * 127 / (width + height)], axis=2)
    noise = rng.normal(0, 12, (height, width, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def save_png(path: Path, rgb: np.ndarray, alpha: np.ndarray | None = None) -> Path:
    mode_image = np.dstack([rgb, alpha]) if alpha is not None else rgb
    Image.fromarray(mode_image).save(path)
    return path


def read_png(path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img)


class FakeRestorer:
    """Stands in for `restore.Restorer`: inverts the picture; PAL aspect widens 720 -> 768."""

    description = "fake model"
    fallback_reason = None
    pictures_per_call = 2  # several per call, as a Restorer runs video

    def __init__(self):
        self.calls = 0

    def restore(self, rgb, pal_aspect=False):
        self.calls += 1
        assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3
        out = 255 - rgb
        if pal_aspect:
            out = cv2.resize(out, (round(rgb.shape[1] * 768 / 720), rgb.shape[0]), interpolation=cv2.INTER_CUBIC)
        return out

    def restore_batch(self, pictures, pal_aspect=False):
        return [self.restore(picture, pal_aspect) for picture in pictures]


@contextlib.contextmanager
def launched(demo):
    """Serve ``demo`` in this process on a free localhost port (as `webui.serve` launches it);
    yields its URL and closes it afterwards."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **LAUNCH_OPTIONS)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()
