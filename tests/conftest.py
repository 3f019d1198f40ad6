"""Fixtures shared by the test modules: small model folders written as `python -m train` writes them.

Keras and the model code are imported only when a model is made, so modules that never ask
for one (the simulator, images, metrics, the app's handler tests) do not load TensorFlow.

`start_process` starts every child process that a test stops with a signal: see
`devtools.processes` for why plain `subprocess.Popen` is not enough. It lives there because
`devtools.appserver.serve_app` starts the app with it too; the tests import it from here.
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pytest

from devtools.processes import start_process  # noqa: F401 - `from conftest import start_process`


def make_tiny_model_folder(folder: Path, preprocess: dict | None = None, *, config=None, random_output: bool = True,
                           seed: int = 0) -> Path:
    """Export a small generator (``GENERATOR_CONFIGS["tiny"]`` unless ``config`` says otherwise,
    multiple 8) into ``folder`` with ``preprocess`` options; returns the folder.

    With ``random_output`` the output layer (``to_rgb``) gets random weights drawn with
    ``seed``, so the model is not the identity; without it the model is as built (untrained).
    """
    from restore.engine.model import GENERATOR_CONFIGS, build_generator
    from train.export import export_model

    config = GENERATOR_CONFIGS["tiny"] if config is None else config
    generator = build_generator(config)
    with warnings.catch_warnings():  # Keras' own numpy-2 DeprecationWarning, not ours
        warnings.simplefilter("ignore", DeprecationWarning)
        if random_output:
            layer = generator.get_layer("to_rgb")
            rng = np.random.default_rng(seed)
            layer.set_weights([rng.normal(0, 0.05, w.shape).astype("float32") for w in layer.get_weights()])
        return export_model(folder, generator, {"generator": config.to_dict(), "preprocess": preprocess or {}},
                            "test model card")


def make_hub_cache(cache: Path, repo_id: str, source_folder: Path, commit: str, refs: dict[str, str] | None = None) -> Path:
    """Lay out ``source_folder``'s model files as huggingface_hub caches a download of
    ``repo_id`` at ``commit`` (blobs, snapshot symlinks, refs); returns the snapshot folder."""
    repo_folder = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo_folder / "snapshots" / commit
    (repo_folder / "blobs").mkdir(parents=True)
    snapshot.mkdir(parents=True)
    for name in ("config.json", "generator.weights.h5"):
        data = (source_folder / name).read_bytes()
        blob = hashlib.sha256(data).hexdigest()
        (repo_folder / "blobs" / blob).write_bytes(data)
        (snapshot / name).symlink_to(Path("..", "..", "blobs", blob))
    (repo_folder / "refs").mkdir()
    for ref, ref_commit in (refs or {"main": commit}).items():
        (repo_folder / "refs" / ref).write_text(ref_commit)  # no newline, as the library writes it
    return snapshot


@pytest.fixture(scope="session")
def model_factory():
    """`make_tiny_model_folder`, for tests that need a model folder of their own."""
    return make_tiny_model_folder


@pytest.fixture(scope="session")
def model_folder(tmp_path_factory) -> Path:
    """The tiny generator with a random output layer (not the identity); read-only for the tests."""
    return make_tiny_model_folder(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def untrained_model_folder(tmp_path_factory) -> Path:
    """The tiny generator as built, untrained: for wiring tests (app, video CLI); read-only."""
    return make_tiny_model_folder(tmp_path_factory.mktemp("untrained-model"), random_output=False)


@pytest.fixture(scope="session")
def hub_cache():
    """`make_hub_cache`, for tests that need a Hugging Face cache laid out on disk."""
    return make_hub_cache


@pytest.fixture(scope="module")
def server(untrained_model_folder):
    """A real ``python app.py`` on the untrained tiny model, one per test module; its URL."""
    from devtools.appserver import serve_app

    with serve_app(model=untrained_model_folder) as app:
        yield app.url
