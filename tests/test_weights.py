"""Model sources and safe loading (restore/engine/weights.py).

The Hub tests run the real ``huggingface_hub.hf_hub_download`` offline against a cache
folder laid out exactly as the library lays it out (blobs, snapshots with relative
symlinks, refs). ``huggingface_hub.constants`` reads ``HF_HUB_CACHE``/``HF_HUB_OFFLINE``
at import time and ``hf_hub_download`` reads the module attributes at call time, so the
tests patch those attributes (and the environment, for anything that looks there).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import types
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from restore.engine import weights  # noqa: E402
from restore.engine.model import GENERATOR_CONFIGS, GeneratorConfig, build_generator  # noqa: E402
from restore.engine.weights import ModelLoadError, load_generator, parse_hub_source, resolve_model  # noqa: E402

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(scope="module")
def other_folder(tmp_path_factory, model_factory) -> Path:
    """Stands in for the bundled checkpoint: a different architecture from model_folder."""
    config = GeneratorConfig(base_filters=8, depth=2, max_filters=16, bottleneck_blocks=0)
    return model_factory(tmp_path_factory.mktemp("bundled-stand-in"), config=config, seed=1)


@pytest.fixture
def offline_hub(tmp_path, monkeypatch, model_folder, other_folder, hub_cache):
    """Offline Hub with a cache holding testowner/tiny-vhs; bundled folder = other_folder."""
    import huggingface_hub.constants as hub_constants

    cache = tmp_path / "hf-cache"
    hub_cache(cache, "testowner/tiny-vhs", model_folder, COMMIT, refs={"main": COMMIT, "v1": COMMIT})
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(weights, "BUNDLED_FOLDER", other_folder)
    monkeypatch.delenv(weights.ENVIRONMENT_VARIABLE, raising=False)
    return cache


def copy_model(source: Path, destination: Path) -> Path:
    shutil.copytree(source, destination)
    return destination


# --------------------------------------------------------------------------- #
# Local sources
# --------------------------------------------------------------------------- #
def test_default_is_the_bundled_checkpoints_folder(monkeypatch):
    monkeypatch.delenv(weights.ENVIRONMENT_VARIABLE, raising=False)
    files = resolve_model()
    repository_root = Path(__file__).resolve().parent.parent
    assert files.folder == repository_root / "checkpoints"
    assert files.weights_path.name == "generator.weights.h5"
    assert files.fallback_reason is None


def test_environment_variable_overrides_the_default(monkeypatch, model_folder):
    monkeypatch.setenv(weights.ENVIRONMENT_VARIABLE, str(model_folder))
    files = resolve_model()
    assert files.config_path == model_folder / "config.json"
    model, config = load_generator(files)
    assert config["generator"] == GENERATOR_CONFIGS["tiny"].to_dict()
    assert model.count_params() == build_generator(GENERATOR_CONFIGS["tiny"]).count_params()


@pytest.mark.parametrize("pick", ["folder", "weights", "config"])
def test_local_folder_weights_file_or_config_file(model_folder, pick):
    source = {"folder": model_folder, "weights": model_folder / "generator.weights.h5", "config": model_folder / "config.json"}[pick]
    files = resolve_model(str(source))
    assert (files.config_path, files.weights_path) == (model_folder / "config.json", model_folder / "generator.weights.h5")
    model, _ = load_generator(files)
    # The trained (random) output layer was really read, not left at its zero initialiser.
    assert np.abs(model.get_layer("to_rgb").get_weights()[0]).max() > 0


def test_missing_local_source_names_the_path(tmp_path):
    with pytest.raises(ModelLoadError, match="no-such-model"):
        resolve_model(str(tmp_path / "no-such-model"))


def test_a_pickle_or_other_file_is_refused_without_reading_it(tmp_path):
    pickle_file = tmp_path / "model.pkl"
    pickle_file.write_bytes(b"\x80\x04cos\nsystem\n")
    with pytest.raises(ModelLoadError, match=r"model\.pkl: not a model"):
        resolve_model(str(pickle_file))


def test_missing_weights_file(tmp_path, model_folder):
    folder = copy_model(model_folder, tmp_path / "model")
    (folder / "generator.weights.h5").unlink()
    with pytest.raises(ModelLoadError, match=r"generator\.weights\.h5: missing"):
        load_generator(resolve_model(str(folder)))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda data: data[: len(data) // 2], "truncated or corrupt"),
        (lambda data: b"", "empty weights file"),
        (lambda data: b"<html>404 not found</html>", "not a Keras .weights.h5 file"),
    ],
    ids=["truncated", "empty", "not-hdf5"],
)
def test_damaged_weights_file_names_file_and_problem(tmp_path, model_folder, damage, message):
    folder = copy_model(model_folder, tmp_path / "model")
    weights_path = folder / "generator.weights.h5"
    weights_path.write_bytes(damage(weights_path.read_bytes()))
    with pytest.raises(ModelLoadError) as caught:
        load_generator(resolve_model(str(folder)))
    assert str(weights_path) in str(caught.value) and message in str(caught.value)


@pytest.mark.parametrize(
    "architecture",
    [
        {**GENERATOR_CONFIGS["tiny"].to_dict(), "bottleneck_blocks": 2},  # an extra block
        {**GENERATOR_CONFIGS["tiny"].to_dict(), "base_filters": 8},  # other widths
    ],
    ids=["more-layers", "other-shapes"],
)
def test_weights_of_another_architecture(tmp_path, model_folder, architecture):
    folder = copy_model(model_folder, tmp_path / "model")
    config = json.loads((folder / "config.json").read_text())
    config["generator"] = architecture
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match=r"generator\.weights\.h5: weights do not match the architecture in config\.json"):
        load_generator(resolve_model(str(folder)))


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "expected a JSON object"),
        ('{"format": "something-else", "generator": {}}', "format is 'something-else'"),
        ('{"format": "vhs-restore-generator", "format_version": 99, "generator": {}}', "newer than this code"),
        ('{"format": "vhs-restore-generator", "preprocess": {}}', "no 'generator' architecture"),
        ('{"generator": {"base_filters": 4, "depth": 3, "wings": 2}}', "bad generator architecture"),
    ],
    ids=["syntax", "list", "format", "version", "no-generator", "unknown-key"],
)
def test_bad_config_names_the_file(tmp_path, model_folder, text, message):
    folder = copy_model(model_folder, tmp_path / "model")
    (folder / "config.json").write_text(text)
    with pytest.raises(ModelLoadError) as caught:
        load_generator(resolve_model(str(folder)))
    assert str(folder / "config.json") in str(caught.value) and message in str(caught.value)


@pytest.mark.parametrize("stage", ["line_alignment", "colour_bars"])
@pytest.mark.parametrize("value", ["no", "false", 0, 1, None])
def test_a_preprocessing_stage_in_a_config_must_be_a_json_boolean(tmp_path, model_folder, stage, value):
    # "no" is truthy: read as a bool it switched line alignment on (issue 14).
    folder = copy_model(model_folder, tmp_path / "model")
    config = json.loads((folder / "config.json").read_text())
    config["preprocess"] = {stage: value}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError) as caught:
        load_generator(resolve_model(str(folder)))
    assert str(folder / "config.json") in str(caught.value)
    assert f"preprocess.{stage} must be true or false, got {value!r}" in str(caught.value)
    config["preprocess"] = {stage: False}
    (folder / "config.json").write_text(json.dumps(config))
    assert load_generator(resolve_model(str(folder)))[1]["preprocess"] == {stage: False}


# --------------------------------------------------------------------------- #
# Hugging Face Hub sources
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    "source, expected",
    [
        ("hf://owner/name", ("owner/name", None)),
        ("hf://Owner-1/my_model.v2@main", ("Owner-1/my_model.v2", "main")),
        (f"hf://owner/name@{COMMIT}", ("owner/name", COMMIT)),
        ("hf://owner/name@refs/pr/1", ("owner/name", "refs/pr/1")),
    ],
)
def test_parse_hub_source(source, expected):
    assert parse_hub_source(source) == expected


@pytest.mark.parametrize(
    "source",
    ["hf://", "hf://owner", "hf://owner/", "hf:///name", "hf://a/b/c", "hf://owner/name@", "hf://ow ner/name",
     "hf://owner--x/name", "hf://owner/na..me", "hf://owner/name@rev with space", "hf://-owner/name"],
)
def test_bad_hub_source_is_a_value_error(source):
    with pytest.raises(ValueError, match="expected hf://owner/name"):
        resolve_model(source)


@pytest.mark.parametrize("revision", ["", "@main", "@v1", f"@{COMMIT}"], ids=["default", "branch", "tag", "commit"])
def test_hub_cache_hit_offline(offline_hub, revision):
    files = resolve_model(f"hf://testowner/tiny-vhs{revision}")
    assert files.fallback_reason is None
    snapshot = offline_hub / "models--testowner--tiny-vhs" / "snapshots" / COMMIT
    assert files.config_path == snapshot / "config.json"
    assert files.weights_path == snapshot / "generator.weights.h5"
    _, config = load_generator(files)
    # The cached tiny model, not the bundled stand-in (another architecture).
    assert config["generator"] == GENERATOR_CONFIGS["tiny"].to_dict()


def test_hub_cache_miss_falls_back_to_bundled_with_a_clear_message(offline_hub, other_folder, caplog):
    with caplog.at_level(logging.WARNING, logger="restore.engine.weights"):
        files = resolve_model("hf://testowner/not-cached@main")
    assert files.folder == other_folder
    assert "HF_HUB_OFFLINE" in files.fallback_reason and "not in the local cache" in files.fallback_reason
    assert "hf://testowner/not-cached@main" in files.fallback_reason
    assert "USING THE BUNDLED MODEL" in files.fallback_reason  # asked for by name: said loudly
    assert files.fallback_reason in caplog.text
    _, config = load_generator(files)
    assert config["generator"]["depth"] == 2


def test_hub_cache_miss_of_a_revision_not_cached(offline_hub, other_folder):
    files = resolve_model("hf://testowner/tiny-vhs@v2")  # repo cached, but not that tag
    assert files.folder == other_folder and "not in the local cache" in files.fallback_reason


def test_hub_source_from_environment_falls_back_too(offline_hub, other_folder, monkeypatch, caplog):
    monkeypatch.setenv(weights.ENVIRONMENT_VARIABLE, "hf://testowner/not-cached")
    with caplog.at_level(logging.WARNING, logger="restore.engine.weights"):
        files = resolve_model()
    assert files.folder == other_folder
    assert "$VHS_RESTORE_MODEL" in files.fallback_reason and "using the bundled model in checkpoints/" in files.fallback_reason
    assert "not-cached" in caplog.text


def test_hub_miss_without_fallback_raises(offline_hub):
    with pytest.raises(ModelLoadError, match="hf://testowner/not-cached: HF_HUB_OFFLINE is set"):
        resolve_model("hf://testowner/not-cached", fallback=False)


def test_hub_miss_and_no_bundled_model_says_both(offline_hub, monkeypatch, tmp_path):
    monkeypatch.setattr(weights, "BUNDLED_FOLDER", tmp_path / "empty-checkpoints")
    with pytest.raises(ModelLoadError, match="bundled model is missing too"):
        resolve_model("hf://testowner/not-cached")


def test_unreachable_hub_without_offline_mode(offline_hub, monkeypatch, other_folder):
    """Online mode, but every connection fails: huggingface_hub's own error path."""
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hub_constants, "ENDPOINT", "http://127.0.0.1:9")  # discard port: refused at once
    monkeypatch.setattr(hub_constants, "HF_HUB_ETAG_TIMEOUT", 2)
    # huggingface_hub retries refused connections with exponential backoff (~23 s of sleeps).
    from huggingface_hub.utils import _http

    no_wait_time = types.SimpleNamespace(**{name: getattr(time, name) for name in dir(time) if not name.startswith("_")})
    no_wait_time.sleep = lambda seconds: None
    monkeypatch.setattr(_http, "time", no_wait_time)
    files = resolve_model("hf://testowner/not-cached")
    assert files.folder == other_folder
    assert "Hugging Face Hub unreachable" in files.fallback_reason
    # Cached files are still found when the Hub is down.
    cached = resolve_model("hf://testowner/tiny-vhs")
    assert cached.fallback_reason is None and COMMIT in str(cached.config_path)
