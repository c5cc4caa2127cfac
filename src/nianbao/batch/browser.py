"""The worker's Chromium: ``nianbao.render.pdf.ChromiumBrowser``, with the report pages of one
browser context that keeps a blank page open.

playwright's ``Browser.new_page()`` makes a new browser context for every page, and Chromium then
starts a new renderer process and loads the CJK fonts again for each report: about 0.8 s of CPU
per PDF, half of what printing one costs. New pages of one context reuse its renderer process as
long as one of its pages stays open. Every report still gets a new page of its own; the context
is renewed now and then so that nothing accumulates in it.
"""

from __future__ import annotations

from nianbao.render.pdf import ChromiumBrowser

#: Report pages printed in one context before it is replaced by a fresh one.
PAGES_PER_CONTEXT = 200


class _SharedContext:
    """Looks like the playwright ``Browser`` to ``ChromiumBrowser``; opens pages in one context."""

    def __init__(self, browser) -> None:
        self.browser = browser
        self.context = browser.new_context()
        self._keep = self.context.new_page()  # keeps the renderer process alive between reports
        self.pages = 0

    def new_page(self, **kwargs):
        self.pages += 1
        return self.context.new_page(**kwargs)

    def close(self) -> None:
        try:
            self.context.close()
        except Exception:  # the browser went away: nothing to close
            pass

    def __getattr__(self, name: str):
        return getattr(self.browser, name)


class WorkerBrowser(ChromiumBrowser):
    """A ``ChromiumBrowser`` whose report pages share one renderer process (see the module)."""

    _shared: _SharedContext | None = None

    def _ensure_browser(self):  # runs on the browser's own thread, like everything here
        browser = super()._ensure_browser()
        shared = self._shared
        if shared is None or shared.browser is not browser or shared.pages >= PAGES_PER_CONTEXT:
            if shared is not None and shared.browser is browser:
                shared.close()
            self._shared = _SharedContext(browser)
        return self._shared
