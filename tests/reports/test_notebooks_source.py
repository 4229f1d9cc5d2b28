"""The analysts' notebooks: committed without outputs, as generated, using the public API only.

Running them is nbmake's job (``pytest --nbmake notebooks``); these checks keep the files honest.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ("01_enrollment_outcomes.ipynb", "02_beyond_the_dashboard.ipynb")


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_notebooks", NOTEBOOKS / "build_notebooks.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generator_writes_exactly_the_notebooks() -> None:
    build = generator()
    assert set(build.NOTEBOOKS) == set(NAMES)
    assert sorted(path.name for path in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)
    for name in NAMES:
        assert (NOTEBOOKS / name).read_text(encoding="utf-8") == build.render(name), (
            f"{name} differs from build_notebooks.py: run `python notebooks/build_notebooks.py`"
        )


@pytest.mark.parametrize("name", NAMES)
def test_outputs_are_cleared(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == []
        assert cell.execution_count is None


def _imports(source: str) -> list[tuple[str, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dashboard"):
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [
                (alias.name, "") for alias in node.names if alias.name.startswith("dashboard")
            ]
    return found


@pytest.mark.parametrize("name", NAMES)
def test_only_public_names_of_the_library_are_used(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    source = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    imports = _imports(source)
    assert imports, "the notebook should use the library"
    for module_name, attribute in imports:
        assert not any(part.startswith("_") for part in module_name.split(".")), module_name
        module = importlib.import_module(module_name)
        public = getattr(module, "__all__", None)
        if public is None:
            assert not attribute.startswith("_"), (module_name, attribute)
            assert hasattr(module, attribute), (module_name, attribute)
        else:
            assert attribute in public, f"{module_name}.{attribute} is not in its __all__"
