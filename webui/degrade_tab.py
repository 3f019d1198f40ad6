"""The Degrade tab: the VHS/PAL simulator with one slider per strength, a dropdown per form
option beside its artifact, a shuffle-order checkbox, presets, a seed and a "random" button.
The preview updates when a slider is released or a choice changed (event ``degrade``, whose
parameters are `webui.degrade_handlers.DEGRADE_API_PARAMETERS`), and can be sent to Restore."""

from __future__ import annotations

import functools
import types
from dataclasses import dataclass
from typing import Any

import gradio as gr

from restore import PRESETS
from restore.degrade import (
    ANY,
    ARTIFACT_NAMES,
    FORM_ARTIFACT,
    FORM_OPTIONS,
    STRENGTH_NAMES,
    TABLE,
)
from restore.degrade.artifacts import STAGES
from webui.components import image_input, image_output
from webui.degrade_handlers import (
    DEGRADE_API_PARAMETERS,
    FORM_NAMES,
    SETTING_NAMES,
    degrade_api_description,
    degrade_event,
    preset_values,
    random_values,
)
from webui.examples import ExampleSet
from webui.inputs import input_error
from webui.labels import (
    ANY_LABEL,
    FORM_LABELS,
    SHUFFLE_LABEL,
    STAGE_TITLES,
    STRENGTH_LABELS,
    TINT_HUE_LABEL,
)
from webui.limits import DEFAULT_PRESET, DEGRADE_EVENTS, EXAMPLE_SEED
from webui.tools import as_tool

CUSTOM = "custom"  # the preset shown once the settings are no preset's
_CELLS_PER_ROW = 4


def _form_choices(option: str) -> list[tuple[str, str]]:
    """The dropdown choices of a form option: (label, value), "any" first."""
    return [(ANY_LABEL if form == ANY else form.replace("_", " "), form) for form in FORM_OPTIONS[option]]


def _passed_to_handler(component):
    """Let API values reach the handler unchanged: it checks them and names the parameter
    in its error (Gradio's own check of a dropdown value names neither)."""
    component.preprocess = types.MethodType(lambda self, payload: payload, component)
    return component


def _fill_row(cells: int) -> None:
    """Empty columns after ``cells`` cells, so every row keeps the same cell width."""
    for _ in range(_CELLS_PER_ROW - cells):
        gr.Column(min_width=220)


def _setting_cell(name: str, values: dict[str, Any], controls: dict[str, Any]) -> None:
    """One strength's cell: its slider, and its options below it (the tint band's hue, the
    artifact's form dropdowns). Adds the components to ``controls`` by setting name."""
    label, info = STRENGTH_LABELS[name]
    with gr.Column(min_width=220), gr.Group():
        controls[name] = gr.Slider(
            0.0, 1.0, value=values[name], step=0.01, label=label, info=info, elem_id=f"slider-{name}"
        )
        if name == "tint_band":
            label, info = TINT_HUE_LABEL
            controls["tint_hue"] = gr.Slider(
                0, 360, value=values["tint_hue"], step=1, label=label, info=info, elem_id="slider-tint_hue"
            )
        for option in FORM_NAMES:
            if FORM_ARTIFACT[option] == name:
                label, info = FORM_LABELS[option]
                controls[option] = _passed_to_handler(gr.Dropdown(
                    _form_choices(option), value=values[option], label=label, info=info,
                    elem_id=f"form-{option}",
                ))


def degrade_controls(values: dict[str, Any]) -> dict[str, Any]:
    """The Degrade tab's settings, set to ``values`` (`settings_values`): the artifacts
    stage by stage in the order the damage happens, four cells a row, then the second pass
    and the shuffle checkbox. Returns the components by name, in `SETTING_NAMES` order."""
    controls: dict[str, Any] = {}
    for stage in STAGES:
        names = [name for name in ARTIFACT_NAMES if TABLE[name].stage == stage]
        gr.Markdown(f"**{STAGE_TITLES[stage]}**")
        for start in range(0, len(names), _CELLS_PER_ROW):
            with gr.Row():
                row = names[start : start + _CELLS_PER_ROW]
                for name in row:
                    _setting_cell(name, values, controls)
                _fill_row(len(row))
    gr.Markdown("**Afterwards**")
    with gr.Row():
        rest = [name for name in STRENGTH_NAMES if name not in ARTIFACT_NAMES]  # the second pass
        for name in rest:
            _setting_cell(name, values, controls)
        with gr.Column(min_width=220):
            label, info = SHUFFLE_LABEL
            controls["shuffle_order"] = _passed_to_handler(
                gr.Checkbox(values["shuffle_order"], label=label, info=info, elem_id="degrade-shuffle")
            )
        _fill_row(len(rest) + 1)
    return {name: controls[name] for name in SETTING_NAMES}


@dataclass
class _DegradeTab:
    image: gr.Image
    preset: gr.Dropdown
    seed: gr.Number
    random: gr.Button
    apply: gr.Button
    output: gr.Image
    download: gr.DownloadButton
    send: gr.Button
    controls: dict[str, Any]

    def inputs(self) -> list:
        """The /degrade inputs, in `DEGRADE_API_PARAMETERS` order."""
        components = {**self.controls, "image": self.image, "seed": self.seed}
        return [components[name] for name in DEGRADE_API_PARAMETERS]


