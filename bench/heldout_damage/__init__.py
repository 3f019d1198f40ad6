"""Held-out damage: a second, small degradation model that training never sees.

This module owns the damage that `bench/generalise.py` scores the restoration model on. It is
written from scratch, independently of the project's VHS simulator, and on purpose does the work
differently (OpenCV colour conversions instead of hand-written BT.601 matrices, other filter
shapes, other parameter ranges), so that a model which only learned the simulator's fingerprints
does not score well here by accident.

Contract of every damage function here: ``rgb`` is a uint8 RGB array H×W×3 (0..255, H and W at
least 8); the result is a new uint8 RGB array of the same shape (the input is never modified);
every random choice is drawn from ``rng`` (a `numpy.random.Generator`), so the same seed gives
the same output. Parameter ranges are in pixels and lines of a 720×576 PAL frame.

Families (see `SETS` for the benchmark sets built from them):

- bands: colour bars where one or two RGB channels are gone or attenuated, YCrCb tint bands,
  colour washes; plus `sample_like`, modelled on a real digitised frame (magenta bar over the top,
  top skew, red cast with lifted blacks), and `archive_like`, the user's archive frames as the
  generalisation issue describes them (a green or pink bar over the top 75–100 lines on top of
  the digital faults below).
- digital: archive digitisation faults (posterisation, speckle, channel misregistration, line
  staircase, corrupted streaks, low-quality JPEG, down/up-sampling).
- analogue: soft luma, smeared and delayed chroma, streaky chroma noise, luma noise, head-switching
  tear, lifted blacks, ringing, capture JPEG; at two strengths; and ``flagging`` alone (the top
  lines bent sideways, black entering where they moved away).
- clean: no damage.
"""

from __future__ import annotations

import functools

import numpy as np

from bench.heldout_damage.analogue import ANALOGUE_STEPS, ANALOGUE_STRENGTHS, analogue_mild, analogue_strong
from bench.heldout_damage.bands import (BAND_KINDS, SAMPLE_LIKE_STEPS, Band, bands, green_bar, magenta_bar, red_cast,
                                        sample_like, top_skew)
from bench.heldout_damage.common import Damage, integer, uniform
from bench.heldout_damage.digital import DIGITAL_STEPS, digital

__all__ = [  # what the benchmark and its tests use; each module holds the rest of its family
    "ANALOGUE_STEPS", "ANALOGUE_STRENGTHS", "BAND_KINDS", "DIGITAL_STEPS", "FAMILIES", "SAMPLE_LIKE_STEPS", "SETS",
    "Band", "Damage", "STEP_FAMILIES", "STEP_SETS", "archive_like", "clean", "green_bar", "magenta_bar", "red_cast", "top_skew",
]


def clean(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """No damage: a copy of ``rgb`` (uint8 RGB H×W×3), to see how much the model changes a good frame."""
    return rgb.copy()


# The user's archive frames as issue 11 describes them: a green or pink bar over the top 75–100
# lines (of 576), where one or two channels are gone, on top of the archives' digital faults.
ARCHIVE_BARS = (green_bar, magenta_bar)
ARCHIVE_BAR_LINES = (75, 100)


def archive_like(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A green or pink bar over the top 75–100 lines (edge feathered 0–3 lines), then two to four
    digital faults (`digital`: posterisation, speckle, shifted channels, a line staircase,
    corrupted lines...); uint8 RGB H×W×3 in and out."""
    lines = int(np.clip(round(rgb.shape[0] * uniform(rng, ARCHIVE_BAR_LINES) / 576), 2, rgb.shape[0]))
    bar = ARCHIVE_BARS[integer(rng, (0, len(ARCHIVE_BARS) - 1))]
    return digital(bar(rgb, rng, band=Band(0, lines, feather=integer(rng, (0, 3)))), rng)


# ------------------------------------------------------------------------------------------- sets

# The benchmark's sets, in the order they are reported, and the family each belongs to.
SETS: dict[str, Damage] = {
    "bands": bands,
    "sample_like": sample_like,
    "archive_like": archive_like,
    "digital": digital,
    "analogue_mild": analogue_mild,
    "analogue_strong": analogue_strong,
    "flagging": top_skew,
    "clean": clean,
}
FAMILIES: dict[str, str] = {
    "bands": "bands",
    "sample_like": "bands",
    "archive_like": "bands",
    "digital": "digital",
    "analogue_mild": "analogue",
    "analogue_strong": "analogue",
    "flagging": "analogue",
    "clean": "clean",
}

# Each analogue step alone at both strengths, each digital step alone, and each of the sample
# frame's three faults alone: which of the damage a model leaves or harms
# (``python bench/generalise.py --steps``). Named "<set>.<step>".
STEP_SETS: dict[str, Damage] = {
    **{f"analogue_{strength}.{name}": functools.partial(step, ranges=ranges)
       for strength, ranges in ANALOGUE_STRENGTHS.items() for name, step in ANALOGUE_STEPS.items()},
    **{f"digital.{name}": step for name, step in DIGITAL_STEPS.items()},
    **{f"sample_like.{name}": step for name, step in SAMPLE_LIKE_STEPS.items()},
}
STEP_FAMILIES: dict[str, str] = {name: name.split(".")[0] for name in STEP_SETS}
