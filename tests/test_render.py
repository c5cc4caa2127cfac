"""Rendering: the report template, HTML determinism, real Chromium PDFs and the font set-up."""

from __future__ import annotations

import asyncio
import copy
import io
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nianbao.errors import ChromiumNotFoundError
from nianbao.render import fonts, html, truetype
from nianbao.render.chromium import ChromiumBrowser
from nianbao.render.html import export_html
from nianbao.render.pdf import ChromiumPDFExporter

A4_POINTS = (595.28, 841.89)
RUNNING_HEADER = "测试市人民政府办公室"
HEADING = "一、总体情况"
SUBHEADING = "（一）主动公开"
PROVENANCE = {"commit": "0123abc", "data_sha256": "ff--00", "parameters": {"year": 2024}}
RADICALS = re.compile("[\u2e80-\u2fdf]")  # CJK radicals: what a broken ToUnicode map yields

TITLE_MD = f"""<div class="report-title">

# 测试市人民政府办公室2024年政府信息公开工作年度报告

</div>

## {HEADING}

本年度，测试市人民政府办公室认真贯彻落实《中华人民共和国政府信息公开条例》。

### {SUBHEADING}

全年主动公开政府信息一百二十条。
"""

PARAMETERS_SRC = 'agency = "测试市人民政府办公室"  # PARAMETERS-MARKER\nyear = 2024'

TABLE_SRC = r"""
import sys
from IPython.display import HTML, Image, display
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from nianbao.render.fonts import figure_to_png_bytes, setup_matplotlib

setup_matplotlib()
display(HTML('''<table>
<thead>
<tr><th colspan="3" rowspan="2">
（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</th>
<th colspan="2">申请人情况</th></tr>
<tr><th>自然人</th><th>总计</th></tr>
</thead>
<tbody>
<tr><th colspan="3">一、本年新收政府信息公开申请数量</th>
<td>12</td><td>12</td></tr>
<tr><th rowspan="2">三、本年度办理结果</th><th colspan="2">（一）予以公开</th>
<td>5</td><td>5</td></tr>
<tr><th colspan="2">（二）部分公开（区分处理的，只计这一情形，不计其他情形）</th>
<td>0</td><td>0</td></tr>
</tbody>
</table>'''))
fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(["主动公开", "依申请公开"], [120, 12])
ax.set_title("政府信息公开情况")
display(Image(data=figure_to_png_bytes(fig)))
plt.close(fig)
print("STDOUT-MARKER")  # CODE-MARKER
"""

HIDDEN_SRC = "import sys\ndisplay(HTML('<p>REMOVED-MARKER ' + sys.prefix + '</p>'))"


def report_notebook() -> nbformat.NotebookNode:
    """A small report: parameters, Chinese headings, a merged-cell table, a chart, a hidden cell."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["nianbao"] = {
        "title": "测试市人民政府办公室2024年政府信息公开工作年度报告",
        "running_header": RUNNING_HEADER,
        "provenance": PROVENANCE,
    }
    nb.cells = [
        new_code_cell(PARAMETERS_SRC, metadata={"tags": ["parameters"]}),
        new_markdown_cell(TITLE_MD),
        new_code_cell(TABLE_SRC),
        new_code_cell(HIDDEN_SRC, metadata={"tags": ["remove-cell"]}),
    ]
    return nb


def long_table_notebook(rows: int = 90) -> nbformat.NotebookNode:
    """A table long enough to span several A4 pages (outputs written directly, no kernel)."""
    body = "".join(
        f"<tr><th>第{i}项政府信息公开事项（较长的标签应当在单元格内换行显示）</th>"
        f"<td>{i}</td><td>{i * 2}</td><td>{i * 3}</td></tr>"
        for i in range(1, rows + 1)
    )
    table = (
        "<table><thead><tr><th>信息内容</th><th>本年制发件数</th><th>本年废止件数</th>"
        f"<th>现行有效件数</th></tr></thead><tbody>{body}</tbody></table>"
    )
    nb = new_notebook()
    nb.metadata["nianbao"] = {"running_header": RUNNING_HEADER}
    nb.cells = [
        new_markdown_cell("## 二、主动公开政府信息情况"),
        new_code_cell("", outputs=[new_output("display_data", data={"text/html": table})]),
    ]
    return nb


def venv_kernel_dir(root: Path) -> Path:
    """A ``python3`` kernelspec that runs this interpreter (the project's venv), not another."""
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"})
    )
    return root


def pdf_reader(data: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data))


