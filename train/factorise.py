"""Factorising: a trained generator rewritten in a cheaper layout with a reduced decoder and
a pixel-shuffle head: `context_shuffle` (nearly the same function, to use as it is) or
`context_fast` (a linear head, to fine-tune from).

    python -m train.factorise checkpoints runs/shuffle --data ../shared/data/train --config context_shuffle
    python -m train.factorise checkpoints runs/fast --data ../shared/data/train
    python -m train --data ... --out runs/fast-ft --config context_fast --init-from runs/fast \\
        --teacher checkpoints --lr 2e-4 ...

`decoder_reduce` puts a linear 1×1 conv before each decoder level's transposed conv, so the
pair is a low-rank form of the trained model's one transposed conv: with ``K`` that conv's
kernel as a (taps × outputs) × inputs matrix and ``C`` the covariance of its input features
on degraded training crops, the best rank-r pair in the output's mean square error is
``U_r`` and ``U_r^T K`` from the SVD of ``K C^(1/2)`` (data-aware low-rank approximation).
A pixel-shuffle head with ``head_filters`` > 0 is the trained transposed head recomputed
at half resolution, and its weights are rearranged exactly (`shuffled_head`). The linear
one (``head_filters`` 0) has no counterpart, so it is fitted by ridge regression: its 3×3
conv on the (factorised) decoded features and the folded input pixels, against the
trained head's output folded the same way; such a model needs a distillation
(``--teacher``) to catch up. Every other layer is copied. The tests check that the
factorisation is exact where the rank allows it.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

from restore.engine.model import GeneratorConfig, build_generator, generator_config_from

# What the source and target may differ in: the rest must match for the copy.
_CONVERTED = {"decoder_reduce": (False, True), "head": ("transposed", "pixel_shuffle")}


def check_convertible(source: GeneratorConfig, target: GeneratorConfig) -> None:
    """ValueError unless ``target`` is ``source`` with a reduced decoder and a pixel-shuffle head."""
    for field, (source_value, target_value) in _CONVERTED.items():
        if getattr(source, field) != source_value or getattr(target, field) != target_value:
            raise ValueError(f"factorise converts {field}={source_value!r} to {target_value!r}; "
                             f"got {getattr(source, field)!r} -> {getattr(target, field)!r}")
    if target.head_filters and target.head_filters != source.head_filters:
        raise ValueError(f"a pixel-shuffle head with head_filters > 0 is converted exactly, so it needs the source's "
                         f"head_filters={source.head_filters}; got {target.head_filters} (0 fits a linear head)")
    ignored = set(_CONVERTED) | {"head_filters"}
    for field in dataclasses.fields(GeneratorConfig):
        if field.name not in ignored and getattr(source, field.name) != getattr(target, field.name):
            raise ValueError(f"source and target generators differ in {field.name}: "
                             f"{getattr(source, field.name)!r} vs {getattr(target, field.name)!r}")


def low_rank_transposed(kernel: np.ndarray, covariance: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """A transposed conv's ``kh×kw×out×in`` kernel -> (1×1 reduce kernel ``1×1×in×rank``,
    transposed kernel ``kh×kw×out×rank``) whose composition best approximates it on inputs
    of the given ``in×in`` covariance (exact when ``rank`` >= the kernel's rank)."""
    height, width, outputs, inputs = kernel.shape
    if covariance.shape != (inputs, inputs) or not 1 <= rank <= inputs:
        raise ValueError(f"need an {inputs}x{inputs} covariance and 1 <= rank <= {inputs}")
    matrix = kernel.reshape(-1, inputs).astype(np.float64)  # (taps·out) × in
    values, vectors = np.linalg.eigh((covariance + covariance.T) / 2)
    root = vectors * np.sqrt(np.clip(values, 0, None)) @ vectors.T  # C^(1/2)
    left, _, _ = np.linalg.svd(matrix @ root, full_matrices=False)
    basis = left[:, :rank]  # (taps·out) × rank, orthonormal
    reduce = (basis.T @ matrix).T  # in × rank
    return reduce.reshape(1, 1, inputs, rank).astype(np.float32), basis.reshape(height, width, outputs, rank).astype(np.float32)


def patches_3x3(features: np.ndarray) -> np.ndarray:
    """``N×H×W×C`` -> ``(N·H·W)×(9·C)``: each position's zero-padded 3×3 neighbourhood, in the
    order of a Keras 3×3 conv kernel (row, column, channel)."""
    padded = np.pad(features, ((0, 0), (1, 1), (1, 1), (0, 0)))
    height, width = features.shape[1:3]
    taps = [padded[:, row:row + height, column:column + width] for row in range(3) for column in range(3)]
    return np.concatenate(taps, axis=-1).reshape(-1, 9 * features.shape[-1])


@dataclasses.dataclass
class _Statistics:
    """Running sums over the calibration crops."""

    covariances: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    samples: dict[str, int] = dataclasses.field(default_factory=dict)

    def add(self, name: str, features: np.ndarray) -> None:
        flat = features.reshape(-1, features.shape[-1]).astype(np.float64)
        self.covariances[name] = self.covariances.get(name, 0) + flat.T @ flat
        self.samples[name] = self.samples.get(name, 0) + len(flat)

    def covariance(self, name: str) -> np.ndarray:
        return self.covariances[name] / self.samples[name]


def decoder_covariances(source_model, source: GeneratorConfig, crops: list[np.ndarray]) -> dict[str, np.ndarray]:
    """The covariance of each decoder transposed conv's input in ``source_model`` over ``crops``."""
    import keras

    names = [f"up{level}_deconv" for level in range(source.depth - 1)]
    probe = keras.Model(source_model.input, [source_model.get_layer(name).input for name in names])
    statistics = _Statistics()
    for crop in crops:
        for name, features in zip(names, probe.predict(crop[None], verbose=0)):
            statistics.add(name, features)
    return {name: statistics.covariance(name) for name in names}


def fit_pixel_shuffle_head(target_model, source_model, crops: list[np.ndarray], ridge: float = 1e-4) -> None:
    """Set the target's ``to_rgb`` (pixel-shuffle head) to the ridge-regression fit of the
    source head's output, folded 2×2, on the target's own decoded features over ``crops``."""
    import keras

    features_of = keras.Model(target_model.input, target_model.get_layer("head_input").output)
    output_of = keras.Model(source_model.input, source_model.get_layer("to_rgb").output)
    gram, moment = 0.0, 0.0
    for crop in crops:
        features = patches_3x3(np.asarray(features_of.predict(crop[None], verbose=0), np.float64))
        features = np.concatenate([features, np.ones((len(features), 1))], axis=1)  # the bias
        target = np.asarray(keras.ops.space_to_depth(output_of.predict(crop[None], verbose=0), 2), np.float64)
        gram, moment = gram + features.T @ features, moment + features.T @ target.reshape(-1, 12)
    # The ridge is relative to each feature's own energy, so features of any scale shrink alike.
    solution = np.linalg.solve(gram + ridge * np.diag(np.diag(gram)), moment)  # (9·C + 1) × 12
    head = target_model.get_layer("to_rgb")
    kernel_shape = tuple(head.kernel.shape)
    head.set_weights([solution[:-1].reshape(kernel_shape).astype(np.float32), solution[-1].astype(np.float32)])


def shuffled_head(up_kernel: np.ndarray, up_bias: np.ndarray, rgb_kernel: np.ndarray, rgb_bias: np.ndarray) -> list[np.ndarray]:
    """The transposed head's weights (``head_up``: 4×4 stride-2 transposed conv ``4×4×h×F``,
    bias ``h``; ``to_rgb``: 3×3 conv ``3×3×(h+3)×3``, bias 3) -> the weights of the
    pixel-shuffle head with ``head_filters`` h that computes the same function at half
    resolution: [``head_up`` kernel ``3×3×F×4h``, bias ``4h``, ``to_rgb`` kernel
    ``3×3×(4h+12)×12``, bias 12].

    Half-resolution position (Y, X) holds the pixels (2Y+py, 2X+px), phase ``py·2+px`` in
    depth_to_space's channel order. The transposed conv ("same", so padded by 1) reaches
    pixel 2Y+py from the input at Y+dy through its tap ``py + 1 - 2·dy`` (when in 0..3); the full
    resolution 3×3 conv's tap t at pixel 2Y+py reads position ``divmod(py+t, 2)``."""
    height, width, head, features = up_kernel.shape
    if (height, width) != (4, 4) or rgb_kernel.shape != (3, 3, head + 3, 3):
        raise ValueError(f"need a 4x4 transposed kernel and a 3x3x{head + 3}x3 conv, got {up_kernel.shape}, {rgb_kernel.shape}")
    hidden = np.zeros((3, 3, features, 4 * head), np.float32)
    rgb = np.zeros((3, 3, 4 * head + 12, 12), np.float32)
    phases = [(row, column) for row in range(2) for column in range(2)]
    for phase, (row, column) in enumerate(phases):
        for dy, dx in ((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)):
            tap_row, tap_column = row + 1 - 2 * dy, column + 1 - 2 * dx
            if 0 <= tap_row < 4 and 0 <= tap_column < 4:
                hidden[dy + 1, dx + 1, :, phase * head:(phase + 1) * head] = up_kernel[tap_row, tap_column].T
        for ty, tx in ((ty, tx) for ty in (-1, 0, 1) for tx in (-1, 0, 1)):
            (dy, source_row), (dx, source_column) = divmod(row + ty, 2), divmod(column + tx, 2)
            source = phases.index((source_row, source_column))
            outputs = slice(phase * 3, phase * 3 + 3)
            rgb[dy + 1, dx + 1, source * head:(source + 1) * head, outputs] = rgb_kernel[ty + 1, tx + 1, :head]
            rgb[dy + 1, dx + 1, 4 * head + source * 3:4 * head + source * 3 + 3, outputs] = rgb_kernel[ty + 1, tx + 1, head:]
    return [hidden, np.tile(up_bias, 4).astype(np.float32), rgb, np.tile(rgb_bias, 4).astype(np.float32)]


def factorise_generator(source_model, source: GeneratorConfig, target: GeneratorConfig, crops: list[np.ndarray]):
    """A `build_generator(target)` model from the trained ``source_model``: shared layers
    copied, decoder transposed convs factorised, the head rearranged or fitted (see the
    module docstring).
    ``crops`` are float32 ``H×W×3`` degraded images in [0, 1], sides multiples of 2**depth."""
    check_convertible(source, target)
    model = build_generator(target)
    source_layers = {layer.name: layer for layer in source_model.layers if layer.weights}
    for layer in model.layers:
        theirs = source_layers.get(layer.name)
        if layer.weights and theirs is not None and [w.shape for w in theirs.weights] == [w.shape for w in layer.weights]:
            layer.set_weights(theirs.get_weights())
    covariances = decoder_covariances(source_model, source, crops)
    for level in range(source.depth - 1):
        if f"up{level}_reduce" not in [layer.name for layer in model.layers]:
            continue  # that level's input is already at the level's width
        reduce_layer, deconv = model.get_layer(f"up{level}_reduce"), model.get_layer(f"up{level}_deconv")
        rank = reduce_layer.kernel.shape[-1]
        reduce, kernel = low_rank_transposed(np.asarray(source_layers[f"up{level}_deconv"].kernel), covariances[f"up{level}_deconv"], rank)
        reduce_layer.set_weights([reduce, np.zeros(rank, np.float32)])
        deconv.set_weights([kernel] + deconv.get_weights()[1:])
    if target.head_filters:
        hidden, hidden_bias, rgb, rgb_bias = shuffled_head(*source_layers["head_up"].get_weights(), *source_layers["to_rgb"].get_weights())
        model.get_layer("head_up").set_weights([hidden, hidden_bias])
        model.get_layer("to_rgb").set_weights([rgb, rgb_bias])
    else:
        fit_pixel_shuffle_head(model, source_model, crops)
    return model


def calibration_crops(folder: Path, count: int, size: int, seed: int = 0) -> list[np.ndarray]:
    """``count`` degraded training crops (`train.pairs.make_pair`'s mix), ``size``² px, float32 in [0, 1]."""
    from train.pairs import list_images, make_pair

    paths = list_images(folder)
    if not paths:
        raise ValueError(f"{folder}: no images to calibrate on")
    rng = np.random.default_rng(seed)
    crops: list[np.ndarray] = []
    for index in range(count * 4):
        pair = make_pair(paths[int(rng.integers(len(paths)))], seed + index)
        if pair is None or min(pair[0].shape[:2]) < size:
            continue
        top, left = (int(rng.integers(side - size + 1)) for side in pair[0].shape[:2])
        crops.append(pair[0][top:top + size, left:left + size].astype(np.float32) / 255.0)
        if len(crops) == count:
            return crops
    raise ValueError(f"{folder}: only {len(crops)} images of at least {size} px to calibrate on")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m train.factorise",
        description="Rewrite a trained generator with a reduced decoder and a pixel-shuffle head: context_shuffle "
        "(nearly the same function) or context_fast (a starting point for `python -m train --init-from OUT "
        "--config context_fast --teacher SOURCE`).",
    )
    parser.add_argument("source", help="trained model: a folder written by python -m train, or hf://owner/name[@revision]")
    parser.add_argument("out", help="output model folder (generator.weights.h5, config.json, MODEL_CARD.md)")
    parser.add_argument("--data", type=Path, required=True, help="training photos: degraded crops calibrate the factorisation")
    parser.add_argument("--config", default="context_fast", help="target generator: context_shuffle or context_fast (default context_fast)")
    parser.add_argument("--crops", type=int, default=32, help="calibration crops (default 32)")
    parser.add_argument("--crop", type=int, default=256, help="calibration crop side in px, a multiple of 32 (default 256)")
    arguments = parser.parse_args(argv)

    from restore.engine.weights import ModelLoadError, load_generator, resolve_model
    from train.export import export_derived

    try:
        target = generator_config_from(arguments.config)
        source_model, source_config = load_generator(resolve_model(arguments.source, fallback=False))
        source = GeneratorConfig.from_dict(source_config["generator"])
        if arguments.crop % target.multiple:
            raise ValueError(f"--crop must be a multiple of {target.multiple}, got {arguments.crop}")
        crops = calibration_crops(arguments.data, arguments.crops, arguments.crop)
        model = factorise_generator(source_model, source, target, crops)
    except (ModelLoadError, ValueError) as error:
        print(f"python -m train.factorise: error: {error}", file=sys.stderr)
        return 2
    provenance = {"source": arguments.source, "generator": source.to_dict(), "parameters": source_model.count_params()}
    export_derived(Path(arguments.out), model, target.to_dict(), source_config, {"factorised_from": provenance})
    advice = "" if target.head_filters else "; fine-tune it with python -m train --init-from --teacher before use"
    print(f"{arguments.source} ({source_model.count_params():,} parameters) -> {arguments.out} ({model.count_params():,} parameters){advice}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
