"""Interlaced frames: taking a frame apart into its two fields and putting it back, and
making one field a full frame (bob). Pure numpy.

Interlaced PAL: three ways, trade-offs
--------------------------------------
PAL video is 50 fields per second: a frame's even lines (top field) and odd lines
(bottom field) are filmed 1/50 s apart, and on tape every field is recorded separately,
so line jitter, dropouts and head switching differ from one field to the next.

* ``fields=False, deinterlace=None`` (default; the only mode for progressive input):
  each frame is restored whole. Fastest (one model call per frame) and the model sees
  full detail, but on interlaced material with motion it sees the two fields' "combing"
  as part of the picture and may smooth it, blurring motion; per-field jitter is seen
  as a mix of two jitter patterns.
* ``fields=True``: each field (720×288) is restored on its own and the two are woven
  back into the frame: the interlaced structure, frame count and rate are kept (50
  fields/s of motion survive), which is what an archive master should be, and per-field
  damage is treated where it happened. About the same cost as whole frames (two
  half-size calls), but the model sees each field at half vertical resolution, with
  shapes squashed 2:1 against what it was trained on, so fine detail may come out a
  little softer, and small differences between the two restored fields can show as
  line twitter on still detail. The output is flagged interlaced, same field order.
* ``deinterlace="bob"``: each field becomes a full frame (its lines interpolated to full
  height at their true position, the bottom field half a line lower) and is restored:
  50 progressive frames per second, twice the input's frame count, same duration.
  Smooth motion and no combing on computers, phones and the web, but twice the model
  time, vertical resolution of a field (fine horizontal lines can flicker, "bob
  shimmer"), and the interlaced original cannot be rebuilt from it: use it for viewing
  copies, not masters.

The field order (which field was filmed first) comes from the stream when it says so
(``field_order``); otherwise top field first is assumed (common for analogue capture
cards; DV is bottom field first and says so). ``field_order="tff"|"bff"`` overrides it.
"""

from __future__ import annotations

import numpy as np


def split_fields(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A frame's top field (lines 0, 2, 4, ...) and bottom field (lines 1, 3, ...), as
    contiguous arrays (a 576-line frame gives two 288-line fields)."""
    if frame.shape[0] < 2:
        raise ValueError(f"a frame needs at least 2 lines to have two fields, got {frame.shape[0]}")
    return np.ascontiguousarray(frame[0::2]), np.ascontiguousarray(frame[1::2])


def weave_fields(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """The inverse of `split_fields`: interleave the fields' lines into one frame."""
    if top.shape[1:] != bottom.shape[1:] or top.shape[0] - bottom.shape[0] not in (0, 1):
        raise ValueError(f"fields do not fit together: {top.shape} and {bottom.shape}")
    frame = np.empty((top.shape[0] + bottom.shape[0], *top.shape[1:]), dtype=top.dtype)
    frame[0::2] = top
    frame[1::2] = bottom
    return frame


def bob_field(field: np.ndarray, bottom: bool, height: int) -> np.ndarray:
    """One field made a full ``height``-line frame: its lines go where they were filmed
    (top field on even lines, bottom field on odd lines, half a line lower) and the lines
    between are the mean of their neighbours (the edge line is repeated)."""
    if field.shape[0] != (height // 2 if bottom else (height + 1) // 2):
        raise ValueError(f"a {'bottom' if bottom else 'top'} field of a {height}-line frame has "
                         f"{height // 2 if bottom else (height + 1) // 2} lines, got {field.shape[0]}")
    wide = field.astype(np.uint16)
    frame = np.empty((height, *field.shape[1:]), dtype=np.uint16)
    own, other = (slice(1, None, 2), slice(0, None, 2)) if bottom else (slice(0, None, 2), slice(1, None, 2))
    frame[own] = wide
    # Neighbours of each missing line: the field lines above and below it (edges repeat).
    padded = np.concatenate([wide[:1], wide, wide[-1:]]) if bottom else np.concatenate([wide, wide[-1:]])
    missing = frame[other].shape[0]
    frame[other] = (padded[:missing] + padded[1 : missing + 1] + 1) // 2
    return frame.astype(field.dtype)
