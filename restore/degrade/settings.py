"""What the simulator is asked to do: `DegradeSettings`, the named `PRESETS`, and
`random_settings`, the wide distribution training draws from.

Every strength field is in [0, 1] (0 = off; all zero = the identity). The option fields
pick an artifact's form (`restore.degrade.artifacts.forms.FORMS`; "any" draws one per image),
the tint band's hue, the colour cast, whether artifacts run in a shuffled order within
their stage, and how strong a second pass of re-digitisation damage is.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np

from restore.degrade.artifacts import ARTIFACT_NAMES
from restore.degrade.artifacts.forms import ANY, FORMS
from restore.degrade.frame import check_fraction, check_rng, check_strength


@dataclasses.dataclass(frozen=True)
class DegradeSettings:
    """Strength in [0, 1] of every artifact (0 = off; all zero = identity), plus options.

    Options (not strengths): ``tint_hue`` is the tint band's hue in the U/V plane in
    degrees (about 35 = magenta, 215 = green); ``cast_offset`` (RGB, in /255 units) and
    ``cast_gain`` (RGB contrast factors) describe the colour cast at ``levels`` = 1. The
    ``*_kind`` / ``*_form`` / ``*_profile`` / ``*_filter`` / ``band_position`` options name
    an artifact's form, or "any" for one drawn from the seed. ``shuffle_order`` applies
    the artifacts of each stage in a random order; ``second_pass`` (a strength) adds blur,
    noise, resampling and JPEG once more, as a re-digitised copy has them.
    """

    interlace: float = 0.0
    side_borders: float = 0.0
    softness: float = 0.0
    chroma_smear: float = 0.0
    ringing: float = 0.0
    grain: float = 0.0
    dropouts: float = 0.0
    tracking: float = 0.0
    jitter: float = 0.0
    top_skew: float = 0.0
    head_switching: float = 0.0
    chroma_delay: float = 0.0
    tint_band: float = 0.0
    levels: float = 0.0
    pal_aspect: float = 0.0
    compression: float = 0.0
    # Added with the wide training distribution (kept after the original sixteen, so
    # positional uses of the original fields keep working).
    blur: float = 0.0
    noise: float = 0.0
    line_offsets: float = 0.0
    color_band: float = 0.0
    resample: float = 0.0
    channel_shift: float = 0.0
    posterize: float = 0.0
    speckle: float = 0.0
    line_streaks: float = 0.0
    second_pass: float = 0.0
    # Options.
    tint_hue: float = 35.0
    cast_offset: tuple[float, float, float] = (40.0, -6.0, -2.0)
    cast_gain: tuple[float, float, float] = (2.1, 1.0, 1.0)
    blur_kernel: str = ANY
    noise_kind: str = ANY
    ringing_form: str = "peaking"
    skew_profile: str = "quadratic"
    band_form: str = ANY
    band_position: str = ANY
    line_offset_form: str = ANY
    speckle_kind: str = ANY
    resample_filter: str = ANY
    shuffle_order: bool = False

    def __post_init__(self):
        for name in STRENGTH_NAMES:
            check_strength(getattr(self, name), name)
        for option, forms in FORMS.items():
            if getattr(self, option) not in (*forms, ANY):
                raise ValueError(f"{option} must be one of {', '.join((*forms, ANY))}; got {getattr(self, option)!r}")
        if not isinstance(self.shuffle_order, bool):
            raise ValueError(f"shuffle_order must be true or false, got {self.shuffle_order!r}")  # noqa: TRY004 - bad arguments are ValueErrors throughout (the app and CLI catch them)
        if len(self.cast_offset) != 3 or len(self.cast_gain) != 3:
            raise ValueError("cast_offset and cast_gain must each have 3 values (R, G, B)")
        # A NaN or infinite option would otherwise silently turn the frame black or garbled.
        if not all(math.isfinite(float(v)) for v in (self.tint_hue, *self.cast_offset)):
            raise ValueError(f"tint_hue and cast_offset must be finite, got {self.tint_hue} and {self.cast_offset}")
        if any(not 0.0 < float(g) <= 4.0 for g in self.cast_gain):
            raise ValueError(f"cast_gain values must be in (0, 4], got {self.cast_gain}")

    def strengths(self) -> dict[str, float]:
        """The artifact strengths, in the order `degrade` applies them (without shuffling)."""
        return {name: float(getattr(self, name)) for name in ARTIFACT_NAMES}

    def is_identity(self) -> bool:
        return not any(float(getattr(self, name)) for name in STRENGTH_NAMES)

    def scaled(self, factor: float) -> DegradeSettings:
        """The same settings with every strength multiplied by ``factor`` (in [0, 1])."""
        factor = check_fraction(factor, "scale factor")
        return dataclasses.replace(self, **{name: float(getattr(self, name)) * factor for name in STRENGTH_NAMES})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> DegradeSettings:
        """Build from a dict (e.g. JSON); unknown keys raise `ValueError`."""
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown degradation settings: {sorted(unknown)}")
        values = dict(values)
        for key in ("cast_offset", "cast_gain"):
            if key in values:
                values[key] = tuple(float(v) for v in values[key])
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> DegradeSettings:
        return cls.from_dict(json.loads(text))


# Every strength field, in declaration order: the artifacts and the second pass (which is
# not an artifact of its own). The first sixteen are the original ones; the app's API
# takes them positionally, so new strengths only ever come after them.
STRENGTH_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(DegradeSettings) if f.type == "float" and f.name != "tint_hue")
ORIGINAL_STRENGTH_NAMES: tuple[str, ...] = STRENGTH_NAMES[:16]
OPTION_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(DegradeSettings) if f.name not in STRENGTH_NAMES)
# The option fields that pick a form, and the choices of each ("any" included).
FORM_OPTIONS: dict[str, tuple[str, ...]] = {option: (ANY, *forms) for option, forms in FORMS.items()}

PRESETS: dict[str, DegradeSettings] = {
    # The typical damage of the reference tapes: magenta band and skew at the top, red
    # cast with lifted blacks, soft picture, red/green fringes, fine grain.
    "default": DegradeSettings(
        interlace=0.2, softness=0.9, chroma_smear=0.7, ringing=0.2, grain=0.35, dropouts=0.1,
        jitter=0.3, top_skew=0.7, head_switching=0.6, chroma_delay=0.7, tint_band=0.9,
        levels=1.0, pal_aspect=1.0, compression=0.3,
    ),
    "light": DegradeSettings(
        softness=0.35, chroma_smear=0.4, grain=0.15, jitter=0.1, chroma_delay=0.3,
        levels=0.25, pal_aspect=1.0, compression=0.15, head_switching=0.3,
    ),
    "heavy": DegradeSettings(
        interlace=0.5, side_borders=0.8, softness=1.0, chroma_smear=1.0, ringing=0.5, grain=0.8,
        dropouts=0.6, tracking=0.7, jitter=0.8, top_skew=1.0, head_switching=1.0,
        chroma_delay=1.0, tint_band=1.0, levels=1.0, pal_aspect=1.0, compression=0.6,
    ),
    # The digital faults of digitised archives: a colour bar with channels gone at the
    # top, posterised levels, speckle, misregistered channels, shifted and corrupted lines.
    "archive": DegradeSettings(
        softness=0.4, chroma_smear=0.5, color_band=0.9, posterize=0.6, speckle=0.5, channel_shift=0.6,
        line_offsets=0.6, line_streaks=0.5, compression=0.3, band_form="channel_loss", band_position="top",
        speckle_kind="dark", line_offset_form="staircase",
    ),
    "clean": DegradeSettings(),
}

# How often `random_settings` switches each artifact on: common damage often, rare
# damage now and then, so training sees every artifact alone and in combination.
_TRAINING_PROBABILITY = {
    "interlace": 0.25, "side_borders": 0.25, "softness": 0.7, "blur": 0.3, "chroma_smear": 0.75,
    "ringing": 0.3, "grain": 0.5, "noise": 0.35, "dropouts": 0.25, "tracking": 0.15, "jitter": 0.45,
    "line_offsets": 0.15, "top_skew": 0.3, "head_switching": 0.35, "chroma_delay": 0.6, "tint_band": 0.2,
    "color_band": 0.35, "levels": 0.6, "pal_aspect": 0.4, "resample": 0.25, "channel_shift": 0.2,
    "posterize": 0.2, "speckle": 0.2, "line_streaks": 0.15, "compression": 0.5,
}
_SHUFFLE_PROBABILITY = 0.5
_SECOND_PASS_PROBABILITY = 0.25


def random_settings(rng: np.random.Generator) -> DegradeSettings:
    """Sample settings from the wide distribution used for training: each artifact on
    with its own probability, at a uniform strength, every form "any" (drawn per image),
    a random tint hue and cast, a shuffled order half the time and a second pass a
    quarter of the time.

    Casts are a mixture: a third near the reference tapes' red cast, the rest mild casts
    in any direction. (Strong casts in random directions cannot be told from the scene's
    own colours, so training on them only teaches the model to hedge.)"""
    check_rng(rng)
    strengths = {
        name: float(rng.uniform(0.05, 1.0)) if rng.random() < probability else 0.0
        for name, probability in _TRAINING_PROBABILITY.items()
    }
    reference = DegradeSettings()
    if rng.random() < 1 / 3:
        cast_offset = np.asarray(reference.cast_offset) + rng.uniform(-6, 6, 3)
        cast_gain = np.asarray(reference.cast_gain) + rng.uniform(-0.4, 0.2, 3) * np.float32([1, 0.3, 0.3])
    else:
        cast_offset = rng.uniform(-12, 12, 3)
        cast_gain = rng.uniform(0.85, 1.25, 3)
    return DegradeSettings(
        **strengths,
        second_pass=float(rng.uniform(0.1, 0.7)) if rng.random() < _SECOND_PASS_PROBABILITY else 0.0,
        shuffle_order=bool(rng.random() < _SHUFFLE_PROBABILITY),
        tint_hue=float(rng.uniform(0, 360)),
        cast_offset=tuple(float(v) for v in cast_offset),
        cast_gain=tuple(float(v) for v in cast_gain),
        **{option: ANY for option in FORMS},
    )
