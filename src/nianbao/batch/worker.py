"""What runs on a worker (a local pool process or a Dask worker): one task per run.

Each worker process keeps, for all the runs it executes, the things that are expensive to start
and safe to share: the imported libraries, a headless Chromium (one page prints every report) or,
in a local pool, a connection to the one its driver serves (``nianbao.batch.printing``), a kernel
factory (``nianbao.run.zygote``) and a kernel started ahead for the next run. Kernels themselves
are never shared: one per run. ``shutdown`` (also run at exit) stops the waiting kernel, the
factory and the browser.
"""

from __future__ import annotations

import atexit
import os
import socket
import threading

from nianbao.run.execute import RunOutcome, produce_retrying
from nianbao.run.targets import RunSpec

#: Imported once per worker before the first run, instead of during it. (The notebooks' own
#: imports — pandas, matplotlib, nianbao.report.document — happen in the kernel factory, not here.)
PRELOAD = ("nbformat", "nbconvert", "papermill", "jupyter_client", "nianbao.render.html",
           "nianbao.render.chromium")


#: How kernels start: ``fork`` (from a kernel factory, the default where supported), ``warm``
#: (the ordinary way, one run ahead) or ``fresh`` (the ordinary way, when the run starts).
KERNELS_ENV = "NIANBAO_KERNELS"


def kernel_mode() -> str:
    return os.environ.get(KERNELS_ENV, "fork")


#: Imported by a kernel factory after the notebooks' imports: the caches every report builds.
FACTORY_WARM_UP = "nianbao.report.warm"


def factory_preload(notebooks: tuple[str, ...]) -> tuple[str, ...]:
    """What a kernel factory imports for these notebooks: everything they import, then the
    module that fills the reports' caches (forked kernels inherit both)."""
    from nianbao.run.kernels import notebook_imports

    names = [m for nb in notebooks for m in notebook_imports(nb)]
    return tuple(dict.fromkeys([*names, FACTORY_WARM_UP]))


class _State:
    def __init__(self, notebooks: tuple[str, ...] = (), factory: str | None = None,
                 printer: tuple[str, bytes] | None = None) -> None:
        from nianbao.run.kernels import KernelSource, WarmKernels

        mode = kernel_mode()
        if mode == "fresh":
            self.kernels = KernelSource()
        else:
            self.kernels = WarmKernels(fork=mode == "fork", preload=factory_preload(notebooks),
                                       factory=factory)
        self.printer = printer
        self.browser = None
        self.lock = threading.Lock()

    def get_browser(self):
        """What prints this worker's PDFs: the driver's browser when it serves one, else ours."""
        with self.lock:
            if self.browser is None or self.browser.closed:
                if self.printer is not None:
                    from nianbao.batch.printing import PrintClient

                    self.browser = PrintClient(*self.printer)
                else:
                    from nianbao.render.chromium import ChromiumBrowser

                    self.browser = ChromiumBrowser()
                    self.browser.warm_up()
            return self.browser

    def close(self) -> None:
        self.kernels.close()
        if self.browser is not None:
            self.browser.close()
            self.browser = None


_state: _State | None = None
_state_lock = threading.Lock()


def state(notebooks: tuple[str, ...] = (), factory: str | None = None,
          printer: tuple[str, bytes] | None = None) -> _State:
    global _state
    with _state_lock:
        if _state is None:
            _state = _State(notebooks, factory, printer)
            atexit.register(shutdown)
        return _state


def warm_up(pdf: bool = True, notebooks: tuple[str, ...] = (), factory: str | None = None,
            printer: tuple[str, bytes] | None = None) -> None:
    """Prepare this worker: import the libraries, start Chromium and a kernel per notebook.

    ``factory`` is the socket of a kernel factory shared by the workers of this machine
    (without it, the worker starts its own when kernels are forked); ``printer`` the address
    of the browser the driver serves (``PrintServer.address``; without it, the worker starts
    its own).
    """
    import importlib

    from nianbao.run.kernels import sweep_stale_dirs
    from nianbao.slow_imports import skip_slow_optional_imports

    skip_slow_optional_imports()
    sweep_stale_dirs()
    st = state(notebooks, factory, printer)
    start_factory = getattr(st.kernels, "start_factory", None)
    if start_factory is not None:
        start_factory()  # imports in its own process meanwhile
    if pdf and printer is None:  # Chromium starts in processes of its own while this imports
        threading.Thread(target=_start_browser, args=(st,), name="nianbao-browser-start",
                         daemon=True).start()
    for name in PRELOAD:
        importlib.import_module(name)
    from nianbao.render.html import warm_exporter

    warm_exporter()
    for notebook in notebooks:
        prepare = getattr(st.kernels, "prepare", None)
        if prepare is not None:
            prepare(notebook)


def _start_browser(st: _State) -> None:
    try:
        st.get_browser()
    except Exception as exc:  # the first run that needs it reports the error
        import logging

        logging.getLogger(__name__).warning("Chromium did not start: %s", exc)


class _BrowserWhenNeeded:
    """The worker's browser, asked for only when a PDF is printed: a run starts executing while
    Chromium is still starting (the first runs of a worker)."""

    def __init__(self, st: _State) -> None:
        self._state = st

    def html_to_pdf(self, html: str) -> bytes:
        return self._state.get_browser().html_to_pdf(html)


def run_task(spec: RunSpec) -> RunOutcome:
    """Execute one run here and return its files (bytes) or its failure."""
    st = state()
    browser = _BrowserWhenNeeded(st) if "pdf" in spec.kinds else None
    outcome = produce_retrying(spec, st.kernels, browser)
    outcome.worker = f"{socket.gethostname()}:{os.getpid()}"
    return outcome


def shutdown() -> None:
    """Stop the waiting kernels and the browser of this worker (idempotent)."""
    global _state
    with _state_lock:
        st, _state = _state, None
    if st is not None:
        st.close()


def package_fingerprint() -> str:
    """The package hash as a worker sees it (the driver compares it with its own)."""
    from nianbao.batch.sources import package_hash

    return package_hash()
