"""The Compare tab: SSIM, PSNR and an SSIM heat-map of two images (event ``compare``), and a
small study: one clean image is degraded, restored, and both are scored against the original
(``study``)."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from restore import PRESETS
from webui.compare_handlers import (
    STUDY_HEADERS,
    compare_images,
    compare_summary,
    psnr_for_display,
    run_study,
)
from webui.components import image_input, image_output
from webui.examples import ExampleSet
from webui.limits import (
    COMPARE_EVENTS,
    DEFAULT_PRESET,
    EXAMPLE_SEED,
    MODEL_EVENTS,
    PSNR_CAP_DB,
)
from webui.tools import as_tool


@dataclass
class _Pair:
    a: gr.Image
    b: gr.Image
    heatmap: gr.Image
    resize: gr.Checkbox
    button: gr.Button
    ssim: gr.Number
    psnr: gr.Number
    summary: gr.Markdown


@dataclass
class _Study:
    image: gr.Image
    preset: gr.Dropdown
    seed: gr.Number
    button: gr.Button
    degraded: gr.Image
    restored: gr.Image
    table: gr.Dataframe
    summary: gr.Markdown


def _pair_layout(examples: ExampleSet) -> _Pair:
    gr.Markdown(
        "### Two images: SSIM, PSNR and where they differ\n"
        "The SSIM map is dark where the images differ and yellow where they match."
    )
    with gr.Row():
        a = image_input("Image A (reference)", "compare-a", value=examples.first_clean)
        b = image_input("Image B", "compare-b", value=examples.first_degraded)
        heatmap = image_output("SSIM map", "compare-map")
    with gr.Row():
        resize = gr.Checkbox(label="Resize B to A's size", info="when their sizes differ", elem_id="compare-resize")
        button = gr.Button("Compare", variant="primary", elem_id="compare-button")
    with gr.Row():
        ssim = gr.Number(label="SSIM", info="1 = identical", interactive=False, elem_id="compare-ssim")
        psnr = gr.Number(
            label="PSNR", info=f"dB; higher = closer; identical images show {PSNR_CAP_DB:g}",
            interactive=False, elem_id="compare-psnr",
        )
        summary = gr.Markdown(label="Summary", elem_id="compare-summary")
    return _Pair(a, b, heatmap, resize, button, ssim, psnr, summary)


def _study_layout(examples: ExampleSet) -> _Study:
    gr.Markdown(
        "### Study: degrade → restore\nOne clean image is degraded with a preset, then "
        "restored; both are scored against the clean original."
    )
    with gr.Row():
        with gr.Column():
            image = image_input("Clean image", "study-input", value=examples.first_clean)
            with gr.Row():
                preset = gr.Dropdown(list(PRESETS), value=DEFAULT_PRESET, label="Preset", elem_id="study-preset")
                seed = gr.Number(EXAMPLE_SEED, label="Seed", precision=0, minimum=0, elem_id="study-seed")
            button = gr.Button("Degrade and restore", variant="primary", elem_id="study-button")
        degraded = image_output("Degraded", "study-degraded")
        restored = image_output("Restored", "study-restored")
    table = gr.Dataframe(
        headers=STUDY_HEADERS, datatype=["str", "number", "number"], interactive=False,
        label="Scores against the clean image", elem_id="study-table",
    )
    summary = gr.Markdown(label="Summary", elem_id="study-summary")
    if examples.clean:
        gr.Examples(
            [[p] for p in examples.clean], inputs=[image], example_labels=examples.labels,
            label="Clean examples",
        )
    return _Study(image, preset, seed, button, degraded, restored, table, summary)


def _compare_events(pair: _Pair, study: _Study) -> None:
    def compare_event(image_a, image_b, resize):
        """Score two images against each other."""
        ssim_value, psnr_value, heatmap = compare_images(image_a, image_b, resize)
        return ssim_value, psnr_for_display(psnr_value), heatmap, compare_summary(ssim_value, psnr_value)

    pair.button.click(
        as_tool(compare_event, "compare"), [pair.a, pair.b, pair.resize], [pair.ssim, pair.psnr, pair.heatmap, pair.summary],
        api_name="compare",
        api_description=f"SSIM, PSNR (dB; {PSNR_CAP_DB:g} for identical images) and the SSIM "
        "heat-map of two images (at most 1280 pixels long; the scores use every pixel), and a "
        "one-line summary. Different sizes are an error unless resize is true (B is then resized "
        "to A's size).",
        **COMPARE_EVENTS,
    )

    def study_event(image, preset, seed, progress=gr.Progress()):  # noqa: B008 - Gradio fills it in
        """Degrade a clean image, restore it and score both."""
        degraded, restored, rows, summary = run_study(image, preset, seed, progress)
        rows = [[name, s, psnr_for_display(p)] for name, s, p in rows]
        return degraded, restored, rows, summary

    study.button.click(
        as_tool(study_event, "study"), [study.image, study.preset, study.seed],
        [study.degraded, study.restored, study.table, study.summary],
        api_name="study",
        api_description="Degrade a clean image with a preset and seed, restore it, and score "
        "clean vs degraded and clean vs restored (SSIM, PSNR).",
        **MODEL_EVENTS,
    )


def build_compare_tab(examples: ExampleSet) -> None:
    """The Compare tab: two images scored (``compare``) and the degrade → restore study (``study``)."""
    with gr.Tab("Compare", id="compare", elem_id="tab-compare"):
        pair = _pair_layout(examples)
        study = _study_layout(examples)
    _compare_events(pair, study)
