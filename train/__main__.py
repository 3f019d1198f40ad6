"""Command line: ``python -m train --data DIR [--val DIR] --out DIR [options]``.

Trains the restoration generator on clean photos degraded on the fly and writes a
folder that ``restore.load_restorer(DIR)`` loads. ``--resume`` continues an interrupted
run exactly where its last checkpoint left off.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys

from restore.model import GENERATOR_CONFIGS


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="folder of clean training photos (jpg/png, any size)")
    parser.add_argument("--val", help="folder of clean validation photos (degraded with fixed seeds)")
    parser.add_argument("--out", required=True, help="output folder: model, checkpoints, logs, sample grids")
    parser.add_argument("--steps", type=int, default=20000, help="total training steps (default 20000)")
    parser.add_argument("--batch", type=int, default=16, help="global batch size (default 16)")
    parser.add_argument("--crop", type=int, default=128, help="training crop size in pixels, a multiple of 8 (default 128)")
    parser.add_argument("--config", default="lean", help=f"generator: one of {', '.join(GENERATOR_CONFIGS)} or a JSON object of GeneratorConfig fields (default lean)")
    parser.add_argument("--lr", type=float, default=1e-3, help="peak generator learning rate, cosine-decayed (default 1e-3)")
    parser.add_argument("--final-lr", type=float, default=5e-5, help="learning rate at the last step (default 5e-5)")
    parser.add_argument("--warmup", type=int, default=200, help="linear warm-up steps (default 200)")
    parser.add_argument("--l1-weight", type=float, default=100.0, help="weight of the L1 loss (default 100, as pix2pix)")
    parser.add_argument("--ssim-weight", type=float, default=20.0, help="weight of the (1 - SSIM) loss (default 20; 0 turns it off)")
    gan = parser.add_mutually_exclusive_group()
    gan.add_argument("--gan", dest="gan", action="store_true", help="add the PatchGAN adversarial loss (pix2pix)")
    gan.add_argument("--no-gan", dest="gan", action="store_false", help="supervised losses only (default)")
    parser.set_defaults(gan=False)
    parser.add_argument("--gan-weight", type=float, default=1.0, help="weight of the adversarial loss (default 1)")
    parser.add_argument("--d-lr", type=float, default=2e-4, help="discriminator learning rate (default 2e-4)")
    parser.add_argument("--checkpoint-every", type=int, default=250, help="steps between checkpoints and validations (default 250)")
    parser.add_argument("--val-images", type=int, default=24, help="validation images used (default 24)")
    parser.add_argument("--bank", type=int, default=96, help="degraded pairs kept in memory (default 96)")
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) // 2), help="processes degrading pairs (default: half the cores)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    parser.add_argument("--init-from", help="start the generator from an exported model folder (e.g. to fine-tune with --gan)")
    parser.add_argument("--push-to-hub", metavar="OWNER/NAME", help="upload the output folder to this Hugging Face Hub model repo when done")
    parser.add_argument("--mixed-precision", choices=("auto", "on", "off"), default="auto", help="float16 compute (default: on with a GPU)")
    parser.add_argument("--xla", choices=("auto", "on", "off"), default="auto", help="XLA compilation (default: on with a GPU)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    arguments = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from train.run import TrainConfig, train  # TensorFlow loads here, after --help

    try:
        config = TrainConfig(
            data=arguments.data, val=arguments.val, out=arguments.out, steps=arguments.steps,
            batch=arguments.batch, crop=arguments.crop, generator=arguments.config,
            learning_rate=arguments.lr, final_learning_rate=arguments.final_lr, warmup_steps=arguments.warmup,
            l1_weight=arguments.l1_weight, ssim_weight=arguments.ssim_weight, gan=arguments.gan,
            gan_weight=arguments.gan_weight, discriminator_learning_rate=arguments.d_lr,
            checkpoint_every=arguments.checkpoint_every, validation_images=arguments.val_images,
            bank_size=arguments.bank, workers=arguments.workers, seed=arguments.seed,
            resume=arguments.resume, init_from=arguments.init_from, push_to_hub=arguments.push_to_hub,
            mixed_precision=arguments.mixed_precision, xla=arguments.xla,
        )
        out = train(config, command=shlex.join(["python", "-m", "train", *(argv if argv is not None else sys.argv[1:])]))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"model written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
