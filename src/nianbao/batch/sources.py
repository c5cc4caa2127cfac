"""Content hashes of the code a run depends on, and the parameters a notebook declares.

A report depends on the notebook, the ``nianbao`` modules that the notebook's imports and the
export (``nianbao.run.execute``) reach through the package's static import graph, the format
JSON files and the report template (``templates/`` except the batch index's own template, which
no report uses). An edit to a module no report imports (``export/workbook.py``, say) rebuilds
nothing. Hashes are of file contents, never of times.
"""

from __future__ import annotations

import ast
import hashlib
import json
from functools import cache
from pathlib import Path

from nianbao.errors import NotebookError

PACKAGE_DIR = Path(__file__).resolve().parents[1]
TEMPLATES_DIR = PACKAGE_DIR / "templates"
INDEX_TEMPLATE_DIR = TEMPLATES_DIR / "batch"


def _hash_files(root: Path, paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


@cache
def package_hash() -> str:
    """SHA-256 of the package source: ``nianbao/**/*.py`` and the format JSON files."""
    paths = [p for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts]
    paths += list((PACKAGE_DIR / "formats").rglob("*.json"))
    return _hash_files(PACKAGE_DIR, paths)


#: Modules every run imports besides the notebook's own: the execution and export path.
RUN_ROOTS = ("nianbao.run.execute",)


def _module_files(package_dir: Path) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__.py``)."""
    found = {}
    for path in package_dir.rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        parts = ("nianbao", *path.relative_to(package_dir).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imported_names(name: str, path: Path) -> set[str]:
    """Dotted names a module imports anywhere (in functions too, since code runs them lazily),
    relative imports resolved; ``from a import b`` yields both ``a`` and ``a.b``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in _statements(ast.parse(path.read_bytes(), str(path)).body):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _statements(body: list[ast.stmt]):
    """Every statement, nested ones too: imports are statements, and skipping the expressions
    (most of a module's nodes) makes this several times faster than ``ast.walk``."""
    for node in body:
        yield node
        for field in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(node, field, None) or [])
        for part in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
            yield from _statements(part.body)


def reached_modules(roots: tuple[str, ...], package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """Files of the ``nianbao`` modules that importing ``roots`` may execute: their static
    import closure, with the ``__init__`` of every package on the way."""
    files = _module_files(package_dir)
    todo = list(roots)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
            module = ".".join(parts[:i])
            if module in seen or module not in files:
                continue
            seen.add(module)
            todo.extend(n for n in _imported_names(module, files[module])
                        if n.split(".", 1)[0] == "nianbao")
    return [files[m] for m in sorted(seen)]


@cache
def code_hash(notebook: str, package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 of the package code one run of ``notebook`` depends on (see the module)."""
    from nianbao.run.kernels import notebook_imports

    roots = tuple(sorted({*notebook_imports(notebook), *RUN_ROOTS}))
    paths = reached_modules(roots, package_dir) + list((package_dir / "formats").rglob("*.json"))
    return _hash_files(package_dir, paths)


@cache
def template_hash() -> str:
    """SHA-256 of the report templates (``nianbao/templates/**``, the index page's excluded)."""
    paths = [p for p in TEMPLATES_DIR.rglob("*") if p.is_file()
             and INDEX_TEMPLATE_DIR not in p.parents and "__pycache__" not in p.parts]
    return _hash_files(TEMPLATES_DIR, paths)


@cache
def file_hash(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@cache
def declared_parameters(notebook: str) -> dict[str, str]:
    """Names declared in the notebook's ``parameters`` cell, with their help comments.

    Read with ``ast`` (no kernel, no papermill import); the cell holds typed assignments such
    as ``year: int = 2020  # report year``.
    """
    return {name: help for name, (_, help) in _declarations(notebook).items()}


def declared_types(notebook: str) -> dict[str, str]:
    """The annotation of each declared parameter (``int``, ``str``, …; empty when untyped)."""
    return {name: kind for name, (kind, _) in _declarations(notebook).items()}


@cache
def _declarations(notebook: str) -> dict[str, tuple[str, str]]:
    path = Path(notebook)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotebookError(f"无法读取笔记本 {path}：{exc}") from exc
    for cell in nb.get("cells", []):
        if "parameters" not in (cell.get("metadata", {}).get("tags") or []):
            continue
        source = "".join(cell.get("source", []))
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            raise NotebookError(f"笔记本 {path} 的参数单元格不是有效的 Python：{exc}") from exc
        lines = source.splitlines()
        names: dict[str, tuple[str, str]] = {}
        for node in tree.body:
            targets, kind = [], ""
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                targets, kind = [node.target.id], ast.unparse(node.annotation)
            elif isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            for name in targets:
                line = lines[node.lineno - 1]
                names[name] = (kind, line.split("#", 1)[1].strip() if "#" in line else "")
        return names
    raise NotebookError(f"笔记本 {path} 没有标记为 parameters 的参数单元格")
