"""restore.files: atomic writes and folder scans, the rules every output and folder input follows;
and restore.images.find_images, the same scan with the image suffixes."""

from __future__ import annotations

import os
import stat

import pytest

from restore.files import find_files, scan_folder, write_atomically, write_bytes_atomically
from restore.images import IMAGE_SUFFIXES, ImageError, find_images, read_image


def _leftovers(folder):
    return sorted(name for name in os.listdir(folder) if name.startswith("."))


def test_write_replaces_the_target_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"old")
    assert write_bytes_atomically(target, b"new") == target
    assert target.read_bytes() == b"new"
    assert _leftovers(tmp_path) == []


def test_temporary_name_is_hidden_beside_the_target_and_keeps_its_ending(tmp_path):
    seen = []

    def write(temporary):
        seen.append(temporary)
        temporary.write_text("x")

    write_atomically(tmp_path / "generator.weights.h5", write)
    (temporary,) = seen
    assert temporary.parent == tmp_path
    assert temporary.name.startswith(".") and temporary.name.endswith(".weights.h5")
    assert not temporary.exists()


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path, error):
    target = tmp_path / "model.json"
    target.write_text("old")

    def write(temporary):
        temporary.write_text("half")
        raise error

    with pytest.raises(type(error)):
        write_atomically(target, write)
    assert target.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_written_files_get_umask_permissions_not_owner_only(tmp_path):
    previous = os.umask(0o022)
    try:
        path = write_bytes_atomically(tmp_path / "shared.txt", b"x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_missing_folder_is_an_error_and_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_bytes_atomically(tmp_path / "missing" / "out.png", b"x")
    assert os.listdir(tmp_path) == []


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "a.PNG").write_bytes(b"x")
    (tmp_path / "b.mkv").write_bytes(b"x")
    (tmp_path / ".hidden.png").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.png").write_bytes(b"x")
    (tmp_path / "gone.png").symlink_to(tmp_path / "nowhere.png")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    return tmp_path


def test_scan_keeps_wanted_suffixes_skips_hidden_and_reports_broken_links(tree):
    scan = scan_folder(tree, {".png"})
    assert [path.name for path in scan.files] == ["a.PNG"]
    assert [(path.name, "nowhere.png" in reason) for path, reason in scan.broken_links] == [("gone.png", True)]
    assert scan.unreadable == []


def test_recursive_scan_enters_subfolders_but_not_linked_ones(tree):
    scan = scan_folder(tree, {".png"}, recursive=True)
    assert [path.relative_to(tree).as_posix() for path in scan.files] == ["a.PNG", "sub/c.png"]


def test_find_files_keeps_named_files_and_reports_missing_inputs(tree):
    files, errors = find_files([tree / "notes.txt", tree, tree / "absent.png"], {".mkv"})
    assert [path.name for path in files] == ["b.mkv", "notes.txt"]
    assert errors == [(tree / "absent.png", "no such file or directory")]


# ------------------------------------------------------------------------------ find_images


@pytest.fixture
def mixed_folder(tmp_path):
    root = tmp_path / "frames"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".hidden_dir").mkdir()
    for rel in ["b.png", "a.JPG", "c.tiff", "sub/d.png", "sub/deeper/e.webp",
                ".hidden.png", ".hidden_dir/f.png", "sub/.g.png"]:
        (root / rel).write_bytes(b"x")
    (root / "notes.txt").write_text("hi")
    (root / "sub" / "readme.md").write_text("hi")
    (root / "folder.png").mkdir()  # a folder with an image suffix is not an image
    return root


def test_find_images_flat(mixed_folder):
    files, errors = find_images([mixed_folder], recursive=False)
    assert files == [mixed_folder / n for n in ["a.JPG", "b.png", "c.tiff"]]
    assert errors == []


def test_find_images_recursive(mixed_folder):
    files, errors = find_images([mixed_folder], recursive=True)
    rels = [f.relative_to(mixed_folder).as_posix() for f in files]
    assert rels == ["a.JPG", "b.png", "c.tiff", "sub/d.png", "sub/deeper/e.webp"]
    assert errors == []


def test_find_images_explicit_files_missing_paths_and_duplicates(mixed_folder):
    missing = mixed_folder / "gone.png"
    files, errors = find_images(
        [mixed_folder / "notes.txt", missing, mixed_folder, mixed_folder / "b.png"], recursive=False
    )
    assert files == sorted([mixed_folder / n for n in ["a.JPG", "b.png", "c.tiff", "notes.txt"]])
    assert errors == [(missing, "no such file or directory")]


def test_find_images_reports_dangling_symlinks(mixed_folder, tmp_path):
    # A link to nothing inside a folder used to be skipped without a word (issue 14).
    (mixed_folder / "gone.png").symlink_to(tmp_path / "deleted.png")
    (mixed_folder / "sub" / "gone.jpg").symlink_to(tmp_path / "deleted.jpg")
    (mixed_folder / "notes-link.txt").symlink_to(tmp_path / "deleted.txt")  # not an image name: ignored
    files, errors = find_images([mixed_folder], recursive=True)
    assert mixed_folder / "gone.png" not in files
    assert sorted(errors) == [
        (mixed_folder / "gone.png", f"broken symbolic link: its target {tmp_path / 'deleted.png'} does not exist"),
        (mixed_folder / "sub" / "gone.jpg", f"broken symbolic link: its target {tmp_path / 'deleted.jpg'} does not exist"),
    ]
    # Named explicitly, and when read.
    files, errors = find_images([mixed_folder / "gone.png"])
    assert files == [] and errors[0][1].startswith("broken symbolic link")
    with pytest.raises(ImageError, match="broken symbolic link"):
        read_image(mixed_folder / "gone.png")


def test_image_suffixes():
    wanted = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
    assert wanted <= IMAGE_SUFFIXES
    assert all(s == s.lower() and s.startswith(".") for s in IMAGE_SUFFIXES)
