"""Analogue tape damage at two strengths: soft luma, ringing, chroma smear and noise, tears, lifted blacks, capture JPEG."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from bench.heldout_damage.common import encode_jpeg, horizontal_hann, integer, shift_rows, to_uint8, uniform


@dataclass(frozen=True)
class AnalogueRanges:
    """Parameter ranges of one strength of analogue damage (pixels of a 720-sample line)."""

    luma_kernel: tuple[int, int]  # width of the raised-cosine horizontal luma low-pass (odd)
    ringing_gain: tuple[float, float]  # overshoot added at edges
    chroma_decimation: tuple[int, int]  # horizontal chroma resolution divided by this
    chroma_delay: tuple[float, float]  # chroma moved right, pixels
    chroma_noise: tuple[float, float]  # standard deviation of the streaky Cr/Cb noise
    chroma_streak_length: tuple[int, int]  # pixels over which that noise is correlated
    luma_noise: tuple[float, float]  # standard deviation of the luma noise
    tear_lines: tuple[int, int]  # lines at the bottom torn by head switching
    tear_shift: tuple[float, float]  # pixels the last line is pushed sideways
    black_lift: tuple[float, float]  # luma added at black
    saturation: tuple[float, float]  # chroma kept
    jpeg_quality: tuple[int, int]  # of the capture card


ANALOGUE_STRENGTHS: dict[str, AnalogueRanges] = {
    "mild": AnalogueRanges(
        luma_kernel=(3, 5), ringing_gain=(0.05, 0.2), chroma_decimation=(3, 6), chroma_delay=(1.0, 3.0),
        chroma_noise=(1.5, 4.0), chroma_streak_length=(8, 20), luma_noise=(1.5, 4.0), tear_lines=(3, 6),
        tear_shift=(3.0, 10.0), black_lift=(4.0, 14.0), saturation=(0.8, 0.95), jpeg_quality=(70, 90),
    ),
    "strong": AnalogueRanges(
        luma_kernel=(5, 9), ringing_gain=(0.2, 0.45), chroma_decimation=(6, 12), chroma_delay=(3.0, 6.0),
        chroma_noise=(4.0, 9.0), chroma_streak_length=(12, 40), luma_noise=(4.0, 9.0), tear_lines=(6, 12),
        tear_shift=(10.0, 30.0), black_lift=(14.0, 32.0), saturation=(0.55, 0.8), jpeg_quality=(40, 65),
    ),
}
MILD = ANALOGUE_STRENGTHS["mild"]


def _ycrcb(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YCrCb).astype(np.float32)


def _rgb(ycrcb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(to_uint8(ycrcb), cv2.COLOR_YCrCb2RGB)


def soft_luma(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """Luma low-passed along the line only (tape bandwidth; uint8 RGB H×W×3 in and out)."""
    width = integer(rng, ranges.luma_kernel) | 1
    ycrcb = _ycrcb(rgb)
    ycrcb[..., 0] = cv2.filter2D(ycrcb[..., 0], -1, horizontal_hann(width), borderType=cv2.BORDER_REPLICATE)
    return _rgb(ycrcb)


def ringing(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """Mild overshoot either side of horizontal luma edges (uint8 RGB H×W×3 in and out)."""
    ycrcb = _ycrcb(rgb)
    luma = ycrcb[..., 0]
    sigma = uniform(rng, (1.5, 3.0))
    wide = cv2.GaussianBlur(luma, (2 * int(np.ceil(3 * sigma)) + 1, 1), sigmaX=sigma, borderType=cv2.BORDER_REPLICATE)
    ycrcb[..., 0] = luma + uniform(rng, ranges.ringing_gain) * (luma - wide)
    return _rgb(ycrcb)


def chroma_smear_delay(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """Colour at a fraction of the horizontal resolution, averaged over two lines and delayed to the
    right by a few pixels (uint8 RGB H×W×3 in and out)."""
    height, width = rgb.shape[:2]
    ycrcb = _ycrcb(rgb)
    chroma = np.ascontiguousarray(ycrcb[..., 1:])
    narrow = max(2, width // integer(rng, ranges.chroma_decimation))
    chroma = cv2.resize(cv2.resize(chroma, (narrow, height), interpolation=cv2.INTER_AREA), (width, height), interpolation=cv2.INTER_LINEAR)
    chroma = cv2.blur(chroma, (1, 2))  # two-line average, as a PAL delay line does
    delay = np.full(height, uniform(rng, ranges.chroma_delay), np.float32)
    ycrcb[..., 1:] = shift_rows(chroma, delay)
    return _rgb(ycrcb)


def chroma_streak_noise(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """Colour noise stretched into horizontal streaks, independent per line (uint8 RGB H×W×3 in and out)."""
    height, width = rgb.shape[:2]
    ycrcb = _ycrcb(rgb)
    sigma = uniform(rng, ranges.chroma_noise)
    samples = max(2, width // integer(rng, ranges.chroma_streak_length))
    noise = rng.normal(0, sigma, (height, samples, 2)).astype(np.float32)
    ycrcb[..., 1:] += cv2.resize(noise, (width, height), interpolation=cv2.INTER_LINEAR)
    return _rgb(ycrcb)


def luma_noise(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """Grain in luma only, slightly correlated along the line (uint8 RGB H×W×3 in and out)."""
    ycrcb = _ycrcb(rgb)
    noise = rng.normal(0, uniform(rng, ranges.luma_noise), rgb.shape[:2]).astype(np.float32)
    # A 1-2-1 filter along the line lowers the deviation by about 0.61; make up for it.
    noise = cv2.filter2D(noise, -1, np.float32([[1, 2, 1]]) / 4) / 0.612
    ycrcb[..., 0] += noise
    return _rgb(ycrcb)


def head_switching_tear(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """The last few lines pushed sideways, more towards the bottom, dark noise where they left
    (uint8 RGB H×W×3 in and out)."""
    height, width = rgb.shape[:2]
    lines = min(height, integer(rng, ranges.tear_lines))
    shift = uniform(rng, ranges.tear_shift)
    start = height - lines
    offsets = np.zeros(height, np.float32)
    progress = (np.arange(lines, dtype=np.float32) + 1) / lines
    offsets[start:] = shift * progress**1.5 + rng.normal(0, 0.7, lines)
    out = shift_rows(rgb, offsets, fill="black")
    torn = out[start:].astype(np.float32) + rng.normal(0, 12, (lines, width, 1))
    vacated = np.arange(width)[None, :] < np.ceil(offsets[start:])[:, None]
    torn[vacated] = rng.normal(35, 15, (int(vacated.sum()), 1))
    out[start:] = to_uint8(torn)
    return out


def lift_and_wash(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """Lifted blacks and washed-out colour (uint8 RGB H×W×3 in and out)."""
    ycrcb = _ycrcb(rgb)
    lift = uniform(rng, ranges.black_lift)
    ycrcb[..., 0] = lift + ycrcb[..., 0] * (255 - lift) / 255
    ycrcb[..., 1:] = 128 + (ycrcb[..., 1:] - 128) * uniform(rng, ranges.saturation)
    return _rgb(ycrcb)


def capture_jpeg(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """The capture card's JPEG, at moderate quality (uint8 RGB H×W×3 in and out)."""
    return encode_jpeg(rgb, integer(rng, ranges.jpeg_quality))


