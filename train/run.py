"""Training run: settings, device strategy, data pipeline, callbacks and the fit() call.

`train(TrainConfig(...))` trains a generator on clean photos degraded on the fly and
writes a model folder (see `train.export`) that `restore.load_restorer` loads. It runs
unchanged on CPU and GPU: on GPU it turns on mixed precision and XLA, with several GPUs
it uses `tf.distribute.MirroredStrategy`, and on a cluster (``TF_CONFIG`` set)
`MultiWorkerMirroredStrategy`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import logging
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import keras
import numpy as np
import tensorflow as tf

from restore.engine.model import DiscriminatorConfig, GeneratorConfig, build_discriminator, build_generator, normalization_after
from restore.engine.restorer import Restorer
from restore.engine.weights import load_generator, resolve_model
from restore.figures import image_grid
from restore.metrics import psnr, ssim
from train.config import TrainConfig
from train.export import export_model, model_card, push_to_hub
from train.pairs import PairBank, list_images, validation_pairs
from train.pix2pix import Pix2Pix

log = logging.getLogger("train")


@functools.cache
def choose_strategy() -> tf.distribute.Strategy:
    """TF's own distribution: multi-worker from TF_CONFIG, mirrored over several GPUs
    (or several logical CPUs in tests), else the default single-device strategy.

    Made once per process: a second MirroredStrategy over the same devices reuses the
    first one's collective keys, and its all-reduce then fails with a shape mismatch."""
    if os.environ.get("TF_CONFIG"):
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy()
    cpus = tf.config.list_logical_devices("CPU")
    if not gpus and len(cpus) > 1:
        return tf.distribute.MirroredStrategy([device.name for device in cpus])
    return tf.distribute.get_strategy()


def _enabled(setting: str, default: bool) -> bool:
    return {"on": True, "off": False, "auto": default}[setting]


def learning_rate_schedule(config: TrainConfig, total_steps: int) -> keras.optimizers.schedules.LearningRateSchedule:
    """Linear warm-up to ``config.learning_rate``, then cosine decay to
    ``config.final_learning_rate`` at ``total_steps``."""
    warmup = min(config.warmup_steps, total_steps - 1)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, decay_steps=max(1, total_steps - warmup),
        alpha=config.final_learning_rate / config.learning_rate,
        warmup_target=config.learning_rate, warmup_steps=warmup,
    )


def weight_averages(optimizer) -> list | None:
    """The moving averages an optimiser keeps of the weights it trains (Adam's ``use_ema``)."""
    inner = getattr(optimizer, "inner_optimizer", optimizer)  # under a LossScaleOptimizer
    return getattr(inner, "_model_variables_moving_average", None) if getattr(inner, "use_ema", False) else None


@contextlib.contextmanager
def averaged_weights(generator: keras.Model, optimizer):
    """The generator holds the moving average of its weights for the duration: what validation
    scores and the export writes, as BasicSR exports ``net_g_ema``. The raw weights, which
    training goes on from and checkpoints keep, come back after. (Batch-normalisation
    statistics are not weights: they stay as training left them.)"""
    averages = weight_averages(optimizer)
    if not averages:
        yield
        return
    variables = generator.trainable_variables
    raw = [variable.numpy() for variable in variables]
    for variable, average in zip(variables, averages, strict=True):
        variable.assign(average)
    try:
        yield
    finally:
        for variable, value in zip(variables, raw):
            variable.assign(value)


def checkpoint_has_averages(path: str) -> bool:
    """Whether a checkpoint's generator optimiser kept weight averages: Adam keeps two slots per
    weight, three with ``use_ema``. (Its slots are saved by position, so a checkpoint without
    averages cannot be restored into an optimiser that has them.)"""
    names = [name for name, _ in tf.train.list_variables(path) if name.startswith("generator_optimizer/")]
    weights = sum("/_trainable_variables/" in name for name in names)
    slots = sum("/_variables/" in name for name in names)
    return slots >= 3 * weights > 0


