"""An aiosmtplib client for tests whose ``async with`` exit also waits until its socket is
closed.

The TLS close_notify exchange is callback-driven, so ``asyncio.run()`` could otherwise close the
loop first and leak the client socket (a ResourceWarning that a later test's leak check would
report as its own). Hooks aiosmtplib's ``_on_connection_lost``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiosmtplib

HANG_GUARD_SECONDS = 30  # only stops a broken run from hanging; never an assertion


class ClosingClient(aiosmtplib.SMTP):
    async def __aenter__(self) -> ClosingClient:
        self._lost = asyncio.get_running_loop().create_future()
        await super().__aenter__()
        return self

    def _on_connection_lost(self, protocol: Any) -> None:
        super()._on_connection_lost(protocol)
        if not self._lost.done():
            self._lost.set_result(None)

    async def __aexit__(self, *exc_info: Any) -> None:
        await super().__aexit__(*exc_info)
        await asyncio.wait_for(asyncio.shield(self._lost), HANG_GUARD_SECONDS)
