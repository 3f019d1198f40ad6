"""The forms an artifact can take (a blur's kernel, a noise's kind, a band's position...),
the option of `DegradeSettings` that picks each, and `pick_form`, which the draws use to
honour that option or draw a form when it is "any"."""

from __future__ import annotations

import numpy as np

# The forms an option can select; "any" draws one per image (the training default).
FORMS: dict[str, tuple[str, ...]] = {
    "blur_kernel": ("gaussian", "box", "anisotropic"),
    "noise_kind": ("gaussian", "poisson", "chroma"),
    "ringing_form": ("peaking", "sinc"),
    "skew_profile": ("quadratic", "linear", "cubic", "exponential"),
    "band_form": ("channel_loss", "tint", "added_colour"),
    "band_position": ("top", "middle", "bottom"),
    "line_offset_form": ("staircase", "wave"),
    "speckle_kind": ("impulse", "dark", "bright"),
    "resample_filter": ("nearest", "linear", "cubic", "area", "lanczos"),
}
ANY = "any"
# Which artifact each form option belongs to.
FORM_ARTIFACT: dict[str, str] = {
    "blur_kernel": "blur", "noise_kind": "noise", "ringing_form": "ringing", "skew_profile": "top_skew",
    "band_form": "color_band", "band_position": "color_band", "line_offset_form": "line_offsets",
    "speckle_kind": "speckle", "resample_filter": "resample",
}


def pick_form(option: str, value: str, rng: np.random.Generator, weights: tuple[float, ...] | None = None) -> str:
    """The form ``value`` of ``option``, or one drawn from `FORMS` (with ``weights``, or
    evenly) when it is "any"."""
    if value != ANY:
        return value
    forms = FORMS[option]
    probabilities = None if weights is None else np.asarray(weights) / np.sum(weights)
    return str(forms[int(rng.choice(len(forms), p=probabilities))])
