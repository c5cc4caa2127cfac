"""Convert a Word file with LibreOffice headless: the second reader of our .docx.

Each conversion gets its own LibreOffice profile, so parallel conversions never share (and
lock) one, and its own fontconfig file that maps the office faces the document names (仿宋_GB2312,
方正小标宋简体, 黑体, 楷体_GB2312) to the Noto CJK faces installed here. Without it fontconfig
picks some CJK face for an unknown name, often the Japanese one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from html import escape
from pathlib import Path

from nianbao.errors import ConversionError
from nianbao.export.ooxml import FALLBACKS

SOFFICE_CANDIDATES = ("soffice", "libreoffice", "/usr/bin/soffice",
                      "/usr/lib/libreoffice/program/soffice")


def soffice() -> str | None:
    """Path of the LibreOffice program, or None when it is not installed."""
    for name in SOFFICE_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def fontconfig_file(folder: Path) -> Path:
    """A fontconfig file: the system's configuration plus our office-face aliases."""
    rules = "".join(
        f'  <match target="pattern"><test name="family"><string>{escape(face)}</string></test>'
        f'<edit name="family" mode="assign" binding="strong"><string>{escape(fallback)}'
        "</string></edit></match>\n"
        for face, fallback in FALLBACKS.items()
    )
    path = folder / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig>\n"
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"{rules}</fontconfig>\n",
        encoding="utf-8",
    )
    return path


def convert(data: bytes, to: str = "pdf", *, suffix: str = "docx", timeout: float = 180) -> bytes:
    """The document ``data`` converted to ``to`` (``pdf``, or ``png`` for the first page)."""
    program = soffice()
    if program is None:
        raise ConversionError("没有找到 LibreOffice（soffice），无法转换 Word 文件")
    with tempfile.TemporaryDirectory(prefix="nianbao-lo-") as tmp:
        folder = Path(tmp)
        source = folder / f"document.{suffix}"
        source.write_bytes(data)
        env = dict(os.environ, FONTCONFIG_FILE=str(fontconfig_file(folder)), HOME=str(folder))
        command = [program, f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                   "--headless", "--norestore", "--nolockcheck",
                   "--convert-to", to, "--outdir", str(folder / "out"), str(source)]
        try:
            done = subprocess.run(command, env=env, capture_output=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise ConversionError(f"LibreOffice 转换超时（超过 {timeout:g} 秒）") from None
        target = folder / "out" / f"document.{to}"
        if not target.exists():
            message = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
            raise ConversionError(f"LibreOffice 未能转换 Word 文件：{message[-300:]}")
        return target.read_bytes()
