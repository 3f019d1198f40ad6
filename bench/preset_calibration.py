"""How the `default` preset compares with the reference tape frame's measured damage.

    python bench/preset_calibration.py [--val ../shared/data/val] [--limit 20]

The reference frame (720×576, not in the repository) measured: mean R +19/255, B +8, G about
unchanged, R contrast ×1.4, SSIM 0.69 and PSNR 16.6 dB against its clean original. This
prints the same figures for validation photos resized to 720×576 and degraded with
`PRESETS["default"]` (fixed seeds), averaged.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from restore import PRESETS, degrade, psnr, ssim  # noqa: E402
from restore.images import read_image  # noqa: E402
from train.pairs import list_images  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--val", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "val"))
    parser.add_argument("--limit", type=int, default=20)
    arguments = parser.parse_args()
    try:
        files = list_images(Path(arguments.val))[: arguments.limit]
    except ValueError as error:
        parser.error(str(error))
    shifts, contrasts, psnrs, ssims = [], [], [], []
    for seed, path in enumerate(files):
        clean = cv2.resize(read_image(path).rgb, (720, 576), interpolation=cv2.INTER_AREA)
        damaged = degrade(clean, PRESETS["default"], seed=seed)
        pixels_clean, pixels_damaged = clean.reshape(-1, 3).astype(np.float64), damaged.reshape(-1, 3).astype(np.float64)
        shifts.append(pixels_damaged.mean(0) - pixels_clean.mean(0))
        contrasts.append(pixels_damaged.std(0) / pixels_clean.std(0))
        psnrs.append(psnr(damaged, clean))
        ssims.append(ssim(damaged, clean))
    shift, contrast = np.mean(shifts, 0), np.mean(contrasts, 0)
    print(f"{len(files)} photos at 720×576, default preset     reference frame")
    print(f"mean shift R/G/B (/255): {shift[0]:+.1f} {shift[1]:+.1f} {shift[2]:+.1f}        +19 ~0 +8")
    print(f"contrast R/G/B:          ×{contrast[0]:.2f} ×{contrast[1]:.2f} ×{contrast[2]:.2f}      ×1.4 (R)")
    print(f"SSIM / PSNR:             {np.mean(ssims):.3f} / {np.mean(psnrs):.2f} dB      0.69 / 16.6 dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
