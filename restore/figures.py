"""Figures for people: restored results laid out side by side.

Used for the training run's sample grids (degraded | restored | clean) and the benchmarks'
example grids. Images are uint8 RGB H×W×3.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["image_grid"]


def image_grid(rows: list[tuple[np.ndarray, ...]], height: int = 160, gap: int = 0, fill: int = 0) -> np.ndarray:
    """Stack rows of uint8 RGB images (e.g. degraded | restored | clean), each scaled to
    ``height``, with ``gap`` pixels of grey level ``fill`` around every image; shorter
    rows are padded on the right with ``fill``."""
    lines = []
    for images in rows:
        scaled = [cv2.resize(image, (round(image.shape[1] * height / image.shape[0]), height), interpolation=cv2.INTER_AREA) for image in images]
        lines.append(np.concatenate([np.pad(image, ((gap, gap), (gap, gap), (0, 0)), constant_values=fill) for image in scaled], axis=1))
    width = max(line.shape[1] for line in lines)
    return np.concatenate([np.pad(line, ((0, 0), (0, width - line.shape[1]), (0, 0)), constant_values=fill) for line in lines], axis=0)
