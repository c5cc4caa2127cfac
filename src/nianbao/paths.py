"""Project paths, anchored at the repository root rather than the current directory."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("NIANBAO_DATA", PROJECT_ROOT / "data"))
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
PARAMS_DIR = PROJECT_ROOT / "params"
BUILD_DIR = PROJECT_ROOT / "build"


def display_path(path: Path | str) -> str:
    """A path as users should read it in messages: relative to the project when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