def _image_column(examples: ExampleSet) -> tuple:
    """The clean image, its examples, the preset and seed, and the two buttons."""
    with gr.Column():
        image = image_input("Clean image", "degrade-input", value=examples.first_clean)
        if examples.clean:
            gr.Examples(
                [[p] for p in examples.clean], inputs=[image],
                example_labels=examples.labels, label="Clean examples",
            )
        with gr.Row():
            preset = gr.Dropdown(
                list(PRESETS) + [CUSTOM], value=DEFAULT_PRESET, label="Preset",
                info="sets all the settings below", elem_id="degrade-preset",
            )
            seed = gr.Number(
                EXAMPLE_SEED, label="Seed", precision=0, minimum=0,
                info="same seed, same damage", elem_id="degrade-seed",
            )
        with gr.Row():
            random = gr.Button("Random settings", elem_id="degrade-random")
            apply = gr.Button("Degrade", variant="primary", elem_id="degrade-button")
    return image, preset, seed, random, apply


def _preview_column(examples: ExampleSet) -> tuple:
    """The degraded preview, its download and the button that sends it to Restore."""
    with gr.Column():
        output = image_output("Degraded preview", "degrade-output", value=examples.first_degraded)
        with gr.Row():
            download = gr.DownloadButton(
                "Download degraded PNG", value=examples.first_degraded, elem_id="degrade-download"
            )
            send = gr.Button("Send to Restore →", elem_id="degrade-send")
    return output, download, send


def _degrade_layout(examples: ExampleSet) -> _DegradeTab:
    with gr.Tab("Degrade", id="degrade", elem_id="tab-degrade"):
        with gr.Row():
            image, preset, seed, random, apply = _image_column(examples)
            output, download, send = _preview_column(examples)
        gr.Markdown(
            "**Artifacts**, in the order the damage happens: strength 0 = off, 1 = strongest; a form "
            "“any” is drawn from the seed. The preview updates when you release a slider or change a choice."
        )
        controls = degrade_controls(preset_values(DEFAULT_PRESET))
    return _DegradeTab(image, preset, seed, random, apply, output, download, send, controls)


def _degrade_tool():
    """`degrade_event` as the ``degrade`` tool (same signature, its own name and docstring)."""

    @functools.wraps(degrade_event)
    def degrade(image, *values):
        return degrade_event(image, *values)

    return as_tool(degrade, "degrade")


def _degrade_events(tab: _DegradeTab, restore_input: gr.Image, tabs: gr.Tabs) -> None:
    """``degrade`` on every change of a setting, then the private events: a new image, a
    preset, random settings, and sending the result to ``restore_input``."""
    inputs, outputs, controls = tab.inputs(), [tab.output, tab.download], tab.controls
    sliders = [c for c in controls.values() if isinstance(c, gr.Slider)]
    choices = [c for c in controls.values() if not isinstance(c, gr.Slider)]  # dropdowns, checkbox
    gr.on(
        [s.release for s in sliders] + [c.input for c in choices] + [tab.seed.submit, tab.apply.click],
        _degrade_tool(), inputs, outputs, api_name="degrade",
        api_description=degrade_api_description(), trigger_mode="always_last", **DEGRADE_EVENTS,
    )

    def new_clean_image(image, *values):
        if image is None:
            return None, None
        return degrade_event(image, *values)

    tab.image.change(new_clean_image, inputs, outputs, api_visibility="private", trigger_mode="always_last",
                     **DEGRADE_EVENTS)

    def preset_event(name):
        if name == CUSTOM:
            return [gr.skip()] * len(controls)
        values = preset_values(name)
        return [values[setting] for setting in controls]

    tab.preset.input(preset_event, tab.preset, list(controls.values()), api_visibility="private").then(
        new_clean_image, inputs, outputs, api_visibility="private", **DEGRADE_EVENTS
    )

    def random_event():
        values, seed = random_values()
        return [*(values[setting] for setting in controls), seed, CUSTOM]

    tab.random.click(
        random_event, None, [*controls.values(), tab.seed, tab.preset], api_visibility="private"
    ).then(new_clean_image, inputs, outputs, api_visibility="private", **DEGRADE_EVENTS)

    def send_event(degraded):
        if not degraded:
            raise input_error("There is no degraded image to send yet.", title="Nothing to send")
        return degraded, gr.Tabs(selected="restore")

    tab.send.click(send_event, tab.output, [restore_input, tabs], api_visibility="private", queue=False)


def build_degrade_tab(examples: ExampleSet, restore_input: gr.Image, tabs: gr.Tabs) -> None:
    """The Degrade tab and its events: ``degrade`` (every setting, see
    `degrade_api_description`), presets, random settings, and sending the result to
    ``restore_input`` on the Restore tab."""
    _degrade_events(_degrade_layout(examples), restore_input, tabs)
