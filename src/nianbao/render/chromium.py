"""One long-lived system Chromium that prints HTML to A4 PDF, usable from scripts and Jupyter
kernels.

nbconvert's own WebPDFExporter cannot launch the Debian ``chromium`` (it needs a browser
downloaded by ``playwright install``) and prints US Letter; this module drives Debian's Chromium
through playwright, honours ``@page`` sizes and keeps the browser open across reports. It
imports neither nbconvert nor pandas, so a browser can start while those are still loading.

Reports are printed by one page that stays open, by default: playwright's
``Browser.new_page()`` makes a new context for every page, and Chromium then starts a renderer
process and loads the CJK fonts again for each report (about 0.3 s of CPU); even a new page in a
shared context gets a renderer of its own. Each report replaces the whole document of that page,
and the page with its context is replaced after ``pages_per_context`` reports, or after a report
that failed to print, so that nothing accumulates in it.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

from nianbao.errors import ChromiumNotFoundError, PDFRenderError
from nianbao.render.truetype import SANS_FAMILY, SERIF_FAMILY, ensure_truetype_fonts

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route

log = logging.getLogger(__name__)

T = TypeVar("T")

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
# Not used: --renderer-process-limit=1 --process-per-site. With report pages in one shared
# context they doubled Chromium's CPU per PDF (0.40 s against 0.21 s, benchmarks/bench_stages).

#: Reports printed by one page (and its context) before it is replaced by a fresh one.
PAGES_PER_CONTEXT = 200

#: URL schemes a report may load; everything else is blocked and recorded.
ALLOWED_SCHEMES = ("data:", "about:", "blob:")

#: Shown by the report page when it opens: it loads the report faces (serif and sans, regular
#: and bold) once, before the first report needs them.
_WARM_PAGE = (
    '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>'
    '<p style="font-family:var(--nb-serif,serif)">政府信息公开<b>年度报告</b></p>'
    '<p style="font-family:var(--nb-sans,sans-serif)">政府信息公开<b>年度报告</b></p>'
    "</body></html>"
)

_FONT_OVERRIDE = (
    '<style type="text/css" id="nianbao-pdf-fonts">:root{'
    f'--nb-serif:"{SERIF_FAMILY}","Noto Serif CJK SC",serif;'
    f'--nb-sans:"{SANS_FAMILY}","Noto Sans CJK SC",sans-serif;'
    "}</style>"
)


#: Debian's ``/usr/bin/chromium`` is a shell script that runs a dozen commands (about 0.3 s)
#: to add desktop flags, then starts this binary; headless printing needs none of them.
DEBIAN_CHROMIUM_BINARY = "/usr/lib/chromium/chromium"


def find_chromium() -> str:
    """Path of the Chromium to use: ``$NIANBAO_CHROMIUM``, Debian's binary behind its launcher
    script, ``chromium`` on PATH, or the launcher itself."""
    candidates = [os.environ.get("NIANBAO_CHROMIUM"), DEBIAN_CHROMIUM_BINARY,
                  shutil.which("chromium"), "/usr/bin/chromium"]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise ChromiumNotFoundError(
        "Chromium not found: install the Debian package 'chromium' "
        "(apt-get install -y --no-install-recommends chromium fonts-noto-cjk), "
        "or set NIANBAO_CHROMIUM to a Chromium executable"
    )


def _with_font_override(html: str) -> str:
    """Insert the CSS that prefers the embeddable TrueType faces, just before ``</head>``."""
    lower = html.lower()
    at = lower.find("</head>")
    if at < 0:
        return _FONT_OVERRIDE + html
    return html[:at] + _FONT_OVERRIDE + html[at:]


class _Worker:
    """A daemon thread running submitted calls in order (it must outlive atexit handlers)."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((future, fn, args))
        return future

    def stop(self, timeout: float | None = None) -> None:
        self._jobs.put(None)
        self._thread.join(timeout)

    def _loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, fn, args = job
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as exc:
                    future.set_exception(exc)


