"""VHS/PAL frame restoration: the public Python API.

    from restore import load_restorer, degrade, DegradeSettings, PRESETS, ssim, psnr

TensorFlow is imported only when a model is loaded, so the simulator and the metrics
stay light to import.
"""

from restore.degrade import PRESETS, DegradeSettings, VideoDegrader, degrade, random_settings
from restore.metrics import psnr, ssim, ssim_map

__all__ = [
    "PRESETS",
    "DegradeSettings",
    "Restorer",
    "VideoDegrader",
    "degrade",
    "load_restorer",
    "psnr",
    "random_settings",
    "ssim",
    "ssim_map",
]
__version__ = "0.1.0"


def __getattr__(name):
    # Lazy: importing TensorFlow takes seconds and is not needed for degrade/metrics.
    if name in ("load_restorer", "Restorer"):
        from restore.engine import restorer

        return getattr(restorer, name)
    raise AttributeError(f"module 'restore' has no attribute {name!r}")
