"""train.slim: cutting a trained generator down to a narrower one to fine-tune from, the plain
U-Net and the one with frame- and line-wide context (the shipped layout)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from restore.engine.model import GeneratorConfig, build_generator
from train.slim import check_compatible, conv_layouts, group_sizes, norm_layer, slim_generator

REPO_ROOT = Path(__file__).resolve().parent.parent
WIDE = GeneratorConfig(base_filters=8, depth=3, max_filters=16, bottleneck_blocks=1, head_filters=6)  # 8, 16, 16
NARROW = dataclasses.replace(WIDE, base_filters=6, head_filters=4)  # 6, 12, 16: the deepest level keeps 16
# With the frame- and line-wide context blocks (the shipped `context` layout): depth 4, so a
# decoder level (2) has line context.
WIDE_CONTEXT = GeneratorConfig(base_filters=4, depth=4, max_filters=16, bottleneck_blocks=1, head_filters=6,
                               global_context=True, row_context=True)  # 4, 8, 16, 16
NARROW_CONTEXT = dataclasses.replace(WIDE_CONTEXT, base_filters=3, head_filters=4)  # 3, 6, 12, 16
# With the frame-wide colour map too (`context_colour`): it reads the deepest level and the input.
WIDE_COLOUR = dataclasses.replace(WIDE_CONTEXT, global_colour=True)
NARROW_COLOUR = dataclasses.replace(NARROW_CONTEXT, global_colour=True)
PAIRS = pytest.mark.parametrize("wide_config, narrow_config", [(WIDE, NARROW), (WIDE_CONTEXT, NARROW_CONTEXT), (WIDE_COLOUR, NARROW_COLOUR)],
                                ids=["plain", "context", "colour"])


def _randomised(config: GeneratorConfig, seed: int = 0):
    """A generator with random weights everywhere (as built, the output layer is zero)."""
    model = build_generator(config)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if weights:
            # BatchNorm's 4th weight is a variance: keep it positive.
            layer.set_weights([np.abs(w) + 0.5 if i == 3 else rng.normal(0, 0.3, w.shape) for i, w in enumerate(weights)])
    return model


def _kill_channels(model, config: GeneratorConfig, dead: dict[str, list[int]]) -> None:
    """Make the listed channels of each group output exactly zero: gamma and beta 0 where a
    norm follows the conv, kernel and bias 0 where none does."""
    sizes = group_sizes(config)
    for layout in conv_layouts(config):
        if layout.adds_to:  # a line-context block adds to the concatenated groups: not to dead ones
            starts = np.cumsum([0] + [sizes[group] for group in layout.adds_to])
            columns = [start + channel for group, start in zip(layout.adds_to, starts) for channel in dead.get(group, [])]
            layer = model.get_layer(layout.name)
            kernel, bias = layer.get_weights()
            kernel[..., columns], bias[columns] = 0, 0
            layer.set_weights([kernel, bias])
            continue
        if layout.output not in dead or layout.name.startswith("bottleneck"):
            continue
        channels = dead[layout.output]
        norm = norm_layer(model, layout.name)
        if norm is not None:
            gamma, beta, mean, variance = norm.get_weights()
            gamma[channels], beta[channels] = 0, 0
            norm.set_weights([gamma, beta, mean, variance])
        else:
            layer = model.get_layer(layout.name)
            kernel, bias = layer.get_weights()
            if layout.transposed:
                kernel[:, :, channels, :] = 0  # Keras stores transposed kernels as (h, w, out, in)
            else:
                kernel[:, :, :, channels] = 0
            bias[channels] = 0
            layer.set_weights([kernel, bias])


@PAIRS
def test_removing_only_dead_channels_keeps_the_output(wide_config, narrow_config):
    wide, narrow = group_sizes(wide_config), group_sizes(narrow_config)
    rng = np.random.default_rng(1)
    dead = {group: sorted(rng.choice(size, size - narrow[group], replace=False).tolist())
            for group, size in wide.items() if size != narrow[group]}
    expected_groups = {"down0", "down1", "up0", "up1", "head"} | ({"down2", "up2", "row2"} if wide_config.row_context else set())
    assert set(dead) == expected_groups
    source = _randomised(wide_config)
    _kill_channels(source, wide_config, dead)
    images = rng.random((2, 32, 48, 3)).astype(np.float32)
    expected = source(images, training=False).numpy()

    slimmed = slim_generator(source, wide_config, narrow_config)

    assert slimmed.count_params() < source.count_params()
    assert slimmed.count_params() == build_generator(narrow_config).count_params()
    np.testing.assert_allclose(slimmed(images, training=False).numpy(), expected, atol=2e-5)
    # The output is not trivially constant: the check above compares real corrections.
    assert np.abs(expected - images).mean() > 0.01


@PAIRS
def test_slimming_live_channels_changes_the_output_but_keeps_the_shape(wide_config, narrow_config):
    source = _randomised(wide_config, seed=3)
    images = np.random.default_rng(2).random((1, 32, 48, 3)).astype(np.float32)
    slimmed = slim_generator(source, wide_config, narrow_config)
    output = slimmed(images, training=False).numpy()
    assert output.shape == images.shape and np.isfinite(output).all()
    assert not np.allclose(output, source(images, training=False).numpy(), atol=1e-3)


@pytest.mark.parametrize("config", [WIDE, WIDE_CONTEXT, WIDE_COLOUR], ids=["plain", "context", "colour"])
def test_same_architecture_is_a_copy(config):
    source = _randomised(config, seed=4)
    images = np.random.default_rng(5).random((1, 32, 32, 3)).astype(np.float32)
    copy = slim_generator(source, config, config)
    np.testing.assert_allclose(copy(images, training=False).numpy(), source(images, training=False).numpy(), atol=1e-6)


@pytest.mark.parametrize(
    "target, message",
    [
        (dataclasses.replace(WIDE, depth=4), "depth differs"),
        (dataclasses.replace(WIDE, max_filters=12, base_filters=6), "deepest level must keep its width"),
        (dataclasses.replace(WIDE, head_filters=0), "full-resolution head"),
        (dataclasses.replace(WIDE, head_filters=12), "would grow: ['head']"),
        (dataclasses.replace(WIDE, normalization="group"), "normalization differs"),
        (dataclasses.replace(WIDE, head="pixel_shuffle"), "with head"),
        (dataclasses.replace(WIDE, decoder_reduce=True, head="pixel_shuffle"), "with decoder_reduce, head"),
        (dataclasses.replace(WIDE, row_context=True), "row_context differs"),
        (dataclasses.replace(WIDE, global_context=True), "global_context differs"),
        (dataclasses.replace(WIDE, global_colour=True), "global_colour differs"),
    ],
)
def test_incompatible_targets_are_value_errors(target, message):
    with pytest.raises(ValueError, match="cannot slim") as error:
        check_compatible(WIDE, target)
    assert message in str(error.value)


def test_cli_writes_a_loadable_narrower_model(model_factory, tmp_path):
    from restore import load_restorer

    source = model_factory(tmp_path / "wide", {"line_alignment": True}, config=WIDE)
    out = tmp_path / "narrow"
    result = subprocess.run(
        [sys.executable, "-m", "train.slim", str(source), str(out), "--config", '{"base_filters": 6, "depth": 3, "max_filters": 16, "bottleneck_blocks": 1, "head_filters": 4}'],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "fine-tune" in result.stdout
    restorer = load_restorer(str(out), fallback=False)
    assert restorer.generator_config == NARROW and restorer.line_alignment  # preprocessing carried over
    image = np.random.default_rng(0).integers(0, 256, (40, 56, 3), dtype=np.uint8)
    assert restorer.restore(image).shape == image.shape


def test_cli_rejects_an_incompatible_target_clearly(model_factory, tmp_path):
    source = model_factory(tmp_path / "wide", config=WIDE)
    result = subprocess.run(
        [sys.executable, "-m", "train.slim", str(source), str(tmp_path / "out"), "--config", "pix2pix"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 2
    assert "cannot slim: depth differs" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
