"""Files on disk: writing them atomically and finding inputs in folders.

One home for the two rules every output and every folder input follows:

* an output appears whole or not at all (:func:`write_atomically`): it is written to a
  hidden temporary file beside the target, fsynced and renamed over it, so a crash, a full
  disk or Ctrl-C never leaves a partial file at the target path;
* a folder input is scanned the same way for images and videos (:func:`scan_folder`):
  regular files with a wanted suffix, hidden names skipped, symbolic links to folders not
  followed, and a symbolic link to nothing reported instead of dropped.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable, Collection
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FolderScan", "broken_link_reason", "find_files", "scan_folder", "write_atomically", "write_bytes_atomically"]


def write_atomically(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Have ``write(temporary)`` write the file, then move it over ``path``; returns ``path``.

    The temporary file is created empty (with the usual umask permissions, not mkstemp's
    0600: models and pictures are for sharing) in the target's folder under a hidden name
    that ends like the target (Keras insists on ``.weights.h5``). After ``write`` returns it
    is fsynced and renamed with ``os.replace``: readers see the old file or the new one. On
    any failure, Ctrl-C included, the temporary file is removed and the error re-raised.
    The target's folder must exist.
    """
    path = Path(path)
    temporary = _create_temporary(path)
    try:
        write(temporary)
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(path.parent)
    return path


def write_bytes_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """:func:`write_atomically` for data already encoded in memory."""
    return write_atomically(path, lambda temporary: temporary.write_bytes(data))


def _create_temporary(path: Path) -> Path:
    # O_EXCL with a random name: no race with another writer, and mode 0o666 & ~umask.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temporary = path.parent / f".tmp-{secrets.token_hex(6)}-{path.name}"
        try:
            os.close(os.open(temporary, flags, 0o666))
            return temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"{path}: could not create a temporary file in {path.parent}")  # pragma: no cover


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); best effort, silently skipped where unsupported."""
    if os.name != "posix":
        return
    with suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


# ------------------------------------------------------------------------------------- scanning


@dataclass
class FolderScan:
    """What :func:`scan_folder` found: wanted files, and the paths it could not use."""

    files: list[Path] = field(default_factory=list)
    broken_links: list[tuple[Path, str]] = field(default_factory=list)  # (link, reason)
    unreadable: list[tuple[Path, str]] = field(default_factory=list)  # (folder, reason)


def scan_folder(folder: str | os.PathLike, suffixes: Collection[str], recursive: bool = False) -> FolderScan:
    """The files in ``folder`` whose lowercase suffix is in ``suffixes``, sorted.

    Hidden entries (names starting with ".") are skipped, so are special files; with
    ``recursive`` non-hidden subfolders are scanned too, but a symbolic link to a folder is
    not followed (no loops, no escaping the tree). A symbolic link to nothing with a wanted
    suffix goes to ``broken_links``; a folder that cannot be listed goes to ``unreadable``.
    """
    scan = FolderScan()
    _scan_into(Path(folder), frozenset(suffixes), recursive, scan)
    scan.files.sort()
    return scan


def _scan_into(folder: Path, suffixes: frozenset[str], recursive: bool, scan: FolderScan) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        scan.unreadable.append((folder, error.strerror or str(error)))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        wanted = os.path.splitext(entry.name)[1].lower() in suffixes
        try:
            if entry.is_dir(follow_symlinks=False):
                if recursive:
                    _scan_into(folder / entry.name, suffixes, recursive, scan)
            elif entry.is_file() and wanted:
                scan.files.append(folder / entry.name)
            elif entry.is_symlink() and wanted and not os.path.exists(entry.path):
                scan.broken_links.append((folder / entry.name, broken_link_reason(entry.path)))
        except OSError:
            continue


def broken_link_reason(path: str | os.PathLike) -> str:
    """Why a symbolic link to nothing cannot be read, naming its target when it can."""
    try:
        target = os.readlink(path)
    except OSError:
        return "broken symbolic link: its target does not exist"
    return f"broken symbolic link: its target {target} does not exist"


def find_files(
    paths: list[str | os.PathLike], suffixes: Collection[str], recursive: bool = False
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders given as inputs into (sorted unique files, [(path, reason)]).

    A file named explicitly is kept whatever its suffix (its reader judges it); a folder
    contributes what :func:`scan_folder` finds in it. A missing path gives (path, "no such
    file or directory") and a symbolic link to nothing, named or found, gives (path, "broken
    symbolic link: ..."): a missing input is always reported, never skipped silently.
    """
    found: set[Path] = set()
    errors: list[tuple[Path, str]] = []
    for path in map(Path, paths):
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            errors.append((path, broken_link_reason(path) if path.is_symlink() else "no such file or directory"))
            continue
        except OSError as error:
            errors.append((path, error.strerror or str(error)))
            continue
        if stat.S_ISDIR(mode):
            scan = scan_folder(path, suffixes, recursive)
            found.update(scan.files)
            errors.extend(scan.unreadable + scan.broken_links)
        else:
            found.add(path)
    return sorted(found), errors
