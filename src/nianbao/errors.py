"""Every exception nianbao raises, under one base class.

Callers (the command line, the batch's failure classifier) match these classes rather than
message text. Each keeps the standard base its callers used before (``ValueError`` for bad
parameters, ``RuntimeError`` for failed tools) so that ``except ValueError`` still works.
Messages are in Chinese and name the file, agency, year and cell where they exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nianbao.findings import Finding


class NianbaoError(Exception):
    """Base of every error raised by nianbao."""


# ---------------------------------------------------------------- input: data, parameters


class DataReadError(NianbaoError):
    """The data could not be read at all (a whole file is unusable)."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("\n".join(f"{f.where()}: {f.message}" for f in findings))


class ParameterError(NianbaoError, ValueError):
    """A notebook parameter that does not match the data (unknown agency, year without data)."""


class OutputRefused(ParameterError):
    """An output path (``--out``, ``--xlsx``) that would overwrite an input or a file of another
    kind, or that cannot be written at all."""


class MissingFeeFigures(NianbaoError, ValueError):
    """The fee statement of section 六 cannot be written: front-matter figures are missing."""

    def __init__(self, message: str, missing: list[str]):
        super().__init__(message)
        self.missing = missing


class CheckWorkerError(NianbaoError, RuntimeError):
    """A worker process of a parallel check failed or ended before sending its findings."""


class ReportBlocked(NianbaoError, RuntimeError):
    """A publish build of a report that still has validation errors."""


class UnsafePathError(NianbaoError, ValueError):
    """An id or name from the data that would make a path outside the output folder."""


class ParamsError(NianbaoError, ValueError):
    """A batch file that cannot be used, with a message that says how to fix it."""


class NotebookError(NianbaoError, ValueError):
    """A notebook that cannot be run by the batch (missing, unreadable, no parameters cell)."""


class ExpressionError(NianbaoError, ValueError):
    """An expression of a format file that does not parse or mixes numbers and conditions."""

    def __init__(self, expr: str, why: str):
        super().__init__(f"格式文件中的表达式无法解析（{why}）：{expr}")
        self.expr = expr


class PlanError(NianbaoError, ValueError):
    """The batch cannot run as asked; ``problems`` lists every reason (in Chinese)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# ---------------------------------------------------------------- tools: kernel, browser, fonts


class KernelStartError(NianbaoError, RuntimeError):
    """A kernel died or did not answer while starting (worth one more try)."""


class ChromiumNotFoundError(NianbaoError, RuntimeError):
    """No Chromium executable to print with."""


class PDFRenderError(NianbaoError, RuntimeError):
    """Chromium failed to turn a page into a PDF."""


class FontSetupError(NianbaoError, RuntimeError):
    """A font the reports need is missing or cannot be converted."""


class ConversionError(NianbaoError, RuntimeError):
    """LibreOffice is missing or could not convert a Word file."""


class BundleError(NianbaoError, RuntimeError):
    """A submission bundle cannot be made: no reports, or reports missing or out of date."""


class BundleBlocked(BundleError):
    """A submission bundle is refused because reports have validation errors."""


# ---------------------------------------------------------------- batch execution


class RunTimeout(NianbaoError):
    """A task exceeded its wall-clock limit and was stopped by the executor."""


class WorkerLost(NianbaoError):
    """The worker process died while running a task."""


class TaskError(NianbaoError):
    """A task raised in the worker; carries the worker-side traceback as text."""


# ---------------------------------------------------------------- reading published reports


class UnreadableDocument(NianbaoError, ValueError):
    """A published report that cannot be read (scanned, encrypted, truncated, not a report)."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}：{reason}")


# ---------------------------------------------------------------- writing data/, reading forms


class DataWriteError(NianbaoError, ValueError):
    """Figures that cannot be written into data/ as given (unknown cell, bad agency id …)."""


class FormError(NianbaoError, ValueError):
    """A workbook that cannot be used as a form (wrong file type, not a nianbao form …)."""
