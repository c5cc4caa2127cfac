"""``build/index.html`` in a real headless Chromium: links, filtering, sorting, offline."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from batchdata import build, dataset, params

pytestmark = pytest.mark.slow

AGENCIES = {"alpha": "甲街道", "beta": "乙街道", "gamma": "丙街道"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Two years of three agencies, HTML, PDF and Word, one agency-year failing (publish errors)."""
    root = tmp_path_factory.mktemp("index")
    data = dataset(root / "data", AGENCIES, [2021, 2022], broken={("beta", 2022)})
    batch = params(root / "batch.yaml", years="2021-2022", region="测试区",
                   formats=["html", "pdf", "docx"], profile="publish", title="测试区年度报告")
    out = root / "build"
    result = build(data, out, batch)
    assert result.returncode == 1, result.stdout + result.stderr
    return out


@pytest.fixture
def page(browser, built):
    page = browser.new_page()
    page.requests, page.problems = [], []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.goto((built / "index.html").as_uri())
    yield page
    page.close()


def visible_rows(page) -> list[str]:
    return page.locator("#runs tbody tr:visible").all_inner_texts()


def column(page, index: int) -> list[str]:
    return [t.strip() for t in
            page.locator(f"#runs tbody tr:visible td:nth-child({index})").all_inner_texts()]


def test_page_is_chinese_self_contained_and_offline(page, built):
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.title() == "测试区年度报告 · 生成结果"
    html = (built / "index.html").read_text(encoding="utf-8")
    assert "<script src" not in html and "<link" not in html and "http" not in html
    assert page.requests == [(built / "index.html").as_uri()], page.requests
    assert page.problems == []
    assert "共 6 项：成功 5 项，失败 1 项" in page.inner_text("p.totals")


def test_every_link_points_to_an_existing_file(page, built):
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    assert len(hrefs) >= 5 * 4 + 2  # HTML, PDF, Word, notebook of 5 reports; validation files
    for href in hrefs:
        url = urlparse(href)
        assert url.scheme == "file", href
        assert Path(unquote(url.path)).is_file(), href
    labels = page.locator("a").all_inner_texts()
    assert labels.count("PDF") == 5 and labels.count("出错的笔记本") == 1
    pairs = page.eval_on_selector_all("a[href]", "els => els.map(e => [e.textContent, e.href])")
    word = [href for label, href in pairs if label == "Word"]
    assert len(word) == 5 and all(href.endswith("/report.docx") for href in word)


def test_filter_box_and_selects_hide_rows(page):
    assert len(visible_rows(page)) == 6
    page.fill("#filter", "乙街道")
    rows = visible_rows(page)
    assert len(rows) == 2 and all("乙街道" in r for r in rows)
    assert page.inner_text("#shown") == "显示 2 / 6 项"
    page.fill("#filter", "乙街道 2022")
    assert len(visible_rows(page)) == 1
    page.fill("#filter", "没有这个单位")
    assert visible_rows(page) == [] and page.is_visible("#none")
    page.fill("#filter", "")
    page.select_option("#status-filter", "失败")
    rows = visible_rows(page)
    assert len(rows) == 1 and "发布版校验未通过" in rows[0]
    page.select_option("#status-filter", "")
    page.select_option("#year-filter", "2021")
    assert column(page, 4) == ["2021"] * 3
    assert page.problems == []


def test_headers_sort_rows(page):
    page.click("th:nth-child(4) button")  # 年度
    assert column(page, 4) == ["2021"] * 3 + ["2022"] * 3
    assert page.get_attribute("th:nth-child(4)", "aria-sort") == "ascending"
    page.click("th:nth-child(4) button")
    assert column(page, 4) == ["2022"] * 3 + ["2021"] * 3
    page.click("th:nth-child(7) button")  # 错误 (numbers)
    page.click("th:nth-child(7) button")  # descending: the failed report with errors first
    assert column(page, 7)[0] != "0" and column(page, 6)[0].startswith("失败")
    page.click("th:nth-child(1) button")  # 单位
    names = [n.split()[0] for n in column(page, 1)]
    assert names == sorted(names, key=["丙街道", "甲街道", "乙街道"].index)
    assert page.problems == []
