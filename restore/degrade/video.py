"""Video mode of the simulator: damage that evolves over time.

`VideoDegrader` uses the same artifacts and settings as `degrade`, over time. Each
artifact's parameters are drawn once for the clip; those its `TABLE` entry lists as
drifting (the time-base wave, the tracking band, flagging, head switching, the bands)
move smoothly between a few other draws of the same artifact; per-pixel and per-line
noise (grain, snow, dropouts, speckle) is new in every frame; everything else
(bandwidth, chroma delay, levels, the capture card) stays the same for the whole clip.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from restore.degrade.artifacts import TABLE
from restore.degrade.frame import check_rgb, to_frame, to_rgb
from restore.degrade.pipeline import Seeds, check_settings, plan, second_pass_plan
from restore.degrade.settings import DegradeSettings

# A drifting parameter is a convex mix of this many draws, with weights that are smooth
# functions of time: each weight is a softmax of sines with periods drawn from
# `_DRIFT_PERIODS` seconds, so a parameter wanders between its draws every few seconds
# but moves only a few percent of its range from one 25 fps frame to the next.
_DRIFT_ANCHORS = 3
_DRIFT_PERIODS = (3.0, 12.0)
_DRIFT_SHARPNESS = 2.0


def drifted(params: Any, anchors: list[Any], weights: np.ndarray, fields: tuple[str, ...]) -> Any:
    """``params`` with each of ``fields`` replaced by the ``weights``-weighted mean of the
    same field over ``anchors`` (other draws of the same artifact). A convex mix of valid
    draws is itself valid, so drifting never leaves an artifact's range. Integer fields
    are rounded; tuples are mixed element by element."""
    changes = {}
    for name in fields:
        values = np.asarray([getattr(anchor, name) for anchor in anchors], np.float64)
        mixed = np.tensordot(weights, values, axes=1)
        original = getattr(params, name)
        if isinstance(original, tuple):
            changes[name] = tuple(type(o)(m) for o, m in zip(original, np.atleast_1d(mixed)))
        elif isinstance(original, (int, np.integer)) and not isinstance(original, bool):
            changes[name] = round(float(mixed))
        else:
            changes[name] = float(mixed)
    return dataclasses.replace(params, **changes)


class VideoDegrader:
    """VHS/PAL damage for consecutive video frames: ``degrader.frame(rgb, index)``.

    Frame ``index`` is at time ``index / fps``; any frame can be made on its own, in any
    order, and the same ``seed`` gives the same clip. Frames may change size between
    calls (distances scale as in `degrade`).
    """

    def __init__(self, settings: DegradeSettings | None = None, seed: int = 0, fps: float = 25.0):
        settings = check_settings(settings)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        try:
            fps = float(fps)
        except (TypeError, ValueError):
            raise ValueError(f"fps must be a positive number, got {fps!r}") from None
        if not (math.isfinite(fps) and fps > 0):
            raise ValueError(f"fps must be a positive number, got {fps!r}")
        self.settings = settings
        self.seed = int(seed)
        self.fps = fps
        seeds = Seeds.draw(np.random.default_rng(self.seed))
        self._artifact_seeds = seeds.artifacts
        self._order = plan(settings, np.random.default_rng(seeds.order))  # fixed for the clip
        self._second_pass = second_pass_plan(settings.second_pass, np.random.default_rng(seeds.second_pass)) if settings.second_pass > 0 else []
        self._second_seed = seeds.second_pass

    def drift_weights(self, name: str, time: float) -> np.ndarray:
        """The weights (summing to 1) of artifact ``name``'s drift anchors at ``time`` s."""
        rng = np.random.default_rng((self._artifact_seeds[name], 1 << 40))
        periods = rng.uniform(*_DRIFT_PERIODS, _DRIFT_ANCHORS)
        phases = rng.uniform(0.0, 2 * math.pi, _DRIFT_ANCHORS)
        logits = _DRIFT_SHARPNESS * np.sin(2 * math.pi * time / periods + phases)
        weights = np.exp(logits - logits.max())
        return weights / weights.sum()

    def params(self, name: str, strength: float, size: tuple[int, int], time: float):
        """Artifact ``name``'s parameters for a frame of ``size`` at ``time`` seconds."""
        artifact, seed = TABLE[name], self._artifact_seeds[name]
        base = artifact.draw(strength, np.random.default_rng((seed, 0)), size, self.settings)
        if not artifact.drift:
            return base
        anchors = [base, *(artifact.draw(strength, np.random.default_rng((seed, k)), size, self.settings) for k in range(1, _DRIFT_ANCHORS))]
        return drifted(base, anchors, self.drift_weights(name, time), artifact.drift)

    def frame(self, rgb: np.ndarray, index: int) -> np.ndarray:
        """Damage frame number ``index`` (>= 0) of the clip; uint8 RGB in, same size out."""
        check_rgb(rgb)
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
            raise ValueError(f"index must be a non-negative integer, got {index!r}")
        if self.settings.is_identity():
            return rgb.copy()
        time, size = int(index) / self.fps, rgb.shape[:2]
        frame = to_frame(rgb)
        for name in self._order:
            params = self.params(name, getattr(self.settings, name), size, time)
            frame = TABLE[name].apply(frame, params, np.random.default_rng((self._artifact_seeds[name], int(index))))
        for step, (name, strength) in enumerate(self._second_pass):
            params = TABLE[name].draw(strength, np.random.default_rng((self._second_seed, step)), size, self.settings)
            frame = TABLE[name].apply(frame, params, np.random.default_rng((self._second_seed, step, int(index))))
        return to_rgb(frame)

    __call__ = frame


def degrade_video_frames(frames, settings: DegradeSettings | None = None, seed: int = 0, fps: float = 25.0):
    """Damage an iterable of consecutive uint8 RGB frames (see `VideoDegrader`); yields
    the damaged frames one at a time, so a clip never needs to be in memory at once."""
    degrader = VideoDegrader(settings, seed=seed, fps=fps)
    for index, rgb in enumerate(frames):
        yield degrader.frame(rgb, index)