# Signal order: tape bandwidth and ringing, colour-under, levels, noise, head switching, capture.
ANALOGUE_STEPS: dict[str, Callable[[np.ndarray, np.random.Generator, AnalogueRanges], np.ndarray]] = {
    "soft_luma": soft_luma,
    "ringing": ringing,
    "chroma_smear_delay": chroma_smear_delay,
    "lift_and_wash": lift_and_wash,
    "chroma_streak_noise": chroma_streak_noise,
    "luma_noise": luma_noise,
    "head_switching_tear": head_switching_tear,
    "capture_jpeg": capture_jpeg,
}


def analogue(rgb: np.ndarray, rng: np.random.Generator, ranges: AnalogueRanges = MILD) -> np.ndarray:
    """Every one of `ANALOGUE_STEPS` in signal order at the given strength (uint8 RGB H×W×3 in and out)."""
    out = rgb
    for step in ANALOGUE_STEPS.values():
        out = step(out, rng, ranges)
    return out


def analogue_mild(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`analogue` at the "mild" strength (uint8 RGB H×W×3 in and out)."""
    return analogue(rgb, rng, ANALOGUE_STRENGTHS["mild"])


def analogue_strong(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`analogue` at the "strong" strength (uint8 RGB H×W×3 in and out)."""
    return analogue(rgb, rng, ANALOGUE_STRENGTHS["strong"])


