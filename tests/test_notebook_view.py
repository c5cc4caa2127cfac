"""The executed notebooks read like the report, in JupyterLab (trusted or not) and in viewers.

Fast tests check the notebook copy of each display (inline styles) and that the exporter
prints the unstyled copy. Slow tests execute the report notebook, open it in a real JupyterLab
in a real headless Chromium and measure the rendered table, and build the same agency-year in
two checkouts to compare the notebooks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from nianbao.data.dataset import load
from nianbao.paths import PROJECT_ROOT
from nianbao.render.html import export_html, print_copy
from nianbao.render.mimetypes import PRINT_HTML
from nianbao.report import tables
from nianbao.report.bundle import HTMLBlock
from nianbao.report.inline_style import RULES, inline_styles

SAMPLE = PROJECT_ROOT / "data"
IMAGES = PROJECT_ROOT / "docs" / "images"


def _style_of(html: str, pattern: str) -> list[str]:
    """The style attributes of every start tag matching ``pattern`` (a regex on the tag)."""
    return [m.group(1) for m in re.finditer(pattern + r'[^>]*\sstyle="([^"]*)"', html)]


@pytest.fixture(scope="module")
def fushan():
    return load(SAMPLE, agencies=["fushan"]).report("fushan", 2023)


def test_every_table_cell_gets_a_border_and_labels_align_left(fushan):
    plain = tables.section3_html(fushan)
    styled = inline_styles(plain)
    cells = len(re.findall(r"<t[hd][ >]", plain))
    bordered = [s for s in _style_of(styled, r"<t[hd]") if "border: 1px solid" in s]
    assert cells > 100 and len(bordered) == cells
    labels = _style_of(styled, r'<th class="label"')
    assert labels and all(s.rstrip().endswith("text-align: left; font-weight: 400") for s in labels)
    assert "border-collapse: collapse" in _style_of(styled, "<table")[0]
    # Nothing but start tags changes: text, spans and ids are as before.
    assert re.sub(r' style="[^"]*"', "", styled) == plain


def test_no_rule_can_close_its_attribute():
    assert not [key for key, css in RULES.items() if '"' in css or "<" in css or ">" in css]


def test_inline_styles_keep_an_elements_own_style_last():
    out = inline_styles('<figure class="chart"><img style="width:100%"/></figure>'
                        '<p style="color: red">x</p>')
    assert 'style="width:100%"' in out  # a tag without a rule is left alone
    own = _style_of(out, "<p")[0]
    assert own.endswith("color: red") and "text-indent: 2em" in own


def test_markup_in_text_is_never_taken_for_a_tag():
    block = HTMLBlock("<p>&lt;td class=&quot;label&quot;&gt; 5 &lt; 6</p>")
    styled = block._repr_mimebundle_()["text/html"]
    assert styled.count("style=") == 1 and "&lt;td class=&quot;label&quot;&gt;" in styled


def test_html_block_shows_styled_html_and_keeps_the_printed_copy(fushan):
    plain = tables.section4_html(fushan)
    bundle = HTMLBlock(plain)._repr_mimebundle_()
    assert bundle[PRINT_HTML] == plain
    assert bundle["text/html"] == inline_styles(plain) != plain


def _notebook_with(outputs: list[dict]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data) for data in outputs]
    nb.cells = [cell]
    nb.metadata["nianbao"] = {"title": "测试报告"}
    return nb


def test_export_prints_the_unstyled_copy_unchanged(fushan):
    plain = tables.section3_html(fushan)
    block = HTMLBlock(plain)._repr_mimebundle_()
    shown = _notebook_with([block])
    before = _notebook_with([{"text/html": plain}])
    assert export_html(shown) == export_html(before)
    assert PRINT_HTML in shown.cells[0].outputs[0].data  # the caller's notebook is untouched
    assert print_copy(before) is before  # nothing to swap: no copy made


# ------------------------------------------------------------------ executed notebooks


def _build(root: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "MPLBACKEND": "Agg"}
    env.pop("NIANBAO_DATA", None)
    return subprocess.run([sys.executable, str(root / "build.py"), "report", "--agency",
                           "fushan", "--year", "2023", "--formats", "html", "--out", str(out),
                           *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


def _checkout(dest: Path) -> Path:
    for part in ("src", "notebooks", "data"):
        shutil.copytree(PROJECT_ROOT / part, dest / part, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy2(PROJECT_ROOT / "build.py", dest / "build.py")
    return dest


#: What papermill records about when cells ran; everything else must match.
TIMING_KEYS = ("start_time", "end_time", "duration")


def _without_timing(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for record in [nb["metadata"].get("papermill", {})] + [
            c.get("metadata", {}).get("papermill", {}) for c in nb["cells"]]:
        for key in TIMING_KEYS:
            record.pop(key, None)
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> Path:
    """An executed report notebook of the sample data, built by this checkout."""
    out = tmp_path_factory.mktemp("built")
    done = _build(PROJECT_ROOT, out)
    assert done.returncode == 0, done.stdout + done.stderr
    return out / "2023" / "fushan" / "report.ipynb"


@pytest.mark.slow
def test_two_checkouts_build_the_same_notebook(tmp_path):
    notebooks = []
    for name in ("one", "elsewhere/two"):
        root = _checkout(tmp_path / name)
        done = _build(root, root / "build")
        assert done.returncode == 0, done.stdout + done.stderr
        notebooks.append(root / "build" / "2023" / "fushan" / "report.ipynb")
    text = notebooks[0].read_text(encoding="utf-8")
    assert str(tmp_path) not in text and "/tmp/" not in text
    assert '"data_dir": "../data"' in text
    assert _without_timing(notebooks[0]) == _without_timing(notebooks[1])


# ------------------------------------------------------------------ JupyterLab in Chromium


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(executed, tmp_path_factory):
    """A real JupyterLab server on a private port and private Jupyter folders."""
    home = tmp_path_factory.mktemp("lab")
    root = home / "notebooks"
    root.mkdir()
    shutil.copy2(executed, root / "untrusted.ipynb")
    shutil.copy2(executed, root / "trusted.ipynb")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "run"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings")}
    # Render every cell (JupyterLab 4 hides cells outside the viewport by default).
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    news = home / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    trust = subprocess.run([sys.executable, "-m", "jupyter", "trust", str(root / "trusted.ipynb")],
                           env=env, capture_output=True, text=True, timeout=60)
    assert trust.returncode == 0, trust.stderr
    port, token = _free_port(), "nianbao-test"
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ip=127.0.0.1", f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--ServerApp.allow_root=True"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start: " + (server.stderr.read() or "")[-2000:])
            time.sleep(0.5)
    yield base, token
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    server.stderr.close()


MEASURE = """() => {
  const table = document.querySelector('.jp-OutputArea-output table.official[data-section="s3"]');
  const heads = [...table.querySelectorAll('th')];
  const group = heads.find(th => th.textContent.trim() === '申请人情况');
  const firstRow = table.querySelector('tbody tr');
  const values = [...firstRow.querySelectorAll('td')];
  const label = firstRow.querySelector('th.label');
  const td = values[0];
  const cs = getComputedStyle(td);
  return {
    groupColspan: group.colSpan,
    groupWidth: group.getBoundingClientRect().width,
    valuesWidth: values.reduce((w, c) => w + c.getBoundingClientRect().width, 0),
    cellWidth: td.getBoundingClientRect().width,
    border: [cs.borderTopWidth, cs.borderTopStyle, cs.borderLeftWidth, cs.borderLeftStyle],
    labelAlign: getComputedStyle(label).textAlign,
    labelText: label.textContent.trim(),
    styleElements: table.closest('.jp-OutputArea-output').querySelectorAll('style').length,
  };
}"""


@pytest.mark.slow
@pytest.mark.parametrize("name", ["untrusted", "trusted"])
def test_jupyterlab_shows_the_official_table(lab, browser, name, tmp_path):
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{base}/lab/tree/{name}.ipynb?token={token}", timeout=90_000)
        page.wait_for_selector(
            '.jp-OutputArea-output table.official[data-section="s3"] td', timeout=90_000)
        m = page.evaluate(MEASURE)
        page.evaluate("""() => document.querySelector(
            '.jp-OutputArea-output table.official[data-section="s3"]').scrollIntoView()""")
        page.wait_for_timeout(500)
        shot = tmp_path / f"jupyterlab-{name}.png"
        page.screenshot(path=str(shot))
        if name == "untrusted" and os.environ.get("NIANBAO_UPDATE_IMAGES"):
            shutil.copy2(shot, IMAGES / "notebook-jupyterlab.png")
    finally:
        page.close()
    assert m["groupColspan"] == 7
    # The merged header visibly spans its seven value columns.
    assert m["groupWidth"] == pytest.approx(m["valuesWidth"], rel=0.05)
    assert m["groupWidth"] > 5 * m["cellWidth"]
    assert m["border"] == ["1px", "solid", "1px", "solid"]
    assert m["labelAlign"] == "left" and m["labelText"].startswith("一、本年新收")
    if name == "untrusted":  # the sanitizer strips <style>: the look comes from attributes
        assert m["styleElements"] == 0


# ------------------------------------------------------------------ the analyst's picker


@pytest.fixture(scope="module")
def collection():
    from nianbao import explore

    return explore.load_all(SAMPLE)


def test_picker_lists_every_agency_with_its_years(collection):
    from nianbao.explore_picker import agency_options, agency_years

    years = agency_years(collection)
    assert set(years) == set(collection.dataset.keys.agency_id)
    for agency_id, listed in years.items():
        keys = collection.dataset.keys
        assert listed == sorted(keys.year[keys.agency_id == agency_id].astype(int))
    shown = dict((value, text) for text, value in agency_options(collection))
    assert shown["fushan"] == "浮山街道（fushan）"


def test_picking_an_agency_offers_its_years_and_shows_its_tables(collection, monkeypatch):
    import nianbao.explore_picker as picker

    shown: list = []
    monkeypatch.setattr(picker, "display", lambda *objs: shown.extend(objs))
    widget = picker.agency_picker(collection, "fushan", 2021)
    agency_box, year_box = widget.children[0].children
    assert (agency_box.value, year_box.value) == ("fushan", 2021)
    html = "".join(str(o) for o in shown if isinstance(o, HTMLBlock))
    report = collection.report("fushan", 2021)
    assert f'data-cell="t3.new.total">{int(report.value("t3.new.total"))}<' in html
    assert "浮山街道办事处2021年度" in html
    other = next(a for a in picker.agency_years(collection) if a != "fushan")
    shown.clear()
    agency_box.value = other
    assert list(year_box.options) == picker.agency_years(collection)[other]
    assert collection.agencies.loc[other, "name"] in "".join(map(str, shown))


@pytest.mark.slow
def test_explore_notebook_saves_the_pickers_view(tmp_path):
    import papermill

    notebook = PROJECT_ROOT / "notebooks" / "explore.ipynb"
    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(str(notebook), str(out), parameters={"agency_id": "fushan"},
                               kernel_name="python3", progress_bar=False,
                               cwd=str(notebook.parent))
    nb = json.loads(out.read_text(encoding="utf-8"))
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    shown = [o for model in state.values() if model["model_name"] == "OutputModel"
             for o in model["state"].get("outputs", [])]
    html = "".join(o.get("data", {}).get("text/html", "") for o in shown)
    assert 'data-section="s3"' in html and "浮山街道办事处" in html
    assert "border: 1px solid" in html  # the saved view carries its own styles
