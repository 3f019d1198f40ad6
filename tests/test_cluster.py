"""``python -m restore ... --cluster local``: images spread over Ray workers on this machine
(2 CPUs, no network), restored exactly as the plain command restores them."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image
from test_cli import picture, run_cli, save

from restore.batch import restore_one
from restore.cluster import WorkerOptions, describe

TWO_CPUS = {"VHS_RESTORE_LOCAL_CPUS": "2"}  # a local Ray with 2 CPUs, whatever the machine has


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    inputs = tmp_path_factory.mktemp("cluster-in")
    for index in range(5):
        save(inputs / f"frame{index}.png", picture(40 + 8 * index, 56, seed=index))
    whole = (inputs / "frame0.png").read_bytes()
    (inputs / "truncated.png").write_bytes(whole[: len(whole) // 2])  # a header that reads, pixels that do not
    return inputs


@pytest.fixture(scope="module")
def plain(folder, model_folder, tmp_path_factory):
    outdir = tmp_path_factory.mktemp("plain-out")
    result = run_cli(folder, "-o", outdir, model=model_folder)
    assert result.returncode == 1 and "truncated.png" in result.stderr
    return outdir


def _pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path))


def test_cluster_restores_a_folder_as_the_plain_command_does(folder, plain, model_folder, tmp_path):
    outdir = tmp_path / "out"
    result = run_cli(folder, "-o", outdir, "--cluster", "local", model=model_folder, env=TWO_CPUS)
    assert result.returncode == 1, result.stderr  # the truncated file failed; the others did not
    assert "cluster: 2 CPUs on 1 machine(s)" in result.stderr and "restored 5, skipped 0, failed 1" in result.stderr
    assert "truncated.png: corrupt or truncated image data" in result.stderr
    names = sorted(path.name for path in outdir.iterdir())
    assert names == [f"frame{index}.png" for index in range(5)]  # nothing partial, nothing for the bad file
    for name in names:
        np.testing.assert_array_equal(_pixels(outdir / name), _pixels(plain / name))


def test_a_second_run_reuses_the_finished_outputs(folder, model_folder, tmp_path):
    outdir = tmp_path / "out"
    outdir.mkdir()
    done = outdir / "frame1.png"
    save(done, picture(48, 56, seed=1))  # as if an earlier, killed run had finished this one
    before = done.stat().st_mtime_ns
    result = run_cli(folder, "-o", outdir, "--cluster", "local", model=model_folder, env=TWO_CPUS)
    assert "restored 4, skipped 1, failed 1" in result.stderr
    assert done.stat().st_mtime_ns == before


def test_no_cluster_to_join_is_a_clear_error(folder, model_folder, tmp_path):
    env = {key: "" for key in os.environ if key.startswith("RAY_ADDRESS")}
    result = run_cli(folder / "frame0.png", "-o", tmp_path / "out", "--cluster", "auto", model=model_folder, env=env)
    assert result.returncode == 1
    assert "error: --cluster auto: cannot join a Ray cluster there" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_worker_outcome_names_the_file_and_the_reason(folder, model_folder, tmp_path):
    from restore import load_restorer

    restorer = load_restorer(str(model_folder))
    good = restore_one(restorer, folder / "frame2.png", tmp_path / "frame2.png")
    bad = restore_one(restorer, folder / "truncated.png", tmp_path / "truncated.png")
    unwritable = restore_one(restorer, folder / "frame2.png", tmp_path / "missing" / "frame2.png")
    assert good.ok and (tmp_path / "frame2.png").is_file()
    assert not bad.ok and "corrupt or truncated" in bad.reason and not (tmp_path / "truncated.png").exists()
    assert not unwritable.ok and unwritable.reason.startswith(f"cannot write {tmp_path / 'missing' / 'frame2.png'}")


def test_worker_options_and_the_cluster_description_are_plain_values():
    options = WorkerOptions(model="hf://owner/name@v1", precision="bfloat16")
    assert options.model == "hf://owner/name@v1" and options.tile is None
    assert describe({"CPU": 8.0, "node:10.0.0.1": 1.0, "node:10.0.0.2": 1.0, "node:__internal_head__": 1.0}) == \
        "8 CPUs on 2 machine(s)"
