"""Server-sent events for pages that show live data (rule 8: plain HTML first,
a small script and SSE only where the figures move by themselves).

One loop serves every live page: read the values in a worker thread (a
database read must not block the event loop), send them as a named event,
sleep, and stop when the browser has gone. A page that only needs to know
*that* something changed (the agent desk) sends only when the values differ,
with a comment line as a heartbeat so a dead connection is still noticed.
`once=1` sends one event and ends, for a client that polls instead.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def event(name: str, values: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(values, ensure_ascii=False)}\n\n"


def stream(request: Request, read: Callable[[], dict], name: str, seconds: float, *, once: bool = False,
           changes_only: bool = False) -> StreamingResponse:
    """An event `name` with read()'s values every `seconds` (or, with
    changes_only, whenever they differ from the last ones sent)."""

    async def events() -> AsyncIterator[str]:
        yield f"retry: {int(seconds * 1000)}\n\n"
        last: dict | None = None
        while True:
            values = await run_in_threadpool(read)
            if values != last or not changes_only:
                yield event(name, values)
                last = values
            else:
                yield ": still here\n\n"
            if once or await request.is_disconnected():
                return
            await asyncio.sleep(seconds)
            if await request.is_disconnected():
                return

    return StreamingResponse(events(), media_type="text/event-stream", headers=HEADERS)
