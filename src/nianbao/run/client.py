"""The kernel client a run executes its notebook with: jupyter_client's asynchronous client,
ready as soon as the kernel answers.

Before the first cell, nbclient waits until the kernel has answered a ``kernel_info`` request
and until the IOPub channel (where the outputs come) is seen to be connected. jupyter_client
checks the latter by waiting up to 0.2 s for any IOPub message after the first answer; the
subscription of a new client is rarely in place by then, so that wait almost always runs out
and the request is repeated: 0.2 s of idle time in every run. Here the same two conditions
are checked with requests repeated every few milliseconds instead.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_core.utils import ensure_async

#: How long to listen on IOPub after each answer before asking again (seconds).
IOPUB_POLL = 0.01


class PromptKernelClient(AsyncKernelClient):
    """``AsyncKernelClient`` whose ``wait_for_ready`` does not idle (see the module)."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await ensure_async(self.shell_channel.get_msg(timeout=1))
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:  # any message on IOPub: the channel is connected
                    await ensure_async(self.iopub_channel.get_msg(timeout=IOPUB_POLL))
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
