"""LibreOffice headless for tests: open a workbook as another program would and save it again.

Each call uses its own LibreOffice profile directory, so parallel test runs never share (and
never lock) one profile.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"


def available() -> bool:
    return Path(SOFFICE).exists()


def resave_xlsx(src: Path, out_dir: Path, timeout: float = 180) -> Path:
    """``src`` opened, recalculated and written back as .xlsx by LibreOffice into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        proc = subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir), str(src)],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
    out = out_dir / (Path(src).stem + ".xlsx")
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"LibreOffice could not convert {src}: {proc.stdout}{proc.stderr}")
    return out
