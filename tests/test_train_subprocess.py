"""``python -m train`` in a fresh Python: the real command line trains with the GAN and writes a
loadable folder, and a `MirroredStrategy` run over two logical CPUs (logical devices must be
set before TensorFlow starts, hence the subprocess) matches a single-device step."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tensorflow as tf
from train_helpers import ODD_SIZE, assert_model_folder, cli_arguments, iterations, photo

pytest_plugins = ("train_fixtures",)  # the fixture photos

ROOT = Path(__file__).resolve().parents[1]
SUBPROCESS_TIMEOUT = 240  # seconds; each run takes ~10-30 s on two busy cores


def _subprocess_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "TF_CONFIG"):
        env.pop(name, None)
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        CUDA_VISIBLE_DEVICES="-1",  # these tests are about the CPU paths
        TF_CPP_MIN_LOG_LEVEL="2",
        HF_HOME=str(tmp_path / "hf-home"),  # never the user's Hub cache or token
        **extra,
    )
    return env


# --------------------------------------------------------------------------- #
# Subprocesses: the real command line, and two logical CPUs
# --------------------------------------------------------------------------- #
def test_cli_trains_with_gan_and_writes_loadable_folder(photos, tmp_path):
    from restore import load_restorer

    out = tmp_path / "cli"
    result = subprocess.run(
        [sys.executable, "-m", "train", *cli_arguments(photos, out, "--gan")],
        cwd=ROOT, env=_subprocess_env(tmp_path), capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT, check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert f"model written to {out}" in result.stdout
    config = assert_model_folder(out, steps=2)
    assert config["training"]["gan"] is True
    assert config["training"]["command"].startswith("python -m train --data")
    reader = tf.train.load_checkpoint(str(out / "checkpoints" / "ckpt-2"))
    assert int(reader.get_tensor("discriminator_optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE")) == 2
    losses = [float(v) for v in re.findall(r"\bloss: (\S+)", result.stdout)]
    assert losses and all(math.isfinite(v) for v in losses), result.stdout[-2000:]
    image = photo("coffee", ODD_SIZE)
    assert load_restorer(str(out), fallback=False).restore(image).shape == image.shape


MIRRORED_SCRIPT = r"""
import json, logging, sys

import numpy as np
import tensorflow as tf

# Two logical CPUs: must happen before anything initialises TensorFlow's devices.
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])

import keras
from restore.engine.model import DiscriminatorConfig, GeneratorConfig, build_discriminator, build_generator
from train.pix2pix import Pix2Pix
from train.run import TrainConfig, choose_strategy, train


def one_step(strategy, degraded, clean):
    # Same random weights, same batch, plain SGD: the update must not depend on replicas.
    with strategy.scope():
        generator = build_generator(GeneratorConfig(base_filters=4, depth=3, max_filters=16, bottleneck_blocks=1, normalization="none"))
        discriminator = build_discriminator(DiscriminatorConfig(base_filters=4, strided_layers=2, normalization="none"))
        rng = np.random.default_rng(1)
        for network in (generator, discriminator):
            network.set_weights([rng.normal(0, 0.1, w.shape).astype("float32") for w in network.get_weights()])
        initial = generator.get_weights() + discriminator.get_weights()
        model = Pix2Pix(generator, discriminator)
        model.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1), l1_weight=1.0, ssim_weight=1.0, gan_weight=1.0)
    history = model.fit(degraded, clean, batch_size=len(degraded), epochs=1, shuffle=False, verbose=0).history
    final = generator.get_weights() + discriminator.get_weights()
    return {name: float(values[-1]) for name, values in history.items()}, initial, final


