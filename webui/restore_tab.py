"""The Restore tab: one image through the model, with a before/after slider and the restored
PNG to download (event ``restore``), and several images at once (``restore_batch``). An option
treats the input as PAL anamorphic (720×576 non-square pixels)."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from webui.components import image_input, image_output
from webui.examples import ExampleSet
from webui.limits import MAX_BATCH, MODEL_EVENTS
from webui.model import MODEL
from webui.restore_handlers import restore_batch, restore_image
from webui.tools import as_tool


@dataclass
class _SingleImage:
    image: gr.Image
    pal: gr.Checkbox
    button: gr.Button
    slider: gr.ImageSlider
    output: gr.Image
    download: gr.DownloadButton


@dataclass
class _Batch:
    files: gr.File
    pal: gr.Checkbox
    button: gr.Button
    report: gr.Markdown
    gallery: gr.Gallery
    outputs: gr.File


def _single_image_layout(examples: ExampleSet) -> _SingleImage:
    with gr.Row():
        with gr.Column():
            image = image_input("VHS frame", "restore-input")
            pal = gr.Checkbox(
                label="PAL anamorphic input",
                info="720×576 with non-square pixels: the result is resized to "
                "square pixels (720 → 768 wide)",
                elem_id="restore-pal",
            )
            button = gr.Button("Restore", variant="primary", elem_id="restore-button")
            if examples.degraded:
                gr.Examples(
                    [[p] for p in examples.degraded], inputs=[image],
                    example_labels=examples.labels, label="Degraded examples (default preset)",
                )
        with gr.Column():
            with gr.Tabs():
                with gr.Tab("Before / after"):
                    slider = gr.ImageSlider(
                        label="Before / after", type="filepath",
                        format="png", interactive=False, max_height=640, elem_id="restore-slider",
                    )
                with gr.Tab("Restored"):
                    output = image_output("Restored", "restore-output", height=480)
            download = gr.DownloadButton("Download restored PNG", elem_id="restore-download")
    return _SingleImage(image, pal, button, slider, output, download)


def _batch_layout() -> _Batch:
    with gr.Accordion("Several images at once", open=False), gr.Row():
        with gr.Column():
            files = gr.File(
                label=f"Images (up to {MAX_BATCH})", file_count="multiple",
                file_types=["image"], elem_id="batch-input",
            )
            pal = gr.Checkbox(label="PAL anamorphic input", elem_id="batch-pal")
            button = gr.Button("Restore all", variant="primary", elem_id="batch-button")
            report = gr.Markdown(label="Report", elem_id="batch-report")
        with gr.Column():
            gallery = gr.Gallery(label="Restored", columns=3, format="png", elem_id="batch-gallery")
            outputs = gr.File(label="Restored PNGs", file_count="multiple", elem_id="batch-output")
    return _Batch(files, pal, button, report, gallery, outputs)


def _restore_events(single: _SingleImage, batch: _Batch, model_info: gr.Markdown) -> None:
    def restore_event(image, pal_aspect, progress=gr.Progress()):  # noqa: B008 - Gradio fills it in
        """Restore one digitised VHS/PAL image."""
        return restore_image(image, pal_aspect, progress)

    single.button.click(
        as_tool(restore_event, "restore"), [single.image, single.pal], [single.output, single.slider, single.download],
        api_name="restore",
        api_description="Restore one image. Returns the restored PNG, the (input, restored) "
        "pair and the PNG to download.",
        **MODEL_EVENTS,
    ).then(lambda: f"Model: {MODEL.describe()}", None, model_info, api_visibility="private", queue=False)

    def batch_event(files, pal_aspect, progress=gr.Progress()):  # noqa: B008 - Gradio fills it in
        """Restore several images."""
        return restore_batch(files, pal_aspect, progress)

    batch.button.click(
        as_tool(batch_event, "restore_batch"), [batch.files, batch.pal], [batch.gallery, batch.outputs, batch.report],
        api_name="restore_batch",
        api_description="Restore several images; bad files are skipped and reported.",
        **MODEL_EVENTS,
    )


def build_restore_tab(examples: ExampleSet) -> gr.Image:
    """The Restore tab (one image; several at once) and its events ``restore`` and
    ``restore_batch``. Returns the image input, which the Degrade tab sends to."""
    with gr.Tab("Restore", id="restore", elem_id="tab-restore"):
        single = _single_image_layout(examples)
        batch = _batch_layout()
        model_info = gr.Markdown(f"Model: {MODEL.describe()}", elem_id="model-info")
    _restore_events(single, batch, model_info)
    return single.image
