"""What the driver of a local build shares with its workers: one browser that prints every PDF
(``nianbao.batch.printing``) and the kernel factory, which also runs the batch's validation in a
child of its own (``Zygote.call``)."""

from __future__ import annotations

import io
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client

import pytest

from batchdata import dataset
from nianbao.batch.outputs import batch_findings
from nianbao.batch.printing import PrintClient, PrintServer
from nianbao.errors import ChromiumNotFoundError, KernelStartError, ParamsError, PDFRenderError
from nianbao.run.kernels import Zygote

NAMES = ("青山乡", "南湖镇")


def report(name: str) -> str:
    return (f"<html lang='zh-CN'><head><title>{name}</title></head>"
            f"<body><p style='font-family:var(--nb-serif)'>{name}政府信息公开工作年度报告</p>"
            "</body></html>")


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.slow
def test_workers_print_their_reports_through_the_drivers_one_browser():
    server = PrintServer()
    clients = [PrintClient(*server.address) for _ in NAMES]
    try:
        assert stat.S_IMODE(os.stat(server.dir).st_mode) == 0o700
        with ThreadPoolExecutor(len(NAMES)) as pool:  # both workers ask at the same moment
            pdfs = list(pool.map(lambda pair: pair[0].html_to_pdf(report(pair[1])),
                                 zip(clients, NAMES, strict=True)))
        again = clients[0].html_to_pdf(report(NAMES[0]))  # after the other: nothing kept
        assert pdf_text(again) == pdf_text(pdfs[0])
        for pdf, name, other in zip(pdfs, NAMES, reversed(NAMES), strict=True):
            text = pdf_text(pdf)
            assert name in text and other not in text
        with pytest.raises(AuthenticationError):  # without the key nothing gets printed
            Client(server.path, "AF_UNIX", authkey=b"not the key")
        assert pdf_text(clients[1].html_to_pdf(report(NAMES[1]))) == pdf_text(pdfs[1])
    finally:
        server.close()
    assert not server.dir.exists()
    with pytest.raises(PDFRenderError, match="not reachable"):
        clients[0].html_to_pdf(report(NAMES[0]))
    with pytest.raises(PDFRenderError, match="not reachable"):  # nor for a new connection
        PrintClient(*server.address).html_to_pdf(report(NAMES[0]))


@pytest.mark.slow
def test_a_browser_that_cannot_start_fails_each_pdf_with_the_reason_and_is_tried_again(
        monkeypatch):
    monkeypatch.setenv("NIANBAO_CHROMIUM", "/bin/false")
    server = PrintServer()
    try:
        client = PrintClient(*server.address)
        for _ in range(2):
            with pytest.raises(ChromiumNotFoundError, match="/bin/false"):
                client.html_to_pdf(report(NAMES[0]))
        monkeypatch.delenv("NIANBAO_CHROMIUM")  # the next report starts it afresh
        assert NAMES[0] in pdf_text(client.html_to_pdf(report(NAMES[0])))
    finally:
        server.close()


@pytest.mark.slow
def test_the_kernel_factory_runs_the_batch_validation_as_this_process_would(tmp_path):
    data = dataset(tmp_path / "data", {"alpha": "甲街道", "beta": "乙街道"}, [2021, 2022],
                   broken={("beta", 2022)})
    args = (str(data), ["alpha", "beta"], [2021, 2022])
    zygote = Zygote(("nianbao.batch.outputs",))
    try:
        remote = zygote.call("nianbao.batch.outputs", "batch_findings", *args)
        assert remote == batch_findings(*args)
        assert any(f.agency_id == "beta" and f.year == 2022 and f.severity == "error"
                   for f in remote)
        with pytest.raises(ParamsError, match="不是年度"):  # raised there, raised here
            zygote.call("nianbao.batch.params", "parse_years", "去年", "batch.yaml")
        with pytest.raises(ValueError, match="not a module of the suite"):
            zygote.call("os", "system", "true")
        assert zygote.alive()  # a call never ends the factory
        assert zygote.call("nianbao.batch.params", "parse_years", "2021-2022", "b.yaml") == (
            2021, 2022)
    finally:
        zygote.close()
    with pytest.raises(KernelStartError):
        zygote.call("nianbao.batch.outputs", "batch_findings", *args)
