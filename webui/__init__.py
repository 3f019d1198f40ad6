"""VHS/PAL frame restoration: the Gradio web app (also a Hugging Face Space; ``app.py`` runs it).

Four tabs:

* **Restore**: one image (or several) through the shipped Pix2Pix generator; a before/after
  slider and the restored PNG to download. An option treats the input as PAL anamorphic
  (720×576 non-square pixels).
* **Degrade**: the VHS/PAL simulator with one slider per strength, a dropdown per form
  option beside its artifact, a shuffle-order checkbox, presets, a seed and a "random"
  button; the preview updates when a slider is released or a choice changed, and can be sent
  to Restore.
* **Video**: a short clip (up to 10 s) restored frame by frame, with its sound; before and after
  players. Whole captures go through ``python -m restore``.
* **Compare**: SSIM, PSNR and an SSIM heat-map of two images, and a small study: one clean
  image is degraded, restored, and both are scored against the original.

This package is UI only: every image operation is a call into the `restore` package. Where
things live:

* handlers, plain functions that take file paths and settings and return file paths, numbers
  and tables (testable without a browser): `restore_handlers`, `degrade_handlers`,
  `compare_handlers`, `video_handlers`; what they share: `inputs` (uploads, checked values,
  errors, result folders), `model` (the shared, lazily loaded restorer), `limits`;
* one builder per tab, its layout then its events with their API names: `restore_tab`,
  `degrade_tab` (with the settings' words in `labels`), `compare_tab`, `video_tab`; the
  widgets they share: `components`; the example images: `examples`;
* `demo.build_demo` puts the tabs together, `guard` turns refused requests into plain
  messages, `workdir` owns the work folder, and `serve.serve` launches the app.

The API names: ``restore``, ``restore_batch``, ``degrade``, ``compare``, ``study`` and
``restore_video`` (all callable with ``gradio_client``). ``degrade`` keeps its original
parameters first (image, the sixteen original strengths, tint_hue, seed); everything added
since comes after seed, with defaults.

Run ``python app.py`` and open http://localhost:7860 (no network needed). The model is loaded
on first use, once, from ``$VHS_RESTORE_MODEL`` (a folder or ``hf://owner/name@rev``) or the
bundled ``checkpoints/``.

Files: one work folder per process (``vhs-restore-app-*`` in ``$GRADIO_TEMP_DIR`` or the system
temporary folder) holds everything the app writes: uploads, examples, results, and Gradio's own
cache (``$GRADIO_TEMP_DIR`` is pointed at it). Results are written there once and served from
there (Gradio copies only files outside its cache). The folder is removed when the server stops:
normal exit, Ctrl-C (SIGINT) or SIGTERM (how a Space is stopped); old results are pruned hourly.

Requests: each event has its own concurrency limit (the model one call at a time; the
simulator and the metrics, which need no model, beside it) under one queue of
`limits.QUEUE_SIZE` waiting requests. A refused request (bad value, bad file) gets a plain
message and leaves one ``refused /<api>: <reason>`` line in the server log, never a traceback.

No work at import: importing any module here sets no environment variable, makes no folder,
degrades no example and loads no model; `demo.build_demo` and `serve.serve` do that.
"""
