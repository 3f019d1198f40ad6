"""train.factorise: a trained generator rewritten in the context_fast layout (low-rank decoder,
pixel-shuffle head), exact where the layout can hold the trained model exactly."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import cv2
import keras
import numpy as np
import pytest
from skimage import data

from restore.engine.model import GeneratorConfig, build_generator, pixel_shuffle_head
from train.factorise import check_convertible, factorise_generator, low_rank_transposed, patches_3x3, shuffled_head

REPO_ROOT = Path(__file__).resolve().parent.parent
# Depth 4: levels 4, 8, 16, 16; levels 1 and 0 get a reduce (32 -> 16, 16 -> 8), level 2 has line context.
SOURCE = GeneratorConfig(base_filters=4, depth=4, max_filters=16, bottleneck_blocks=1, head_filters=6,
                         global_context=True, row_context=True)
TARGET = dataclasses.replace(SOURCE, decoder_reduce=True, head="pixel_shuffle", head_filters=0)


def _crops(count: int = 3, size: int = 32) -> list[np.ndarray]:
    pictures = [data.astronaut(), data.chelsea(), data.coffee()]
    return [cv2.resize(pictures[index % 3], (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255 for index in range(count)]


def _randomised(config: GeneratorConfig, seed: int = 0):
    """A generator with random weights everywhere (as built, the output layer is zero)."""
    model = build_generator(config)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if weights:  # BatchNorm's 4th weight is a variance: keep it positive
            layer.set_weights([np.abs(w) + 0.5 if i == 3 else rng.normal(0, 0.3, w.shape) for i, w in enumerate(weights)])
    return model


def _run(model, crops, layer: str | None = None) -> np.ndarray:
    model = model if layer is None else keras.Model(model.input, model.get_layer(layer).output)
    return np.asarray(model.predict(np.stack(crops), verbose=0))


@pytest.mark.parametrize("rank", [3, 5])
def test_low_rank_transposed_is_exact_at_the_kernels_rank(rank):
    rng = np.random.default_rng(rank)
    kernel = (rng.normal(size=(4 * 4 * 6, rank)) @ rng.normal(size=(rank, 10))).reshape(4, 4, 6, 10)
    reduce, factor = low_rank_transposed(kernel, np.eye(10), rank)
    assert reduce.shape == (1, 1, 10, rank) and factor.shape == (4, 4, 6, rank)
    np.testing.assert_allclose(np.einsum("hwor,ir->hwoi", factor, reduce[0, 0]), kernel, atol=1e-4)


def test_low_rank_transposed_weights_the_inputs_that_vary():
    rng = np.random.default_rng(1)
    kernel = rng.normal(size=(4, 4, 6, 10))
    # Inputs that live almost only on their first 4 channels: a rank-4 pair fitted to them
    # must beat the plain (identity-covariance) one on such inputs.
    inputs = rng.normal(size=(2000, 10)) * np.r_[np.ones(4), np.full(6, 0.01)]
    covariance = inputs.T @ inputs / len(inputs)

    def error(reduce, factor):
        approximation = np.einsum("hwor,ir->hwoi", factor, reduce[0, 0]).reshape(-1, 10)
        return np.mean(((kernel.reshape(-1, 10) - approximation) @ inputs.T) ** 2)

    assert error(*low_rank_transposed(kernel, covariance, 4)) < 0.1 * error(*low_rank_transposed(kernel, np.eye(10), 4))


def test_low_rank_transposed_rejects_bad_arguments():
    with pytest.raises(ValueError, match="covariance"):
        low_rank_transposed(np.zeros((4, 4, 2, 3)), np.eye(4), 2)
    with pytest.raises(ValueError, match="rank"):
        low_rank_transposed(np.zeros((4, 4, 2, 3)), np.eye(3), 4)


def test_patches_3x3_match_a_keras_conv():
    rng = np.random.default_rng(2)
    features = rng.normal(size=(2, 5, 7, 3)).astype(np.float32)
    conv = keras.layers.Conv2D(4, 3, padding="same", use_bias=False)
    expected = np.asarray(conv(features))
    kernel = np.asarray(conv.kernel).reshape(-1, 4)
    np.testing.assert_allclose((patches_3x3(features) @ kernel).reshape(expected.shape), expected, atol=1e-5)


def _low_rank_source():
    """A random source whose decoder transposed convs have the rank of the target's reduce."""
    source = _randomised(SOURCE)
    rng = np.random.default_rng(3)
    for layer in build_generator(TARGET).layers:
        if layer.name.endswith("_reduce"):
            deconv = source.get_layer(layer.name.replace("_reduce", "_deconv"))
            kernel, rank = np.asarray(deconv.kernel), layer.kernel.shape[-1]
            height, width, outputs, inputs = kernel.shape
            low = rng.normal(size=(height * width * outputs, rank)) @ rng.normal(0, 0.3, size=(rank, inputs))
            deconv.set_weights([low.reshape(kernel.shape)] + deconv.get_weights()[1:])
    return source


