"""`TrainConfig`: everything a training run needs, typed once.

The dataclass is the one home of every option: its defaults, and (in each field's
metadata) the command-line flag, help text and choices from which `add_arguments`
builds ``python -m train``'s parser. It imports no TensorFlow, so ``--help`` is quick.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any

AUTO_ON_OFF = ("auto", "on", "off")


def option(default: Any, help: str, *, flag: str | None = None, choices: tuple[str, ...] | None = None, **kwargs) -> Any:
    """A `TrainConfig` field with its command-line flag (default ``--field-name``) and help."""
    metadata = {"help": help, "flag": flag, "choices": choices}
    if callable(default):
        return field(default_factory=default, metadata=metadata, **kwargs)
    return field(default=default, metadata=metadata, **kwargs)


@dataclass
class TrainConfig:
    """Everything a training run needs; saved into the exported ``config.json``."""

    data: str = option(None, "folder of clean training photos (jpg/png, any size)")
    out: str = option(None, "output folder: model, checkpoints, logs, sample grids")
    val: str | None = option(None, "folder of clean validation photos (degraded with fixed seeds)")
    steps: int = option(20000, "total training steps")
    batch: int = option(16, "global batch size")
    crop: int = option(128, "training crop size in pixels, a multiple of 8")
    # A name in restore.engine.model.GENERATOR_CONFIGS or a JSON object of GeneratorConfig fields.
    generator: str = option("lean", "generator: a name in restore.engine.model.GENERATOR_CONFIGS (lean, context, pix2pix, tiny) "
                                    "or a JSON object of GeneratorConfig fields", flag="--config")
    learning_rate: float = option(1e-3, "peak generator learning rate, cosine-decayed", flag="--lr")
    final_learning_rate: float = option(5e-5, "learning rate at the last step", flag="--final-lr")
    warmup_steps: int = option(200, "linear warm-up steps", flag="--warmup")
    l1_weight: float = option(100.0, "weight of the L1 loss (pix2pix uses 100)")
    ssim_weight: float = option(20.0, "weight of the (1 - SSIM) loss (0 turns it off)")
    identity_weight: float = option(1.0, "how many times a clean (identity) pair counts in the L1 loss against a damaged one")
    teacher: str | None = option(None, "distil from this trained model (a folder or hf://owner/name): the generator also learns "
                                       "to match its output")
    teacher_weight: float = option(100.0, "weight of the L1 loss to the teacher's output (with --teacher)")
    gan: bool = option(False, "add the PatchGAN adversarial loss (pix2pix); --no-gan: supervised losses only")
    gan_weight: float = option(1.0, "weight of the adversarial loss")
    discriminator_learning_rate: float = option(2e-4, "discriminator learning rate", flag="--d-lr")
    ema: float = option(0.999, "momentum of the moving average of the generator's weights that validation scores and the "
                               "export holds (0 turns it off: the raw weights)")
    checkpoint_every: int = option(250, "steps between checkpoints and validations")
    validation_images: int = option(24, "validation images used", flag="--val-images")
    bank_size: int = option(96, "degraded pairs kept in memory", flag="--bank")
    workers: int = option(lambda: max(1, (os.cpu_count() or 2) // 2), "processes degrading pairs (default: half the cores)")
    seed: int = option(0, "random seed")
    resume: bool = option(False, "continue from the last checkpoint in --out")
    families: str | None = option(None, "how often each damage family is drawn, as NAME=WEIGHT,... over train.pairs.FAMILIES "
                                        "(default: train.pairs.PairSettings' mix)")
    init_from: str | None = option(None, "start the generator from an exported model (a folder or hf://owner/name): every layer "
                                         "whose name and shapes match is copied, so a changed architecture fine-tunes from it")
    push_to_hub: str | None = option(None, "upload the output folder to this Hugging Face Hub model repo (OWNER/NAME) when done")
    mixed_precision: str = option("auto", "float16 compute (auto: on with a GPU)", choices=AUTO_ON_OFF)
    xla: str = option("auto", "XLA compilation (auto: on with a GPU)", choices=AUTO_ON_OFF)

    def __post_init__(self):
        for name in ("data", "out"):
            if not getattr(self, name):
                raise ValueError(f"{name} is required")
        for name in ("steps", "batch", "crop", "checkpoint_every", "bank_size", "workers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0.0 <= self.ema < 1.0:
            raise ValueError(f"ema must be in [0, 1), got {self.ema}")
        if self.crop % 8:
            raise ValueError(f"crop must be a multiple of 8, got {self.crop}")
        for name in ("mixed_precision", "xla"):
            if getattr(self, name) not in AUTO_ON_OFF:
                raise ValueError(f"{name} must be auto, on or off")
        if self.families is not None:
            self.pair_settings()  # a bad mix fails here, before any training

    def pair_settings(self):
        """The `train.pairs.PairSettings` this run draws its pairs with."""
        from train.pairs import PairSettings, parse_families

        return PairSettings() if self.families is None else PairSettings(families=parse_families(self.families))

    def generator_config(self):
        from restore.engine.model import generator_config_from  # Keras loads here, not at --help

        return generator_config_from(self.generator)


_REQUIRED = ("data", "out")
# Field types as written (``from __future__ import annotations`` keeps them as strings).
_PARSERS = {"int": int, "float": float, "str": str, "str | None": str}


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """One command-line option per `TrainConfig` field, from the field's metadata."""
    for item in dataclasses.fields(TrainConfig):
        flag = item.metadata["flag"] or "--" + item.name.replace("_", "-")
        default = item.default_factory() if item.default_factory is not dataclasses.MISSING else item.default
        if item.type == "bool":
            parser.add_argument(flag, dest=item.name, action=argparse.BooleanOptionalAction, default=default, help=item.metadata["help"])
            continue
        # A computed default (the worker count) is described by its help text instead.
        computed = item.name in _REQUIRED or default is None or item.default_factory is not dataclasses.MISSING
        parser.add_argument(
            flag, dest=item.name, type=_PARSERS[item.type], default=default, required=item.name in _REQUIRED,
            choices=item.metadata["choices"], metavar=None if item.metadata["choices"] else flag.lstrip("-").replace("-", "_").upper(),
            help=item.metadata["help"] + ("" if computed else f" (default {default})"),
        )
    return parser


def from_arguments(arguments: argparse.Namespace) -> TrainConfig:
    return TrainConfig(**{item.name: getattr(arguments, item.name) for item in dataclasses.fields(TrainConfig)})
