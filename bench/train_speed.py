"""Training speed of the shipped lean generator against the seed-size pix2pix one.

    python bench/train_speed.py [--batch 4] [--crop 256] [--warmup 3] [--steps 10]
    python bench/train_speed.py --bfloat16 --configs context --batch 8 --crop 224

Both generators (``GENERATOR_CONFIGS["lean"]`` and ``["pix2pix"]``: 64 base filters,
7 levels) train at the same batch and crop, each first with the supervised losses only
(L1 + SSIM, how training starts) and then with the PatchGAN discriminator added
(pix2pix). Every run is `train.pix2pix.Pix2Pix.fit` on an in-memory `tf.data` dataset
of one fixed random batch, so only the training step is timed, not data loading. The
first ``--warmup`` steps (tracing, graph optimisation, first allocations) are left
out; the rate is ``--steps`` divided by the time from the end of the last warm-up step
to the end of the last timed one. The loss weights and optimisers are those of
``python -m train``; mixed precision and XLA follow the same ``auto`` rule (on with a
GPU). The pix2pix generator needs crops that are a multiple of 2**7 = 128.

``--bfloat16`` instead times each config's supervised training step in float32 and under
Keras' ``mixed_bfloat16`` policy (float32 variables and master weights; the normalisation and
the generator's output layers stay float32), interleaved in one run, and prints the ratio:
bfloat16 training becomes the default on CPUs with the units only if it is at least 1.3×
faster at equal validation quality.

Figures are wall-clock and only as good as the machine is quiet: on a shared CPU they
move with whatever else runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import tensorflow as tf

from restore.engine.model import GENERATOR_CONFIGS
from train.run import TrainConfig, build_pix2pix

# The training script's loss weights and learning rates (no data is read: placeholder folders).
DEFAULTS = TrainConfig(data="unused", out="unused")
MODES = {"L1+SSIM": False, "L1+SSIM+GAN": True}


class _StepClock(keras.callbacks.Callback):
    """Wall-clock time at the end of every training step."""

    def __init__(self):
        super().__init__()
        self.ends: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())


def measure(config_name: str, gan: bool, batch: int, crop: int, warmup: int, steps: int, xla: bool) -> dict:
    """Steps per second of one configuration; also its parameter counts."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    config = dataclasses.replace(DEFAULTS, generator=config_name, gan=gan)
    mixed = keras.mixed_precision.global_policy().name == "mixed_float16"
    model = build_pix2pix(config, DEFAULTS.learning_rate, mixed=mixed, xla=xla)  # a constant rate, no schedule
    generator, discriminator = model.generator, model.discriminator

    # One fixed random batch, repeated: (degraded, clean) float32 batch×crop×crop×3 in [0, 1].
    rng = np.random.default_rng(0)
    clean = rng.random((batch, crop, crop, 3), dtype=np.float32)
    degraded = np.clip(clean + rng.normal(0.0, 0.1, clean.shape), 0.0, 1.0).astype(np.float32)
    dataset = tf.data.Dataset.from_tensors((degraded, clean)).repeat().prefetch(2)

    clock = _StepClock()
    started = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=warmup + steps, callbacks=[clock], shuffle=False, verbose=0)
    timed = clock.ends[-1] - clock.ends[warmup - 1]
    return {
        "steps_per_second": steps / timed,
        "seconds_per_step": timed / steps,
        "warmup_seconds": clock.ends[warmup - 1] - started,
        "generator_parameters": generator.count_params(),
        "discriminator_parameters": discriminator.count_params() if discriminator is not None else 0,
    }


def _device() -> str:
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        names = {tf.config.experimental.get_device_details(gpu).get("device_name", "GPU") for gpu in gpus}
        return f"{len(gpus)} GPU(s): {', '.join(sorted(names))}"
    return f"CPU, {os.cpu_count()} logical cores ({platform.processor() or platform.machine()})"