def page_fonts(page) -> list[tuple[str, list[str]]]:
    """(subtype, font-file keys) of every font a PDF page uses."""
    result = []
    for ref in page["/Resources"]["/Font"].values():
        font = ref.get_object()
        descriptor = None
        if "/DescendantFonts" in font:
            descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
        elif "/FontDescriptor" in font:
            descriptor = font["/FontDescriptor"]
        keys = []
        if descriptor is not None:
            keys = [k for k in descriptor.get_object() if k.startswith("/FontFile")]
        result.append((str(font["/Subtype"]), keys))
    return result


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> nbformat.NotebookNode:
    """The report notebook run by a real kernel of this venv through nbclient."""
    from nbclient import NotebookClient

    kernels = venv_kernel_dir(tmp_path_factory.mktemp("jupyter"))
    nb = report_notebook()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(kernels))
        mp.setenv("MPLBACKEND", "Agg")
        NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    return nb


@pytest.fixture(scope="module")
def report_html(executed) -> str:
    return export_html(executed)


@pytest.fixture(scope="module")
def browser():
    with ChromiumBrowser() as b:
        yield b


@pytest.fixture(scope="module")
def report_pdf(browser, report_html) -> bytes:
    return browser.html_to_pdf(report_html)


# ---------------------------------------------------------------------------- HTML (fast)


def handmade_notebook() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["nianbao"] = {"running_header": 'X"局</style><script>', "provenance": PROVENANCE}
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>'
    nb.cells = [
        new_markdown_cell(f"## {HEADING}"),
        new_code_cell(
            "x = 1",
            outputs=[
                new_output("stream", name="stdout", text="STDOUT-MARKER\n"),
                new_output("stream", name="stderr", text="STDERR-MARKER\n"),
                new_output(
                    "execute_result", data={"text/plain": "PLAIN-MARKER"}, execution_count=1
                ),
                new_output("display_data", data={"text/markdown": "**MD-MARKER**"}),
                new_output("display_data", data={"image/svg+xml": svg, "text/plain": "<svg>"}),
                new_output(
                    "display_data",
                    data={"application/javascript": "alert(1)", "text/plain": "JS"},
                ),
            ],
        ),
        new_code_cell(
            "y = 2",
            metadata={"tags": ["remove-output", "page-break"]},
            outputs=[new_output("display_data", data={"text/html": "<p>REMOVED-OUTPUT</p>"})],
        ),
        new_code_cell(
            "z = 3",
            metadata={"tags": ["remove-cell"]},
            outputs=[new_output("display_data", data={"text/html": "<p>REMOVED-CELL</p>"})],
        ),
        new_code_cell(
            "1/0",
            outputs=[new_output("error", ename="ZeroDivisionError", evalue="division by zero")],
        ),
    ]
    return nb


def test_template_shows_displays_and_hides_code_streams_and_tagged_cells():
    out = export_html(handmade_notebook())
    assert out.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in out
    assert f"<h2>{HEADING}</h2>" in out
    assert "<strong>MD-MARKER</strong>" in out
    assert "data:image/svg+xml;base64," in out
    for absent in (
        "x = 1",
        "STDOUT-MARKER",
        "STDERR-MARKER",
        "PLAIN-MARKER",
        "alert(1)",
        "REMOVED-OUTPUT",
        "REMOVED-CELL",
        "In&nbsp;[",
        "Out[",
    ):
        assert absent not in out, absent
    assert "ZeroDivisionError: division by zero" in out  # failures stay visible
    assert "<script" not in out
    # A hostile running header cannot end the style element early.
    assert out.count("</style>") == out.count("<style")
    assert '@page { @top-center { content: "X\\"局\\3C /style\\3E \\3C script\\3E "; } }' in out


def test_provenance_comment_is_valid_and_first_in_body():
    out = export_html(handmade_notebook())
    body = out.split("<body>", 1)[1].lstrip()
    assert body.startswith("<!-- nianbao provenance")
    comment = body[len("<!--") : body.index("-->")]
    assert "--" not in comment
    assert json.loads(comment.split("\n", 1)[1]) == PROVENANCE
    assert '<footer class="provenance">' in out
    assert "ff--00" in out.split('<footer class="provenance">', 1)[1]


def test_page_context_rejects_non_mapping_provenance():
    nb = new_notebook()
    nb.metadata["nianbao"] = {"provenance": ["not", "a", "dict"]}
    with pytest.raises(TypeError, match="provenance must be a mapping"):
        export_html(nb)


