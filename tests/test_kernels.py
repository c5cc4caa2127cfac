"""Single-use kernels: the client a run uses is ready as soon as the kernel answers and sees
the first outputs, and a discarded kernel is gone at once."""

from __future__ import annotations

import asyncio
import time

import pytest

from nianbao.run.client import PromptKernelClient
from nianbao.run.kernels import start_kernel

pytestmark = pytest.mark.slow


def _first_output(kc, code: str) -> str:
    async def run() -> str:
        await kc.wait_for_ready(timeout=60)
        msg_id = kc.execute(code)
        text = ""
        while True:
            msg = await kc.get_iopub_msg(timeout=30)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                text += msg["content"]["text"]
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return text

    return asyncio.run(run())


def test_client_is_ready_at_once_and_sees_the_first_output(tmp_path):
    for _ in range(3):  # a new kernel and a new subscription each time
        kernel = start_kernel(str(tmp_path))
        try:
            kc = kernel.km.client()
            assert isinstance(kc, PromptKernelClient)
            kc.start_channels()
            started = time.monotonic()
            assert _first_output(kc, "print('年报')") == "年报\n"
            assert time.monotonic() - started < 30
        finally:
            kernel.discard()


def test_waiting_for_a_dead_kernel_fails_instead_of_hanging(tmp_path):
    kernel = start_kernel(str(tmp_path))
    try:
        kc = kernel.km.client()
        kc.start_channels()
        asyncio.run(kc.wait_for_ready(timeout=60))
        kernel.kill()
        with pytest.raises(RuntimeError, match="died|respond"):
            asyncio.run(kc.wait_for_ready(timeout=5))
    finally:
        kernel.discard()


def test_discarded_kernel_process_is_gone_when_discard_returns(tmp_path):
    kernel = start_kernel(str(tmp_path))
    kc = kernel.km.client()
    kc.start_channels()
    asyncio.run(kc.wait_for_ready(timeout=60))
    pid = kernel.pid
    kernel.discard()
    assert pid and _zombie_or_gone(pid)
    assert not kernel.workdir.exists()


def _zombie_or_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1].startswith("Z")
    except FileNotFoundError:
        return True


def test_forked_kernels_start_without_the_debugger_and_its_imports(tmp_path):
    """A kernel forked from the factory finds every module it starts with already imported;
    debugpy, which no batch run uses, is not among them (it cost each kernel 0.07 s)."""
    from nianbao.run.kernels import Zygote

    zygote = Zygote()
    try:
        kernel = start_kernel(str(tmp_path), zygote=zygote)
        try:
            kc = kernel.km.client()
            kc.start_channels()
            code = ("import sys; print(sorted(m for m, module in sys.modules.items() if module "
                    "and m.split('.')[0] in ('debugpy', 'pydevd', '_pydevd_bundle')))")
            assert _first_output(kc, code) == "[]\n"
            offered = "from ipykernel import debugger; print(debugger._is_debugpy_available)"
            assert _first_output(kc, offered) == "False\n"
        finally:
            kernel.discard()
    finally:
        zygote.close()