def parse_args(argv) -> argparse.Namespace:
    """The options, with ``names`` (the generator configs, a list) added."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=4, help="batch size for every configuration (default 4)")
    parser.add_argument("--crop", type=int, default=256, help="square crop in pixels, a multiple of 128 (default 256)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3)")
    parser.add_argument("--steps", type=int, default=10, help="timed steps (default 10)")
    parser.add_argument("--configs", default="lean,pix2pix", help="generator configs to compare (default lean,pix2pix)")
    parser.add_argument("--mixed-precision", choices=("auto", "on", "off"), default="auto", help="float16 compute (default: on with a GPU)")
    parser.add_argument("--xla", choices=("auto", "on", "off"), default="auto", help="XLA compilation (default: on with a GPU)")
    parser.add_argument("--bfloat16", action="store_true", help="compare float32 with mixed_bfloat16 training instead (L1+SSIM)")
    parser.add_argument("--rounds", type=int, default=2, help="with --bfloat16: alternating rounds per policy (default 2)")
    arguments = parser.parse_args(argv)

    names = [name.strip() for name in arguments.configs.split(",") if name.strip()]
    unknown = [name for name in names if name not in GENERATOR_CONFIGS]
    if unknown or not names:
        parser.error(f"--configs: unknown {unknown}; choose from {sorted(GENERATOR_CONFIGS)}")
    if arguments.batch < 1 or arguments.warmup < 1 or arguments.steps < 1:
        parser.error("--batch, --warmup and --steps must be >= 1")
    for name in names:
        multiple = GENERATOR_CONFIGS[name].multiple
        if arguments.crop < multiple or arguments.crop % multiple:
            parser.error(f"--crop {arguments.crop}: the {name} generator needs a multiple of {multiple}")
    arguments.names = names
    return arguments


def measure_all(arguments: argparse.Namespace, xla: bool) -> dict[tuple[str, str], dict]:
    """Every config in every mode, a table row printed as each ends."""
    results: dict[tuple[str, str], dict] = {}
    print(f"{'generator':<10} {'losses':<12} {'G params':>10} {'D params':>10} {'warm-up s':>10} {'s/step':>9} {'steps/s':>9}")
    for name in arguments.names:
        for mode, gan in MODES.items():
            result = measure(name, gan, arguments.batch, arguments.crop, arguments.warmup, arguments.steps, xla)
            results[name, mode] = result
            discriminator = f"{result['discriminator_parameters'] / 1e6:.2f} M" if gan else "-"
            print(
                f"{name:<10} {mode:<12} {result['generator_parameters'] / 1e6:>8.2f} M {discriminator:>10} "
                f"{result['warmup_seconds']:>10.1f} {result['seconds_per_step']:>9.3f} {result['steps_per_second']:>9.2f}",
                flush=True,
            )
    return results


POLICIES = ("float32", "mixed_bfloat16")


def measure_bfloat16(arguments: argparse.Namespace, xla: bool) -> None:
    """Each config's L1+SSIM step in float32 and mixed_bfloat16, alternating rounds; best of each."""
    print(f"{'generator':<10} {'policy':<16} {'s/step (best of ' + str(arguments.rounds) + ')':>22}")
    for name in arguments.names:
        best = {policy: float("inf") for policy in POLICIES}
        for _ in range(arguments.rounds):
            for policy in POLICIES:
                keras.mixed_precision.set_global_policy(policy)
                result = measure(name, False, arguments.batch, arguments.crop, arguments.warmup, arguments.steps, xla)
                best[policy] = min(best[policy], result["seconds_per_step"])
        keras.mixed_precision.set_global_policy("float32")
        for policy in POLICIES:
            print(f"{name:<10} {policy:<16} {best[policy]:>22.3f}")
        ratio = best["float32"] / best["mixed_bfloat16"]
        verdict = "at least" if ratio >= 1.3 else "less than"
        print(f"{name:<10} bfloat16 training is {ratio:.2f}× float32's speed: {verdict} the 1.3× that would make it the default")


def print_side_by_side(results: dict[tuple[str, str], dict], names: list[str]) -> None:
    print()
    print("Steps per second, side by side" + (f" (ratio {names[0]} / {names[1]})" if len(names) == 2 else ""))
    header = f"{'losses':<12} " + " ".join(f"{name:>10}" for name in names)
    if len(names) == 2:
        header += f" {'ratio':>8}"
    print(header)
    for mode in MODES:
        rates = [results[name, mode]["steps_per_second"] for name in names]
        line = f"{mode:<12} " + " ".join(f"{rate:>10.2f}" for rate in rates)
        if len(names) == 2:
            line += f" {rates[0] / rates[1]:>7.1f}×"
        print(line)


def main(argv=None) -> int:
    arguments = parse_args(argv)
    gpu = bool(tf.config.list_physical_devices("GPU"))
    mixed = {"on": True, "off": False, "auto": gpu}[arguments.mixed_precision]
    xla = {"on": True, "off": False, "auto": gpu}[arguments.xla]
    if mixed:
        keras.mixed_precision.set_global_policy("mixed_float16")

    print(
        f"Training speed: batch {arguments.batch}, crop {arguments.crop}×{arguments.crop}, "
        f"{arguments.warmup} warm-up + {arguments.steps} timed steps"
    )
    print(f"Device: {_device()}; {'mixed float16' if mixed else 'float32'}, XLA {'on' if xla else 'off'}")
    print()
    if arguments.bfloat16:
        measure_bfloat16(arguments, xla)
        return 0
    results = measure_all(arguments, xla)
    print_side_by_side(results, arguments.names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