class Validation(keras.callbacks.Callback):
    """After every checkpoint interval: PSNR/SSIM of restored and of degraded input on
    fixed validation pairs, a PNG grid (degraded | restored | clean), TensorBoard
    scalars and images, and an export of the current generator, all with the moving average
    of its weights when the run keeps one (``--ema``).

    ``make_restorer`` makes a `Restorer` of the live generator. A new one is made for every
    evaluation, because a Restorer reads (and folds) the weights when it is made."""

    def __init__(self, pairs, make_restorer: Callable[[], Restorer], out: Path, export, writer):
        super().__init__()
        self.pairs, self.make_restorer = pairs, make_restorer
        self.out, self.export, self.writer = out, export, writer
        self.input_figures = {
            "input_psnr": float(np.mean([psnr(bad, good) for _, bad, good in pairs])) if pairs else float("nan"),
            "input_ssim": float(np.mean([ssim(bad, good) for _, bad, good in pairs])) if pairs else float("nan"),
        }
        self.history: list[dict[str, float]] = []

    def evaluate(self) -> tuple[dict[str, float], np.ndarray]:
        restorer = self.make_restorer()
        restored = [restorer.restore(bad) for _, bad, _ in self.pairs]
        figures = {
            "images": len(self.pairs),
            "psnr": float(np.mean([psnr(r, good) for r, (_, _, good) in zip(restored, self.pairs)])),
            "ssim": float(np.mean([ssim(r, good) for r, (_, _, good) in zip(restored, self.pairs)])),
            **self.input_figures,
        }
        grid = image_grid([(bad, r, good) for r, (_, bad, good) in list(zip(restored, self.pairs))[:6]])
        return figures, grid

    def on_epoch_end(self, epoch, logs=None):
        with averaged_weights(self.model.generator, self.model.generator_optimizer):
            self._validate_and_export(logs)

    def _validate_and_export(self, logs) -> None:
        step = int(self.model.generator_optimizer.iterations.numpy())
        if self.pairs:
            figures, grid = self.evaluate()
            figures["step"] = step
            self.history.append(figures)
            (self.out / "samples").mkdir(exist_ok=True)
            cv2.imwrite(str(self.out / "samples" / f"step{step:07d}.png"), grid[..., ::-1])
            with self.writer.as_default(step=step):
                for name in ("psnr", "ssim", "input_psnr", "input_ssim"):
                    tf.summary.scalar(f"validation/{name}", figures[name])
                tf.summary.image("validation/degraded_restored_clean", grid[None], max_outputs=1)
            log.info(
                "step %d: validation PSNR %.2f dB (input %.2f), SSIM %.4f (input %.4f)",
                step, figures["psnr"], figures["input_psnr"], figures["ssim"], figures["input_ssim"],
            )
            if logs is not None:
                logs.update({f"val_{k}": v for k, v in figures.items() if k in ("psnr", "ssim")})
        self.export(step, self.history[-1] if self.history else {})


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during `fit`: says at which step, and where ``--resume`` will continue from."""

    def __init__(self, step: int, latest_checkpoint: str | None, checkpoint_every: int):
        resume = (f"--resume continues from the last checkpoint, {latest_checkpoint}" if latest_checkpoint
                  else f"no checkpoint was written yet (one every {checkpoint_every} steps)")
        super().__init__(f"training stopped at step {step}; {resume}")


class Checkpointing(keras.callbacks.Callback):
    """Saves generator, discriminator and optimiser state every interval for exact resume."""

    def __init__(self, manager: tf.train.CheckpointManager):
        super().__init__()
        self.manager = manager

    def on_epoch_end(self, epoch, logs=None):
        step = int(self.model.generator_optimizer.iterations.numpy())
        self.manager.save(checkpoint_number=step)


def make_dataset(bank: PairBank, batch: int, crop: int, seed: int) -> tf.data.Dataset:
    """Endless (degraded, clean) batches drawn from the bank, prefetched so the model
    never waits on Python."""
    rng = np.random.default_rng(seed)

    def batches():
        while True:
            yield bank.sample(batch, crop, rng)

    spec = tf.TensorSpec((batch, crop, crop, 3), tf.float32)
    return tf.data.Dataset.from_generator(batches, output_signature=(spec, spec)).prefetch(4)


def build_pix2pix(config: TrainConfig, learning_rate, *, mixed: bool, xla: bool) -> Pix2Pix:
    """The compiled `Pix2Pix` model of ``config``: its generator, the discriminator when
    ``config.gan``, the frozen teacher when ``config.teacher``, Adam optimisers (loss-scaled when ``mixed``) and loss weights.

    ``learning_rate`` is the generator's, a number or a schedule. Build it inside the
    distribution strategy's scope; the optimisers are ``model.generator_optimizer`` and
    ``model.discriminator_optimizer``. Also used by ``bench/train_speed.py``.
    """
    generator = build_generator(config.generator_config())
    discriminator = build_discriminator(DiscriminatorConfig()) if config.gan else None
    generator_optimizer = keras.optimizers.Adam(learning_rate, beta_1=0.9 if not config.gan else 0.5,
                                                use_ema=config.ema > 0, ema_momentum=config.ema or 0.99)
    discriminator_optimizer = keras.optimizers.Adam(config.discriminator_learning_rate, beta_1=0.5) if config.gan else None
    if mixed:
        generator_optimizer = keras.optimizers.LossScaleOptimizer(generator_optimizer)
        if discriminator_optimizer is not None:
            discriminator_optimizer = keras.optimizers.LossScaleOptimizer(discriminator_optimizer)
    teacher = _teacher(config) if config.teacher else None
    model = Pix2Pix(generator, discriminator, teacher)
    model.compile(
        generator_optimizer, discriminator_optimizer,
        l1_weight=config.l1_weight, ssim_weight=config.ssim_weight, gan_weight=config.gan_weight, identity_weight=config.identity_weight,
        teacher_weight=config.teacher_weight, jit_compile=xla,
    )
    return model


def _teacher(config: TrainConfig) -> keras.Model:
    """The generator to distil from (``--teacher``); ValueError if it cannot take the crops."""
    teacher, exported = load_generator(resolve_model(config.teacher, fallback=False))
    multiple = GeneratorConfig.from_dict(exported["generator"]).multiple
    if config.crop % multiple:
        raise ValueError(f"--teacher {config.teacher} needs crops that are a multiple of {multiple} px; --crop is {config.crop}")
    return teacher


def train(config: TrainConfig, command: str | None = None) -> Path:
    """Train, checkpoint, validate and export; returns the output folder."""
    config = _averaging_as_the_checkpoint(config)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(config.seed)
    gpus = bool(tf.config.list_physical_devices("GPU"))
    mixed, xla = _enabled(config.mixed_precision, default=gpus), _enabled(config.xla, default=gpus)
    if mixed:
        keras.mixed_precision.set_global_policy("mixed_float16")
    strategy = choose_strategy()
    epochs = math.ceil(config.steps / config.checkpoint_every)
    log.info("%s, %d replica(s), mixed precision %s, XLA %s", type(strategy).__name__, strategy.num_replicas_in_sync, mixed, xla)

    with strategy.scope():
        model = build_pix2pix(config, learning_rate_schedule(config, epochs * config.checkpoint_every), mixed=mixed, xla=xla)
        model.generator_optimizer.build(model.generator.trainable_variables)
        if model.discriminator is not None:
            model.discriminator_optimizer.build(model.discriminator.trainable_variables)
    if config.init_from:
        initialise_from(model.generator, config.init_from)
    manager = _checkpoint_manager(model, out)
    initial_epoch = _resume(config, model, manager) // config.checkpoint_every

    train_paths = list_images(Path(config.data))
    pairs = validation_pairs(Path(config.val), config.validation_images) if config.val else []
    export = _exporter(config, command, model.generator, description=_device_description(strategy), images=len(train_paths))
    writer = tf.summary.create_file_writer(str(out / "logs" / "validation"))
    # The inference engine itself, on the live generator: whole images, padded as users'
    # are, without line alignment so the figures measure the network alone.
    make_restorer = functools.partial(
        Restorer, model.generator, {"generator": config.generator_config().to_dict()}, tile=None, line_alignment=False, precision="float32")
    validation = Validation(pairs, make_restorer, out, export, writer)
    callbacks = [Checkpointing(manager), validation, keras.callbacks.TensorBoard(log_dir=str(out / "logs"), update_freq=50)]

    # Workers stream pairs; each replica's batch is drawn in one Python call.
    with PairBank(train_paths, size=config.bank_size, workers=config.workers, seed=config.seed + initial_epoch,
                  settings=config.pair_settings()) as bank:
        bank.wait_until_ready(minimum=min(config.bank_size, 16))
        dataset = make_dataset(bank, config.batch, config.crop, config.seed + initial_epoch)
        if initial_epoch < epochs:
            try:
                model.fit(dataset, epochs=epochs, steps_per_epoch=config.checkpoint_every, initial_epoch=initial_epoch,
                          callbacks=callbacks, shuffle=False, verbose=1 if sys.stdout.isatty() else 2)
            except KeyboardInterrupt:
                step = int(model.generator_optimizer.iterations.numpy())
                raise TrainingInterrupted(step, manager.latest_checkpoint, config.checkpoint_every) from None
        log.info("made %d training pairs (%d unreadable files skipped)", bank.made, bank.skipped)
    if not (out / "generator.weights.h5").exists():
        validation.on_epoch_end(epochs)

    if config.push_to_hub:
        url = push_to_hub(out, config.push_to_hub)  # a RuntimeError says why it failed
        log.info("pushed to %s", url)
    return out


def initialise_from(generator: keras.Model, source: str) -> tuple[list[str], list[str]]:
    """Start ``generator`` from an exported model (fine-tuning, or a changed architecture):
    every layer whose name and weight shapes match takes the source's weights, the rest keep
    their initialisers; a normalisation whose convolution starts fresh starts fresh too (its
    statistics describe the old convolution's output). Returns (layers copied, layers left
    fresh). What starts fresh and what of the source goes unused is logged as a warning; a
    source that shares no layer is a `ValueError`."""
    files = resolve_model(source, fallback=False)
    trained, _ = load_generator(files)
    trained_layers = {layer.name: layer for layer in trained.layers if layer.weights}

    def matches(layer) -> bool:
        theirs = trained_layers.get(layer.name)
        return theirs is not None and [tuple(w.shape) for w in theirs.weights] == [tuple(w.shape) for w in layer.weights]

    ours = [layer for layer in generator.layers if layer.weights]
    matching = {layer.name for layer in ours if matches(layer)}
    convolution_of = {normalization_after(layer.name): layer.name for layer in ours}
    copied = [layer.name for layer in ours if layer.name in matching and convolution_of.get(layer.name, layer.name) in matching]
    if not copied:
        raise ValueError(f"--init-from {source}: no layer of that model matches this generator's architecture")
    for name in copied:
        generator.get_layer(name).set_weights(trained_layers[name].get_weights())
    fresh = [layer.name for layer in ours if layer.name not in copied]
    unused = sorted(set(trained_layers) - set(copied))
    log.info("generator initialised from %s: %d layers copied", files.description, len(copied))
    if fresh or unused:
        log.warning("--init-from %s: %d layers start fresh (%s); %d of its layers are not used (%s)", source, len(fresh),
                    ", ".join(fresh) or "none", len(unused), ", ".join(unused) or "none")
    return copied, fresh


def _checkpoint_manager(model: Pix2Pix, out: Path) -> tf.train.CheckpointManager:
    """Generator, discriminator and optimiser state under ``out/checkpoints`` (the last two)."""
    optimizers = {"generator_optimizer": model.generator_optimizer}
    if model.discriminator_optimizer is not None:
        optimizers["discriminator_optimizer"] = model.discriminator_optimizer
    return tf.train.CheckpointManager(tf.train.Checkpoint(model=model, **optimizers), out / "checkpoints", max_to_keep=2)


def _averaging_as_the_checkpoint(config: TrainConfig) -> TrainConfig:
    """A resumed run keeps weight averages only if its checkpoint has them."""
    latest = tf.train.latest_checkpoint(str(Path(config.out) / "checkpoints")) if config.resume and config.ema else None
    if latest and not checkpoint_has_averages(latest):
        log.warning("--resume: %s holds no weight averages (a run from before --ema); it goes on without them (--ema 0)", latest)
        return dataclasses.replace(config, ema=0.0)
    return config


def _resume(config: TrainConfig, model: Pix2Pix, manager: tf.train.CheckpointManager) -> int:
    """Restore the latest checkpoint when ``config.resume``; returns the step to start at."""
    if not config.resume:
        return 0
    if not manager.latest_checkpoint:
        log.warning("--resume: no checkpoint in %s, starting from scratch", manager.directory)
        return 0
    manager.checkpoint.restore(manager.latest_checkpoint).expect_partial()
    step = int(model.generator_optimizer.iterations.numpy())
    log.info("resumed from %s at step %d", manager.latest_checkpoint, step)
    return step


def _exporter(config: TrainConfig, command: str | None, generator: keras.Model, *, description: str, images: int):
    """The function that writes the model folder: ``export(step, validation_figures)``.
    Training time adds up over resumed runs (the previous export's ``seconds``)."""
    out = Path(config.out)
    started = time.time()
    previous = out / "config.json"
    previous_seconds = json.loads(previous.read_text()).get("training", {}).get("seconds", 0.0) if config.resume and previous.exists() else 0.0

    def export(step: int, validation: dict[str, Any]) -> None:
        training = {
            **dataclasses.asdict(config),
            "command": command or "python -m train",
            "steps": step,
            "seconds": previous_seconds + time.time() - started,
            "device": description,
            "images": images,
            "pair_families": dict(config.pair_settings().families),  # how often each damage family was drawn
        }
        exported = {
            "generator": config.generator_config().to_dict(),
            "parameters": generator.count_params(),
            # Half the training inputs went through line alignment, and bench/quality.py
            # measured it helping (most with blanking borders), so it is on by default;
            # colour-bar repair changes only frames with a bar (bench/generalise.py).
            "preprocess": {"line_alignment": True, "colour_bars": True},
            "training": training,
            "validation": validation,
        }
        export_model(out, generator, exported, model_card(exported))

    return export


def _device_description(strategy) -> str:
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return f"{len(gpus)} GPU(s), {type(strategy).__name__}"
    return f"CPU ({os.cpu_count()} logical cores, {platform.processor() or platform.machine()})"
