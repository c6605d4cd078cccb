"""`kindline usage ...`: rate a file of records, or consume the NATS stream."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kindline.core.money import yuan
from kindline.usage.terms import DEFAULT_MAX_LINES

app = typer.Typer(help="Usage rating (计费): files and the record stream.", no_args_is_help=True)


@app.command("rate")
def rate_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or Parquet usage records")],
    mode: Annotated[str, typer.Option(help="columnar (Polars, large files) or records (one by one)")] = "columnar",
    chunk: Annotated[int, typer.Option(help="records per transaction")] = 0,
) -> None:
    """Rate a file (header record_id,msisdn,kind,started_at,quantity,peer). Safe
    to rerun after a crash: records already rated are skipped."""
    from kindline.cli import _runtime
    from kindline.usage import ingest, service
    from kindline.usage.schemas import MAX_RECORDS_PER_CALL

    runtime = _runtime()
    raw = ingest.read_file(file)
    # Record by record, a transaction holds as many records as one API call may
    # send: a commit writes every counter page its records touch, so ten times
    # the records per commit cost far less than ten times the writes.
    size = chunk or (1_000_000 if mode == "columnar" else MAX_RECORDS_PER_CALL)

    def progress(done: int, total: int) -> None:
        typer.echo(f"已计费 {done}/{total}", err=True)

    report = service.rate(runtime.sessions, runtime.clock, raw, mode=mode, chunk_size=size, source="file",
                          progress=progress)
    typer.echo(f"新计费 {report.rated} 条，重复跳过 {report.duplicates} 条，拒收 {len(report.rejected)} 条，"
               f"费用 {yuan(report.charged_fen)} 元")
    for record_id, code in report.rejected[:20]:
        typer.echo(f"  拒收 {record_id}：{ingest.REASONS_ZH[code]}")
    if report.rejected:
        raise typer.Exit(2)


@app.command("consume")
def consume(
    servers: Annotated[str, typer.Option(help="NATS servers")] = "nats://127.0.0.1:4222",
    stream: Annotated[str, typer.Option(help="JetStream stream name")] = "KINDLINE_USAGE",
    durable: Annotated[str, typer.Option(help="durable consumer name")] = "kindline-rater",
    batch: Annotated[int, typer.Option(help="messages per transaction")] = 500,
    cache_lines: Annotated[int, typer.Option(min=1, help="lines whose terms the consumer keeps between batches")
                           ] = DEFAULT_MAX_LINES,
) -> None:
    """Rate records from NATS JetStream (subjects kindline.usage.<msisdn>) until stopped."""
    import asyncio

    from kindline.cli import _runtime
    from kindline.usage.stream import StreamConfig
    from kindline.usage.stream import consume as run_consumer

    runtime = _runtime()
    config = StreamConfig(servers=servers, stream=stream, durable=durable, batch=batch, cache_lines=cache_lines)
    typer.echo(f"正在从 {servers} 的 {stream} 接收用量记录（Ctrl+C 结束）")
    try:
        asyncio.run(run_consumer(runtime.sessions, runtime.clock, config))
    except KeyboardInterrupt:
        typer.echo("已停止")