def test_title_and_running_header_fallbacks():
    nb = new_notebook()
    context = html.page_context(nb)
    assert context["title"] == html.DEFAULT_TITLE == context["running_header"]
    nb.metadata["nianbao"] = {"title": "某局年报"}
    assert html.page_context(nb)["running_header"] == "某局年报"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("某局", '"某局"'),
        ('a"b', '"a\\"b"'),
        ("a\\b", '"a\\\\b"'),
        ("a\nb", '"a\\A b"'),
        ("</style>", '"\\3C /style\\3E "'),
    ],
)
def test_css_string(text, expected):
    assert html.css_string(text) == expected


def test_missing_chromium_names_the_debian_package():
    with pytest.raises(ChromiumNotFoundError, match="chromium"):
        ChromiumBrowser(executable_path="/nonexistent/chromium", embed_fonts=False)


# ---------------------------------------------------------------------------- fonts (fast)


def test_matplotlib_resolves_the_sc_face():
    path = fonts.resolve_font(fonts.SANS)
    assert "NotoSansCJK" in Path(path).name


def test_figures_are_byte_identical_and_draw_every_glyph():
    from matplotlib.figure import Figure

    fonts.setup_matplotlib()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = Figure(figsize=(4, 3))
        ax = fig.subplots()
        ax.bar(["主动公开", "依申请公开"], [3, -5])
        ax.set_title("政府信息公开情况")
        first = fonts.figure_to_png_bytes(fig)
        second = fonts.figure_to_png_bytes(fig)
        svg_first = fonts.figure_to_svg_text(fig)
        svg_second = fonts.figure_to_svg_text(fig)
    assert not [w for w in caught if "missing from" in str(w.message)]
    assert first == second and first.startswith(b"\x89PNG")
    assert b"Software" not in first
    assert svg_first == svg_second
    assert "<dc:date>" not in svg_first


def test_truetype_charset_covers_reports_and_excludes_radicals():
    points = truetype.report_codepoints()
    for char in "人民页一二三、，。（）《》第共０1①Ⅰ—…":
        assert ord(char) in points, char
    assert not any(0x2E80 <= p <= 0x2FDF for p in points)


# ---------------------------------------------------------------------------- executed notebook


@pytest.mark.slow
def test_kernel_is_this_venv(executed):
    hidden = executed.cells[3].outputs[0]["data"]["text/html"]
    assert sys.prefix in hidden


@pytest.mark.slow
def test_report_html_has_no_code_and_no_external_resources(executed, report_html):
    out = report_html
    assert '<html lang="zh-CN">' in out
    assert f"<h2>{HEADING}</h2>" in out and f"<h3>{SUBHEADING}</h3>" in out
    assert 'class="report-title"' in out
    assert 'rowspan="2"' in out and 'colspan="3"' in out
    assert out.count("data:image/png;base64,") == 1
    for absent in (
        "PARAMETERS-MARKER",
        "CODE-MARKER",
        "STDOUT-MARKER",
        "REMOVED-MARKER",
        "import ",
        "cell-id=",
        "jp-",
    ):
        assert absent not in out, absent
    assert "<script" not in out
    assert re.search(r"https?://", out) is None
    for ref in re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", out):
        assert ref.startswith(("data:", "#")), ref
    assert re.search(r"url\(\s*['\"]?(?!data:)", out) is None
    assert "<!-- nianbao provenance" in out


@pytest.mark.slow
def test_report_html_is_deterministic(executed, report_html):
    assert export_html(executed) == report_html
    assert export_html(copy.deepcopy(executed)) == report_html


