"""The package's layers, as its folders show them (issue 24): each imports only from below.

Every import of every module is read from the source, including those made inside
functions and under ``TYPE_CHECKING``: an import that only a type checker follows
still ties the two modules together for a reader and for the next refactor. The
test fails on an upward import, on a cycle (within a layer too), and on a module
taking another module's ``_private`` name. There is no list of exceptions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).parent.parent / "sphinxext_ldm503"
NAME = "sphinxext_ldm503"
#: Lowest first. A module may import from its own layer (without a cycle) or a lower one.
LAYERS = ("version", "core", "render", "framework", "features", "speed", "cli", "")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    """The layer of a module: its first folder under the package ("" for the package's
    own ``__init__`` and ``__main__``, which wire everything together)."""
    parts = module.split(".")[1:]
    if not parts or parts[0] == "__main__":
        return ""
    return parts[0]


def imports(module: str) -> list[tuple[str, set[str], int]]:
    """(imported module, names taken from it, line) for every import of ``module``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target != NAME and not target.startswith(NAME + "."):
                continue
            names = set()
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:  # "from . import model": the module itself
                    found.append((sub, set(), node.lineno))
                else:
                    names.add(alias.name)
            if names:
                found.append((target, names, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, set(), node.lineno) for alias in node.names
                         if alias.name == NAME or alias.name.startswith(NAME + "."))
    return found


def graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(MODULES)
    for module in MODULES:
        for target, _names, line in imports(module):
            if target != module:
                g.add_edge(module, target, line=line)
    return g


def test_every_module_is_in_a_layer() -> None:
    assert {layer(m) for m in MODULES} <= set(LAYERS)
    # Only the wiring lives beside the layers.
    assert sorted(m for m in MODULES if layer(m) in ("", "version")) == [
        NAME, f"{NAME}.__main__", f"{NAME}.version"]


def test_imports_only_point_down() -> None:
    upward = []
    for source, target, data in graph().edges(data=True):
        if source == NAME and layer(target) != "":  # the package's setup() wires all layers
            continue
        # Importing the package itself (its __init__) is upward from anywhere: nobody needs it.
        if target == NAME or LAYERS.index(layer(target)) > LAYERS.index(layer(source)):
            upward.append(f"{MODULES[source]}:{data['line']}: {source} -> {target}")
    assert upward == []


def test_no_import_cycles() -> None:
    g = graph()
    # The package's __init__ imports every layer's setup; that edge set is not a cycle
    # anyone can trip over (nothing imports the package back, see above).
    cycles = sorted(sorted(c) for c in nx.simple_cycles(g) if NAME not in c)
    assert cycles == []


def test_no_module_takes_anothers_private_names() -> None:
    taken = [f"{MODULES[module]}:{line}: {sorted(n for n in names if n.startswith('_'))} "
             f"from {target}"
             for module in MODULES for target, names, line in imports(module)
             if target != module and any(n.startswith("_") and not n.startswith("__")
                                         for n in names)]
    assert taken == []


@pytest.mark.parametrize("module", [m for m in MODULES if layer(m) in ("core", "render")])
def test_pure_layers_import_no_sphinx(module: str) -> None:
    """core/ and render/ are what the command line and the unit tests use bare: no
    Sphinx or sphinx-needs anywhere, docutils only inside the function that needs it
    (the importer parses the reStructuredText it writes, to prove it reads back)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))

    def roots(node: ast.Import | ast.ImportFrom) -> set[str]:
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
            alias.name for alias in node.names]
        return {name.split(".")[0] for name in names}

    imports = ast.Import | ast.ImportFrom
    anywhere = [node.lineno for node in ast.walk(tree)
                if isinstance(node, imports) and roots(node) & {"sphinx", "sphinx_needs"}]
    top_level = [node.lineno for node in tree.body
                 if isinstance(node, imports) and "docutils" in roots(node)]
    assert (anywhere, top_level) == ([], [])


def test_the_speed_layer_is_optional() -> None:
    """Nothing below speed/ imports it: delete it and the rest still stands (the package's
    setup() loads it, and only when asked; see test_speed_off in test_pipeline)."""
    users = sorted({s for s, t in graph().edges() if layer(t) == "speed" and layer(s) != "speed"
                    and s != NAME and layer(s) != "cli"})
    assert users == []


def test_the_readme_layout_names_every_module() -> None:
    """The README's "Code layout" tables match the folders: each layer's section names
    each of its modules (a new module, or one moved, must be placed for a reader)."""
    import re

    readme = (PACKAGE.parent / "README.rst").read_text(encoding="utf-8")
    section = readme[readme.index("Code layout\n"):]
    missing = []
    for name in LAYERS[1:-1]:
        start = section.index(f"``{name}/``:")
        ends = [section.find(f"``{other}/``:", start + 1) for other in LAYERS[1:-1]]
        end = min([e for e in ends if e > start] or [len(section)])
        named = set(re.findall(r"``(\w+)/?``", section[start:end]))
        here = {m.split(".")[2] for m in MODULES if layer(m) == name and m.count(".") >= 2}
        missing += [f"{name}/{m}" for m in sorted(here - named - {"__init__"})]
    assert missing == []
