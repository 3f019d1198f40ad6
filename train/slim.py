"""Slimming: a trained generator cut down to a narrower one, to fine-tune from.

    python -m train.slim SOURCE OUT --config lean
    python -m train --data ... --out runs/slim-ft --config lean --init-from OUT --lr 3e-4 ...

A narrower U-Net (fewer filters per level, a smaller full-resolution head) is faster, and
fine-tuning it from the channels of a trained wider one recovers in a few thousand steps
what training it from scratch takes tens of thousands for. Each group of channels (a
level's encoder output, a level's decoder output, the head) keeps its most important
channels, where importance is the channel's gain (BatchNorm ``|gamma|``, or the L1 norm
of its producing kernel and bias where there is no normalisation) times the L1 norm of
the weights that consume it (network slimming, Liu et al. 2017). Every kernel is then cut
along both axes consistently, skip concatenations included, so a channel that is removed
is removed everywhere it is read. A channel whose gain is zero contributes nothing, so
removing only such channels leaves the output unchanged (what the tests check). With
GroupNorm the groups are re-formed from the kept channels, so only the fine-tune restores them.

Both architectures must share depth, normalisation, residual form, bottleneck and context
blocks, and the deepest level (which the bottleneck, the frame-wide context and the frame-wide
colour map also read) must keep its width, so those blocks are copied whole. A decoder
level's line-wide context (``row_context``) reads the level's concatenated channels, keeps
its hidden channels by the same score, and writes back to the kept concatenated channels.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

from restore.engine.model import (
    GENERATOR_CONFIGS,
    ROW_CONTEXT_FROM_LEVEL,
    GeneratorConfig,
    build_generator,
    generator_config_from,
    normalization_after,
)

RGB = "rgb"  # the 3 picture channels: never cut


@dataclasses.dataclass(frozen=True)
class ConvLayout:
    """One convolution: the channel groups it reads (concatenated, in order) and writes. A
    line-context block's last conv writes back to the concatenated groups it was given
    (``adds_to``) instead of a group of its own."""

    name: str
    inputs: tuple[str, ...]
    output: str
    transposed: bool
    adds_to: tuple[str, ...] = ()


def conv_layouts(config: GeneratorConfig) -> list[ConvLayout]:
    """Every convolution of `restore.engine.model.build_generator`'s U-Net with its channel groups.

    Groups: ``down{l}`` (encoder level ``l``), ``up{l}`` (decoder level ``l``), ``head``
    and ``rgb``. Mirrors the builder: decoder level ``l`` reads ``up{l+1}`` concatenated
    with the skip ``down{l+1}``; the deepest decoder level reads ``down{depth-1}``.
    """
    deepest = f"down{config.depth - 1}"
    layouts = [ConvLayout("down0_conv", (RGB,), "down0", False)]
    layouts += [ConvLayout(f"down{level}_conv", (f"down{level - 1}",), f"down{level}", False) for level in range(1, config.depth)]
    for block in range(config.bottleneck_blocks):
        layouts += [ConvLayout(f"bottleneck{block}_conv{index}", (deepest,), deepest, False) for index in (1, 2)]
    for level in reversed(range(config.depth - 1)):
        source = (deepest,) if level == config.depth - 2 else (f"up{level + 1}", f"down{level + 1}")
        layouts.append(ConvLayout(f"up{level}_deconv", source, f"up{level}", True))
        if config.row_context and level >= ROW_CONTEXT_FROM_LEVEL:
            joined, hidden = (f"up{level}", f"down{level}"), f"row{level}"
            layouts += [ConvLayout(f"row_context{level}_conv1", joined, hidden, False),
                        ConvLayout(f"row_context{level}_conv2", (hidden,), "", False, adds_to=joined)]
    decoded = ("up0", "down0") if config.depth > 1 else ("down0",)
    if config.head_filters:
        layouts += [ConvLayout("head_up", decoded, "head", True), ConvLayout("to_rgb", ("head", RGB), RGB, False)]
    else:
        layouts.append(ConvLayout("to_rgb", decoded, RGB, True))
    return layouts


def group_sizes(config: GeneratorConfig) -> dict[str, int]:
    filters = config.level_filters()
    sizes = {RGB: 3, "head": config.head_filters}
    sizes.update({f"down{level}": width for level, width in enumerate(filters)})
    sizes.update({f"up{level}": filters[level] for level in range(config.depth - 1)})
    if config.row_context:
        sizes.update({f"row{level}": 2 * filters[level] for level in range(ROW_CONTEXT_FROM_LEVEL, config.depth - 1)})
    return sizes


def check_compatible(source: GeneratorConfig, target: GeneratorConfig) -> None:
    """ValueError unless ``target`` is ``source`` with narrower (or equal) channel groups."""
    for field in ("depth", "normalization", "residual", "bottleneck_blocks", "global_context", "row_context", "global_colour"):
        if getattr(source, field) != getattr(target, field):
            raise ValueError(f"cannot slim: {field} differs ({getattr(source, field)!r} -> {getattr(target, field)!r})")
    # The channel layouts below do not map these blocks.
    unsupported = {"decoder_reduce": False, "head": "transposed"}
    for config in (source, target):
        options = sorted(field for field, plain in unsupported.items() if getattr(config, field) != plain)
        if options:
            raise ValueError(f"cannot slim a generator with {', '.join(options)}: only the plain U-Net's channels are mapped")
    if bool(source.head_filters) != bool(target.head_filters):
        raise ValueError("cannot slim: one generator has a full-resolution head and the other not")
    wide, narrow = group_sizes(source), group_sizes(target)
    deepest = f"down{source.depth - 1}"
    if wide[deepest] != narrow[deepest]:
        raise ValueError(f"cannot slim: the deepest level must keep its width ({wide[deepest]} -> {narrow[deepest]})")
    grown = sorted(group for group in wide if narrow[group] > wide[group])
    if grown:
        raise ValueError(f"cannot slim: channel groups would grow: {grown}")


def _kernel_in_out(kernel: np.ndarray, transposed: bool) -> np.ndarray:
    """A kernel with its axes ordered (..., in, out); Keras stores transposed convs as (..., out, in)."""
    return np.swapaxes(kernel, -1, -2) if transposed else kernel


def channel_importance(model, config: GeneratorConfig) -> dict[str, np.ndarray]:
    """Per group, one score per channel: gain × L1 norm of the consuming weights."""
    sizes = group_sizes(config)
    layouts = conv_layouts(config)
    gain: dict[str, np.ndarray] = {}
    for layout in layouts:
        if layout.adds_to or layout.output in gain or layout.output == RGB:
            continue
        norm = norm_layer(model, layout.name)
        if norm is not None:
            gain[layout.output] = np.abs(norm.gamma.numpy())
        else:
            layer = model.get_layer(layout.name)
            kernel = _kernel_in_out(layer.kernel.numpy(), layout.transposed)
            bias = layer.bias.numpy() if layer.use_bias else 0.0
            gain[layout.output] = np.abs(kernel).sum(axis=(0, 1, 2)) + np.abs(bias)
    consumed = {group: np.zeros(size, np.float64) for group, size in sizes.items()}
    for layout in layouts:
        kernel = np.abs(_kernel_in_out(model.get_layer(layout.name).kernel.numpy(), layout.transposed)).sum(axis=(0, 1, 3))
        offset = 0
        for group in layout.inputs:
            consumed[group] += kernel[offset : offset + sizes[group]]
            offset += sizes[group]
    return {group: gain[group] * consumed[group] for group in gain}


def slim_generator(source_model, source: GeneratorConfig, target: GeneratorConfig):
    """A new generator of architecture ``target`` carrying ``source_model``'s most
    important channels (see the module docstring). ``source_model`` is not changed."""
    check_compatible(source, target)
    wide, narrow = group_sizes(source), group_sizes(target)
    importance = channel_importance(source_model, source)
    keep = {group: np.arange(size) for group, size in wide.items()}
    for group, scores in importance.items():
        # The most important channels, in their original order.
        keep[group] = np.sort(np.argsort(-scores, kind="stable")[: narrow[group]])

    def input_indices(groups: tuple[str, ...]) -> np.ndarray:
        parts, offset = [], 0
        for group in groups:
            parts.append(keep[group] + offset)
            offset += wide[group]
        return np.concatenate(parts)

    target_model = build_generator(target)
    cut = set()
    for layout in conv_layouts(source):
        old, new = source_model.get_layer(layout.name), target_model.get_layer(layout.name)
        outputs = input_indices(layout.adds_to) if layout.adds_to else keep[layout.output]
        kernel = _kernel_in_out(old.kernel.numpy(), layout.transposed)
        kernel = kernel[:, :, input_indices(layout.inputs)][:, :, :, outputs]
        weights = [_kernel_in_out(kernel, layout.transposed)]
        if old.use_bias:
            weights.append(old.bias.numpy()[outputs])
        new.set_weights(weights)
        cut.add(layout.name)
        norm = norm_layer(source_model, layout.name)
        if norm is not None:  # gamma, beta, moving mean, moving variance: one value per channel
            norm_layer(target_model, layout.name).set_weights([values[outputs] for values in norm.get_weights()])
            cut.add(norm.name)
    # The rest works at the deepest level's kept width (bottleneck, frame-wide context and
    # colour map) or on the input's 3 channels: whole.
    for layer in target_model.layers:
        if layer.weights and layer.name not in cut:
            layer.set_weights(source_model.get_layer(layer.name).get_weights())
    return target_model


def norm_layer(model, conv_name: str):
    """The normalisation after a conv (see `restore.engine.model.normalization_after`), or
    None if it has none."""
    name = normalization_after(conv_name)
    matches = [layer for layer in model.layers if layer.name == name]
    return matches[0] if matches else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m train.slim",
        description="Cut a trained generator down to a narrower architecture, as a starting point for "
        "`python -m train --init-from OUT --config <the same config>`.",
    )
    parser.add_argument("source", help="trained model: a folder written by python -m train, or hf://owner/name[@revision]")
    parser.add_argument("out", help="output model folder (generator.weights.h5, config.json, MODEL_CARD.md)")
    parser.add_argument("--config", default="lean", help=f"target generator: one of {', '.join(GENERATOR_CONFIGS)} or a JSON object of GeneratorConfig fields (default lean)")
    arguments = parser.parse_args(argv)

    from restore.engine.weights import ModelLoadError, load_generator, resolve_model
    from train.export import export_derived

    try:
        target = generator_config_from(arguments.config)
        source_model, source_config = load_generator(resolve_model(arguments.source, fallback=False))
        source = GeneratorConfig.from_dict(source_config["generator"])
        slimmed = slim_generator(source_model, source, target)
    except (ModelLoadError, ValueError) as error:
        print(f"python -m train.slim: error: {error}", file=sys.stderr)
        return 2
    provenance = {"source": arguments.source, "generator": source.to_dict(), "parameters": source_model.count_params()}
    export_derived(Path(arguments.out), slimmed, target.to_dict(), source_config, {"slimmed_from": provenance})
    print(f"{arguments.source} ({source_model.count_params():,} parameters) -> {arguments.out} ({slimmed.count_params():,} parameters); "
          "fine-tune it with python -m train --init-from before use")
    return 0


if __name__ == "__main__":
    sys.exit(main())
