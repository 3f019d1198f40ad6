"""train.config and the command line derived from it (``python -m train``): `TrainConfig`
refuses bad values, generator configs by name or JSON, every field is an option with its
help and real default, and bad command lines exit 2 naming the option."""

from __future__ import annotations

import re

import pytest

from restore.engine.model import GENERATOR_CONFIGS
from train.config import TrainConfig

pytest_plugins = ("train_fixtures",)  # the fixture photos


# --------------------------------------------------------------------------- #
# Settings and command line
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    "overrides",
    [
        {"crop": 36},
        {"crop": 0},
        {"steps": 0},
        {"batch": 0},
        {"checkpoint_every": 0},
        {"bank_size": 0},
        {"mixed_precision": "sometimes"},
        {"families": "grain=1"},
        {"families": "clean=-1,bands=1"},
        {"families": "clean"},
        {"ema": 1.0},
        {"ema": -0.1},
    ],
)
def test_train_config_rejects_bad_values(overrides, tmp_path):
    with pytest.raises(ValueError):
        TrainConfig(data=str(tmp_path), out=str(tmp_path / "out"), **overrides)


@pytest.mark.parametrize("generator", ["huge", "[8, 3]", '{"depth": 12}', '{"base_filters": 8, "colour": true}'])
def test_unknown_generator_config_is_a_value_error(generator, tmp_path):
    config = TrainConfig(data=str(tmp_path), out=str(tmp_path / "out"), generator=generator)
    with pytest.raises(ValueError):
        config.generator_config()


def test_families_default_to_the_pair_settings_mix_or_follow_the_option():
    from train.pairs import PairSettings

    assert TrainConfig(data=".", out=".").pair_settings() == PairSettings()
    chosen = TrainConfig(data=".", out=".", families="clean=1,bands=3").pair_settings()
    assert chosen.families == (("clean", 1.0), ("bands", 3.0))


def test_generator_config_accepts_names_and_json(tmp_path):
    assert TrainConfig(data=".", out=".", generator="tiny").generator_config() == GENERATOR_CONFIGS["tiny"]
    custom = TrainConfig(data=".", out=".", generator='{"base_filters": 8, "depth": 4}').generator_config()
    assert (custom.base_filters, custom.depth) == (8, 4)


def test_cli_help_shows_every_option_with_its_help_and_real_default(capsys, monkeypatch):
    import dataclasses

    from train.__main__ import main

    monkeypatch.setenv("COLUMNS", "2000")  # one line per option: no wrapping
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    # One entry per option: its line, and the help argparse puts under a long metavar.
    entries = re.split(r"\n(?=  -)", capsys.readouterr().out.split("options:", 1)[1])
    for item in dataclasses.fields(TrainConfig):
        flag = item.metadata["flag"] or "--" + item.name.replace("_", "-")
        (line,) = [" ".join(entry.split()) for entry in entries if entry.split()[:1] == [flag] or entry.split()[:1] == [flag + ","]]
        assert item.metadata["help"] in line, flag
        if item.default not in (dataclasses.MISSING, None, False, True) and item.name not in ("data", "out"):
            assert f"(default {item.default})" in line, flag


def test_cli_bad_value_exits_2_with_message(photos, tmp_path, capsys):
    from train.__main__ import main

    train_dir, _ = photos
    assert main(["--data", str(train_dir), "--out", str(tmp_path / "out"), "--crop", "36"]) == 2
    assert "crop must be a multiple of 8" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- #
# Configuration: one dataclass, the command line derived from it
# --------------------------------------------------------------------------- #
def test_every_config_field_is_a_command_line_option_with_its_default():
    import dataclasses

    from train.__main__ import parse_arguments
    from train.config import from_arguments

    config = from_arguments(parse_arguments(["--data", "d", "--out", "o"]))
    assert config == TrainConfig(data="d", out="o")
    flags = {
        "--steps": ("steps", "7", 7), "--config": ("generator", "tiny", "tiny"), "--lr": ("learning_rate", "0.5", 0.5),
        "--final-lr": ("final_learning_rate", "0.25", 0.25), "--warmup": ("warmup_steps", "3", 3), "--d-lr": ("discriminator_learning_rate", "0.1", 0.1),
        "--val-images": ("validation_images", "2", 2), "--bank": ("bank_size", "5", 5), "--xla": ("xla", "off", "off"),
        "--init-from": ("init_from", "runs/x", "runs/x"), "--push-to-hub": ("push_to_hub", "o/n", "o/n"),
    }
    for flag, (field, text, value) in flags.items():
        assert getattr(from_arguments(parse_arguments(["--data", "d", "--out", "o", flag, text])), field) == value, flag
    for flag, field in (("--gan", "gan"), ("--resume", "resume")):
        assert getattr(from_arguments(parse_arguments(["--data", "d", "--out", "o", flag])), field) is True
    assert from_arguments(parse_arguments(["--data", "d", "--out", "o", "--no-gan"])).gan is False
    assert {field.name for field in dataclasses.fields(TrainConfig)} == set(vars(parse_arguments(["--data", "d", "--out", "o"])))


@pytest.mark.parametrize("argv, message", [(["--out", "o"], "--data"), (["--data", "d", "--out", "o", "--xla", "maybe"], "--xla"),
                                           (["--data", "d", "--out", "o", "--steps", "many"], "--steps")])
def test_bad_command_lines_name_the_option(argv, message, capsys):
    from train.__main__ import parse_arguments

    with pytest.raises(SystemExit):
        parse_arguments(argv)
    assert message in capsys.readouterr().err
