"""The package's layers hold (cbme/__init__.py): each module imports only what its layer may."""

import ast
from pathlib import Path

import pytest

CBME = Path(__file__).resolve().parent.parent / "cbme"
SHARED = {"cbme", "cbme.vocabulary", "cbme.config", "cbme.downloads"}
# layer -> the cbme packages and outside libraries its modules may not import
FORBIDDEN = {
    "rules": ({"cbme.store", "cbme.imports", "cbme.app"}, {"streamlit", "duckdb", "plotly"}),
    "store": ({"cbme.imports", "cbme.app"}, {"streamlit", "plotly"}),
    "imports": ({"cbme.app"}, {"streamlit", "plotly"}),
    "app": (set(), set()),
}
TOP = ["vocabulary", "config", "downloads"]


def imported(path: Path) -> set[str]:
    """Every module path the file imports, as written (from cbme.store import db -> cbme.store.db)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def violations(path: Path, packages: set[str], libraries: set[str]) -> list[str]:
    return sorted(name for name in imported(path)
                  if any(name == p or name.startswith(p + ".") for p in packages)
                  or name.split(".")[0] in libraries)


@pytest.mark.parametrize("layer", list(FORBIDDEN))
def test_each_layer_imports_only_what_it_may(layer):
    packages, libraries = FORBIDDEN[layer]
    found = {path.name: violations(path, packages, libraries) for path in (CBME / layer).glob("*.py")}
    assert not {name: bad for name, bad in found.items() if bad}


def test_the_shared_modules_import_no_layer():
    for name in TOP:
        path = CBME / f"{name}.py"
        assert not violations(path, {"cbme.rules", "cbme.store", "cbme.imports", "cbme.app"},
                              {"streamlit", "duckdb"}), name


def test_only_the_app_imports_streamlit():
    outside = [path for path in CBME.rglob("*.py") if "app" not in path.relative_to(CBME).parts
               and path.name != "serve.py" and "streamlit" in {n.split(".")[0] for n in imported(path)}]
    assert outside == []


def test_every_package_says_what_it_may_import():
    for layer in FORBIDDEN:
        doc = ast.get_docstring(ast.parse((CBME / layer / "__init__.py").read_text()))
        assert doc and ("import" in doc.lower()), layer
