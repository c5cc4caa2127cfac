"""Writing output files safely: a reader never sees a half-written file, and no id or name from
the data can steer a write outside the output folder or over an input."""

from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path

from nianbao.errors import OutputRefused, UnsafePathError

#: One path component made from data: ids, years, region slugs, fixed names such as ``_regions``
#: and file names such as ``report.html``. No separators, no leading dot, nothing but ASCII.
SAFE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
#: Ids from the data that become folder names (agency ids, region slugs).
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


def check_id(value: object, what: str = "单位标识") -> str:
    """An agency id or region slug that may become a folder name; ``UnsafePathError`` otherwise."""
    text = str(value)
    if not SLUG.fullmatch(text) or len(text) > 100:
        raise UnsafePathError(
            f"{what}“{text}”无效：只能使用小写字母、数字和连字符，且以字母或数字开头")
    return text


def check_part(part: object, what: str = "路径") -> str:
    """``part`` as a single, harmless path component; ``UnsafePathError`` otherwise."""
    text = str(part)
    if not SAFE_PART.fullmatch(text) or ".." in text or len(text) > 200:
        raise UnsafePathError(
            f"{what}“{text}”不能用作文件或目录名：只能使用字母、数字、下划线、连字符和点，"
            "不能含“/”或“..”")
    return text


def safe_child(root: Path | str, *parts: object, what: str = "路径") -> Path:
    """``root/part/...`` after checking every part; the result is asserted to stay in ``root``.

    Parts may contain ``/`` to name several levels at once (``"2020/fushan"``). The check is
    lexical (no file system access): the batch names thousands of outputs when it plans.
    """
    root = Path(root)
    checked = [check_part(p, what) for part in parts for p in str(part).split("/")]
    path = root.joinpath(*checked)
    base = os.path.normpath(os.path.abspath(root))
    if os.path.commonpath([base, os.path.normpath(os.path.abspath(path))]) != base:
        raise UnsafePathError(f"{what}“{'/'.join(checked)}”指向输出目录 {root} 之外")
    return path


def inside(path: Path | str, folder: Path | str) -> bool:
    """Whether ``path`` is ``folder`` or lies within it (both resolved)."""
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


def guard_output_file(path: Path | str, suffix: str, data_dir: Path | str | None = None) -> Path:
    """Refuse an output file that would overwrite an input or something of another kind.

    The file must end in ``suffix``, must not be an existing directory and must not lie in the
    data folder. Returns the path; raises ``OutputRefused`` with the reason in Chinese.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputRefused(
            f"输出文件 {path} 是一个已有的目录，请指定文件名（如 {path}/结果{suffix}）")
    if path.suffix.lower() != suffix:
        raise OutputRefused(f"输出文件 {path} 的扩展名应为 {suffix}，为免覆盖其他文件，未写入")
    if data_dir is not None and inside(path, data_dir):
        raise OutputRefused(f"输出文件 {path} 位于数据目录 {data_dir} 中，为免覆盖输入数据，"
                            "未写入；请写到数据目录之外")
    return path


def guard_output_dir(out_dir: Path | str, data_dir: Path | str | None = None) -> Path:
    """Refuse an output folder that is a file, or is (or lies within) the data folder."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputRefused(f"输出目录 {out_dir} 是一个已有的文件，不是目录")
    if data_dir is not None and inside(out_dir, data_dir):
        raise OutputRefused(f"输出目录 {out_dir} 位于数据目录 {data_dir} 中，为免覆盖输入数据，"
                            "请另选输出目录")
    return out_dir


def describe_os_error(exc: BaseException) -> str:
    """Why a write failed, in Chinese, with the path: for messages instead of a traceback."""
    if not isinstance(exc, OSError):
        return str(exc)
    why = {errno.ENOSPC: "磁盘已满", errno.EDQUOT: "超出磁盘配额", errno.EROFS: "文件系统只读",
           errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限",
           errno.ENOTDIR: "路径中有同名文件而不是目录", errno.EEXIST: "路径中有同名文件而不是目录",
           errno.EISDIR: "目标是一个目录"}.get(exc.errno or 0, exc.strerror or str(exc))
    return f"{exc.filename}（{why}）" if exc.filename else why


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary name beside ``path`` and rename: never a truncated file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
