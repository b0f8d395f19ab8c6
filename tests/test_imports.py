"""The import rules of docs/architecture.md, checked over the source with `ast`.

Every `import` and `from ... import ...` statement counts, wherever it stands (module
level, inside a function, under a condition): a function-level import hides a cycle
from `python -X importtime` but not from a reader, and it breaks the same way once
somebody moves it to the top.

  (a) no cycle between call_qa/flows modules;
  (b) no private (`_name`, not dunder) name of one module used from another, neither
      imported (`from call_qa.x import _y`) nor reached as an attribute (`x._y`);
  (c) prefect only in flows/ (the library never imports it);
  (d) SQLAlchemy/Alembic only in call_qa/db/, FastAPI/Starlette only in call_qa/web/.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("call_qa", "flows")

# An allow-list for work in flight: files being rewritten while a rule goes in, and the
# edges that still break it there (importing module, what it imports: a module for an
# import edge that closes a cycle, "module._name" for a private name, a top-level library
# name for a library rule). Empty now: every rule holds everywhere. An entry that no
# longer occurs fails `test_known_pending_is_current`.
PENDING_FILES: tuple[str, ...] = ()
KNOWN_PENDING: set[tuple[str, str]] = set()

# Which libraries may be imported where: library -> path prefixes allowed to import it.
LIBRARY_HOMES = {
    "prefect": ("flows/",),
    "prefect_dask": ("flows/",),
    "sqlalchemy": ("call_qa/db/",),
    "alembic": ("call_qa/db/",),
    "fastapi": ("call_qa/web/",),
    "starlette": ("call_qa/web/",),
}


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. "call_qa.db.daily" (a package is its __init__)
    path: str  # relative to ROOT, e.g. "call_qa/db/daily.py"
    is_package: bool
    tree: ast.Module


@dataclass(frozen=True)
class Use:
    """One thing a module takes from elsewhere, with where it stands."""

    importer: str
    target: str  # a dotted module, a "module._name", or a library's dotted name
    line: int


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


@cache
def modules() -> dict[str, Module]:
    """Every module of the project packages, parsed."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name, is_package = _module_name(path)
            rel = path.relative_to(ROOT).as_posix()
            found[name] = Module(name, rel, is_package, ast.parse(path.read_text(), rel))
    return found


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _resolve_from(module: Module, node: ast.ImportFrom) -> str:
    """The absolute module a `from ... import` statement reads from."""
    if node.level == 0:
        return node.module or ""
    base = module.name.split(".")
    # a package's own `from . import x` is relative to the package itself
    base = base if module.is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _own(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


@cache
def uses() -> tuple[Use, ...]:
    """Everything each project module imports: modules, names and attributes.

    `from pkg import sub` counts as importing the submodule `pkg.sub` when that is a
    module, else as importing a name of `pkg`. A name bound to a project module
    (`from call_qa import diarization`, `import call_qa.audio as audio`) is followed
    into attribute reads, so `diarization._helper` counts like an import of it.
    """
    known = modules()
    found: list[Use] = []
    for module in known.values():
        aliases: dict[str, str] = {}  # local name -> project module it is bound to
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found.append(Use(module.name, alias.name, node.lineno))
                    if alias.asname and alias.name in known:
                        aliases[alias.asname] = alias.name
                    elif not alias.asname and _own(alias.name):
                        aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom):
                source = _resolve_from(module, node)
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    if submodule in known:
                        found.append(Use(module.name, submodule, node.lineno))
                        aliases[alias.asname or alias.name] = submodule
                    else:
                        found.append(Use(module.name, source, node.lineno))
                        if _own(source) and _is_private(alias.name):
                            found.append(Use(module.name, submodule, node.lineno))
        members = private_members()
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Attribute) and _is_private(node.attr):
                target = _dotted(node.value, aliases)
                if target in known:
                    if target != module.name:
                        found.append(Use(module.name, f"{target}.{node.attr}", node.lineno))
                elif not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                    # `ctx._name_in(...)`: a private member of another module's class
                    owners = members.get(node.attr, set())
                    if owners and not any(owner == module.name for owner, _ in owners):
                        for owner, cls in sorted(owners):
                            found.append(Use(module.name, f"{owner}.{cls}.{node.attr}", node.lineno))
    return tuple(found)


