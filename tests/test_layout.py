"""The code's layout keeps its promises (README, "How the code is laid out").

Read from the source with `ast`, nothing imported: data flows one way (simulator → training →
checkpoint → loading → restoring → command line / app), the library never imports the UI,
the command lines, training, benchmarks or tests, there is no import circle, and files and
functions stay small enough to read.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("restore", "train", "webui", "bench", "devtools", "scripts", "tests")
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
# A function may be longer when a comment on its first line says why ("# long: ...").
LONG_MARK = "# long:"


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    modules["app"] = ROOT / "app.py"
    return modules


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function, as dotted names."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _project_imports(module: str) -> set[str]:
    return {name for name in _imports(MODULES[module]) if name in MODULES and name != module}


def _owner(name: str) -> str:
    return name.split(".")[0]


def test_the_layout_is_found():
    assert {"restore.engine.restorer", "restore.cli.command", "webui.demo", "train.run", "app"} <= set(MODULES)


@pytest.mark.parametrize("module", sorted(name for name in MODULES if _owner(name) == "restore"))
def test_the_library_imports_no_ui_training_bench_or_tests(module):
    imported = _imports(MODULES[module])
    outside = {name for name in imported if _owner(name) in {"train", "webui", "bench", "devtools", "tests", "app", "gradio"}}
    assert not outside, f"{module} imports {sorted(outside)}"
    if not module.startswith("restore.cli") and module != "restore.__main__":
        assert "argparse" not in imported, f"{module}: command-line parsing belongs in restore.cli"


@pytest.mark.parametrize("module", sorted(name for name in MODULES if _owner(name) != "tests"))
def test_nothing_outside_the_tests_imports_them(module):
    assert not {name for name in _imports(MODULES[module]) if _owner(name) in {"tests", "conftest"}}, module


def test_there_is_no_import_circle():
    graph = {module: _project_imports(module) for module in MODULES}
    # A package's __init__ that re-exports its own modules is not a circle with them.
    graph = {module: {name for name in targets if not module.startswith(name + ".")} for module, targets in graph.items()}
    done, path = set(), []

    def visit(module: str) -> None:
        if module in path:
            raise AssertionError("import circle: " + " -> ".join(path[path.index(module):] + [module]))
        if module in done:
            return
        path.append(module)
        for target in sorted(graph[module]):
            visit(target)
        path.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_files_and_functions_stay_small(module):
    path = MODULES[module]
    lines = path.read_text().splitlines()
    assert len(lines) <= MAX_FILE_LINES, f"{path.relative_to(ROOT)}: {len(lines)} lines"
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            first = lines[node.lineno - 1]
            assert length <= MAX_FUNCTION_LINES or LONG_MARK in first, (
                f"{path.relative_to(ROOT)}:{node.lineno} {node.name} is {length} lines")


@pytest.mark.parametrize("folder", ["restore", "restore/engine", "restore/cli", "restore/video", "restore/degrade",
                                    "webui", "train", "bench", "devtools"])
def test_every_folder_says_what_it_owns(folder):
    init = ROOT / folder / "__init__.py"
    assert init.is_file() and ast.get_docstring(ast.parse(init.read_text())), f"{folder}/__init__.py has no docstring"
