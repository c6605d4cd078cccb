"""`kindline workorders ...`: the 12315 platform's files, and the SLA sweep."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Work orders: the 12315 intake and its replies.", no_args_is_help=True)


@app.command("import-12315")
def import_12315(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON lines")]) -> None:
    """Import complaints forwarded by the 12315 platform (external_id, complainant,
    phone, content, received_at per line). Safe to rerun: known ids are skipped."""
    from kindline.cli import _runtime
    from kindline.core.db import transaction
    from kindline.workorders import intake

    runtime = _runtime()
    with transaction(runtime.sessions) as session, file.open(encoding="utf-8") as rows:
        report = intake.import_12315(session, runtime.clock, rows)
    typer.echo(f"新建工单 {report.created} 张，重复跳过 {report.repeated} 条，有误 {len(report.errors)} 行")
    for error in report.errors:
        typer.echo(f"  第{error['line']}行：{error['error']}")
    if report.errors:
        raise typer.Exit(1)


@app.command("replies-12315")
def replies_12315(out: Annotated[Path, typer.Option(help="where to write the JSON lines")]) -> None:
    """Write the replies due back to the platform (external_id, reply, replied_at, result, satisfaction)."""
    from kindline.cli import _runtime
    from kindline.workorders import intake

    runtime = _runtime()
    count = 0
    with runtime.sessions() as session, out.open("w", encoding="utf-8") as target:
        for reply in intake.replies_due(session):
            target.write(json.dumps(reply, ensure_ascii=False) + "\n")
            count += 1
    typer.echo(f"已导出 {count} 条答复：{out}")
