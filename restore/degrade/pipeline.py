"""`degrade`: the simulator's entry point, and the per-artifact public functions.

`degrade` converts the image to a YUV frame once, applies the enabled artifacts in the
order the damage happens (`restore.degrade.artifacts.TABLE`; shuffled within each stage
when ``settings.shuffle_order``), adds the optional second pass, and converts back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from restore.degrade.artifacts import (
    ARTIFACT_NAMES,
    SECOND_PASS_ARTIFACTS,
    STAGES,
    TABLE,
)
from restore.degrade.frame import (
    Frame,
    check_rgb,
    check_rng,
    check_strength,
    to_frame,
    to_rgb,
)
from restore.degrade.settings import PRESETS, DegradeSettings


@dataclass(frozen=True)
class Seeds:
    """The seeds of one `degrade` call or one clip: one per artifact (drawn in a fixed
    order, whatever is switched on, so each artifact's randomness is its own), then the
    shuffled order's and the second pass's."""

    artifacts: dict[str, int]
    order: int
    second_pass: int

    @classmethod
    def draw(cls, rng: np.random.Generator) -> Seeds:
        values = [int(value) for value in rng.integers(2**63, size=len(ARTIFACT_NAMES) + 2)]
        return cls(dict(zip(ARTIFACT_NAMES, values)), values[-2], values[-1])


def check_settings(settings) -> DegradeSettings:
    settings = PRESETS["default"] if settings is None else settings
    if not isinstance(settings, DegradeSettings):
        raise ValueError(f"settings must be a DegradeSettings, got {type(settings).__name__}")  # noqa: TRY004 - bad arguments are ValueErrors throughout (the app and CLI catch them)
    return settings


def plan(settings: DegradeSettings, order_rng: np.random.Generator) -> list[str]:
    """The enabled artifacts in the order they run: stage by stage, each stage shuffled
    with ``order_rng`` when the settings ask for it."""
    order = []
    for stage in STAGES:
        names = [name for name in ARTIFACT_NAMES if TABLE[name].stage == stage and getattr(settings, name) > 0]
        if settings.shuffle_order:
            order_rng.shuffle(names)
        order += names
    return order


def second_pass_plan(strength: float, rng: np.random.Generator) -> list[tuple[str, float]]:
    """The second pass: some of `SECOND_PASS_ARTIFACTS` (at least one), in a random order,
    each at a fraction of ``strength``."""
    names = [name for name in SECOND_PASS_ARTIFACTS if rng.random() < 0.7] or [SECOND_PASS_ARTIFACTS[int(rng.integers(len(SECOND_PASS_ARTIFACTS)))]]
    rng.shuffle(names)
    return [(name, strength * float(rng.uniform(0.3, 1.0))) for name in names]


def apply_artifact(frame: Frame, name: str, strength: float, rng: np.random.Generator, settings: DegradeSettings) -> Frame:
    """Draw artifact ``name``'s parameters at ``strength`` and apply them to ``frame``."""
    artifact = TABLE[name]
    params = artifact.draw(strength, rng, frame[0].shape, settings)
    return artifact.apply(frame, params, rng)


def degrade(rgb: np.ndarray, settings: DegradeSettings | None = None, seed: int | np.random.Generator | None = 0) -> np.ndarray:
    """Apply VHS/PAL damage to a uint8 RGB ``H×W×3`` image; returns a new uint8 RGB image
    of the same size. Deterministic for a given integer ``seed``."""
    check_rgb(rgb)
    settings = check_settings(settings)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if settings.is_identity():
        return rgb.copy()
    # One child generator per artifact keeps each artifact's randomness independent of
    # which others are switched on, so a slider changes only its own artifact.
    seeds = Seeds.draw(rng)
    frame = to_frame(rgb)
    for name in plan(settings, np.random.default_rng(seeds.order)):
        frame = apply_artifact(frame, name, getattr(settings, name), np.random.default_rng(seeds.artifacts[name]), settings)
    if settings.second_pass > 0:
        second_rng = np.random.default_rng(seeds.second_pass)
        for name, strength in second_pass_plan(settings.second_pass, second_rng):
            frame = apply_artifact(frame, name, strength, second_rng, settings)
    return to_rgb(frame)


def _public(name: str) -> Callable[..., np.ndarray]:
    def artifact(rgb: np.ndarray, strength: float, rng: np.random.Generator, settings: DegradeSettings | None = None) -> np.ndarray:
        check_rgb(rgb)
        strength = check_strength(strength, name)
        check_rng(rng)
        if strength == 0.0:
            return rgb.copy()
        return to_rgb(apply_artifact(to_frame(rgb), name, strength, rng, settings or DegradeSettings()))

    artifact.__name__ = artifact.__qualname__ = name
    artifact.__doc__ = (
        f"{TABLE[name].apply.__doc__}\n\n"
        "Takes a uint8 RGB H×W×3 image, a strength in [0, 1] (0 returns an exact copy), a\n"
        "np.random.Generator and optionally the DegradeSettings whose options apply; returns\n"
        "a new uint8 RGB image of the same shape."
    )
    return artifact


# Each artifact alone, on uint8 RGB: ``ARTIFACTS[name](rgb, strength, rng, settings=None)``.
ARTIFACTS: dict[str, Callable[..., np.ndarray]] = {name: _public(name) for name in ARTIFACT_NAMES}
