"""Batch files (``params/*.yaml``): which agencies and years to build, and which output kinds.

A batch file names agencies by region or by list, the years, the output kinds (its key
``formats``) and the profile; see ``params/xianan.yaml`` for an annotated example. Errors are
reported in Chinese with the file name, and a misspelt key is an error rather than silently
ignored.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.errors import ParamsError
from nianbao.run.targets import DEFAULT_KINDS, OUTPUT_KINDS

PROFILES = ("review", "publish")
KEYS = ("name", "title", "years", "region", "agencies", "formats", "profile", "allow_errors",
        "summaries", "timeout", "parameters")
MAX_TIMEOUT = 7 * 24 * 3600  # a week: anything longer is a typo, and inf/nan cannot be waited on
#: Parameters the batch sets itself; a batch file may not set them under ``parameters``.
RESERVED_PARAMETERS = ("agency_id", "year", "data_dir", "profile", "allow_errors", "region",
                       "make_docx")


@dataclass(frozen=True)
class BatchParams:
    """One batch file, checked."""

    name: str
    path: Path | None
    years: tuple[int, ...]
    region: str | None = None
    agencies: tuple[str, ...] = ()
    kinds: tuple[str, ...] = DEFAULT_KINDS  # the file's ``formats``
    profile: str = "review"
    allow_errors: bool = False
    summaries: bool = True
    timeout: float = 600.0
    parameters: dict = field(default_factory=dict)
    title: str = ""

    @property
    def label(self) -> str:
        return str(self.path) if self.path else self.name


def parse_years(value: object, where: str) -> tuple[int, ...]:
    """``2022``, ``[2020, 2021]``, ``"2020-2023"`` or ``"2020–2023"`` → sorted years."""
    items = value if isinstance(value, list) else [value]
    years: set[int] = set()
    for item in items:
        if isinstance(item, bool):
            raise ParamsError(f"{where}：years 中的“{item}”不是年度")
        if isinstance(item, int):
            years.add(item)
            continue
        text = str(item).strip()
        m = re.fullmatch(r"(\d{4})\s*[-–~至]\s*(\d{4})", text)
        if m:
            start, stop = int(m.group(1)), int(m.group(2))
            if start > stop:
                raise ParamsError(f"{where}：年度区间“{text}”的起始年度晚于结束年度")
            years.update(range(start, stop + 1))
        elif re.fullmatch(r"\d{4}", text):
            years.add(int(text))
        else:
            raise ParamsError(f"{where}：years 中的“{text}”不是年度，应写作 2022、[2020, 2021] "
                              "或 2020-2023")
    if not years:
        raise ParamsError(f"{where}：years 不能为空")
    return tuple(sorted(years))


def _kinds(value: object, where: str) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ParamsError(f"{where}：formats 应为列表，如 [html, pdf]")
    chosen = tuple(dict.fromkeys(str(i).strip().lower() for i in items if str(i).strip()))
    unknown = [f for f in chosen if f not in OUTPUT_KINDS]
    if unknown or not chosen:
        raise ParamsError(f"{where}：未知的输出格式“{'、'.join(unknown) or '（空）'}”，"
                          f"可选 {', '.join(OUTPUT_KINDS)}")
    return chosen


def from_mapping(data: object, name: str, path: Path | None = None) -> BatchParams:
    """Check one parsed batch file."""
    where = str(path) if path else name
    if not isinstance(data, dict):
        raise ParamsError(f"{where}：内容应为“键: 值”形式的映射")
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise ParamsError(f"{where}：未知的键“{'、'.join(map(str, unknown))}”，"
                          f"可用的键为 {', '.join(KEYS)}")
    if "years" not in data:
        raise ParamsError(f"{where}：缺少 years（报告年度），如 years: 2020-2023")
    years = parse_years(data["years"], where)
    region, agencies = data.get("region"), data.get("agencies")
    if (region is None) == (agencies is None):
        raise ParamsError(f"{where}：请用 region（一个地区的全部单位）或 agencies（单位标识列表）"
                          "二者之一指定单位")
    if agencies is not None:
        if isinstance(agencies, str):
            agencies = [agencies]
        if not isinstance(agencies, list) or not agencies:
            raise ParamsError(f"{where}：agencies 应为单位标识列表，如 [wenquan, yongan]")
        agencies = tuple(dict.fromkeys(str(a).strip() for a in agencies))
    profile = str(data.get("profile", "review"))
    if profile not in PROFILES:
        raise ParamsError(f"{where}：profile 应为 review（审阅版）或 publish（发布版），"
                          f"实际为“{profile}”")
    for key in ("allow_errors", "summaries"):
        if key in data and not isinstance(data[key], bool):
            raise ParamsError(f"{where}：{key} 应为 true 或 false")
    timeout = data.get("timeout", 600)
    if (isinstance(timeout, bool) or not isinstance(timeout, int | float)
            or not math.isfinite(timeout) or not 0 < timeout <= MAX_TIMEOUT):
        raise ParamsError(f"{where}：timeout 应为不超过 {MAX_TIMEOUT} 的正数（秒），"
                          f"实际为“{timeout}”")
    parameters = data.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise ParamsError(f"{where}：parameters 应为“参数名: 值”形式的映射")
    reserved = [k for k in parameters if k in RESERVED_PARAMETERS]
    if reserved:
        raise ParamsError(f"{where}：parameters 中的“{'、'.join(reserved)}”由批次设置，"
                          "请改用 years、agencies、region、profile 等键")
    return BatchParams(
        name=str(data.get("name") or name), path=path, years=years,
        region=str(region).strip() if region is not None else None,
        agencies=agencies or (), kinds=_kinds(data.get("formats", list(DEFAULT_KINDS)), where),
        profile=profile, allow_errors=bool(data.get("allow_errors", False)),
        summaries=bool(data.get("summaries", True)), timeout=float(timeout),
        parameters=dict(parameters), title=str(data.get("title") or ""),
    )


def load_params(path: Path) -> BatchParams:
    """Read and check one batch file."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParamsError(f"参数文件不存在：{path}") from None
    except UnicodeDecodeError:
        raise ParamsError(f"{path}：不是 UTF-8 编码，请另存为 UTF-8") from None
    except IsADirectoryError:
        raise ParamsError(f"{path}：是目录，不是参数文件") from None
    except OSError as exc:
        raise ParamsError(f"{path}：无法读取（{exc.strerror}）") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}：YAML 格式错误：{exc}") from None
    return from_mapping(data, path.stem, path)


def find_params(params_dir: Path) -> list[Path]:
    """The batch files of a folder, in name order."""
    if not params_dir.is_dir():
        return []
    return sorted([*params_dir.glob("*.yaml"), *params_dir.glob("*.yml")])
