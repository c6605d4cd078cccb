"""Usage records from NATS JetStream, for streaming deployments.

The network publishes each record (or a JSON array of records) on
`kindline.usage.<msisdn>`; the stream keeps them. A durable pull consumer
fetches a batch, rates it in one transaction and acknowledges the messages
only after that transaction has committed. A process that dies between the
commit and the acknowledgement gets the batch again; those record ids are
found already rated and charge nothing, so the balance stays exact.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from kindline.core.clock import Clock
from kindline.core.db import transaction
from kindline.usage import ingest, service
from kindline.usage.terms import DEFAULT_MAX_LINES, TermsCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamConfig:
    servers: str = "nats://127.0.0.1:4222"
    stream: str = "KINDLINE_USAGE"
    subject_prefix: str = "kindline.usage"
    durable: str = "kindline-rater"
    batch: int = 500
    ack_wait_seconds: float = 30.0
    cache_lines: int = DEFAULT_MAX_LINES  # line terms the consumer keeps between batches

    @property
    def subjects(self) -> str:
        return f"{self.subject_prefix}.>"

    def subject_for(self, msisdn: str) -> str:
        return f"{self.subject_prefix}.{msisdn}"


async def ensure_stream(js, config: StreamConfig) -> None:
    try:
        await js.stream_info(config.stream)
    except NotFoundError:
        await js.add_stream(name=config.stream, subjects=[config.subjects])


async def publish(records: list[dict], config: StreamConfig) -> int:
    """Put records on the stream, one message each, keyed by line."""
    connection = await nats.connect(config.servers)
    try:
        js = connection.jetstream()
        await ensure_stream(js, config)
        for record in records:
            await js.publish(config.subject_for(str(record["msisdn"])), json.dumps(record).encode())
        return len(records)
    finally:
        await connection.close()


def _records_of(payload: bytes) -> list[dict] | None:
    try:
        body = json.loads(payload)
    except ValueError:
        return None
    items = body if isinstance(body, list) else [body]
    return items if all(isinstance(item, dict) for item in items) else None


def rate_messages(factory, clock: Clock, payloads: list[bytes], cache: TermsCache | None = None
                  ) -> tuple[service.RatingReport, list[int]]:
    """Rate the records of a batch of messages in one transaction; answers the
    report and the positions of messages that are not records at all. The
    consumer passes its TermsCache, so a line's terms load once per process."""
    rows, unreadable = [], []
    for position, payload in enumerate(payloads):
        records = _records_of(payload)
        if records is None:
            unreadable.append(position)
        else:
            rows.extend(records)
    report = service.RatingReport()
    if rows:
        try:
            with transaction(factory) as session:
                report = service.rate_in(session, clock, ingest.from_rows(rows), source="stream", cache=cache)
        except Exception:
            if cache is not None:
                cache.rolled_back()  # what the failed transaction taught it went with it
            raise
    return report, unreadable


async def consume(factory, clock: Clock, config: StreamConfig, *, stop: asyncio.Event | None = None,
                  idle_rounds: int | None = None, before_ack: Callable[[], None] | None = None) -> int:
    """Rate what arrives until `stop` is set (or after `idle_rounds` empty
    fetches in a row); answers how many records were newly rated. `before_ack`
    runs between the commit and the acknowledgement (a crash there is the case
    this design exists for)."""
    connection = await nats.connect(config.servers)
    rated, idle = 0, 0
    cache = TermsCache(config.cache_lines)
    try:
        js = connection.jetstream()
        await ensure_stream(js, config)
        subscription = await js.pull_subscribe(
            config.subjects, durable=config.durable, stream=config.stream,
            config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
                                  ack_wait=config.ack_wait_seconds, max_ack_pending=config.batch * 4))
        while not (stop and stop.is_set()):
            try:
                messages = await subscription.fetch(config.batch, timeout=1)
            except (NatsTimeout, asyncio.TimeoutError):
                # nats-py raises its own TimeoutError for an empty fetch but a
                # bare asyncio one when the deadline runs out between its two
                # pull requests; both mean "nothing arrived this round".
                idle += 1
                if idle_rounds is not None and idle >= idle_rounds:
                    break
                continue
            idle = 0
            report, unreadable = await asyncio.to_thread(rate_messages, factory, clock, [m.data for m in messages],
                                                         cache)
            rated += report.rated
            for record_id, code in report.rejected:
                log.warning("usage record %s rejected: %s", record_id, code)
            if before_ack:
                before_ack()
            for position, message in enumerate(messages):
                if position in unreadable:
                    log.warning("unreadable usage message on %s dropped", message.subject)
                    await message.term()
                else:
                    await message.ack()
        return rated
    finally:
        await connection.close()
