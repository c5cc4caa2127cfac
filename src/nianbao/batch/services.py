"""What the local workers of a build share, started by the driver before they need it: a kernel
factory (``nianbao.run.zygote``) and one browser (``nianbao.batch.printing``)."""

from __future__ import annotations

from nianbao.batch.printing import PrintServer
from nianbao.batch.worker import factory_preload
from nianbao.errors import KernelStartError
from nianbao.run.kernels import Zygote


class LocalServices:
    """Started early (while the plan is made) or when the pool starts; closed with the build."""

    def __init__(self) -> None:
        self.zygote: Zygote | None = None
        self.printer: PrintServer | None = None

    def start(self, notebooks: tuple[str, ...], kernels: bool, pdf: bool) -> None:
        """Start what is missing: a kernel factory for ``notebooks`` when ``kernels`` are
        forked, the browser when there are PDFs to print (and stop one there is no use for)."""
        if kernels and (self.zygote is None or not self.zygote.alive()):
            try:
                self.zygote = Zygote(factory_preload(notebooks))
            except (OSError, KernelStartError):  # each worker then starts kernels itself
                self.zygote = None
        if pdf and self.printer is None:
            try:
                self.printer = PrintServer()
            except OSError:  # each worker then starts a browser of its own
                self.printer = None
        elif not pdf and self.printer is not None:
            self.printer.close()
            self.printer = None

    @property
    def factory(self) -> str | None:
        """The kernel factory's socket, if one runs."""
        return self.zygote.path if self.zygote is not None and self.zygote.alive() else None

    @property
    def printer_address(self) -> tuple[str, bytes] | None:
        return self.printer.address if self.printer is not None else None

    def close(self) -> None:
        """Stop both (idempotent)."""
        zygote, self.zygote = self.zygote, None
        printer, self.printer = self.printer, None
        if zygote is not None:
            zygote.close()
        if printer is not None:
            printer.close()
