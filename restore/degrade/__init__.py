"""VHS/PAL damage simulator: pure numpy/OpenCV artifacts, settings, presets, video mode.

    from restore.degrade import degrade, DegradeSettings, PRESETS
    bad = degrade(rgb, PRESETS["default"], seed=3)

Where things live: `artifacts/` (the `TABLE` of all artifacts, and one module per stage
of the damage, `scene` `recording` `tape` `deck` `capture`, with each artifact's
parameters, drawn by ``random_<name>`` and applied by ``add_<name>``; `artifacts.forms`
the forms an option picks), `settings` (`DegradeSettings`, `PRESETS`, the training
distribution `random_settings`), `pipeline` (`degrade` and the per-artifact
`ARTIFACTS`), `video` (`VideoDegrader` and the drift of parameters over a clip),
`frame` (the YUV working frame and shared helpers). Line shifting and the PAL
geometry are `restore.pal`'s. ``python -m restore.degrade`` is the simulator's
command line.
"""

from restore.degrade.artifacts import ARTIFACT_NAMES, TABLE
from restore.degrade.artifacts.forms import ANY, FORM_ARTIFACT, FORMS
from restore.degrade.frame import check_rgb, rgb_to_yuv, yuv_to_rgb
from restore.degrade.pipeline import ARTIFACTS, degrade
from restore.degrade.settings import (
    FORM_OPTIONS,
    OPTION_NAMES,
    ORIGINAL_STRENGTH_NAMES,
    PRESETS,
    STRENGTH_NAMES,
    DegradeSettings,
    random_settings,
)
from restore.degrade.video import VideoDegrader, degrade_video_frames
from restore.pal import PAL_HEIGHT, PAL_WIDTH, SQUARE_PIXEL_WIDTH

__all__ = [
    "ANY",
    "ARTIFACTS",
    "ARTIFACT_NAMES",
    "FORMS",
    "FORM_ARTIFACT",
    "FORM_OPTIONS",
    "OPTION_NAMES",
    "ORIGINAL_STRENGTH_NAMES",
    "PAL_HEIGHT",
    "PAL_WIDTH",
    "PRESETS",
    "SQUARE_PIXEL_WIDTH",
    "STRENGTH_NAMES",
    "TABLE",
    "DegradeSettings",
    "VideoDegrader",
    "check_rgb",
    "degrade",
    "degrade_video_frames",
    "random_settings",
    "rgb_to_yuv",
    "yuv_to_rgb",
]