def test_a_low_rank_decoder_is_copied_exactly():
    source = _low_rank_source()
    factorised = factorise_generator(source, SOURCE, TARGET, _crops())
    crops = _crops(2, 48)  # other crops than the calibration's
    np.testing.assert_allclose(_run(factorised, crops, "skip0"), _run(source, crops, "skip0"), rtol=1e-3, atol=1e-3)


def test_shuffled_head_is_the_transposed_head_at_half_resolution():
    rng = np.random.default_rng(5)
    features, signed = rng.normal(size=(2, 5, 7, 6)).astype(np.float32), rng.normal(size=(2, 10, 14, 3)).astype(np.float32)
    up, rgb = keras.layers.Conv2DTranspose(4, 4, strides=2, padding="same"), keras.layers.Conv2D(3, 3, padding="same")
    up.build(features.shape), rgb.build((2, 10, 14, 7))
    for weight in up.weights + rgb.weights:
        weight.assign(rng.normal(size=weight.shape))
    expected = rgb(keras.ops.concatenate([keras.ops.relu(up(features)), signed], -1))
    # The model's own pixel-shuffle head, with the rearranged weights.
    inputs = [keras.Input((None, None, 6)), keras.Input((None, None, 3))]
    head = keras.Model(inputs, pixel_shuffle_head(*inputs, head_filters=4, initializer="zeros"))
    hidden, hidden_bias, kernel, bias = shuffled_head(*[np.asarray(w) for w in up.weights + rgb.weights])
    head.get_layer("head_up").set_weights([hidden, hidden_bias])
    head.get_layer("to_rgb").set_weights([kernel, bias])
    np.testing.assert_allclose(head([features, signed]), expected, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="4x4 transposed kernel"):
        shuffled_head(np.zeros((3, 3, 4, 6)), np.zeros(4), np.zeros((3, 3, 7, 3)), np.zeros(3))


def test_a_shuffled_head_model_is_the_trained_model():
    source = _low_rank_source()
    factorised = factorise_generator(source, SOURCE, dataclasses.replace(TARGET, head_filters=SOURCE.head_filters), _crops())
    crops = _crops(2, 48)  # other crops than the calibration's
    np.testing.assert_allclose(_run(factorised, crops), _run(source, crops), rtol=1e-3, atol=1e-3)


def test_the_fitted_head_follows_the_trained_head():
    # The pixel-shuffle head cannot hold a transposed head exactly; the fit must still come
    # far closer to the trained model's output than the layout's zero head (the identity).
    source = _randomised(SOURCE)
    source.get_layer("to_rgb").set_weights([w * 0.1 for w in source.get_layer("to_rgb").get_weights()])
    factorised = factorise_generator(source, SOURCE, TARGET, _crops(6))
    crops = _crops(2, 48)  # other crops than the calibration's
    expected = _run(source, crops)
    unfitted = np.mean((np.stack(crops) - expected) ** 2)
    assert unfitted > 1e-3  # the trained head really corrects something
    assert np.mean((_run(factorised, crops) - expected) ** 2) < 0.25 * unfitted


@pytest.mark.parametrize("change, match", [
    ({"decoder_reduce": False}, "decoder_reduce"),
    ({"head": "transposed"}, "head"),
    ({"base_filters": 6}, "base_filters"),
    ({"head_filters": 3}, "head_filters"),
])
def test_check_convertible_names_what_cannot_be_converted(change, match):
    with pytest.raises(ValueError, match=match):
        check_convertible(SOURCE, dataclasses.replace(TARGET, **change))


def test_cli_rejects_a_crop_the_network_cannot_take(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "train.factorise", str(REPO_ROOT / "checkpoints"), str(tmp_path / "out"),
         "--data", str(tmp_path), "--crop", "250"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert "--crop must be a multiple of 32" in result.stderr
    assert not (tmp_path / "out").exists()
