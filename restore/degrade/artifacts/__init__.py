"""The artifacts: for each, its parameters, how they are drawn and how they are applied;
and `TABLE`, the one lookup of all of them.

Every artifact ``name`` has three parts, separate as in BasicSR (drawing apart from
applying, so a video can draw once per clip and apply to every frame):

* ``<Name>Params``, a frozen dataclass of plain numbers and names: everything that
  decides what the damage looks like (sizes, positions, amounts, the form);
* ``random_<name>(strength, rng, size, settings) -> params`` draws them for an image of
  ``size`` = (height, width) at a strength in (0, 1], from the settings' options;
* ``add_<name>(frame, params, rng) -> frame`` applies them to a frame (see
  `restore.degrade.frame`: a list of float32 ``H×W`` planes [Y, U, V], modified in place
  and returned with the same shapes and dtype; Y about [0, 1] and U, V about 0, values
  may overshoot, and the conversion back to RGB clips). ``rng`` draws only per-pixel and
  per-line noise (grain, speckle positions), which is new in every frame of a video.

The three parts of an artifact sit side by side, in one module per stage of the damage,
in the order it happens: `scene`, `recording`, `tape`, `deck`, `capture` (the ``stage``
of an artifact's `TABLE` entry names its module). Not a params module and an apply
module: the draw's ranges only make sense next to what the numbers do, so one
artifact reads top to bottom in one place, and a change to one part is checked against
the other on the same screen. `forms` holds the forms an option can pick (`FORMS`).

Distances are given for a 720×576 PAL frame and scale with the image size, so a smaller
crop or a larger scan gets the same damage relative to the picture. `TABLE` lists the
artifacts in the order the damage happens, each with its stage and the parameters that
drift slowly over a video (`restore.degrade.video`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from restore.degrade.artifacts import capture, deck, recording, scene, tape
from restore.degrade.frame import Frame, Size


@dataclass(frozen=True)
class Artifact:
    """One artifact: how its parameters are drawn and applied, where it happens, and
    which parameters drift slowly in a video (numeric fields of its params; the rest of
    them stay fixed for a clip, and its noise is new in every frame)."""

    draw: Callable[[float, np.random.Generator, Size, Any], Any]
    apply: Callable[[Frame, Any, np.random.Generator], Frame]
    stage: str
    drift: tuple[str, ...] = ()
    # Touches the seed? False: the damage depends on the strength alone.
    random: bool = True


# Stages in the order the damage happens; `degrade` may shuffle artifacts within a stage.
STAGES = ("scene", "recording", "tape", "deck", "capture")

# Physical order: the scene, the recording, the tape, the deck, the capture card.
TABLE: dict[str, Artifact] = {
    "interlace": Artifact(scene.random_interlace, scene.add_interlace, "scene"),
    "side_borders": Artifact(scene.random_side_borders, scene.add_side_borders, "scene"),
    "softness": Artifact(recording.random_softness, recording.add_softness, "recording"),
    "blur": Artifact(recording.random_blur, recording.add_blur, "recording"),
    "chroma_smear": Artifact(recording.random_chroma_smear, recording.add_chroma_smear, "recording"),
    "ringing": Artifact(recording.random_ringing, recording.add_ringing, "recording"),
    "grain": Artifact(tape.random_grain, tape.add_grain, "tape"),
    "noise": Artifact(tape.random_noise, tape.add_noise, "tape"),
    "dropouts": Artifact(tape.random_dropouts, tape.add_dropouts, "tape"),
    "tracking": Artifact(tape.random_tracking, tape.add_tracking, "tape", drift=("top", "height")),
    "jitter": Artifact(deck.random_jitter, deck.add_jitter, "deck", drift=("periods", "phases")),
    "line_offsets": Artifact(deck.random_line_offsets, deck.add_line_offsets, "deck", drift=("top", "phase")),
    "top_skew": Artifact(deck.random_top_skew, deck.add_top_skew, "deck", drift=("height", "offset")),
    "head_switching": Artifact(deck.random_head_switching, deck.add_head_switching, "deck", drift=("lines", "offset")),
    "chroma_delay": Artifact(deck.random_chroma_delay, deck.add_chroma_delay, "deck"),
    "tint_band": Artifact(deck.random_tint_band, deck.add_tint_band, "deck", drift=("height", "hue")),
    # A colour band stays where it is (its anchors may sit elsewhere); how much of the
    # picture shows through it comes and goes.
    "color_band": Artifact(deck.random_color_band, deck.add_color_band, "deck", drift=("visibility",)),
    "levels": Artifact(deck.random_levels, deck.add_levels, "deck"),
    "pal_aspect": Artifact(capture.random_pal_aspect, capture.add_pal_aspect, "capture", random=False),
    "resample": Artifact(capture.random_resample, capture.add_resample, "capture"),
    "channel_shift": Artifact(capture.random_channel_shift, capture.add_channel_shift, "capture"),
    "posterize": Artifact(capture.random_posterize, capture.add_posterize, "capture"),
    "speckle": Artifact(capture.random_speckle, capture.add_speckle, "capture"),
    "line_streaks": Artifact(capture.random_line_streaks, capture.add_line_streaks, "capture"),
    "compression": Artifact(capture.random_compression, capture.add_compression, "capture", random=False),
}
ARTIFACT_NAMES: tuple[str, ...] = tuple(TABLE)

# The second pass (Real-ESRGAN's second-order degradation): re-digitisation damage again.
SECOND_PASS_ARTIFACTS = ("blur", "noise", "resample", "compression")