class ChromiumBrowser:
    """One headless Chromium owned by a private worker thread; safe to call from any thread.

    playwright's sync API refuses to run where an asyncio loop is running (every Jupyter
    kernel) and must stay on the thread that started it, so all browser work happens on one
    dedicated thread and callers wait for its result.
    """

    def __init__(
        self,
        executable_path: str | None = None,
        *,
        embed_fonts: bool = True,
        timeout: float = 60.0,
        pages_per_context: int = PAGES_PER_CONTEXT,
    ) -> None:
        """Launch Chromium now.

        ``embed_fonts`` makes PDFs use TrueType copies of Noto CJK SC (built once, see
        ``nianbao.render.truetype``) so that the fonts are embedded and the text searchable.
        ``timeout`` bounds each page load and print, in seconds. ``pages_per_context``: reports
        printed by one page before the page and its context are renewed (0: a new context, hence
        a new renderer process, for every report).
        """
        self.executable_path = executable_path or find_chromium()
        if not (os.path.isfile(self.executable_path) and os.access(self.executable_path, os.X_OK)):
            raise ChromiumNotFoundError(
                f"{self.executable_path} is not an executable Chromium: install the Debian "
                "package 'chromium' or set NIANBAO_CHROMIUM"
            )
        self.timeout = timeout
        self.fontconfig_file = str(ensure_truetype_fonts()) if embed_fonts else None
        #: Every URL a page tried to load and was refused (the report must load nothing).
        self.blocked_requests: list[str] = []
        self._pid = os.getpid()
        self._closed = False
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self.pages_per_context = max(0, int(pages_per_context))
        self._context: BrowserContext | None = None
        self._page: Page | None = None  # prints every report of the shared context
        self._context_pages = 0
        self._blocked: list[str] = []  # what the report being printed tried to load
        self._worker = _Worker("nianbao-chromium")
        try:
            self._call(self._launch)
        except BaseException:
            self._closed = True
            self._worker.submit(self._shutdown)
            self._worker.stop()
            raise

    # -- public API -------------------------------------------------------------------------

    def html_to_pdf(self, html: str) -> bytes:
        """Print one HTML document to PDF bytes (paper size from its CSS ``@page``)."""
        return self._call(self._print, html)

    @property
    def closed(self) -> bool:
        return self._closed

    def warm_up(self) -> None:
        """Open the report page now and load the report faces into its renderer, before the
        first report needs them (worth it when the browser waits for other work anyway)."""
        if self.pages_per_context:
            self._call(self._shared_page, True)

    def run(self, fn: Callable[[Browser], T]) -> T:
        """Run ``fn(browser)`` on the browser's thread, e.g. to take a screenshot."""
        return self._call(lambda: fn(self._ensure_browser()))

    def close(self) -> None:
        """Close Chromium and stop the worker thread; further calls raise."""
        if self._closed:
            return
        self._closed = True
        if os.getpid() == self._pid:
            try:
                self._worker.submit(self._shutdown).result(timeout=self.timeout)
            finally:
                self._worker.stop(timeout=self.timeout)

    def __enter__(self) -> ChromiumBrowser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- worker-thread side -----------------------------------------------------------------

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise RuntimeError("ChromiumBrowser is closed")
        if os.getpid() != self._pid:
            raise RuntimeError("ChromiumBrowser cannot be used in a forked process; make a new one")
        return self._worker.submit(fn, *args).result()

    def _launch(self) -> None:
        from playwright.sync_api import sync_playwright

        env = dict(os.environ)
        if self.fontconfig_file:
            env["FONTCONFIG_FILE"] = self.fontconfig_file
        if self._playwright is None:
            self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=self.executable_path,
                args=list(CHROMIUM_ARGS),
                env=env,
                headless=True,
                timeout=self.timeout * 1000,
            )
        except Exception as exc:
            raise ChromiumNotFoundError(
                f"could not start {self.executable_path}: {exc}. On Debian install the "
                "package 'chromium' (apt-get install -y --no-install-recommends chromium)"
            ) from exc

    def _ensure_browser(self) -> Browser:
        if self._browser is None or not self._browser.is_connected():
            log.warning("Chromium is not running; starting it again")
            self._launch()
        assert self._browser is not None
        return self._browser

    def _shared_page(self, warm: bool = False) -> Page:
        """The page that prints the reports: opened on first use, renewed with its context
        after ``pages_per_context`` reports or when the browser was restarted; ``warm``: it
        shows text in the report faces first (a renewed page does too)."""
        browser = self._ensure_browser()
        context = self._context
        if (context is None or self._page is None or context.browser is not browser
                or self._context_pages >= self.pages_per_context):
            warm = warm or context is not None
            self._close_context()
            self._context = context = browser.new_context()
            self._page = self._report_page(context)
            self._context_pages = 0
            if warm:  # the faces, and the print service Chromium starts for a first PDF
                html = _with_font_override(_WARM_PAGE) if self.fontconfig_file else _WARM_PAGE
                self._show(self._page, html)
                self._page.pdf()
        return self._page

    def _report_page(self, opener: Browser | BrowserContext) -> Page:
        """A new page that may load nothing from outside (refused URLs are recorded)."""
        page = opener.new_page()
        page.set_default_timeout(self.timeout * 1000)

        def refuse(route: Route) -> None:
            url = route.request.url
            if url.startswith(ALLOWED_SCHEMES):
                route.continue_()
            else:
                self._blocked.append(url)
                route.abort("blockedbyclient")

        page.route("**/*", refuse)
        return page

    def _show(self, page: Page, html: str) -> None:
        page.set_content(html, wait_until="load", timeout=self.timeout * 1000)
        page.evaluate("document.fonts.ready.then(() => true)")

    def _close_context(self) -> None:
        context, self._context, self._page = self._context, None, None
        if context is not None:
            try:
                context.close()
            except Exception:  # the browser went away: nothing left to close
                pass

    def _print(self, html: str) -> bytes:
        if self.fontconfig_file:
            html = _with_font_override(html)
        shared = bool(self.pages_per_context)
        self._blocked = []
        page = None
        try:
            page = self._shared_page() if shared else self._report_page(self._ensure_browser())
            self._context_pages += 1
            self._show(page, html)
            pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        except Exception as exc:
            if shared:
                self._close_context()  # the next report starts from a fresh page
            raise PDFRenderError(f"Chromium could not print the report: {exc}") from exc
        finally:
            if page is not None and not shared:
                page.close()
        if self._blocked:
            log.warning("blocked %d request(s) from a report: %s", len(self._blocked),
                        self._blocked[:5])
            self.blocked_requests.extend(self._blocked)
        return pdf

    def _shutdown(self) -> None:
        self._close_context()
        try:
            if self._browser is not None and self._browser.is_connected():
                self._browser.close()
        except Exception as exc:  # the browser may already be gone; stop the driver anyway
            log.warning("closing Chromium failed: %s", exc)
        finally:
            self._browser = None
            if self._playwright is not None:
                self._playwright.stop()
                self._playwright = None


_shared: ChromiumBrowser | None = None
_shared_lock = threading.Lock()


def shared_browser() -> ChromiumBrowser:
    """The process-wide browser used by the exporter: created on first use, closed at exit."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared._closed or _shared._pid != os.getpid():
            _shared = ChromiumBrowser()
            atexit.register(_shared.close)
        return _shared
