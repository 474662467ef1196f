"""The shape of the house (docs/architecture.md), checked by walking every import with ast.

Layers, from the top: the app factory (directory/__init__.py) -> blueprints by audience
(directory/web/) -> features (accounts, catalogue, geo, listings, matching, operations, oruk,
referrals, reports, safety, search; safety below the rest) -> infrastructure (the other root
modules, and directory/models/) -> matcher/.
Imports point down only; blueprints never import each other; no module imports seed/
(it is data), and only directory/catalogue/seed_files.py reads it; and no import cycle
exists, between modules or between packages.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FEATURES = frozenset(
    {
        "accounts",
        "catalogue",
        "geo",
        "listings",
        "matching",
        "operations",
        "oruk",
        "referrals",
        "reports",
        "safety",
        "search",
    }
)
# Features that others build on and that import no other feature themselves: urgent help
# (safety) sits below search and matching, which both read it.
BASE_FEATURES = frozenset({"safety"})
BLUEPRINTS = frozenset({"api", "auth", "health", "linkworker", "manage", "public"})
MAX_ROOT_MODULES = 12
FRAMEWORKS = ("flask", "flask_login", "flask_wtf", "sqlmodel", "sqlalchemy", "wtforms", "werkzeug")


@dataclass(frozen=True)
class Import:
    importer: str  # the dotted module that imports
    imported: str  # the dotted module (or package) it imports
    line: int

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}) imports {self.imported}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of directory/ and matcher/ (migration scripts aside), by dotted name."""
    found = {}
    for top in ("directory", "matcher"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "versions" not in path.parts:
                found[module_name(path)] = path
    return found


def resolve(importer: str, path: Path, node: ast.ImportFrom) -> list[str]:
    """What `from X import a, b` brings in: the modules a and b where they are modules,
    else the module X itself."""
    if node.level:
        package = importer.split(".")
        if path.name != "__init__.py":
            package.pop()
        base = package[: len(package) - node.level + 1]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    targets = []
    for alias in node.names:
        candidate = f"{source}.{alias.name}"
        targets.append(candidate if candidate in modules() else source)
    return targets


@cache
def imports() -> tuple[Import, ...]:
    """Every import in the code, at module level or inside a function alike."""
    found = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [Import(name, alias.name, node.lineno) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                found += [Import(name, t, node.lineno) for t in resolve(name, path, node)]
    return tuple(found)


def ours(imported: str) -> bool:
    return imported.split(".")[0] in ("directory", "matcher", "seed")


def layer(module: str) -> tuple[int, str]:
    """(height, unit): the factory on top (4), blueprints and each feature's commands 3,
    features 2, infrastructure 1, matcher 0; the unit is the package (or root module, or
    commands module) that cycles are counted between."""
    parts = module.split(".")
    if parts[0] == "matcher":
        return 0, "matcher"
    if module == "directory":
        return 4, "directory"
    if parts[1] == "web":
        unit = f"directory.web.{parts[2]}" if len(parts) > 2 and parts[2] in BLUEPRINTS else ""
        return 3, unit or "directory.web"
    if parts[1] in FEATURES:
        if parts[-1] == "commands":  # the command line is an audience too, like a blueprint
            return 3, module
        return 2, f"directory.{parts[1]}"
    return 1, ".".join(parts[:2])


def home(imported: str) -> str:
    """The module an import lands in, for imports of names our modules do not define."""
    while imported not in modules() and "." in imported:
        imported = imported.rsplit(".", 1)[0]
    return imported


def our_imports() -> Iterator[Import]:
    for found in imports():
        if ours(found.imported):
            yield Import(found.importer, home(found.imported), found.line)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one node, or a node importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1 or node in edges.get(node, ()):
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def graph(unit_of) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    edges: dict[str, set[str]] = {}
    for found in our_imports():
        a, b = unit_of(found.importer), unit_of(found.imported)
        # A package's __init__ importing its own modules is how it names its contents.
        if a != b or found.importer != found.imported:
            edges.setdefault(a, set())
            if a != b:
                edges[a].add(b)
    return edges


def test_the_walk_finds_the_imports_it_checks():
    # A walk that found nothing would pass every rule below.
    assert len(modules()) > 80
    assert Import("directory.matching.facts", "matcher", 0) in {
        Import(i.importer, i.imported, 0) for i in our_imports()
    }


def test_no_module_imports_seed_which_is_data():
    found = [str(i) for i in our_imports() if i.imported.split(".")[0] == "seed"]
    assert found == []


SEED_READER = "directory.catalogue.seed_files"
# Who may call it: the catalogue's loader, and the matching form for its demo personas.
SEED_READER_USERS = frozenset(
    {
        "directory.catalogue.commands",
        "directory.catalogue.seeding",
        "directory.web.linkworker.matching_form",
    }
)


@cache
def seed_names() -> tuple[frozenset[str], frozenset[str]]:
    """The names seed_files gives the paths of seed/ (SEED, NEEDS_FILE, ...), and the names of
    the files in seed/ (needs.csv, ...)."""
    from directory.catalogue import seed_files

    folder = seed_files.SEED
    paths = {
        name
        for name, value in vars(seed_files).items()
        if isinstance(value, Path) and value.is_relative_to(folder)
    }
    files = {path.name for path in folder.iterdir() if path.is_file()}
    return frozenset(paths), frozenset(files)


def seed_mentions(source: str) -> list[str]:
    """Where a module's code (docstrings aside) names seed/, a file in it, or one of the
    paths seed_files keeps for them."""
    paths, files = seed_names()
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in paths:
            found.append(f"line {node.lineno}: {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in paths:
            found.append(f"line {node.lineno}: {node.attr}")
        elif isinstance(node, ast.ImportFrom):
            found += [
                f"line {node.lineno}: imports {a.name}" for a in node.names if a.name in paths
            ]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and ("seed/" in node.value or any(name in node.value for name in files))
        ):
            found.append(f"line {node.lineno}: {node.value!r}")
    return found


def test_only_seed_files_reads_seed():
    # seed/ is data that the catalogue's loader reads through seed_files alone: search,
    # matching, the forms and the import read the database instead.
    found = [
        f"{name} {mention}"
        for name, path in modules().items()
        if name != SEED_READER
        for mention in seed_mentions(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_only_the_loader_and_the_demo_personas_call_the_seed_reader():
    # Search, matching and the import read the needs vocabulary from the database, not
    # through seed_files' readers (whose default paths point into seed/).
    users = {i.importer for i in our_imports() if i.imported == SEED_READER}
    assert "directory.catalogue.seeding" in users  # the walk sees the reader's users
    assert sorted(users - SEED_READER_USERS) == []


def test_the_seed_rule_finds_a_module_that_reads_seed():
    paths, files = seed_names()
    assert {"SEED", "NEEDS_FILE", "DEMO_PLACE", "PERSONAS_FILE"} <= paths
    assert {"needs.csv", "synonyms.csv", "need_groups.yaml", "personas.yaml"} <= files
    reader = (
        '"""Reads seed/needs.csv, as this docstring may say."""\n'
        "from directory.catalogue.seed_files import SEED, read_personas\n"
        "from directory.catalogue import seed_files\n"
        "a = SEED / 'synonyms.csv'\n"
        "b = seed_files.NEEDS_FILE\n"
        "c = open('seed/personas.yaml')\n"
    )
    assert sorted(seed_mentions(reader)) == sorted(
        [
            "line 2: imports SEED",
            "line 4: SEED",
            "line 4: 'synonyms.csv'",
            "line 5: NEEDS_FILE",
            "line 6: 'seed/personas.yaml'",
        ]
    )
    assert seed_mentions((ROOT / "directory/catalogue/seed_files.py").read_text()) != []


def test_matcher_imports_nothing_of_the_directory_and_no_framework():
    found = [
        str(i)
        for i in imports()
        if i.importer.startswith("matcher")
        and (i.imported.split(".")[0] in ("directory", "seed", *FRAMEWORKS))
    ]
    assert found == []


def test_imports_point_down_the_layers():
    found = []
    for i in our_imports():
        if i.importer == "directory":
            continue  # the factory puts the app together from every layer
        (height, _), (target, _) = layer(i.importer), layer(i.imported)
        if target > height:
            found.append(str(i))
    assert found == []


def test_base_features_import_no_other_feature():
    found = [
        str(i)
        for i in our_imports()
        if i.importer.split(".")[1:2]
        and i.importer.split(".")[1] in BASE_FEATURES
        and len(i.imported.split(".")) > 1
        and i.imported.split(".")[1] in FEATURES - {i.importer.split(".")[1]}
    ]
    assert found == []
    users = {
        i.importer.split(".")[1] for i in our_imports() if i.imported.startswith("directory.safety")
    }
    assert {"search", "matching"} <= users  # the walk sees who reads urgent help


def test_blueprints_never_import_each_other():
    found = []
    for i in our_imports():
        (h1, own), (h2, other) = layer(i.importer), layer(i.imported)
        if h1 == h2 == 3 and own != other and "directory.web" not in (own, other):
            found.append(str(i))
    assert found == []


UNITS = {"module": lambda module: module, "package": lambda module: layer(module)[1]}


@pytest.mark.parametrize("level", UNITS)
def test_there_is_no_import_cycle(level):
    assert cycles(graph(UNITS[level])) == []


def test_the_root_of_directory_holds_only_the_factory_and_infrastructure():
    root = sorted(p.name for p in (ROOT / "directory").glob("*.py"))
    assert len(root) <= MAX_ROOT_MODULES, root


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


# --- the picture in docs/architecture.md, drawn from the same imports ------------------

DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "```mermaid\n", "```\n"
INFRASTRUCTURE = "infrastructure"
COMMANDS = "commands"


def picture_unit(module: str) -> str:
    """The box a module is drawn in: a blueprint, web's shared modules, a feature, the
    features' commands together, the models, the other infrastructure, or matcher."""
    height, unit = layer(module)
    if unit.endswith(".commands"):
        return COMMANDS
    if height == 1 and unit != "directory.models":
        return INFRASTRUCTURE
    return unit


LAYERS = {3: "the ways in: web pages, APIs, commands", 2: "features", 1: "foundations", 0: "engine"}
EVERYWHERE = (INFRASTRUCTURE, "directory.models")


def picture() -> str:
    """The package graph as a Mermaid flowchart, a box per layer. Arrows to the models and
    the infrastructure, which every layer above them uses, are left out."""
    edges: set[tuple[str, str]] = set()
    for found in our_imports():
        a, b = picture_unit(found.importer), picture_unit(found.imported)
        if a != b and a != "directory" and b not in EVERYWHERE:
            edges.add((a, b))
    names = {n for edge in edges for n in edge} | set(EVERYWHERE)
    lines = ["flowchart TD"]
    for height, title in LAYERS.items():
        lines.append(f'    subgraph layer{height}["{title}"]')
        lines += [f"        {_node(n)}[{_label(n)}]" for n in sorted(names) if _height(n) == height]
        lines.append("    end")
    lines += [f"    {_node(a)} --> {_node(b)}" for a, b in sorted(edges, key=_edge_order)]
    return "\n".join(lines) + "\n"


def _height(unit: str) -> int:
    if unit == COMMANDS:
        return 3
    if unit == INFRASTRUCTURE:
        return 1
    return layer(unit)[0]


def _edge_order(edge: tuple[str, str]) -> tuple[int, str, int, str]:
    return (-_height(edge[0]), edge[0], -_height(edge[1]), edge[1])


def _node(unit: str) -> str:
    return unit.replace("directory.", "").replace(".", "_")


def _label(unit: str) -> str:
    if unit == INFRASTRUCTURE:
        return '"infrastructure: config, db, migrate, extensions, mail, ..."'
    if unit == COMMANDS:
        return '"each feature\'s commands.py"'
    if unit == "directory.web":
        return '"web: forms, presenters"'
    return unit.replace("directory.", "").replace(".", "/") + "/"


def drawn_picture() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(BEGIN) + len(BEGIN)
    return text[start : text.index(END, start)]


def test_the_picture_in_docs_matches_the_imports():
    assert drawn_picture() == picture(), (
        "docs/architecture.md is out of date: run `python tests/test_architecture.py`"
    )


if __name__ == "__main__":
    # Redraw the picture in docs/architecture.md from the imports as they are.
    text = DOC.read_text(encoding="utf-8")
    start = text.index(BEGIN) + len(BEGIN)
    end = text.index(END, start)
    DOC.write_text(text[:start] + picture() + text[end:], encoding="utf-8")
    print(f"Redrew the picture in {DOC.relative_to(ROOT)}.")


def test_a_web_process_does_not_import_what_only_commands_and_feed_checks_use():
    """Alembic (the `flask db` commands) and jsonschema with its Rust twin (checking a feed
    before an import) held about 11 MB each in every web process that never used them."""
    import subprocess
    import sys

    code = (
        "import sys, wsgi; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('alembic', 'jsonschema', 'jsonschema_rs')))"
    )
    env = {"SIGNPOST_ENV": "development", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
