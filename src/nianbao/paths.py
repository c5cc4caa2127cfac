"""Where things are: the project's folders from the working directory, the package's own files
from the package.

A project is the folder holding ``data/`` (``data/agencies.csv``), with ``params/`` and
``build/`` beside it. It is found like git finds a repository: from the working directory
upward, unless ``--project`` (the environment variable ``NIANBAO_PROJECT``, which kernels and
workers inherit) names it; ``NIANBAO_DATA`` still points at another data folder. The
notebooks, templates and format files ship inside the package, so an installed ``nianbao``
works from any folder.

``PROJECT_ROOT``, ``DATA_DIR``, ``PARAMS_DIR`` and ``BUILD_DIR`` are looked up when read
(module ``__getattr__``); code that must follow ``--project`` calls the functions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: In a checkout ``nianbao/notebooks`` links to the top-level ``notebooks/``; a wheel holds copies.
NOTEBOOKS_DIR = PACKAGE_DIR / "notebooks"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
FORMATS_DIR = PACKAGE_DIR / "formats"

PROJECT_ENV = "NIANBAO_PROJECT"
DATA_ENV = "NIANBAO_DATA"


def is_project(folder: Path) -> bool:
    """A project holds ``data/agencies.csv``, or ``data/`` and ``params/`` while it is new."""
    data = folder / "data"
    return (data / "agencies.csv").is_file() or (data.is_dir() and (folder / "params").is_dir())


def search_project(start: Path | str | None = None) -> Path | None:
    """The nearest project folder from ``start`` (default: the working directory) upward."""
    here = Path(start if start is not None else Path.cwd()).resolve()
    return next((folder for folder in (here, *here.parents) if is_project(folder)), None)


def find_project(start: Path | str | None = None) -> Path:
    """The nearest project folder upward, else ``start`` itself (commands then say what of
    ``data/`` is missing there)."""
    return search_project(start) or Path(start if start is not None else Path.cwd()).resolve()


def project_root() -> Path:
    named = os.environ.get(PROJECT_ENV)
    return Path(named).resolve() if named else find_project()


def data_dir() -> Path:
    named = os.environ.get(DATA_ENV)
    return Path(named).resolve() if named else project_root() / "data"


def params_dir() -> Path:
    return project_root() / "params"


def build_dir() -> Path:
    return project_root() / "build"


@contextmanager
def use_project(root: Path | str) -> Iterator[Path]:
    """Make ``root`` the project for this process and everything it starts, then restore."""
    root = Path(root).resolve()
    before = os.environ.get(PROJECT_ENV)
    os.environ[PROJECT_ENV] = str(root)
    try:
        yield root
    finally:
        if before is None:
            os.environ.pop(PROJECT_ENV, None)
        else:
            os.environ[PROJECT_ENV] = before


def display_path(path: Path | str) -> str:
    """A path as users should read it in messages: relative to the project when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(project_root()))
    except ValueError:
        return str(path)


_LOOKED_UP = {"PROJECT_ROOT": project_root, "DATA_DIR": data_dir, "PARAMS_DIR": params_dir,
              "BUILD_DIR": build_dir}


def __getattr__(name: str) -> Path:
    if name in _LOOKED_UP:
        return _LOOKED_UP[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