@cache
def private_members() -> dict[str, set[tuple[str, str]]]:
    """Private member name -> (module, class) of the project classes that define it:
    methods, class attributes and ``self._x = ...`` attributes."""
    found: dict[str, set[tuple[str, str]]] = {}
    for module in modules().values():
        for cls in ast.walk(module.tree):
            if not isinstance(cls, ast.ClassDef):
                continue
            names = set()
            for node in cls.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.add(node.name)
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                    names.add(node.target.id)
                elif isinstance(node, ast.Assign):
                    names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            for node in ast.walk(cls):
                if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                    if isinstance(node.value, ast.Name) and node.value.id == "self":
                        names.add(node.attr)
            for name in filter(_is_private, names):
                found.setdefault(name, set()).add((module.name, cls.name))
    return found


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """`a.b.c` as the project module it names through the local aliases, if any."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value, aliases)
        return f"{head}.{node.attr}" if head else None
    return None


def import_graph() -> dict[str, set[str]]:
    """Project module -> project modules it imports (allow-listed edges left out)."""
    known = modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    for use in uses():
        if use.target in known and use.target != use.importer:
            if (use.importer, use.target) not in KNOWN_PENDING:
                graph[use.importer].add(use.target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path `[a, b, ..., a]`, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if state.get(start):
            continue
        path = [start]
        stack = [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            following = next(stack[-1], None)
            if following is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(following) == 1:
                return path[path.index(following) :] + [following]
            elif not state.get(following):
                state[following] = 1
                path.append(following)
                stack.append(iter(sorted(graph[following])))
    return None


def private_uses() -> list[Use]:
    """Private names of one project module used from another."""
    found = []
    for use in uses():
        owner, _, name = use.target.rpartition(".")
        # owner: the module, or module.Class for a member; `from . import _sub` of a
        # private submodule counts the same
        if _is_private(name) and _own(use.target) and owner != use.importer:
            found.append(use)
    return found


def library_violations() -> list[Use]:
    """Imports of a library outside the folder that may import it."""
    known = modules()
    found = []
    for use in uses():
        allowed = LIBRARY_HOMES.get(use.target.split(".")[0])
        if allowed and not known[use.importer].path.startswith(allowed):
            found.append(Use(use.importer, use.target.split(".")[0], use.line))
    return found


def _pending(importer: str) -> bool:
    return modules()[importer].path.startswith(PENDING_FILES)


def _report(violations: list[Use]) -> str:
    return "\n".join(
        f"  {modules()[v.importer].path}:{v.line}: {v.importer} -> {v.target}"
        for v in sorted(violations, key=lambda v: (v.importer, v.line))
    )


def _cycle_edges() -> set[tuple[str, str]]:
    """Every edge that lies on some cycle of the full graph (allow-list ignored)."""
    known = modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    for use in uses():
        if use.target in known and use.target != use.importer:
            graph[use.importer].add(use.target)

    def reaches(source: str, goal: str) -> bool:
        seen, todo = {source}, [source]
        while todo:
            for following in graph[todo.pop()]:
                if following == goal:
                    return True
                if following not in seen:
                    seen.add(following)
                    todo.append(following)
        return False

    return {(a, b) for a in graph for b in graph[a] if reaches(b, a)}


# --- the rules -------------------------------------------------------------------------


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_private_name_across_modules():
    bad = [u for u in private_uses() if (u.importer, u.target) not in KNOWN_PENDING]
    assert not bad, "private names used from another module:\n" + _report(bad)


def test_libraries_imported_only_in_their_layer():
    bad = [u for u in library_violations() if (u.importer, u.target) not in KNOWN_PENDING]
    assert not bad, "library imported outside its layer:\n" + _report(bad)


def test_known_pending_is_current():
    """The allow-list names only pending files and only what still happens there."""
    present = (
        {(u.importer, u.target) for u in private_uses()}
        | {(u.importer, u.target) for u in library_violations()}
        | _cycle_edges()
    )
    outside = sorted(e for e in KNOWN_PENDING if not _pending(e[0]))
    assert not outside, f"allow-listed outside the pending files: {outside}"
    stale = sorted(KNOWN_PENDING - present)
    assert not stale, f"fixed already, remove from KNOWN_PENDING: {stale}"


# --- the checker itself, on hand-built sources ------------------------------------------


def test_find_cycle_reports_the_path():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_checker_sees_function_level_relative_and_attribute_uses(tmp_path):
    files = {
        "call_qa/__init__.py": "",
        "call_qa/low.py": (
            "def _hidden(): ...\n"
            "class Ctx:\n"
            "    def _inner(self): return self._inner()\n"  # its own use is fine
            "    def shown(self): self._cache = 1\n"
        ),
        "call_qa/sub/__init__.py": "from . import mod\n",
        "call_qa/sub/mod.py": (
            "def f():\n"
            "    from ..low import _hidden\n"  # function-level, relative, private
            "    from call_qa import low\n"
            "    return low._hidden, low.__name__\n"  # attribute; dunder is fine
        ),
        "call_qa/high.py": (
            "import prefect\nfrom call_qa.sub import mod\n"
            "def g(ctx, row):\n"
            "    return ctx._inner(), ctx._cache, row._mapping\n"  # _mapping: not ours
        ),
        "flows/__init__.py": "",
        "flows/f.py": "import prefect.flows\nimport sqlalchemy\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    globals()["ROOT"] = tmp_path
    _clear_caches()
    try:
        graph = import_graph()
        assert graph["call_qa.sub.mod"] == {"call_qa.low"}
        assert graph["call_qa.sub"] == {"call_qa.sub.mod"}
        assert graph["call_qa.high"] == {"call_qa.sub.mod"}
        assert find_cycle(graph) is None
        assert sorted((u.importer, u.target, u.line) for u in private_uses()) == [
            ("call_qa.high", "call_qa.low.Ctx._cache", 4),
            ("call_qa.high", "call_qa.low.Ctx._inner", 4),
            ("call_qa.sub.mod", "call_qa.low._hidden", 2),
            ("call_qa.sub.mod", "call_qa.low._hidden", 4),
        ]
        assert sorted((u.importer, u.target) for u in library_violations()) == [
            ("call_qa.high", "prefect"),
            ("flows.f", "sqlalchemy"),
        ]
        (tmp_path / "call_qa/low.py").write_text("from call_qa import high\n")
        _clear_caches()
        assert find_cycle(import_graph()) == [
            "call_qa.high",
            "call_qa.sub.mod",
            "call_qa.low",
            "call_qa.high",
        ]
    finally:
        globals()["ROOT"] = Path(__file__).resolve().parents[1]
        _clear_caches()


def _clear_caches() -> None:
    for cached in (modules, uses, private_members):
        cached.cache_clear()
