"""The Video tab: a short clip (up to `limits.MAX_VIDEO_SECONDS`) restored frame by frame, with
its sound, and before and after players (event ``restore_video``). Whole captures go through
``python -m restore``."""

from __future__ import annotations

import gradio as gr

from webui.limits import MAX_VIDEO_FRAMES, MAX_VIDEO_SECONDS, MODEL_EVENTS
from webui.tools import as_tool
from webui.video_handlers import VIDEO_MODES, restore_video_clip


def build_video_tab() -> None:
    """The Video tab: a short clip restored frame by frame (``restore_video``)."""
    with gr.Tab("Video", id="video", elem_id="tab-video"):
        gr.Markdown(
            f"### Short clips\nUp to {MAX_VIDEO_SECONDS} s ({MAX_VIDEO_FRAMES} frames). Every frame is "
            "restored; frame rate, duration and sound are kept. Whole captures: "
            "`python -m restore capture.avi -o OUTDIR` (same options, no length limit)."
        )
        with gr.Row():
            with gr.Column():
                v_input = gr.Video(label="VHS clip", sources=["upload"], elem_id="video-input")
                v_mode = gr.Radio(
                    VIDEO_MODES, value="frames", label="Interlaced video",
                    info="whole frames: fastest; each field: keeps the interlaced structure (archive "
                    "masters); bob: smooth 50p for screens, twice the work",
                    elem_id="video-mode",
                )
                v_button = gr.Button("Restore clip", variant="primary", elem_id="video-button")
            with gr.Column():
                v_before = gr.Video(label="Before", interactive=False, elem_id="video-before")
                v_after = gr.Video(label="After (restored)", interactive=False, elem_id="video-after")

    def video_event(clip, mode, progress=gr.Progress()):  # noqa: B008 - Gradio fills it in
        """Restore a short video clip."""
        return restore_video_clip(clip, mode, progress)

    v_button.click(
        as_tool(video_event, "restore_video"), [v_input, v_mode], [v_before, v_after], api_name="restore_video",
        api_description=f"Restore a short video clip (up to {MAX_VIDEO_SECONDS} s): mode frames, fields or "
        "bob. Returns the input and the restored clip (H.264; the sound copied).",
        **MODEL_EVENTS,
    )