@pytest.mark.slow
def test_report_loads_offline_without_errors(browser, report_html, tmp_path):
    def load(chromium):
        page = chromium.new_page(viewport={"width": 900, "height": 1200})
        requests, problems = [], []
        page.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("requestfailed", lambda request: problems.append(request.url))
        try:
            page.set_content(report_html, wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")
            shot = tmp_path / "first-page.png"
            page.screenshot(path=str(shot))
            heading_font = page.evaluate(
                "getComputedStyle(document.querySelector('h2')).fontFamily"
            )
        finally:
            page.close()
        return requests, problems, shot, heading_font

    requests, problems, shot, heading_font = browser.run(load)
    assert [url for url in requests if not url.startswith("data:")] == []
    assert problems == []
    assert "Noto Sans CJK SC" in heading_font

    from PIL import Image

    image = Image.open(shot).convert("L")
    assert image.size == (900, 1200)
    histogram = image.histogram()
    dark = sum(histogram[:96])  # text and table rules
    assert dark > 2000, "screenshot looks blank"
    assert len([n for n in histogram if n]) > 32


@pytest.mark.slow
def test_report_pdf_is_a4_with_searchable_text_and_embedded_fonts(report_pdf):
    reader = pdf_reader(report_pdf)
    first = reader.pages[0]
    width, height = float(first.mediabox.width), float(first.mediabox.height)
    assert (round(width), round(height)) == (595, 842)
    text = first.extract_text()
    assert HEADING in text and SUBHEADING in text
    assert "第 1 页 共" in text
    assert RUNNING_HEADER in text
    assert "申请人情况" in text
    assert not RADICALS.search(text), "CJK text extracted as radicals"
    full = "".join(page.extract_text() for page in reader.pages)
    assert "0123abc" in full  # provenance line, printed small
    for page in reader.pages:
        for subtype, files in page_fonts(page):
            assert subtype != "/Type3", "glyphs printed as Type 3 instead of an embedded font"
            assert files and set(files) <= {"/FontFile2", "/FontFile3"}


@pytest.mark.slow
def test_long_table_repeats_its_header_on_every_page(browser):
    reader = pdf_reader(browser.html_to_pdf(export_html(long_table_notebook())))
    assert len(reader.pages) >= 3
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "信息内容" in text, f"header missing on page {number}"
        assert f"第 {number} 页 共 {len(reader.pages)} 页" in text
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (
            595,
            842,
        )


@pytest.mark.slow
def test_pdf_from_inside_a_running_event_loop(browser, report_html):
    async def in_kernel_like_loop() -> bytes:
        return browser.html_to_pdf(report_html)

    assert asyncio.run(in_kernel_like_loop()).startswith(b"%PDF-")


@pytest.mark.slow
def test_network_requests_are_blocked_and_recorded(browser):
    before = len(browser.blocked_requests)
    page = (
        '<html lang="zh-CN"><head><link rel="stylesheet" href="https://cdn.invalid/x.css">'
        '</head><body><p>正文</p><img src="http://example.invalid/a.png" alt=""></body></html>'
    )
    pdf = browser.html_to_pdf(page)
    assert pdf.startswith(b"%PDF-")
    blocked = browser.blocked_requests[before:]
    assert "https://cdn.invalid/x.css" in blocked
    assert "http://example.invalid/a.png" in blocked


@pytest.mark.slow
def test_nbconvert_entry_points(executed, tmp_path):
    from nbconvert.exporters import get_exporter

    assert get_exporter("nianbao_pdf") is ChromiumPDFExporter
    assert get_exporter("nianbao_html") is html.NianbaoHTMLExporter

    source = tmp_path / "report.ipynb"
    nbformat.write(executed, source)
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "nianbao_pdf", str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    reader = pdf_reader((tmp_path / "report.pdf").read_bytes())
    assert HEADING in reader.pages[0].extract_text()


@pytest.mark.slow
def test_report_pages_share_one_context_renewed_after_n_pages():
    html = "<html lang='zh-CN'><body><p>政府信息公开工作年度报告</p></body></html>"
    with ChromiumBrowser(embed_fonts=False, pages_per_context=2) as b:
        seen = []
        for _ in range(3):
            assert b.html_to_pdf(html).startswith(b"%PDF-")
            seen.append(b.run(lambda browser: tuple(browser.contexts)))
    assert len(seen[0]) == 1 and seen[1] == seen[0]  # the second page reused the context
    assert len(seen[2]) == 1 and seen[2] != seen[1]  # the third got a fresh one


@pytest.mark.slow
def test_reports_printed_in_turn_by_one_page_keep_nothing_of_each_other(browser):
    """One page prints every report: each PDF has its own text, title and paper size only."""
    first = ("<html lang='zh-CN'><head><title>东风街道</title><style>@page{size:A4}</style></head>"
             "<body><p>东风街道政府信息公开工作年度报告</p>"
             "<script>document.body.append('脚本追加')</script></body></html>")
    second = ("<html lang='zh-CN'><head><title>南湖镇</title><style>@page{size:A5}</style></head>"
              "<body><p>南湖镇政府信息公开工作年度报告</p></body></html>")
    one, two, again = (pdf_reader(browser.html_to_pdf(h)) for h in (first, second, first))
    assert browser.run(lambda b: [len(c.pages) for c in b.contexts]) == [1]  # printed all three
    text_two = two.pages[0].extract_text()
    assert "南湖镇" in text_two and "东风街道" not in text_two and "脚本追加" not in text_two
    assert one.pages[0].extract_text() == again.pages[0].extract_text()
    assert two.pages[0].mediabox.height < one.pages[0].mediabox.height  # A5 after A4


@pytest.mark.slow
def test_without_sharing_no_context_outlives_its_page():
    with ChromiumBrowser(embed_fonts=False, pages_per_context=0) as b:
        assert b.html_to_pdf("<p>年报</p>").startswith(b"%PDF-")
        assert b.run(lambda browser: len(browser.contexts)) == 0
