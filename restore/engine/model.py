"""Keras 3 pix2pix networks, shared by training and inference.

The generator is a U-Net (strided-conv encoder, transposed-conv decoder, skip
connections) whose width, depth and normalisation come from `GeneratorConfig`, so one
code path builds both the lean shipped model and the seed-size pix2pix generator
(64 base filters, 7 levels, ~42 M parameters). It predicts a residual: the output is
the input plus a learned correction. Images are float32 in [0, 1], NHWC. Any size
works: `pad_to_multiple` pads by reflection to a multiple of ``2**depth`` and the
caller crops back.

The discriminator is a conditional PatchGAN (pix2pix's 70×70 receptive field with the
default three strided layers).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import keras
import numpy as np
from keras import layers

# Normalisation by name: a lookup table, so configs stay plain JSON.
NORMALIZATIONS = {
    "batch": lambda name: layers.BatchNormalization(name=name),
    "group": lambda name: layers.GroupNormalization(groups=4, name=name),
    "none": None,
}


@dataclasses.dataclass(frozen=True)
class GeneratorConfig:
    """Architecture of the U-Net generator.

    ``depth`` strided levels; level ``i`` has ``min(base_filters * 2**i, max_filters)``
    channels at ``1 / 2**(i+1)`` of the input resolution. ``bottleneck_blocks`` adds
    residual 3×3 blocks at the coarsest level (cheap context). ``dropout_levels`` puts
    dropout on the first decoder levels, as pix2pix does. With the ``"transposed"`` head,
    ``head_filters`` > 0 ends with a full-resolution head that sees the input pixels next
    to the decoded features, so per-pixel corrections (colour casts, levels) keep
    full-resolution detail; 0 is pix2pix's plain transposed conv to RGB.
    ``global_context`` modulates the bottleneck by features pooled over the whole image
    (casts and levels are frame-wide);
    ``row_context`` adds features pooled along each line at the coarse levels (colour
    bands, tears and skews are line-wide). ``global_colour`` adds a frame-wide colour
    map (a 3×3 matrix and an offset, from the bottleneck and the input's own colour
    statistics) applied to the input before the residual: casts, white balance and
    lifted blacks are such maps, and a local correction learns them poorly. All three
    start as the identity.

    Two options trade a little capacity for speed (see ``bench/speed.py --candidate``):
    ``decoder_reduce`` narrows each decoder level's concatenated features back to the
    level's width with a linear 1×1 conv before upsampling them, and ``head`` picks how the
    decoded features become the output (`HEADS`: ``"transposed"``, the head above, or
    ``"pixel_shuffle"``, which runs nothing at full resolution: with ``head_filters`` > 0
    it is the transposed head recomputed at half resolution, so `train.factorise` converts
    one into the other exactly; with 0 it is a single linear conv).
    """

    base_filters: int = 20
    depth: int = 5
    max_filters: int = 192
    normalization: str = "batch"
    residual: bool = True
    bottleneck_blocks: int = 2
    dropout_levels: int = 0
    dropout_rate: float = 0.5
    head_filters: int = 8
    global_context: bool = False
    row_context: bool = False
    global_colour: bool = False
    decoder_reduce: bool = False
    head: str = "transposed"

    def __post_init__(self):
        if self.base_filters < 1 or self.max_filters < self.base_filters:
            raise ValueError(f"need 1 <= base_filters <= max_filters, got {self.base_filters}, {self.max_filters}")
        if not 1 <= self.depth <= 9:
            raise ValueError(f"depth must be in 1..9, got {self.depth}")
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {sorted(NORMALIZATIONS)}, got {self.normalization!r}")
        if self.bottleneck_blocks < 0 or self.dropout_levels < 0 or self.head_filters < 0:
            raise ValueError("bottleneck_blocks, dropout_levels and head_filters must be >= 0")
        if self.head not in HEADS:  # HEADS is defined with the blocks, below
            raise ValueError(f"head must be one of {sorted(HEADS)}, got {self.head!r}")

    @property
    def multiple(self) -> int:
        """Input height and width must be a multiple of this (see `pad_to_multiple`)."""
        return 2**self.depth

    def level_filters(self) -> list[int]:
        return [min(self.base_filters * 2**level, self.max_filters) for level in range(self.depth)]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "GeneratorConfig":
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown generator config keys: {sorted(unknown)}")
        return cls(**values)


@dataclasses.dataclass(frozen=True)
class DiscriminatorConfig:
    """Conditional PatchGAN: ``strided_layers`` 4×4 stride-2 convs then two stride-1 ones
    (3 strided layers = the 70×70 receptive field of pix2pix)."""

    base_filters: int = 64
    strided_layers: int = 3
    max_filters: int = 512
    normalization: str = "batch"

    def __post_init__(self):
        if self.base_filters < 1 or self.strided_layers < 1:
            raise ValueError("base_filters and strided_layers must be >= 1")
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {sorted(NORMALIZATIONS)}, got {self.normalization!r}")


# --------------------------------------------------------------------------- #
# Blocks
# --------------------------------------------------------------------------- #
# How the blocks name the normalisation that follows a convolution, by the convolution's
# name suffix: down2_conv -> down2_norm, up1_deconv -> up1_norm, bottleneck0_conv1 -> bottleneck0_norm1.
_NORM_AFTER = {"_deconv": "_norm", "_conv": "_norm", "_conv1": "_norm1", "_conv2": "_norm2"}


def normalization_after(conv_name: str) -> str | None:
    """The name the blocks give the normalisation after the convolution ``conv_name``, or
    None for a convolution that never has one (``to_rgb``, ``up0_reduce``...). A model
    built without normalisation has no layer of that name either."""
    for suffix, norm_suffix in _NORM_AFTER.items():
        if conv_name.endswith(suffix):
            return conv_name[: -len(suffix)] + norm_suffix
    return None


def _normalize(x, normalization: str, name: str):
    make = NORMALIZATIONS[normalization]
    return x if make is None else make(name)(x)


def downsample_block(x, filters: int, normalization: str, name: str):
    """4×4 stride-2 conv -> norm -> LeakyReLU: halves height and width."""
    x = layers.Conv2D(filters, 4, strides=2, padding="same", use_bias=NORMALIZATIONS[normalization] is None, name=f"{name}_conv")(x)
    x = _normalize(x, normalization, f"{name}_norm")
    return layers.LeakyReLU(0.2, name=f"{name}_act")(x)


def upsample_block(x, filters: int, normalization: str, dropout_rate: float, name: str):
    """4×4 stride-2 transposed conv -> norm -> (dropout) -> ReLU: doubles height and width."""
    x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=NORMALIZATIONS[normalization] is None, name=f"{name}_deconv")(x)
    x = _normalize(x, normalization, f"{name}_norm")
    if dropout_rate:
        x = layers.Dropout(dropout_rate, name=f"{name}_dropout")(x)
    return layers.ReLU(name=f"{name}_act")(x)


def residual_block(x, normalization: str, name: str):
    """Two 3×3 convs with a skip connection; keeps the shape."""
    filters = x.shape[-1]
    shortcut = x
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv1")(x)
    x = _normalize(x, normalization, f"{name}_norm1")
    x = layers.ReLU(name=f"{name}_act")(x)
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv2")(x)
    x = _normalize(x, normalization, f"{name}_norm2")
    return layers.Add(name=f"{name}_add")([shortcut, x])


def global_context_block(x, name: str):
    """FiLM from the whole image: the mean of every channel -> two dense layers -> a
    per-channel scale and shift of every pixel. Zero-initialised: starts as the identity."""
    filters = x.shape[-1]
    pooled = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_pool")(x)  # N×1×1×F
    hidden = layers.Dense(max(8, filters // 2), activation="relu", name=f"{name}_dense")(pooled)
    scale = layers.Dense(filters, kernel_initializer="zeros", name=f"{name}_scale")(hidden)  # N×1×1×F
    shift = layers.Dense(filters, kernel_initializer="zeros", name=f"{name}_shift")(hidden)  # N×1×1×F
    return x * (1.0 + scale) + shift  # N×H×W×F


def row_context_block(x, name: str):
    """Context along each line: the mean over the width -> two 1-D convs down the lines
    -> added to every pixel of the line. Zero-initialised: starts as the identity."""
    filters = x.shape[-1]
    rows = keras.ops.mean(x, axis=2, keepdims=True)  # N×H×1×F
    rows = layers.Conv2D(filters, (5, 1), padding="same", activation="relu", name=f"{name}_conv1")(rows)
    rows = layers.Conv2D(filters, (5, 1), padding="same", kernel_initializer="zeros", name=f"{name}_conv2")(rows)
    return x + rows  # N×H×W×F (broadcast along W)


def global_colour_block(x, inputs, name: str):
    """A colour map of the whole frame: the bottleneck's mean and maximum per channel
    (layer-normalised) and the input's mean, brightest and darkest colour (of an 8×-smaller
    copy, so single pixels do not count) -> a small dense layer -> a 3×3 matrix and an
    offset, applied to every pixel of ``inputs`` (N×H×W×3 in [0, 1]). Zero-initialised:
    starts as the identity. The map is float32 under a mixed policy, like the residual it feeds."""
    features = layers.Concatenate(name=f"{name}_features")([
        layers.GlobalAveragePooling2D(name=f"{name}_mean")(x), layers.GlobalMaxPooling2D(name=f"{name}_max")(x)])  # N×2F
    # A trained bottleneck's features run to ~1e4 and grow with the frame's size (2× from a
    # 224 crop to a 448×320 frame): unnormalised, they make the map explode on whole frames.
    features = layers.LayerNormalization(name=f"{name}_features_norm", dtype="float32")(features)  # N×2F
    small = layers.AveragePooling2D(8, padding="same", name=f"{name}_small", dtype="float32")(inputs)  # N×H/8×W/8×3
    colours = [keras.ops.mean(small, axis=(1, 2)), keras.ops.max(small, axis=(1, 2)), keras.ops.min(small, axis=(1, 2))]
    statistics = layers.Concatenate(name=f"{name}_statistics", dtype="float32")(colours)  # N×9
    hidden = layers.Dense(32, activation="relu", name=f"{name}_dense")(
        layers.Concatenate(name=f"{name}_input")([features, statistics]))  # N×32
    map_ = layers.Dense(12, kernel_initializer="zeros", name=f"{name}_map", dtype="float32")(hidden)  # N×12
    matrix = keras.ops.reshape(map_[:, :9], (-1, 3, 3)) + keras.ops.eye(3)  # N×3×3, identity at the start
    offset = map_[:, None, None, 9:]  # N×1×1×3
    return keras.ops.einsum("nhwc,ncd->nhwd", inputs, matrix) + offset  # N×H×W×3


def transposed_head(x, signed, head_filters: int, initializer: str):
    """Decoded features at 1/2 resolution -> the full-resolution N×H×W×3 output: a 4×4
    transposed conv to ``head_filters`` features, which see the input pixels beside them
    through a 3×3 conv (pix2pix's plain transposed conv to RGB when ``head_filters`` is 0)."""
    if not head_filters:
        return layers.Conv2DTranspose(3, 4, strides=2, padding="same", kernel_initializer=initializer, name="to_rgb")(x)
    x = layers.Conv2DTranspose(head_filters, 4, strides=2, padding="same", name="head_up")(x)  # N×H×W×head
    x = layers.ReLU(name="head_act")(x)
    x = layers.Concatenate(name="head_input")([x, signed])  # N×H×W×(head+3)
    return layers.Conv2D(3, 3, padding="same", kernel_initializer=initializer, name="to_rgb")(x)  # N×H×W×3


def pixel_shuffle_head(x, signed, head_filters: int, initializer: str):
    """Decoded features at 1/2 resolution -> the full-resolution N×H×W×3 output, computed
    at 1/2 resolution, where each position holds a 2×2 block of pixels: the input's pixels
    folded 2×2 into 12 channels, and a 3×3 conv to 12 channels (each pixel's RGB, four per
    position), unfolded. With ``head_filters`` > 0 the conv sees the folded pixels beside a
    3×3 conv's ``4·head_filters`` ReLU features (``head_filters`` per pixel): the transposed
    head's function, exactly, without its full-resolution passes; with 0 it sees the
    decoded features themselves."""
    pixels = keras.ops.space_to_depth(signed, 2)  # N×H/2×W/2×12
    if head_filters:
        x = layers.Conv2D(4 * head_filters, 3, padding="same", name="head_up")(x)  # N×H/2×W/2×4·head
        x = layers.ReLU(name="head_act")(x)
    x = layers.Concatenate(name="head_input")([x, pixels])  # N×H/2×W/2×(F+12)
    x = layers.Conv2D(12, 3, padding="same", kernel_initializer=initializer, name="to_rgb")(x)  # N×H/2×W/2×12
    return keras.ops.depth_to_space(x, 2)  # N×H×W×3


# How the decoded features become the output, by `GeneratorConfig.head`.
HEADS = {"transposed": transposed_head, "pixel_shuffle": pixel_shuffle_head}

# Row context goes on the levels at 1/8 of the resolution and coarser: fine enough to
# find a band's edges, coarse enough to cost nothing.
ROW_CONTEXT_FROM_LEVEL = 2


# Named configurations: the lean generator and its variants, and pix2pix's own for comparison.
GENERATOR_CONFIGS: dict[str, GeneratorConfig] = {
    "lean": GeneratorConfig(),
    "pix2pix": GeneratorConfig(
        base_filters=64, depth=7, max_filters=512, normalization="batch", residual=False,
        bottleneck_blocks=0, dropout_levels=3, head_filters=0,
    ),
    "tiny": GeneratorConfig(base_filters=4, depth=3, max_filters=16, bottleneck_blocks=1, head_filters=4),
    # The lean generator with frame-wide and line-wide context (the generalisation model).
    "context": GeneratorConfig(global_context=True, row_context=True),
    # The context generator with a frame-wide colour map of the input (casts, white balance,
    # lifted blacks); from the context model's weights it starts as that model exactly.
    "context_colour": GeneratorConfig(global_context=True, row_context=True, global_colour=True),
    # The context generator made cheaper where a frame's time goes (the README's Benchmarks).
    "context_fast": GeneratorConfig(global_context=True, row_context=True, decoder_reduce=True, head="pixel_shuffle", head_filters=0),
    # The context generator rewritten for speed with (almost) the same function: reduced
    # decoder, the transposed head recomputed at half resolution (`train.factorise`).
    "context_shuffle": GeneratorConfig(global_context=True, row_context=True, decoder_reduce=True, head="pixel_shuffle"),
}


def generator_config_from(value: str) -> GeneratorConfig:
    """A name in `GENERATOR_CONFIGS` or a JSON object of `GeneratorConfig` fields (as the
    ``--config`` options take it); ValueError otherwise."""
    if value in GENERATOR_CONFIGS:
        return GENERATOR_CONFIGS[value]
    try:
        values = json.loads(value)
    except json.JSONDecodeError:
        values = None
    if not isinstance(values, dict):
        raise ValueError(f"generator config must be one of {sorted(GENERATOR_CONFIGS)} or a JSON object of GeneratorConfig fields, got {value!r}")
    return GeneratorConfig.from_dict(values)


# --------------------------------------------------------------------------- #
# Builders
# --------------------------------------------------------------------------- #
def build_generator(config: GeneratorConfig = GeneratorConfig(), name: str = "generator") -> keras.Model:
    """U-Net generator: float32 ``N×H×W×3`` in [0, 1] -> same shape (H, W multiples of
    ``config.multiple``). The output is not clipped; callers clip to [0, 1]."""
    filters = config.level_filters()
    inputs = keras.Input(shape=(None, None, 3), name="degraded")  # N×H×W×3
    signed = layers.Rescaling(2.0, offset=-1.0, name="to_signed")(inputs)  # N×H×W×3 in [-1, 1]
    x = signed

    skips = []
    for level, level_filters in enumerate(filters):
        # Level 0 has no normalisation, as in pix2pix: the first features keep the colours' scale.
        normalization = "none" if level == 0 else config.normalization
        x = downsample_block(x, level_filters, normalization, name=f"down{level}")  # N×H/2^(level+1)×W/2^(level+1)×F
        skips.append(x)

    for block in range(config.bottleneck_blocks):
        x = residual_block(x, config.normalization, name=f"bottleneck{block}")  # N×H/2^depth×W/2^depth×F
    if config.global_context:
        x = global_context_block(x, name="global_context")  # N×H/2^depth×W/2^depth×F
    if config.row_context:
        x = row_context_block(x, name="row_context_bottleneck")
    # The frame-wide colour map of the input, for the residual below (N×H×W×3).
    base = global_colour_block(x, inputs, name="global_colour") if config.global_colour else inputs

    for step, level in enumerate(reversed(range(config.depth - 1))):
        dropout = config.dropout_rate if step < config.dropout_levels else 0.0
        if config.decoder_reduce and x.shape[-1] > filters[level + 1]:
            # Linear, so reduce + transposed conv is a low-rank form of one transposed conv
            # (what `train.factorise` makes from a trained model's decoder).
            x = layers.Conv2D(filters[level + 1], 1, name=f"up{level}_reduce")(x)  # ... ×F(level+1)
        x = upsample_block(x, filters[level], config.normalization, dropout, name=f"up{level}")  # N×H/2^(level+1)×...×F
        x = layers.Concatenate(name=f"skip{level}")([x, skips[level]])  # ... ×2F
        if config.row_context and level >= ROW_CONTEXT_FROM_LEVEL:
            x = row_context_block(x, name=f"row_context{level}")

    # Back to full resolution: N×H×W×3.
    # A residual generator starts as the exact identity (zero correction) and learns
    # from there; without that, random initial corrections cost the first thousand steps.
    initializer = "zeros" if config.residual else "glorot_uniform"
    x = HEADS[config.head](x, signed, config.head_filters, initializer)  # N×H×W×3
    # The output layers stay float32 under a mixed policy (bfloat16 inference, float16 on a
    # GPU): the input passes through the residual add at full precision.
    if config.residual:
        correction = layers.Rescaling(0.5, name="correction_scale", dtype="float32")(x)
        outputs = layers.Add(name="residual", dtype="float32")([base, correction])
    else:
        unit = layers.Activation("tanh", name="tanh", dtype="float32")(x)
        outputs = layers.Rescaling(0.5, offset=0.5, name="to_unit", dtype="float32")(unit)
    return keras.Model(inputs, outputs, name=name)


def build_discriminator(config: DiscriminatorConfig = DiscriminatorConfig(), name: str = "discriminator") -> keras.Model:
    """Conditional PatchGAN: (degraded, candidate), each ``N×H×W×3`` in [0, 1] -> logits
    ``N×h×w×1``, one per overlapping patch (70×70 pixels with 3 strided layers)."""
    degraded = keras.Input(shape=(None, None, 3), name="degraded")
    candidate = keras.Input(shape=(None, None, 3), name="candidate")
    x = layers.Concatenate(name="pair")([degraded, candidate])  # N×H×W×6
    x = layers.Rescaling(2.0, offset=-1.0, name="to_signed")(x)
    for level in range(config.strided_layers):
        normalization = "none" if level == 0 else config.normalization
        filters = min(config.base_filters * 2**level, config.max_filters)
        x = downsample_block(x, filters, normalization, name=f"down{level}")  # N×H/2^(level+1)×...
    filters = min(config.base_filters * 2**config.strided_layers, config.max_filters)
    x = layers.ZeroPadding2D(name="pad1")(x)
    x = layers.Conv2D(filters, 4, use_bias=False, name="conv")(x)  # stride 1: receptive field grows
    x = _normalize(x, config.normalization, "conv_norm")
    x = layers.LeakyReLU(0.2, name="conv_act")(x)
    x = layers.ZeroPadding2D(name="pad2")(x)
    logits = layers.Conv2D(1, 4, name="patch_logits")(x)  # N×h×w×1
    return keras.Model([degraded, candidate], logits, name=name)


def pad_to_multiple(batch: np.ndarray, multiple: int) -> tuple[np.ndarray, tuple[int, int]]:
    """Reflect-pad an ``N×H×W×C`` array at the bottom and right so H and W are multiples
    of ``multiple``; returns the padded array and the original (H, W) to crop back to."""
    height, width = batch.shape[1:3]
    pad_height, pad_width = -height % multiple, -width % multiple
    if pad_height or pad_width:
        # Reflection needs the pad to be smaller than the side; edge mode covers tiny images.
        mode = "reflect" if pad_height < height and pad_width < width else "edge"
        batch = np.pad(batch, ((0, 0), (0, pad_height), (0, pad_width), (0, 0)), mode=mode)
    return batch, (height, width)
