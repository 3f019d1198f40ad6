"""VHS/PAL damage simulator: pure numpy/OpenCV artifacts, settings, presets, video mode.

    from restore.degrade import degrade, DegradeSettings, PRESETS
    bad = degrade(rgb, PRESETS["default"], seed=3)

Where things live: `artifacts` (each artifact's parameters, drawn by ``random_<name>``
and applied by ``add_<name>``, and the `TABLE` of all of them), `settings`
(`DegradeSettings`, `PRESETS`, the training distribution `random_settings`),
`pipeline` (`degrade` and the per-artifact `ARTIFACTS`), `video` (`VideoDegrader`),
`frame` (the YUV working frame and shared helpers). ``python -m restore.degrade`` is
the simulator's command line.
"""

from restore.degrade.artifacts import ANY, ARTIFACT_NAMES, FORM_ARTIFACT, FORMS, TABLE
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
    "FORM_ARTIFACT",
    "OPTION_NAMES",
    "ORIGINAL_STRENGTH_NAMES",
    "ARTIFACT_NAMES",
    "FORMS",
    "FORM_OPTIONS",
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
