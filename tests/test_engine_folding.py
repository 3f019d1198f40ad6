"""restore.engine.folding: the generator with its batch normalisations folded computes what
the trained one computes, in fewer layers, and every precision runs the folded one."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import pytest

from restore.engine import model as model_module
from restore.engine import precision as precision_module
from restore.engine.folding import fold_normalization
from restore.engine.model import GENERATOR_CONFIGS, build_generator

TINY = GENERATOR_CONFIGS["tiny"]


def with_trained_statistics(model: keras.Model, seed: int = 0) -> keras.Model:
    """``model`` with every weight random and every batch normalisation's statistics far from
    (0, 1), as after training: an untrained one folds to a near-identity and proves nothing."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, variance = (w.shape for w in weights)
            layer.set_weights([rng.uniform(0.5, 2.0, gamma), rng.normal(0, 0.5, beta),
                               rng.normal(0, 0.5, mean), rng.uniform(0.2, 3.0, variance)])
        elif weights:
            layer.set_weights([rng.normal(0, 0.2, w.shape).astype(np.float32) for w in weights])
    return model


@pytest.fixture(scope="module")
def batch() -> np.ndarray:
    return np.random.default_rng(1).random((2, 48, 64, 3), dtype=np.float32)


FOLDABLE_CONFIGS = {
    "tiny": TINY,
    "context-no-head": dataclasses.replace(TINY, global_context=True, row_context=True, head_filters=0),
    "fast": dataclasses.replace(TINY, decoder_reduce=True, head="pixel_shuffle", row_context=True),
    "global-colour": dataclasses.replace(TINY, global_colour=True, global_context=True),
    "plain-with-dropout": dataclasses.replace(TINY, residual=False, dropout_levels=1, head_filters=0),
}


@pytest.mark.parametrize("config", FOLDABLE_CONFIGS.values(), ids=FOLDABLE_CONFIGS.keys())
def test_folded_generator_computes_the_same(config, batch):
    model = with_trained_statistics(build_generator(config))
    folded = fold_normalization(model, config)
    expected = model(batch, training=False).numpy()
    assert np.abs(expected - batch).max() > 0.1  # the statistics really matter here
    # Float32 round-off only, relative to how large the random network's outputs grow.
    np.testing.assert_allclose(folded(batch, training=False).numpy(), expected, atol=1e-5 * max(1.0, np.abs(expected).max()))
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in folded.layers)
    assert len(folded.layers) < len(model.layers)


def bfloat16_copy(model: keras.Model, config) -> keras.Model:
    """``model`` unfolded under ``mixed_bfloat16``: what bfloat16 inference ran before folding."""
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        copy = build_generator(config, name="unfolded_bfloat16")
    finally:
        keras.config.set_dtype_policy("float32")
    copy.set_weights(model.get_weights())
    return copy


def _computes_in_bfloat16(model: keras.Model) -> bool:
    return any(layer.compute_dtype == "bfloat16" for layer in model.layers if isinstance(layer, keras.layers.Conv2D))


def test_folding_under_bfloat16_computes_in_bfloat16_with_float32_variables_and_output(batch):
    model = with_trained_statistics(build_generator(TINY))
    folded = fold_normalization(model, TINY, dtype_policy="mixed_bfloat16")
    assert keras.config.dtype_policy().name == "float32"  # the policy is restored
    assert _computes_in_bfloat16(folded)
    assert all(variable.dtype == "float32" for variable in folded.weights)
    output = np.asarray(folded(batch, training=False))
    assert output.dtype == np.float32
    reference = model(batch, training=False).numpy()
    bfloat16_error = np.abs(output - reference).mean()
    unfolded_error = np.abs(np.asarray(bfloat16_copy(model, TINY)(batch, training=False)) - reference).mean()
    # Folding scales the kernels before they are rounded to bfloat16: about the same error.
    assert 0 < bfloat16_error <= 1.5 * unfolded_error


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
def test_group_normalisation_is_copied_unfolded_under_the_policy(policy, batch):
    config = dataclasses.replace(TINY, normalization="group")
    model = with_trained_statistics(build_generator(config))
    copy = fold_normalization(model, config, dtype_policy=policy)
    assert copy is not model
    assert _computes_in_bfloat16(copy) == (policy == "mixed_bfloat16")
    assert any(isinstance(layer, keras.layers.GroupNormalization) for layer in copy.layers)
    bound = 2e-6 * max(1.0, float(np.abs(model(batch).numpy()).max())) if policy == "float32" else 0.25
    assert np.abs(np.asarray(copy(batch, training=False)) - model(batch, training=False).numpy()).max() <= bound


def test_a_batch_normalisation_after_no_named_convolution_is_refused(monkeypatch):
    # Folding pairs a normalisation with its convolution by the blocks' names; one it
    # cannot pair would silently vanish from the folded network.
    model = with_trained_statistics(build_generator(TINY))
    names = model_module.normalization_after
    monkeypatch.setattr(model_module, "normalization_after", lambda conv: None if conv == "down1_conv" else names(conv))
    with pytest.raises(ValueError, match="cannot fold down1_norm"):
        fold_normalization(model, TINY)


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_every_keras_precision_runs_the_folded_generator(precision, batch):
    model = with_trained_statistics(build_generator(TINY))
    runner = precision_module.build_runner(precision, model, TINY, tile=None)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in runner.model.layers)
    assert _computes_in_bfloat16(runner.model) == (precision == "bfloat16")
    expected = model(batch[:1], training=False).numpy()
    error = np.abs(runner(batch[:1]) - expected).max()
    assert error <= {"float32": 2e-6 * max(1.0, np.abs(expected).max()), "bfloat16": 0.25}[precision]


def test_int8_converts_the_folded_generator(monkeypatch):
    converted = []

    def convert(model, config):
        converted.append(model)
        raise RuntimeError("stop once the conversion's input is known")

    monkeypatch.setattr(precision_module, "_int8_model", convert)
    with pytest.raises(precision_module.PrecisionUnavailable):
        precision_module.build_runner("int8", with_trained_statistics(build_generator(TINY)), TINY, tile=None)
    assert len(converted) == 1 and not any(isinstance(layer, keras.layers.BatchNormalization) for layer in converted[0].layers)
