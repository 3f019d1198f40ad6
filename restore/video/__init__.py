"""Video files: restore (or otherwise transform) every frame of a capture, keep its sound.

`restore_video` runs a `restore.engine.restorer.Restorer` over a file; `transform_video` is the
same pipeline for any per-picture function ``process(picture, frame)``, where ``frame``
is the picture's `FrameContext` (input frame index, time, field), so a function that
changes over time needs no counter of its own (the simulator's
``python -m restore.degrade clip.mp4 -o bad.mp4`` uses it). The package imports neither
Gradio nor TensorFlow (the restorer is passed in); PyAV (the FFmpeg bindings from PyPI)
is imported when a file is opened.

One module per concern:

* `formats`: video suffixes, codecs, containers, output and partial file names;
* `probe`: opening an input and reading its headers (`probe_video`, `VideoInfo`);
* `fields`: splitting frames into fields, weaving and bobbing them (and the trade-offs
  of the three modes for interlaced PAL);
* `frames`: the model stage: what a frame becomes in each mode, `FrameContext`;
* `reader`, `writer`: decoding; encoding (`VideoWriter`, also for clips made from
  arrays), timestamps and the audio copy;
* `stages`: the three threads and their bounded queues, and Ctrl-C while closing;
* `pipeline`: `transform_video` and `restore_video`: checks, the run, the output's fate;
* `results`: `VideoReport`, `VideoInterrupted`, `VideoError`.
"""

from restore.video.fields import bob_field, split_fields, weave_fields
from restore.video.formats import (
    CODECS,
    DEFAULT_CODEC,
    VIDEO_SUFFIXES,
    is_video_path,
    output_suffix,
    partial_path_for,
)
from restore.video.frames import Batched, FrameContext
from restore.video.pipeline import restore_video, transform_video
from restore.video.probe import VideoInfo, probe_video
from restore.video.results import VideoError, VideoInterrupted, VideoReport
from restore.video.writer import OutputFormat, VideoWriter

__all__ = [
    "Batched",
    "CODECS",
    "DEFAULT_CODEC",
    "VIDEO_SUFFIXES",
    "FrameContext",
    "OutputFormat",
    "VideoError",
    "VideoInfo",
    "VideoInterrupted",
    "VideoReport",
    "VideoWriter",
    "bob_field",
    "is_video_path",
    "output_suffix",
    "partial_path_for",
    "probe_video",
    "restore_video",
    "split_fields",
    "transform_video",
    "weave_fields",
]
