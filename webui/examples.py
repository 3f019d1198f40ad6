"""The example images: frames bundled with scikit-image (no downloads), cut to PAL 720×576 and
degraded with the default preset. Made when the demo is built (`make_examples`), never at
import, in the work folder (`webui.workdir`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from restore import PRESETS, degrade
from restore.images import write_png
from restore.pal import PAL_HEIGHT, PAL_WIDTH
from webui import workdir
from webui.limits import DEFAULT_PRESET, EXAMPLE_IMAGES, EXAMPLE_SEED


@dataclass
class ExampleSet:
    names: list[str] = field(default_factory=list)
    clean: list[str] = field(default_factory=list)
    degraded: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [name.capitalize() for name in self.names]

    @property
    def first_clean(self) -> str | None:
        return self.clean[0] if self.clean else None

    @property
    def first_degraded(self) -> str | None:
        return self.degraded[0] if self.degraded else None


def pal_frame(rgb: np.ndarray) -> np.ndarray:
    """Centre-crop to the 5:4 shape of a 720×576 PAL frame and resize to it."""
    height, width = rgb.shape[:2]
    target = PAL_WIDTH / PAL_HEIGHT
    if width / height > target:
        new_width = round(height * target)
        left = (width - new_width) // 2
        rgb = rgb[:, left : left + new_width]
    else:
        new_height = round(width / target)
        top = (height - new_height) // 2
        rgb = rgb[top : top + new_height]
    shrink = rgb.shape[1] > PAL_WIDTH
    return cv2.resize(rgb, (PAL_WIDTH, PAL_HEIGHT), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


def make_examples(folder: Path | None = None, names=EXAMPLE_IMAGES) -> ExampleSet:
    """Write clean 720×576 frames from `skimage.data` and their degraded versions
    (``PRESETS["default"]``, seed `EXAMPLE_SEED`) as PNGs into ``folder`` (default: the work
    folder's ``examples``)."""
    import skimage.data

    folder = Path(folder or workdir.work_dir() / "examples")
    folder.mkdir(parents=True, exist_ok=True)
    examples = ExampleSet()
    for name in names:
        clean = pal_frame(np.ascontiguousarray(getattr(skimage.data, name)()[:, :, :3]))
        bad = degrade(clean, PRESETS[DEFAULT_PRESET], seed=EXAMPLE_SEED)
        examples.names.append(name)
        examples.clean.append(str(write_png(folder / f"{name}.png", clean)))
        examples.degraded.append(str(write_png(folder / f"{name}_vhs.png", bad)))
    return examples
