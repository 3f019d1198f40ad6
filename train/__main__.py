"""Command line: ``python -m train --data DIR [--val DIR] --out DIR [options]``.

Trains the restoration generator on clean photos degraded on the fly and writes a
folder that ``restore.load_restorer(DIR)`` loads. ``--resume`` continues an interrupted
run exactly where its last checkpoint left off; Ctrl-C stops a run (exit status 130) and
says which checkpoint that is. Every option is a field of
`train.config.TrainConfig`.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys

from train.config import add_arguments, from_arguments


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    return add_arguments(parser).parse_args(argv)


def main(argv=None) -> int:
    arguments = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from train.run import train  # TensorFlow loads here, after --help

    try:
        out = train(from_arguments(arguments), command=shlex.join(["python", "-m", "train", *(argv if argv is not None else sys.argv[1:])]))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as error:  # a `TrainingInterrupted` from fit() says where to resume
        print(f"interrupted: {error or 'before training started'}", file=sys.stderr)
        return 130
    print(f"model written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
