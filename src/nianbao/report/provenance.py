"""Where a report comes from: a hash of its data slice, the code version and the tool versions.

The same record goes into the executed notebook's metadata and the HTML footer, and the batch
compares it to decide whether a report is up to date. It holds no timestamp, so that building
the same report twice gives identical files.
"""

from __future__ import annotations

import subprocess
from functools import cache
from importlib import metadata

from nianbao import __version__
from nianbao.data.dataset import Dataset
from nianbao.data.fingerprint import agency_fingerprint
from nianbao.paths import PACKAGE_DIR

MAIN_PACKAGES = ("pandas", "matplotlib", "papermill", "nbconvert", "nbclient", "jinja2",
                 "playwright")


def data_fingerprint(ds: Dataset, agency_id: str, year: int) -> str:
    """SHA-256 of everything one report reads (``nianbao.data.fingerprint`` defines the slice;
    the batch planner hashes the same one)."""
    return agency_fingerprint(ds.data_dir, agency_id, year)


@cache
def git_commit() -> str:
    """The commit of the code's checkout (``unknown`` outside a git checkout)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PACKAGE_DIR, capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@cache
def package_versions() -> dict[str, str]:
    out = {}
    for name in MAIN_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def provenance(ds: Dataset, agency_id: str, year: int) -> dict:
    return {
        "agency_id": agency_id,
        "year": int(year),
        "format": ds.report(agency_id, year, with_prev=False).format.id,
        "data_sha256": data_fingerprint(ds, agency_id, year),
        "nianbao": __version__,
        "git_commit": git_commit(),
        "packages": package_versions(),
    }
