"""The command lines, kept apart from the library they drive (argparse lives only here).

* `command`: ``python -m restore INPUT... -o OUTDIR`` (images and folders; `video` adds the
  video inputs and options);
* `degrade`: ``python -m restore.degrade``, the simulator's command line (stills and clips);
* `outputs`: what they share: where each output goes, and what to do when it exists;
* `quiet`: TensorFlow's start-up chatter kept off stderr, where each line reports an input.

Each is a thin layer: it parses, reports and sets the exit status; the work is done by
`restore.engine`, `restore.video` and `restore.degrade`.
"""
