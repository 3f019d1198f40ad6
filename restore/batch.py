"""Restoring many image files: one outcome per file, by the same rules wherever it runs.

The command line's own loop and the Ray workers of `restore.cluster` both call
`restore_one`, so a bad file is described the same way on one machine or on fifty, and
never stops the others: unreadable input, output that cannot be written, or an image the
network cannot take each become a `FileOutcome` with the reason instead of an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from restore.images import MAX_PIXELS, ImageError

__all__ = ["FileOutcome", "restore_one"]


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
    try:
        restorer.restore_file(path, output, pal_aspect=pal_aspect, max_pixels=max_pixels)
    except ImageError as error:
        return FileOutcome(path, output, error.reason, Path(error.path))
    except OSError as error:
        return FileOutcome(path, output, f"cannot write {output} ({error.strerror or error})")
    except (ValueError, MemoryError) as error:
        return FileOutcome(path, output, f"cannot restore ({error})")
    return FileOutcome(path, output)