def main(data, val, out):
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
    strategy = choose_strategy()
    # One strategy per process (a second MirroredStrategy over the same devices would
    # reuse the first one's collective keys): train() below gets this same one.
    assert choose_strategy() is strategy
    rng = np.random.default_rng(0)
    degraded = rng.random((4, 32, 32, 3), dtype=np.float32)
    clean = np.clip(degraded * 0.8 + 0.1, 0, 1).astype(np.float32)
    single, initial, single_final = one_step(tf.distribute.get_strategy(), degraded, clean)
    mirrored, _, mirrored_final = one_step(strategy, degraded, clean)
    train(TrainConfig(
        data=data, val=val, out=out, steps=2, batch=4, crop=32, generator="tiny", checkpoint_every=2,
        validation_images=1, bank_size=4, workers=1, warmup_steps=1,
    ))
    print(json.dumps({
        "strategy": type(strategy).__name__,
        "replicas": strategy.num_replicas_in_sync,
        "single": single,
        "mirrored": mirrored,
        "update": max(float(np.max(np.abs(a - b))) for a, b in zip(initial, single_final)),
        "difference": max(float(np.max(np.abs(a - b))) for a, b in zip(single_final, mirrored_final)),
    }))


if __name__ == "__main__":
    main(*sys.argv[1:])
"""


def test_ctrl_c_stops_a_run_quietly_and_names_the_checkpoint_to_resume(photos, tmp_path):
    # A terminal's Ctrl-C reaches the whole foreground process group: the training process
    # and its pair workers. The run stops within seconds, without a traceback from either,
    # exits 130 and names the checkpoint `--resume` continues from.
    from conftest import start_process

    out = tmp_path / "interrupted"
    arguments = cli_arguments(photos, out, "--steps", "100000", "--checkpoint-every", "3")
    process = start_process([sys.executable, "-m", "train", *arguments], cwd=ROOT, env=_subprocess_env(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + SUBPROCESS_TIMEOUT
        while not list((out / "checkpoints").glob("ckpt-6.index")) and time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"finished before it could be interrupted: {process.communicate()}")
            time.sleep(0.1)
        os.killpg(process.pid, signal.SIGINT)
        interrupted = time.monotonic()
        _, stderr = process.communicate(timeout=60)
        stopping = time.monotonic() - interrupted
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 130, stderr[-4000:]
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr[-4000:]
    [line] = [line for line in stderr.splitlines() if line.startswith("interrupted:")]
    match = re.fullmatch(r"interrupted: training stopped at step (\d+); --resume continues from the last checkpoint, (.+)", line)
    assert match, line
    checkpoint = Path(match.group(2))
    assert checkpoint.parent == out / "checkpoints" and 6 <= iterations(checkpoint) <= int(match.group(1))
    assert stopping < 8, f"took {stopping:.1f} s to stop"  # a pair worker killed mid-pair made it wait 10 s
    # No pair worker left behind (an exited one may stay a zombie until init reaps it).
    deadline = time.monotonic() + 10
    with pytest.raises(ProcessLookupError):
        while time.monotonic() < deadline:
            os.killpg(process.pid, 0)
            time.sleep(0.2)


def test_mirrored_strategy_on_two_logical_cpus(photos, tmp_path):
    train_dir, val_dir = photos
    out = tmp_path / "mirrored"
    result = subprocess.run(
        [sys.executable, "-c", MIRRORED_SCRIPT, str(train_dir), str(val_dir), str(out)],
        cwd=ROOT, env=_subprocess_env(tmp_path), capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT, check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads([line for line in result.stdout.splitlines() if line.startswith("{")][-1])
    assert report["strategy"] == "MirroredStrategy" and report["replicas"] == 2
    assert "MirroredStrategy, 2 replica(s)" in result.stderr

    # One step split over two replicas equals the same step on one device: losses,
    # metrics and the generator and discriminator updates.
    assert set(report["mirrored"]) == set(report["single"])
    for name, value in report["single"].items():
        assert math.isfinite(report["mirrored"][name])
        assert report["mirrored"][name] == pytest.approx(value, rel=1e-4, abs=1e-5), name
    assert report["update"] > 1e-3
    assert report["difference"] < 1e-3 * report["update"], report

    # The full training run under the strategy: finite losses, a loadable folder.
    losses = [float(v) for v in re.findall(r"\bloss: (\S+)", result.stdout)]
    assert losses and all(math.isfinite(v) for v in losses), result.stdout[-2000:]
    assert_model_folder(out, steps=2)
