"""The whole app as one `gr.Blocks`: the intro, then one tab per builder (Restore, Degrade,
Compare, Video), queued and guarded (`build_demo`). Building it makes the work folder and the
example images; importing this module does neither."""

from __future__ import annotations

import gradio as gr

from webui import workdir
from webui.compare_tab import build_compare_tab
from webui.degrade_tab import build_degrade_tab
from webui.examples import ExampleSet, make_examples
from webui.guard import guard_requests
from webui.limits import DEFAULT_CONCURRENCY, MAX_PIXELS, MAX_UPLOAD_MB, QUEUE_SIZE
from webui.restore_tab import build_restore_tab
from webui.video_tab import build_video_tab

INTRO = f"""
# VHS/PAL frame restoration
Restores digitised VHS frames (PAL, 720×576): grain and snow, line jitter, tearing at the top and
bottom, chroma delay and smear, soft detail, tint bands, dropouts and washed colours — with a
Pix2Pix (U-Net) model trained on clean photos damaged by a VHS simulator.
Uploads: PNG, JPEG, TIFF, BMP, WebP, GIF or PPM, up to {MAX_UPLOAD_MB} MB and
{MAX_PIXELS / 1e6:g} megapixels. Everything runs on this machine; nothing is uploaded elsewhere.
"""


def build_demo(examples: ExampleSet | None = None) -> gr.Blocks:
    """The whole app as a `gr.Blocks` (queued, not launched): one builder per tab.

    The work folder is set up first (`webui.workdir.prepare`): every Gradio block reads
    ``$GRADIO_TEMP_DIR`` for its cache when it is made. ``examples``: the example images
    (default: `make_examples`, written into the work folder).
    """
    workdir.prepare()
    examples = examples or make_examples()
    # delete_cache: every hour, Gradio deletes the files of its own (uploads) older than two hours.
    with gr.Blocks(title="VHS/PAL restoration", analytics_enabled=False, delete_cache=(3600, 7200)) as demo:
        gr.Markdown(INTRO)
        with gr.Tabs(selected="restore", elem_id="tabs") as tabs:
            restore_input = build_restore_tab(examples)
            build_degrade_tab(examples, restore_input, tabs)
            build_compare_tab(examples)
            build_video_tab()
    demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY, max_size=QUEUE_SIZE)
    return guard_requests(demo)
