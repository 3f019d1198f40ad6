"""Tiling: large images restored in overlapping tiles, blended without seams.

Tiles overlap by at least ``overlap`` pixels and are blended with raised-cosine weights
that fall to ~0 at every edge that meets another tile, where the network lacks context.
Tile origins are multiples of the network's ``2**depth``, so every tile sees the same
sampling grid of the strided layers as an untiled run would.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["edge_weights", "restore_tiled", "tile_starts"]


def restore_tiled(colour: np.ndarray, to_unit: Callable[[np.ndarray], np.ndarray], runner: Callable[[np.ndarray], np.ndarray],
                  *, tile: int, overlap: int, multiple: int, batch_size: int) -> np.ndarray:
    """Restore an H×W×3 image tile by tile: ``to_unit(block)`` gives a tile's float32 input
    in [0, 1], ``runner(batch)`` the network's output for ``batch_size`` tiles at a time.
    Returns the blended float32 H×W×3 in [0, 1]."""
    height, width = colour.shape[:2]
    # Pad as the whole-image path does (to the multiple), and a side shorter than the
    # tile up to it (cheaper than a second signature); the accumulators cover the
    # padded area and are cropped at the end.
    pad_height = max(tile, height + (-height % multiple)) - height
    pad_width = max(tile, width + (-width % multiple)) - width
    if pad_height or pad_width:
        colour = np.pad(colour, ((0, pad_height), (0, pad_width), (0, 0)), mode="reflect")
    full_height, full_width = colour.shape[:2]

    rows = tile_starts(full_height, tile, overlap, multiple)
    columns = tile_starts(full_width, tile, overlap, multiple)
    row_weights = {top: edge_weights(tile, top > 0, top + tile < full_height, overlap) for top in rows}
    column_weights = {left: edge_weights(tile, left > 0, left + tile < full_width, overlap) for left in columns}

    weighted_sum = np.zeros((full_height, full_width, 3), np.float32)
    weight_sum = np.zeros((full_height, full_width), np.float32)
    positions = [(top, left) for top in rows for left in columns]
    for first in range(0, len(positions), batch_size):
        chunk = positions[first : first + batch_size]
        batch = np.stack([to_unit(colour[top : top + tile, left : left + tile]) for top, left in chunk])
        for (top, left), output in zip(chunk, runner(batch)):
            weights = np.outer(row_weights[top], column_weights[left])  # tile×tile
            weighted_sum[top : top + tile, left : left + tile] += output * weights[:, :, None]
            weight_sum[top : top + tile, left : left + tile] += weights

    restored = weighted_sum[:height, :width]
    restored /= weight_sum[:height, :width, None]  # every pixel has weight > 0
    return np.clip(restored, 0.0, 1.0, out=restored)


def tile_starts(length: int, tile: int, overlap: int, multiple: int) -> list[int]:
    """Evenly spread tile origins covering ``length`` with overlaps of at least ``overlap``.

    Origins are multiples of ``multiple`` (``length`` and ``tile`` are too): the network's
    strided layers then sample each tile on the same grid as the whole image, so tiles
    agree with an untiled run everywhere except near their borders.
    """
    if length <= tile:
        return [0]
    units, tile_units, overlap_units = length // multiple, tile // multiple, -(-overlap // multiple)
    count = math.ceil((units - overlap_units) / (tile_units - overlap_units))
    # Flooring evenly spaced positions keeps every step <= tile_units - overlap_units.
    return [int(start) * multiple for start in np.floor(np.linspace(0, units - tile_units, count))]


def edge_weights(tile: int, ramp_start: bool, ramp_end: bool, overlap: int) -> np.ndarray:
    """1-D blending weights: raised-cosine ramps over ``overlap`` pixels at the ends that
    meet another tile, 1 elsewhere. Strictly positive, so every pixel is covered."""
    weights = np.ones(tile, np.float32)
    if overlap:
        ramp = (0.5 - 0.5 * np.cos(np.pi * (np.arange(overlap) + 0.5) / overlap)).astype(np.float32)
        if ramp_start:
            weights[:overlap] = ramp
        if ramp_end:
            weights[-overlap:] = ramp[::-1]
    return weights
