"""The Dask worker plugin: warm a worker up when the batch connects, free it when done.

Kept apart from ``worker`` so that local builds never import ``distributed``.
"""

from __future__ import annotations

import threading

from distributed.diagnostics.plugin import WorkerPlugin

from nianbao.batch import worker as batch_worker


class NianbaoWorkerPlugin(WorkerPlugin):
    """Import the libraries, start Chromium and a first kernel; stop them at teardown."""

    name = "nianbao"

    def __init__(self, pdf: bool = True, notebooks: tuple[str, ...] = ()) -> None:
        self.pdf = pdf
        self.notebooks = tuple(notebooks)

    def setup(self, worker) -> None:
        # In the background: the worker's event loop must keep answering the scheduler.
        threading.Thread(target=batch_worker.warm_up, args=(self.pdf, self.notebooks),
                         name="nianbao-warm-up", daemon=True).start()

    def teardown(self, worker) -> None:
        batch_worker.shutdown()
