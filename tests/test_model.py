"""The generator's context blocks (restore.engine.model): frame-wide (global) and line-wide (row)
context start as the identity and really carry information across the whole picture."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from restore.engine.model import GENERATOR_CONFIGS, GeneratorConfig, build_generator

TINY = GENERATOR_CONFIGS["tiny"]


def _zero_initialised(name: str) -> bool:
    """The layers built with zero weights, so that the generator starts as the identity."""
    return name in ("to_rgb", "global_context_scale", "global_context_shift") or (name.startswith("row_context") and name.endswith("_conv2"))


def _randomised(config: GeneratorConfig, seed: int = 0):
    """The generator of ``config`` with its zero-initialised layers given random weights,
    so the residual and the context blocks act (every other layer keeps its initialiser)."""
    generator = build_generator(config)
    rng = np.random.default_rng(seed)
    with warnings.catch_warnings():  # Keras' own numpy-2 DeprecationWarning
        warnings.simplefilter("ignore", DeprecationWarning)
        for layer in generator.layers:
            if _zero_initialised(layer.name):
                layer.set_weights([rng.normal(0, 0.3, w.shape).astype("float32") for w in layer.get_weights()])
    return generator


@pytest.mark.parametrize("context", [{"global_context": True}, {"row_context": True}, {"global_context": True, "row_context": True}])
@pytest.mark.parametrize("size", [(64, 96), (40, 56)])
def test_context_generators_start_as_the_identity(context, size):
    config = dataclasses.replace(TINY, **context)
    generator = build_generator(config)
    image = np.random.default_rng(1).random((1, *size, 3), dtype=np.float32)
    height, width = (-(-side // config.multiple) * config.multiple for side in size)
    padded = np.pad(image, ((0, 0), (0, height - size[0]), (0, width - size[1]), (0, 0)), mode="reflect")
    assert np.allclose(generator(padded).numpy(), padded, atol=1e-6)


def _far_change_reaches(config: GeneratorConfig, changed: tuple[slice, slice], probe: tuple[slice, slice]) -> bool:
    """Does changing the ``changed`` region of the input change the output in ``probe``?"""
    generator = _randomised(config)
    image = np.random.default_rng(2).random((1, 64, 256, 3), dtype=np.float32)
    image[(0, *changed)] = 0.0  # black there, then white: the region's mean moves all the way
    other = image.copy()
    other[(0, *changed)] = 1.0
    difference = np.abs(generator(image).numpy() - generator(other).numpy())
    return bool(difference[(0, *probe)].max() > 1e-4)


FAR_HALF = (slice(0, 64), slice(128, 256))  # the right half, over 100 px from the probe
TOP_LEFT = (slice(0, 8), slice(0, 8))


def test_without_context_a_far_change_stays_local():
    # The tiny U-Net's receptive field is well under the 256-pixel width.
    assert not _far_change_reaches(TINY, FAR_HALF, TOP_LEFT)


def test_global_context_sees_the_whole_frame():
    assert _far_change_reaches(dataclasses.replace(TINY, global_context=True), FAR_HALF, TOP_LEFT)


def test_row_context_sees_the_whole_line():
    config = dataclasses.replace(TINY, depth=4, max_filters=16, row_context=True)
    # The same lines, far to the right: reaches the left end of those lines.
    assert _far_change_reaches(config, (slice(0, 16), slice(128, 256)), (slice(0, 8), slice(0, 8)))
    assert not _far_change_reaches(dataclasses.replace(config, row_context=False), (slice(0, 16), slice(128, 256)), (slice(0, 8), slice(0, 8)))


def test_the_context_config_is_the_lean_one_with_both_blocks():
    assert GENERATOR_CONFIGS["context"] == dataclasses.replace(GENERATOR_CONFIGS["lean"], global_context=True, row_context=True)
    assert GeneratorConfig.from_dict({"global_context": True}).global_context
