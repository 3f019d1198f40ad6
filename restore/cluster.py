"""Archive scale on Ray: many image files restored by workers that each load the model once.

``connect(cluster)`` starts or joins Ray: ``"local"`` starts it on this machine (with
``$VHS_RESTORE_LOCAL_CPUS`` CPUs, default all), ``"auto"``
joins the cluster this machine belongs to (``ray start --head`` / ``ray start --address``),
and anything else is a cluster address (``HOST:6379`` or ``ray://HOST:10001``).
`restore_files` then spreads (input, output) jobs over one `RestoreWorker` actor per
``cpus_per_worker`` CPUs of the cluster. The workers are kept for the whole process (the
images and every video of a run share them) and all run one precision (with ``auto``, the
first worker's choice), and each loads the model once (the same source
the command line was given: a folder every machine can read, ``hf://...``, or the bundled
checkpoint of its own install) and keeps it; every job is `restore.batch.restore_one`, so
outputs are written atomically and a bad file is one reported outcome, not a stopped run.
Outcomes come back as they finish, for a progress bar over the whole collection.

Ray is imported only here, and only when a cluster is asked for.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from restore.batch import FileOutcome, restore_one
from restore.video.segments import Segment, join_segments, plan_segments

__all__ = ["AUTO", "LOCAL", "WorkerOptions", "connect", "describe", "restore_files", "restore_video_in_segments"]

LOCAL, AUTO = "local", "auto"
LOCAL_CPUS_ENV = "VHS_RESTORE_LOCAL_CPUS"  # CPUs a --cluster local Ray may use (default: all)


@dataclass(frozen=True)
class WorkerOptions:
    """How every worker loads its restorer and restores a file (plain values: they travel)."""

    model: str | None = None
    tile: int | None = None
    line_alignment: bool | None = None
    colour_bars: bool | None = None
    precision: str = "auto"
    pal_aspect: bool = False
    max_pixels: int = 50_000_000


def connect(cluster: str, num_cpus: int | None = None) -> dict[str, float]:
    """Start (``"local"``) or join (``"auto"``, an address) Ray; returns the cluster's resources.

    Raises `ValueError` naming the address when there is no cluster to join.
    """
    import ray

    if not isinstance(cluster, str) or not cluster:
        raise ValueError(f"cluster must be 'local', 'auto' or an address, got {cluster!r}")
    if not ray.is_initialized():
        options = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
        try:
            if cluster == LOCAL:
                ray.init(num_cpus=num_cpus or int(os.environ.get(LOCAL_CPUS_ENV) or 0) or os.cpu_count(), **options)
            else:
                ray.init(address=cluster, **options)
        except ConnectionError as error:
            raise ValueError(f"--cluster {cluster}: cannot join a Ray cluster there ({error})") from None
    return ray.cluster_resources()


def describe(resources: dict[str, float]) -> str:
    """"4 CPUs on 2 machines" from Ray's cluster resources."""
    machines = sum(1 for key in resources if key.startswith("node:") and not key.startswith("node:__internal"))
    return f"{int(resources.get('CPU', 0))} CPUs on {max(machines, 1)} machine(s)"


@functools.cache
def _worker_class(cpus_per_worker: int):
    import ray

    @ray.remote(num_cpus=cpus_per_worker)
    class RestoreWorker:
        """One process with one restorer, kept for every job it gets."""

        def __init__(self, options: dict):
            import tensorflow as tf

            # As many threads as CPUs this worker was given: workers share a machine.
            tf.config.threading.set_intra_op_parallelism_threads(cpus_per_worker)
            tf.config.threading.set_inter_op_parallelism_threads(1)
            from restore.engine.restorer import DEFAULT_TILE, load_restorer

            self.options = WorkerOptions(**options)
            tile = DEFAULT_TILE if self.options.tile is None else (self.options.tile or None)
            self.restorer = load_restorer(self.options.model, tile=tile, line_alignment=self.options.line_alignment,
                                          colour_bars=self.options.colour_bars, precision=self.options.precision)

        def precision(self) -> str:
            return self.restorer.precision

        def restore(self, path: str, output: str) -> FileOutcome:
            return restore_one(self.restorer, Path(path), Path(output), pal_aspect=self.options.pal_aspect,
                               max_pixels=self.options.max_pixels)

        def restore_segment(self, path: str, segment: Segment, output: str, video_options: dict) -> int:
            """Restore one segment of a video into ``output`` (FFV1, no audio); its frame count."""
            from restore.video import restore_video

            report = restore_video(path, output, self.restorer, pal_aspect=self.options.pal_aspect, progress=False,
                                   segment=segment, **video_options)
            return report.frames_in

    return RestoreWorker


