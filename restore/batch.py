"""Restoring many image files: one outcome per file, by the same rules wherever it runs.

The command line's own loop (`restore_files`) and the Ray workers of `restore.cluster`
(`restore_one`) describe a bad file the same way on one machine or on fifty, and it never
stops the others: unreadable input, output that cannot be written, or an image the
network cannot take each become a `FileOutcome` with the reason instead of an exception.
`restore_files` reads the next file and writes the last one in threads while the network
restores the current one: PNG encoding alone takes half as long as the network on a PAL
frame (`bench/speed.py`), and it need not wait.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from restore.images import MAX_PIXELS, ImageError, read_image

__all__ = ["FileOutcome", "restore_files", "restore_one"]


@dataclass(frozen=True)
class FileOutcome:
    """What became of one input: ``reason`` is None when ``output`` was written."""

    path: Path
    output: Path
    reason: str | None = None
    reported_path: Path | None = None  # the file the reason is about (a symbolic link's target, say)

    @property
    def ok(self) -> bool:
        return self.reason is None


def restore_one(restorer, path: Path, output: Path, *, pal_aspect: bool = False, max_pixels: int = MAX_PIXELS) -> FileOutcome:
    """Restore ``path`` into ``output`` (atomically) with ``restorer``; never raises for a bad file."""
    return _outcome(path, output, lambda: restorer.restore_file(path, output, pal_aspect=pal_aspect, max_pixels=max_pixels))


def restore_files(restorer, jobs: list[tuple[Path, Path]], *, pal_aspect: bool = False,
                  max_pixels: int = MAX_PIXELS) -> Iterator[FileOutcome]:
    """`restore_one` for each (input, output) job, in order, with the next input read and
    the last output written in threads meanwhile. On Ctrl-C the output being written is
    finished and its outcome yielded first (written whole, as every output is), then
    KeyboardInterrupt is raised."""
    if not jobs:
        return
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="restore-files") as pool:
        reading = pool.submit(read_image, jobs[0][0], max_pixels)
        writing: tuple[Path, Path, Future] | None = None
        try:
            for index, (path, output) in enumerate(jobs):
                loaded = _outcome(path, output, reading.result)
                if index + 1 < len(jobs):
                    reading = pool.submit(read_image, jobs[index + 1][0], max_pixels)
                restored = None
                if not isinstance(loaded, FileOutcome):  # read: restore it here
                    restored = _outcome(path, output, lambda: restorer.restore_loaded(loaded, pal_aspect=pal_aspect))
                if writing is not None:  # the last one's write has overlapped this restoration
                    yield _outcome(writing[0], writing[1], writing[2].result)
                    writing = None
                if isinstance(loaded, FileOutcome):
                    yield loaded
                elif isinstance(restored, FileOutcome):
                    yield restored
                else:
                    writing = (path, output, pool.submit(restorer.write_restored, output, restored))
            if writing is not None:
                yield _outcome(writing[0], writing[1], writing[2].result)
        except KeyboardInterrupt:
            if writing is not None:
                yield _outcome(writing[0], writing[1], writing[2].result)
            raise


def _outcome(path: Path, output: Path, work: Callable[[], Any]):
    """``work()``'s result, or the `FileOutcome` that says why it failed (success: a
    `FileOutcome` without a reason when ``work`` returns the written path)."""
    try:
        result = work()
    except ImageError as error:
        return FileOutcome(path, output, error.reason, Path(error.path))
    except OSError as error:
        return FileOutcome(path, output, f"cannot write {output} ({error.strerror or error})")
    except (ValueError, MemoryError) as error:
        return FileOutcome(path, output, f"cannot restore ({error})")
    return FileOutcome(path, output) if isinstance(result, Path) else result
