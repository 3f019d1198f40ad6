"""The Degrade tab's handlers as plain functions, and the /degrade API's parameters.

The /degrade API takes its settings after the image in this order: the sixteen original
strengths, tint_hue and seed (the order callers have always used), then everything added
since — the new strengths, the form options, shuffle_order — each with a default (its
`DegradeSettings` default), so old positional calls still work (`DEGRADE_API_PARAMETERS`,
`degrade_event`). Settings from the page or the API are checked strictly and a wrong one is
named in the error (`settings_from_values`).
"""

from __future__ import annotations

import inspect
import secrets
from pathlib import Path
from typing import Any

import numpy as np

from restore import PRESETS, DegradeSettings, degrade, random_settings
from restore.degrade import (
    FORM_ARTIFACT,
    FORM_OPTIONS,
    ORIGINAL_STRENGTH_NAMES,
    STRENGTH_NAMES,
)
from restore.images import write_png
from webui.inputs import (
    input_error,
    load_upload,
    output_dir,
    seed_value,
    stem,
    user_error,
)
from webui.labels import FORM_LABELS, STRENGTH_LABELS

NEW_STRENGTH_NAMES = tuple(name for name in STRENGTH_NAMES if name not in ORIGINAL_STRENGTH_NAMES)
FORM_NAMES = tuple(FORM_OPTIONS)
SETTING_NAMES = (*STRENGTH_NAMES, "tint_hue", *FORM_NAMES, "shuffle_order")
ADDED_API_PARAMETERS = (*NEW_STRENGTH_NAMES, *FORM_NAMES, "shuffle_order")
DEGRADE_API_PARAMETERS = ("image", *ORIGINAL_STRENGTH_NAMES, "tint_hue", "seed", *ADDED_API_PARAMETERS)
_DEFAULT_SETTINGS = DegradeSettings()


def degrade_api_description() -> str:
    """What the /degrade endpoint takes, parameter by parameter, in its order."""
    new = "; ".join(f"{name} ({STRENGTH_LABELS[name][1]})" for name in NEW_STRENGTH_NAMES)
    forms = "; ".join(
        f"{option} ({STRENGTH_LABELS[FORM_ARTIFACT[option]][0].lower()}: {FORM_LABELS[option][1]}; one of "
        f"{' | '.join(FORM_OPTIONS[option])}; default {getattr(_DEFAULT_SETTINGS, option)})"
        for option in FORM_NAMES
    )
    return (
        "Degrade an image with the VHS/PAL simulator. Parameters, in order: image; the artifact strengths "
        f"{', '.join(ORIGINAL_STRENGTH_NAMES)}, each in [0, 1] (0 = off; all strengths 0 = unchanged); "
        "tint_hue, the tint band's hue in degrees in [0, 360] (35 = magenta, 215 = green); seed, a whole "
        "number >= 0 (same seed, same damage). Then, each optional: more strengths in [0, 1], default 0 "
        f"(off): {new}. Form options, each 'any' (one drawn from the seed) or a form name: {forms}. "
        "shuffle_order, true or false (default false): apply the artifacts of each stage in a random "
        "order drawn from the seed. Returns the degraded PNG (twice: preview and download)."
    )


def _invalid_setting(message: str):
    return input_error(f"Invalid degradation settings: {message}", title="Invalid settings")


def _strength_value(name: str, value: Any) -> float:
    if value is None and name != "tint_hue":
        return 0.0  # an empty slider: off
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise _invalid_setting(f"{name} must be a number, got {value!r}")
    return float(value)


def _form_value(name: str, value: Any) -> str:
    if not isinstance(value, str) or value not in FORM_OPTIONS[name]:
        raise _invalid_setting(f"{name} must be one of {', '.join(FORM_OPTIONS[name])}; got {value!r}")
    return value


def _shuffle_value(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):  # "false" is a string, not False
        raise _invalid_setting(f"{name} must be true or false, got {value!r}")
    return bool(value)


# How each Degrade-tab value is checked, by setting name.
_CHECKS = {
    **{name: _strength_value for name in (*STRENGTH_NAMES, "tint_hue")},
    **{name: _form_value for name in FORM_NAMES},
    "shuffle_order": _shuffle_value,
}


def _setting_value(name: str, value: Any) -> Any:
    """One Degrade-tab value, checked strictly; `gr.Error` naming ``name`` when it is wrong."""
    check = _CHECKS.get(name)
    if check is None:
        raise _invalid_setting(f"unknown setting {name!r}; known: {', '.join(SETTING_NAMES)}")
    return check(name, value)


