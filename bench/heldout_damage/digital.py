"""Archive digitisation faults: posterisation, speckle, misregistration, line staircase, streaks, JPEG, resampling."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from bench.heldout_damage.common import Damage, encode_jpeg, integer, shift_rows, to_uint8, translate, uniform


@dataclass(frozen=True)
class DigitalRanges:
    """Strengths of the archive digitisation faults."""

    posterise_levels: tuple[int, int] = (5, 20)
    posterise_floor: tuple[float, float] = (12.0, 45.0)
    speckle_density: tuple[float, float] = (0.001, 0.01)  # fraction of pixels
    misregistration: tuple[int, int] = (1, 4)  # whole pixels sideways
    staircase_blocks: tuple[int, int] = (3, 10)
    staircase_block_lines: tuple[int, int] = (4, 24)
    staircase_step: tuple[int, int] = (1, 5)  # pixels per block
    streaks: tuple[int, int] = (1, 3)
    streak_lines: tuple[int, int] = (1, 8)
    jpeg_quality: tuple[int, int] = (8, 30)
    resample_factor: tuple[float, float] = (0.35, 0.7)
    steps_per_image: tuple[int, int] = (2, 4)


DIGITAL_RANGES = DigitalRanges()


def posterise(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """Too few levels per channel, on a lifted black floor (uint8 RGB H×W×3 in and out)."""
    steps = integer(rng, ranges.posterise_levels) - 1
    floor = uniform(rng, ranges.posterise_floor)
    levels = np.round(rgb.astype(np.float32) / 255 * steps) / steps
    return to_uint8(floor + levels * (255 - floor))


def speckle(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """Dark and bright pixel speckle (salt and pepper), some of it coloured (uint8 RGB H×W×3 in and out)."""
    height, width = rgb.shape[:2]
    out = rgb.copy()
    mask = rng.random((height, width)) < uniform(rng, ranges.speckle_density)
    mask[rng.integers(height), rng.integers(width)] = True  # at least one speck, however small the frame
    count = int(mask.sum())
    bright = rng.random(count) < 0.5
    grey = np.where(bright, rng.integers(215, 256, count), rng.integers(0, 41, count)).astype(np.uint8)
    values = np.repeat(grey[:, None], 3, axis=1)
    coloured = rng.random(count) < 0.3  # a single channel hit
    values[coloured] = rgb[mask][coloured]
    hit_channel = rng.integers(3, size=count)
    values[coloured, hit_channel[coloured]] = grey[coloured]
    out[mask] = values
    return out


# Which channels move when colour planes are misregistered: red, blue, or both in opposite ways.
_MISREGISTRATION_SIGNS = ({0: 1}, {2: 1}, {0: 1, 2: -1})


def misregister_channels(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """Colour planes moved against each other by whole pixels (uint8 RGB H×W×3 in and out)."""
    signs = _MISREGISTRATION_SIGNS[int(rng.integers(len(_MISREGISTRATION_SIGNS)))]
    dx = integer(rng, ranges.misregistration) * int(rng.choice((-1, 1)))
    dy = int(rng.choice((-1, 0, 0, 0, 1)))  # mostly sideways only
    out = rgb.copy()
    for channel, sign in signs.items():
        out[..., channel] = translate(np.ascontiguousarray(rgb[..., channel]), sign * dx, sign * dy)
    return out


def line_staircase(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """A run of line blocks each pushed sideways one step further than the last (uint8 RGB H×W×3 in and out)."""
    height = rgb.shape[0]
    blocks = integer(rng, ranges.staircase_blocks)
    block_lines = integer(rng, ranges.staircase_block_lines)
    span = min(height, blocks * block_lines)
    start = integer(rng, (0, height - span))
    step = integer(rng, ranges.staircase_step) * int(rng.choice((-1, 1)))
    offsets = np.zeros(height, np.float32)
    block_index = (np.arange(span) // block_lines) + 1
    offsets[start : start + span] = block_index * step
    return shift_rows(rgb, offsets, fill="black" if rng.random() < 0.5 else "replicate")


def _streak_noise(rows, rng):
    return rng.integers(0, 256, rows.shape).astype(np.float32)


def _streak_repeat(rows, rng):
    return np.repeat(rows[:1], len(rows), axis=0).astype(np.float32)


def _streak_wrapped(rows, rng):
    return np.roll(rows, int(rng.integers(rows.shape[1] // 8 + 1, rows.shape[1] // 2 + 2)), axis=1).astype(np.float32)


def _streak_flat(rows, rng):
    return rng.integers(0, 256, 3).astype(np.float32) + rng.normal(0, 6, rows.shape).astype(np.float32)


# What a corrupted line holds instead of the picture.
STREAK_KINDS = {"noise": _streak_noise, "repeat": _streak_repeat, "wrapped": _streak_wrapped, "flat": _streak_flat}


def corrupted_streaks(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """A few streaks of corrupted lines: random bytes, a repeated line, a wrapped line or a flat
    colour (uint8 RGB H×W×3 in and out)."""
    height = rgb.shape[0]
    out = rgb.copy()
    kinds = list(STREAK_KINDS.values())
    for _ in range(integer(rng, ranges.streaks)):
        lines = min(height, integer(rng, ranges.streak_lines))
        top = integer(rng, (0, height - lines))
        fill = kinds[int(rng.integers(len(kinds)))]
        out[top : top + lines] = to_uint8(fill(out[top : top + lines], rng))
    return out


def low_quality_jpeg(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """JPEG at low quality (blocks, mosquito noise; uint8 RGB H×W×3 in and out)."""
    return encode_jpeg(rgb, integer(rng, ranges.jpeg_quality))


_DOWN_INTERPOLATIONS = (cv2.INTER_AREA, cv2.INTER_LINEAR, cv2.INTER_NEAREST)
_UP_INTERPOLATIONS = (cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_NEAREST)


def down_up_sample(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """Scanned small and blown up again, with a random pair of interpolations (uint8 RGB H×W×3 in and out)."""
    height, width = rgb.shape[:2]
    factor = uniform(rng, ranges.resample_factor)
    small_size = (max(2, int(round(width * factor))), max(2, int(round(height * factor))))
    down = _DOWN_INTERPOLATIONS[int(rng.integers(len(_DOWN_INTERPOLATIONS)))]
    up = _UP_INTERPOLATIONS[int(rng.integers(len(_UP_INTERPOLATIONS)))]
    return cv2.resize(cv2.resize(rgb, small_size, interpolation=down), (width, height), interpolation=up)


# In the order an archive chain would apply them: rescale, quantise, planes, lines, bytes, encode.
DIGITAL_STEPS: dict[str, Damage] = {
    "down_up_sample": down_up_sample,
    "posterise": posterise,
    "misregister_channels": misregister_channels,
    "line_staircase": line_staircase,
    "corrupted_streaks": corrupted_streaks,
    "speckle": speckle,
    "low_quality_jpeg": low_quality_jpeg,
}


def digital(rgb: np.ndarray, rng: np.random.Generator, ranges: DigitalRanges = DIGITAL_RANGES) -> np.ndarray:
    """Two to four of `DIGITAL_STEPS`, drawn at random, applied in chain order (uint8 RGB H×W×3 in and out)."""
    names = list(DIGITAL_STEPS)
    chosen = set(rng.choice(len(names), size=integer(rng, ranges.steps_per_image), replace=False).tolist())
    out = rgb
    for index, name in enumerate(names):
        if index in chosen:
            out = DIGITAL_STEPS[name](out, rng)
    return out if out is not rgb else rgb.copy()


