"""Records from a real NATS JetStream server: acknowledged only after the
rating commits, so a consumer that dies before acknowledging gets the batch
again and charges nothing twice. CI has NATS at 127.0.0.1:4222; when
KINDLINE_REQUIRE_POSTGRES=1 (CI) a missing server fails instead of skipping."""

from __future__ import annotations

import asyncio
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import nats
import pytest

from kindline.usage.stream import StreamConfig, consume, publish
from tests.usage.helpers import balance, line_with, load_demo_catalog, record


def run(coroutine):
    """asyncio.run in a thread of its own: a test process may already have a
    running loop (Playwright's sync API keeps one when the browser tests ran first)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()

NATS_URL = os.environ.get("KINDLINE_TEST_NATS_URL", "nats://127.0.0.1:4222")


class Crash(Exception):
    pass


@pytest.fixture
def config():
    async def reachable():
        connection = await nats.connect(NATS_URL, connect_timeout=2, max_reconnect_attempts=0)
        await connection.close()

    try:
        run(reachable())
    except Exception as exc:
        if os.environ.get("KINDLINE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"NATS is required in CI but {NATS_URL} does not answer: {exc}")
        pytest.skip(f"NATS not available at {NATS_URL}")
    tag = uuid.uuid4().hex[:10]
    config = StreamConfig(servers=NATS_URL, stream=f"TEST_{tag}", subject_prefix=f"test{tag}.usage",
                          durable="rater", batch=50, ack_wait_seconds=1.0)
    yield config

    async def drop():
        connection = await nats.connect(NATS_URL)
        await connection.jetstream().delete_stream(config.stream)
        await connection.close()

    run(drop())


def test_stream_records_are_rated_once_even_after_a_crash_before_ack(runtime, config):
    load_demo_catalog(runtime)
    number = line_with(runtime, "MOB-39")
    sms = [record(number, "sms", 1, minutes=i) for i in range(30)]
    run(publish(sms + [sms[0]], config))  # the network sent one record twice

    def die():
        raise Crash

    with pytest.raises(Crash):  # committed, then killed before acknowledging
        run(consume(runtime.sessions, runtime.clock, config, idle_rounds=1, before_ack=die))
    assert balance(runtime, number) < 10_000

    run(publish([record(number, "sms", 1, minutes=99)], config))
    run(asyncio.sleep(1.5))  # past ack_wait: the unacknowledged batch comes again
    run(consume(runtime.sessions, runtime.clock, config, idle_rounds=2))
    assert balance(runtime, number) == 10_000 - 31 * 10  # 31 distinct messages at 0.10元, none twice


def test_unreadable_messages_are_dropped_and_the_rest_rated(runtime, config):
    load_demo_catalog(runtime)
    number = line_with(runtime, "MOB-39")

    async def send_garbage():
        connection = await nats.connect(config.servers)
        js = connection.jetstream()
        from kindline.usage.stream import ensure_stream

        await ensure_stream(js, config)
        await js.publish(config.subject_for(number), b"not json")
        await connection.close()

    run(send_garbage())
    run(publish([record(number, "sms", 1)], config))
    rated = run(consume(runtime.sessions, runtime.clock, config, idle_rounds=1))
    assert rated == 1 and balance(runtime, number) == 10_000 - 10
    assert run(consume(runtime.sessions, runtime.clock, config, idle_rounds=1)) == 0  # nothing redelivered
