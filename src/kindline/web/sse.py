"""Server-sent events for pages whose figures change while people watch them
(the hotline wallboard, the hall's lobby board).

The page is complete at load; the stream sends the same figures again every
few seconds as one named event, read in a worker thread with a session of its
own (the request's unit-of-work session would stay open for the whole
stream). `once` sends one event and ends, for a client that polls and for
tests. console_hotline.py has the same loop inline and could use this one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def event(name: str, data: Any) -> str:
    """One event in the text/event-stream format (the data as JSON on one line)."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def stream(request: Request, read: Callable[[], Any], *, seconds: int, name: str = "board",
           once: bool = False) -> StreamingResponse:
    """`read()` every `seconds` as event `name`, until the browser goes away."""

    async def events():
        yield f"retry: {seconds * 1000}\n\n"
        while True:
            yield event(name, await run_in_threadpool(read))
            if once or await request.is_disconnected():
                return
            await asyncio.sleep(seconds)
            if await request.is_disconnected():
                return

    return StreamingResponse(events(), media_type="text/event-stream", headers=HEADERS)