def settings_from_values(values: dict[str, Any] | list[float], tint_hue: float | None = None) -> DegradeSettings:
    """`DegradeSettings` from the Degrade tab's values.

    ``values`` is a dict by setting name (any of `SETTING_NAMES`: the strengths,
    ``tint_hue``, the form options, ``shuffle_order``; the others keep their defaults) or a
    list of strengths in `STRENGTH_NAMES` order (all of them, or the original sixteen).
    ``tint_hue``, when given, is the tint band's hue. Raises `gr.Error` naming the setting
    for a strength out of [0, 1], a non-number, an unknown form or a non-boolean
    ``shuffle_order``.
    """
    if not isinstance(values, dict):
        values = list(values)
        if len(values) not in (len(STRENGTH_NAMES), len(ORIGINAL_STRENGTH_NAMES)):
            raise input_error(
                f"expected {len(STRENGTH_NAMES)} (or the original {len(ORIGINAL_STRENGTH_NAMES)}) artifact "
                f"strengths, got {len(values)}", title="Invalid settings",
            )
        values = dict(zip(STRENGTH_NAMES, values))
    if tint_hue is not None:
        values = {**values, "tint_hue": tint_hue}
    checked = {
        name: _setting_value(name, value)
        for name, value in values.items()
        if not (name == "tint_hue" and value is None)  # no hue given: the default
    }
    try:
        return DegradeSettings(**checked)
    except (TypeError, ValueError) as exc:
        raise _invalid_setting(str(exc)) from None


def degrade_image(path, settings: DegradeSettings, seed: int = 0) -> str:
    """Degrade one image file with the simulator; returns the degraded PNG (same size)."""
    loaded = load_upload(path, "a clean image")
    try:
        bad = degrade(loaded.rgb, settings, seed=seed_value(seed))
    except ValueError as exc:
        raise user_error(exc, Path(path).name) from None
    return str(write_png(output_dir() / f"{stem(path)}_degraded.png", bad))


def settings_values(settings: DegradeSettings) -> dict[str, Any]:
    """The Degrade tab's values of ``settings``, by name in `SETTING_NAMES` order:
    strengths rounded to the sliders' 0.01 step, the hue to whole degrees in [0, 360),
    the form options and shuffle_order as they are."""
    values: dict[str, Any] = {name: round(float(getattr(settings, name)), 2) for name in STRENGTH_NAMES}
    values["tint_hue"] = round(float(settings.tint_hue) % 360) % 360
    values.update({option: getattr(settings, option) for option in FORM_NAMES})
    values["shuffle_order"] = bool(settings.shuffle_order)
    return values


def preset_values(name: str) -> dict[str, Any]:
    """The Degrade tab's values of a preset (see `settings_values`)."""
    if name not in PRESETS:
        raise input_error(f"Unknown preset {name!r}; choose one of {', '.join(PRESETS)}.")
    return settings_values(PRESETS[name])


def random_values(seed: int | None = None) -> tuple[dict[str, Any], int]:
    """Random settings (the training distribution: every form "any", the order shuffled
    now and then) as the Degrade tab's values, and the seed used."""
    seed = secrets.randbelow(2**31 - 1) if seed is None else seed_value(seed)
    return settings_values(random_settings(np.random.default_rng(seed))), seed


def _with_signature(fn, names, defaults: dict[str, Any] | None = None):
    """Give a ``*args`` event function named parameters (gradio_client shows these names),
    with ``defaults`` for those that have one (they must come last)."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    defaults = defaults or {}
    fn.__signature__ = inspect.Signature(
        [inspect.Parameter(name, kind, default=defaults.get(name, inspect.Parameter.empty)) for name in names]
    )
    return fn


def degrade_event(image, *values):
    """The /degrade endpoint: the values in `DEGRADE_API_PARAMETERS` order after the
    image (see `degrade_api_description`); returns the degraded PNG twice (preview and
    download)."""
    if len(values) != len(DEGRADE_API_PARAMETERS) - 1:
        raise input_error(f"expected {len(DEGRADE_API_PARAMETERS) - 1} values after the image, got {len(values)}")
    named = dict(zip(DEGRADE_API_PARAMETERS[1:], values))
    seed = named.pop("seed")
    path = degrade_image(image, settings_from_values(named), seed)
    return path, path


# The parameters added after seed default to the library's defaults: a call without them
# degrades exactly as before they existed.
_with_signature(degrade_event, DEGRADE_API_PARAMETERS,
                {name: getattr(_DEFAULT_SETTINGS, name) for name in ADDED_API_PARAMETERS})