# The workers of this process, by (options, CPUs each): started once and kept, so every
# image and video of a run (and of later calls) shares them, each with its model loaded.
_ACTORS: dict[tuple[WorkerOptions, int], list] = {}


def _worker_count(cpus_per_worker: int) -> int:
    import ray

    return max(1, int(ray.cluster_resources().get("CPU", 1)) // cpus_per_worker)


@contextlib.contextmanager
def _pool(options: WorkerOptions, cpus_per_worker: int, count: int):
    """An `ActorPool` of ``count`` kept workers (started as needed). Should the run fail or be
    interrupted, the workers are killed, so none goes on with a job nobody waits for."""
    import ray
    from ray.util import ActorPool

    actors = _ACTORS.setdefault((options, cpus_per_worker), [])
    worker_class = _worker_class(cpus_per_worker)
    pinned = options
    if options.precision == "auto" and count > len(actors):
        # One precision for the whole run, so that every segment of a video and every image
        # is restored alike: the first worker times the modes, the others take its choice.
        if not actors:
            actors.append(worker_class.remote(asdict(options)))
        pinned = dataclasses.replace(options, precision=ray.get(actors[0].precision.remote()))
    actors += [worker_class.remote(asdict(pinned)) for _ in range(count - len(actors))]
    try:
        yield ActorPool(actors[:count])
    except BaseException:
        for actor in _ACTORS.pop((options, cpus_per_worker), []):
            ray.kill(actor)
        raise


def restore_files(jobs: list[tuple[Path, Path]], options: WorkerOptions, *, cpus_per_worker: int = 1,
                  workers: int | None = None) -> Iterator[FileOutcome]:
    """Restore every (input, output) job on the connected cluster; yields outcomes as they end.

    ``workers`` defaults to the cluster's CPUs divided by ``cpus_per_worker`` (at most one
    per job). Each worker holds a few jobs at a time, so a slow file does not hold up the rest.
    """
    if not jobs:
        return
    count = min(workers or _worker_count(cpus_per_worker), len(jobs))
    with _pool(options, cpus_per_worker, count) as pool:
        yield from pool.map_unordered(lambda actor, job: actor.restore.remote(str(job[0]), str(job[1])), jobs)


@dataclass(frozen=True)
class SegmentedRun:
    """What `restore_video_in_segments` did: frames joined, segments, and how many were reused."""

    frames: int
    segments: int
    reused: int


def segment_folder(output: Path) -> Path:
    """Where the finished segments of ``output`` wait for the join (and for a resumed run)."""
    return output.parent / f".{output.stem}.segments"


def restore_video_in_segments(path: Path, output: Path, options: WorkerOptions, video_options: dict, *,
                              segments: int | None = None, cpus_per_worker: int = 1,
                              on_segment=lambda frames: None) -> SegmentedRun:
    """Restore one video on the cluster: cut at keyframes into ``segments`` (default two per
    worker), each restored by a worker into ``OUTDIR/.<stem>.segments/`` (FFV1, written
    whole or not at all), then joined with the source's audio into ``output``. Segments
    already there from an earlier, interrupted run are reused. ``on_segment(frames)`` is
    called as each segment is done (reused ones first)."""
    workers = _worker_count(cpus_per_worker)
    plan = plan_segments(path, segments or 2 * workers)
    folder = segment_folder(output)
    folder.mkdir(exist_ok=True)
    todo = [segment for segment in plan if not (folder / segment.file_name).is_file()]
    for segment in plan:
        if segment not in todo:
            on_segment(segment.frames)
    if todo:
        with _pool(options, cpus_per_worker, min(workers, len(todo))) as pool:
            for frames in pool.map_unordered(lambda actor, segment: actor.restore_segment.remote(
                    str(path), segment, str(folder / segment.file_name), video_options), todo):
                on_segment(frames)
    join_segments([folder / segment.file_name for segment in plan], path, output)
    shutil.rmtree(folder, ignore_errors=True)  # our own folder: the segments and any temporary left by a kill
    return SegmentedRun(frames=sum(segment.frames for segment in plan), segments=len(plan), reused=len(plan) - len(todo))
