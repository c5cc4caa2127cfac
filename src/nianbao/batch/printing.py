"""One Chromium for all the local workers of a build: the driver prints the PDFs they ask for.

A browser costs about 1.5 s of CPU to start (Chromium and its playwright driver), as much as two
reports; with a browser in every worker, a district's dozen reports paid that once per core. The
driver starts one ``ChromiumBrowser`` while the plan is made and serves it on a Unix socket in a
private directory (mode 0700) with a random key that each connection must prove it knows
(``multiprocessing.connection``'s challenge), so no other user or process can print through it.
A worker sends a report's HTML and receives its PDF or the error. The browser prints one report
at a time: printing takes a fraction of what executing a report takes, so workers seldom wait.

Dask workers on other machines cannot reach it and keep a browser of their own.
"""

from __future__ import annotations

import os
import shutil
import threading
from concurrent.futures import Future
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener

from nianbao.errors import ChromiumNotFoundError, PDFRenderError

#: Errors that reach the worker as themselves (any other: a PDFRenderError with its message).
_FORWARDED = {cls.__name__: cls for cls in (ChromiumNotFoundError, PDFRenderError)}


class PrintServer:
    """The driver's side: a browser started in the background and the socket serving it."""

    def __init__(self) -> None:
        from nianbao.run.kernels import private_dir

        self.dir = private_dir("nbp")
        self.path = str(self.dir / "p")
        self.authkey = os.urandom(32)
        self._browser: Future = Future()
        self._lock = threading.Lock()
        self._closing = False
        self._listener = Listener(self.path, "AF_UNIX", authkey=self.authkey)
        threading.Thread(target=self._start_browser, args=(self._browser,),
                         name="nianbao-print-start", daemon=True).start()
        threading.Thread(target=self._accept, name="nianbao-print", daemon=True).start()

    @property
    def address(self) -> tuple[str, bytes]:
        """What a worker needs to connect (``PrintClient(*address)``)."""
        return self.path, self.authkey

    @staticmethod
    def _start_browser(future: Future) -> None:
        try:
            from nianbao.render.chromium import ChromiumBrowser

            browser = ChromiumBrowser()
            browser.warm_up()
        except BaseException as exc:  # the requests waiting for it answer with it
            future.set_exception(exc)
        else:
            future.set_result(browser)

    def _browser_for_print(self):
        """The browser, once started; one that failed to start is tried again (as a worker
        with its own browser tries again for each report)."""
        with self._lock:
            future = self._browser
            if future.done() and future.exception() is not None and not self._closing:
                self._browser = future = Future()
                self._start_browser(future)
        return future.result()

    def _accept(self) -> None:
        while not self._closing:
            try:
                conn = self._listener.accept()
            except (OSError, EOFError, ValueError, AuthenticationError):  # closed, a wrong key
                continue
            if self._closing:
                conn.close()
                break
            threading.Thread(target=self._serve, args=(conn,), name="nianbao-print-conn",
                             daemon=True).start()

    def _serve(self, conn: Connection) -> None:
        with conn:
            while True:
                try:
                    html = conn.recv()
                except (EOFError, OSError):
                    return
                if self._closing:  # the worker sees the connection end
                    return
                try:
                    reply = (None, self._browser_for_print().html_to_pdf(html))
                except Exception as exc:
                    kind = type(exc).__name__
                    reply = (kind if kind in _FORWARDED else "PDFRenderError", str(exc))
                try:
                    conn.send(reply)
                except (OSError, ValueError):
                    return

    def close(self) -> None:
        """Stop serving, close the browser and remove the socket's directory (idempotent)."""
        if self._closing:
            return
        self._closing = True
        try:  # wake the accepting thread, which then sees that the server is closing
            Client(self.path, "AF_UNIX", authkey=self.authkey).close()
        except (OSError, EOFError):
            pass
        self._listener.close()
        try:
            browser = self._browser.result(timeout=60)
        except Exception:  # it never started, or is still starting: nothing to close now
            browser = None
        if browser is not None:
            browser.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrintClient:
    """A worker's side: ``html_to_pdf`` as ``ChromiumBrowser`` has it, printed by the driver."""

    def __init__(self, path: str, authkey: bytes) -> None:
        self.path, self.authkey = path, authkey
        self._conn: Connection | None = None
        self._lock = threading.Lock()

    closed = False  # the driver's browser is its own to close; a client never needs a new one

    def html_to_pdf(self, html: str) -> bytes:
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = Client(self.path, "AF_UNIX", authkey=self.authkey)
                self._conn.send(html)
                kind, value = self._conn.recv()
            except (OSError, EOFError) as exc:
                self._drop()
                raise PDFRenderError(f"the build's PDF printer is not reachable: {exc}") from exc
        if kind is None:
            return value
        raise _FORWARDED.get(kind, PDFRenderError)(value)

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._drop()
