"""The Degrade tab: its handlers and the /degrade parameters (`webui.degrade_handlers`), its
words (`webui.labels`) and its controls (`webui.degrade_tab`)."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from webui_helpers import ADDED_DEGRADE_PARAMETERS, OLD_DEGRADE_PARAMETERS, read_png

from restore import PRESETS, DegradeSettings, degrade
from restore.degrade import FORM_OPTIONS, ORIGINAL_STRENGTH_NAMES, STRENGTH_NAMES
from restore.degrade.artifacts import STAGES
from webui import degrade_handlers, degrade_tab, labels

pytest_plugins = ("webui_fixtures",)  # the fixture picture


def test_degrade_all_zero_is_identity_and_presets_match_library(picture):
    path, rgb = picture
    zero = degrade_handlers.settings_from_values([0.0] * len(STRENGTH_NAMES), 35)
    np.testing.assert_array_equal(read_png(degrade_handlers.degrade_image(path, zero, 5)), rgb)
    out = read_png(degrade_handlers.degrade_image(path, PRESETS["default"], 5))
    np.testing.assert_array_equal(out, degrade(rgb, PRESETS["default"], seed=5))
    assert Path(degrade_handlers.degrade_image(path, PRESETS["default"], 5)).name == "frame_degraded.png"


@pytest.mark.parametrize("preset", list(PRESETS))
def test_preset_values_round_trip_to_settings(preset):
    values = degrade_handlers.preset_values(preset)
    assert list(values) == list(degrade_handlers.SETTING_NAMES)  # every strength, the hue, every form, shuffle
    assert degrade_handlers.settings_from_values(values) == PRESETS[preset]


def test_settings_from_values_lists_dicts_and_defaults():
    heavy = degrade_handlers.preset_values("heavy")
    strengths = [heavy[name] for name in STRENGTH_NAMES]
    assert degrade_handlers.settings_from_values(strengths, heavy["tint_hue"]) == PRESETS["heavy"]
    original = [heavy[name] for name in ORIGINAL_STRENGTH_NAMES]  # the original sixteen alone
    assert degrade_handlers.settings_from_values(original) == DegradeSettings(**dict(zip(ORIGINAL_STRENGTH_NAMES, original)))
    assert degrade_handlers.settings_from_values({"grain": 0.5}) == DegradeSettings(grain=0.5)
    assert degrade_handlers.settings_from_values({"grain": None, "tint_hue": None}) == DegradeSettings()
    chosen = degrade_handlers.settings_from_values({"color_band": 1, "band_form": "tint", "shuffle_order": True})
    assert chosen == DegradeSettings(color_band=1.0, band_form="tint", shuffle_order=True)
    assert degrade_handlers.settings_from_values({"shuffle_order": np.bool_(False)}).shuffle_order is False
    with pytest.raises(gr.Error, match="expected"):
        degrade_handlers.settings_from_values([0.1, 0.2])
    with pytest.raises(gr.Error, match="Unknown preset"):
        degrade_handlers.preset_values("nope")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"grain": 1.5}, "grain strength must be in [0, 1], got 1.5"),
        ({"grain": "0.5"}, "grain must be a number, got '0.5'"),
        ({"color_band": True}, "color_band must be a number"),
        ({"band_form": "nope"}, "band_form must be one of any, channel_loss, tint, added_colour; got 'nope'"),
        ({"band_position": None}, "band_position must be one of"),
        ({"resample_filter": 3}, "resample_filter must be one of"),
        ({"shuffle_order": "false"}, "shuffle_order must be true or false, got 'false'"),  # not truthy
        ({"shuffle_order": 1}, "shuffle_order must be true or false, got 1"),
        ({"shuffle_order": None}, "shuffle_order must be true or false"),
        ({"cast": 1.0}, "unknown setting 'cast'"),
    ],
)
def test_settings_from_values_refuses_bad_values_naming_them(values, message):
    with pytest.raises(gr.Error) as info:
        degrade_handlers.settings_from_values(values)
    assert message in info.value.message
    assert info.value.title == "Invalid settings" and info.value.print_exception is False


def test_random_values_are_reproducible_and_valid():
    values, seed = degrade_handlers.random_values(123)
    assert seed == 123 and degrade_handlers.random_values(123) == (values, 123)
    assert list(values) == list(degrade_handlers.SETTING_NAMES)
    assert all(0.0 <= values[name] <= 1.0 for name in STRENGTH_NAMES) and 0 <= values["tint_hue"] < 360
    assert all(values[option] == "any" for option in FORM_OPTIONS)
    assert isinstance(values["shuffle_order"], bool)
    degrade_handlers.settings_from_values(values)  # valid settings
    shuffled = [degrade_handlers.random_values(seed)[0]["shuffle_order"] for seed in range(20)]
    assert True in shuffled and False in shuffled
    _, fresh_seed = degrade_handlers.random_values()
    assert isinstance(fresh_seed, int) and fresh_seed >= 0
    with pytest.raises(gr.Error, match="seed"):
        degrade_handlers.random_values(-1)


def test_every_setting_has_a_label_and_a_place():
    assert set(labels.STRENGTH_LABELS) == set(STRENGTH_NAMES)
    assert set(labels.FORM_LABELS) == set(FORM_OPTIONS)
    assert set(labels.STAGE_TITLES) == set(STAGES)
    for label, info in [*labels.STRENGTH_LABELS.values(), *labels.FORM_LABELS.values()]:
        assert label and info and "_" not in label
    assert degrade_handlers.SETTING_NAMES == (*STRENGTH_NAMES, "tint_hue", *FORM_OPTIONS, "shuffle_order")
    assert list(degrade_handlers.DEGRADE_API_PARAMETERS) == OLD_DEGRADE_PARAMETERS + ADDED_DEGRADE_PARAMETERS
    description = degrade_handlers.degrade_api_description()
    for name in degrade_handlers.DEGRADE_API_PARAMETERS[1:]:
        assert name in description
    for forms in FORM_OPTIONS.values():
        assert " | ".join(forms) in description


def test_degrade_event_takes_the_api_order(picture):
    path, rgb = picture
    settings = PRESETS["archive"]
    values = {**degrade_handlers.settings_values(settings), "seed": 4}
    preview, download = degrade_handlers.degrade_event(path, *(values[name] for name in degrade_handlers.DEGRADE_API_PARAMETERS[1:]))
    assert preview == download
    np.testing.assert_array_equal(read_png(preview), degrade(rgb, settings, seed=4))
    with pytest.raises(gr.Error, match="expected"):
        degrade_handlers.degrade_event(path, 0.0, 35, 0)


def test_degrade_controls_cover_every_setting():
    with gr.Blocks():
        controls = degrade_tab.degrade_controls(degrade_handlers.preset_values("archive"))
    assert list(controls) == list(degrade_handlers.SETTING_NAMES)
    for name in STRENGTH_NAMES:
        assert isinstance(controls[name], gr.Slider) and controls[name].label == labels.STRENGTH_LABELS[name][0]
    for option, forms in FORM_OPTIONS.items():
        dropdown = controls[option]
        assert isinstance(dropdown, gr.Dropdown) and [value for _, value in dropdown.choices] == list(forms)
        assert dropdown.value == getattr(PRESETS["archive"], option)
        assert dropdown.preprocess("nope") == "nope"  # left to the handler, which names the option
    assert isinstance(controls["shuffle_order"], gr.Checkbox) and controls["shuffle_order"].value is False
