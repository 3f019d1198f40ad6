"""The generator's options (restore.engine.model): frame-wide (global) and line-wide (row)
context start as the identity and really carry information across the whole picture; the
faster decoder and pixel-shuffle head start as the identity too and keep full resolution."""

from __future__ import annotations

import dataclasses
import warnings

import keras
import numpy as np
import pytest

from restore.engine.model import GENERATOR_CONFIGS, GeneratorConfig, build_generator, global_colour_block

TINY = GENERATOR_CONFIGS["tiny"]


def _zero_initialised(name: str) -> bool:
    """The layers built with zero weights, so that the generator starts as the identity."""
    return name in ("to_rgb", "global_context_scale", "global_context_shift", "global_colour_map") or (
        name.startswith("row_context") and name.endswith("_conv2"))


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


@pytest.mark.parametrize("context", [
    {"global_context": True}, {"row_context": True}, {"global_context": True, "row_context": True},
    {"decoder_reduce": True}, {"head": "pixel_shuffle"}, {"head": "pixel_shuffle", "decoder_reduce": True, "row_context": True},
    {"global_colour": True}, {"global_colour": True, "global_context": True, "row_context": True},
])
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


@pytest.mark.parametrize("head_filters, head_layers", [(0, ("head_input", "to_rgb")), (4, ("head_up", "head_act", "head_input", "to_rgb"))])
def test_the_pixel_shuffle_head_corrects_at_full_resolution(head_filters, head_layers):
    # The head runs at half resolution, but each of the four pixels it unfolds per position
    # gets its own correction: not one value per 2×2 block, as an upsampled output would.
    generator = _randomised(dataclasses.replace(TINY, head="pixel_shuffle", head_filters=head_filters))
    image = np.random.default_rng(3).random((1, 32, 32, 3), dtype=np.float32)
    correction = generator(image).numpy()[0] - image[0]
    blocks = correction.reshape(16, 2, 16, 2, 3)
    within_block = blocks.std(axis=(1, 3)).mean()
    assert within_block > 0.2 * correction.std()
    head = keras.Model(generator.input, [generator.get_layer(name).output for name in head_layers])
    assert [tuple(features.shape[1:3]) for features in head(image)] == [(16, 16)] * len(head_layers)


def test_decoder_reduce_narrows_the_decoder_inputs():
    config = dataclasses.replace(GENERATOR_CONFIGS["lean"], decoder_reduce=True)
    reduced = build_generator(config)
    reduces = {layer.name: layer.kernel.shape for layer in reduced.layers if layer.name.endswith("_reduce")}
    filters = config.level_filters()
    # Every decoder level but the first (fed by the bottleneck alone) reads concatenated features.
    assert reduces == {f"up{level}_reduce": (1, 1, 2 * filters[level + 1], filters[level + 1]) for level in range(config.depth - 2)}
    assert reduced.count_params() < build_generator(GENERATOR_CONFIGS["lean"]).count_params()


def test_the_fast_config_is_the_context_one_with_both_speed_options():
    assert GENERATOR_CONFIGS["context_fast"] == dataclasses.replace(
        GENERATOR_CONFIGS["context"], decoder_reduce=True, head="pixel_shuffle", head_filters=0)
    # context_shuffle keeps the context model's head width, so train.factorise converts it exactly.
    assert GENERATOR_CONFIGS["context_shuffle"] == dataclasses.replace(GENERATOR_CONFIGS["context_fast"], head_filters=GENERATOR_CONFIGS["context"].head_filters)


def test_an_unknown_head_is_refused():
    with pytest.raises(ValueError, match="head must be one of"):
        GeneratorConfig(head="bilinear")


def test_the_global_colour_map_is_one_map_for_the_whole_frame():
    config = dataclasses.replace(TINY, global_colour=True)
    generator = build_generator(config)
    colour_map = generator.get_layer("global_colour_map")
    kernel, bias = colour_map.get_weights()
    # A red cast and lifted blacks: R' = 1.1·R + 0.05, G and B kept (the U-Net's own
    # correction is still zero, so the map alone acts).
    bias[0] = 0.1  # the matrix's R->R entry, added to the identity
    bias[9] = 0.05
    colour_map.set_weights([kernel, bias])
    image = np.random.default_rng(3).random((1, 64, 64, 3), dtype=np.float32)
    expected = image.copy()
    expected[..., 0] = 1.1 * image[..., 0] + 0.05
    np.testing.assert_allclose(generator(image).numpy(), expected, atol=1e-5)
    # Learned, it depends on the whole frame: a change in one corner moves every pixel.
    assert _far_change_reaches(config, (slice(0, 16), slice(0, 32)), (slice(48, 64), slice(224, 256)))


def test_the_global_colour_map_does_not_follow_the_scale_of_the_features():
    # A trained bottleneck's features run to ~1e4 and double from a crop to a whole frame;
    # the map must depend on their pattern, not their size, or it explodes on whole frames.
    features = keras.Input(shape=(None, None, 16))
    pixels = keras.Input(shape=(None, None, 3))
    block = keras.Model([features, pixels], global_colour_block(features, pixels, name="colour"))
    rng = np.random.default_rng(7)
    colour_map = block.get_layer("colour_map")
    colour_map.set_weights([rng.normal(0, 0.1, w.shape).astype("float32") for w in colour_map.get_weights()])
    deep = rng.normal(0, 10, (1, 4, 4, 16)).astype("float32")  # well above the normalisation's epsilon
    image = rng.random((1, 32, 32, 3), dtype=np.float32)
    mapped = block([deep, image]).numpy()
    assert not np.allclose(mapped, image, atol=1e-3)  # the map acts
    # The normalisation's epsilon and float32 rounding leave ~1e-5; unnormalised, ×1000 would move it by whole units.
    np.testing.assert_allclose(block([1e3 * deep, image]).numpy(), mapped, atol=1e-4)
