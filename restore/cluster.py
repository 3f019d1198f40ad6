"""Archive scale on Ray: many image files restored by workers that each load the model once.

``connect(cluster)`` starts or joins Ray: ``"local"`` starts it on this machine, ``"auto"``
joins the cluster this machine belongs to (``ray start --head`` / ``ray start --address``),
and anything else is a cluster address (``HOST:6379`` or ``ray://HOST:10001``).
`restore_files` then spreads (input, output) jobs over one `RestoreWorker` actor per
``cpus_per_worker`` CPUs of the cluster. Each worker loads the model once (the same source
the command line was given: a folder every machine can read, ``hf://...``, or the bundled
checkpoint of its own install) and keeps it; every job is `restore.batch.restore_one`, so
outputs are written atomically and a bad file is one reported outcome, not a stopped run.
Outcomes come back as they finish, for a progress bar over the whole collection.

Ray is imported only here, and only when a cluster is asked for.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from restore.batch import FileOutcome, restore_one

__all__ = ["AUTO", "LOCAL", "WorkerOptions", "connect", "describe", "restore_files"]

LOCAL, AUTO = "local", "auto"


@dataclass(frozen=True)
class WorkerOptions:
    """How every worker loads its restorer and restores a file (plain values: they travel)."""

    model: str | None = None
    tile: int | None = None
    line_alignment: bool | None = None
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
                ray.init(num_cpus=num_cpus or os.cpu_count(), **options)
            else:
                ray.init(address=cluster, **options)
        except ConnectionError as error:
            raise ValueError(f"--cluster {cluster}: cannot join a Ray cluster there ({error})") from None
    return ray.cluster_resources()


def describe(resources: dict[str, float]) -> str:
    """"4 CPUs on 2 machines" from Ray's cluster resources."""
    machines = sum(1 for key in resources if key.startswith("node:") and not key.startswith("node:__internal"))
    return f"{int(resources.get('CPU', 0))} CPUs on {max(machines, 1)} machine(s)"


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
                                          precision=self.options.precision)

        def restore(self, path: str, output: str) -> FileOutcome:
            return restore_one(self.restorer, Path(path), Path(output), pal_aspect=self.options.pal_aspect,
                               max_pixels=self.options.max_pixels)

    return RestoreWorker


def restore_files(jobs: list[tuple[Path, Path]], options: WorkerOptions, *, cpus_per_worker: int = 1,
                  workers: int | None = None) -> Iterator[FileOutcome]:
    """Restore every (input, output) job on the connected cluster; yields outcomes as they end.

    ``workers`` defaults to the cluster's CPUs divided by ``cpus_per_worker`` (at most one
    per job). Each worker holds a few jobs at a time, so a slow file does not hold up the rest.
    """
    import ray
    from ray.util import ActorPool

    if not jobs:
        return
    if workers is None:
        workers = max(1, int(ray.cluster_resources().get("CPU", 1)) // cpus_per_worker)
    worker_class = _worker_class(cpus_per_worker)
    actors = [worker_class.remote(asdict(options)) for _ in range(min(workers, len(jobs)))]
    pool = ActorPool(actors)
    try:
        yield from pool.map_unordered(lambda actor, job: actor.restore.remote(str(job[0]), str(job[1])), jobs)
    finally:
        for actor in actors:
            ray.kill(actor)
