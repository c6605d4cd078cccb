"""The `kindline` command. Every verb has --help; later capabilities add verbs here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kindline.core.settings import get_settings
from kindline.halls import cli as halls_cli
from kindline.hotline import sim_report
from kindline.usage import cli as usage_cli
from kindline.workorders import cli as workorders_cli

app = typer.Typer(help="kindline：长者优先的电信/有线电视客户服务平台。", no_args_is_help=True)
db_app = typer.Typer(help="Database: apply migrations.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo operator.", no_args_is_help=True)
catalog_app = typer.Typer(help="The product catalog.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
vip_app = typer.Typer(help="VIP levels.", no_args_is_help=True)
billing_app = typer.Typer(help="Billing: the monthly cycle start, points.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(catalog_app, name="catalog")
app.add_typer(users_app, name="users")
app.add_typer(vip_app, name="vip")
app.add_typer(billing_app, name="billing")
app.add_typer(usage_cli.app, name="usage")
app.add_typer(workorders_cli.app, name="workorders")
simulate_app = typer.Typer(help="Simulations on a virtual clock.", no_args_is_help=True)
app.add_typer(simulate_app, name="simulate")
simulate_app.command("hall")(halls_cli.simulate_hall)
simulate_app.command("hotline")(sim_report.simulate_hotline)


def _runtime():
    from kindline import handlers
    from kindline.core.runtime import build_runtime

    settings = get_settings()
    handlers.install(settings.sms_driver)
    return build_runtime(settings)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to the database named by KINDLINE_DATABASE_URL."""
    from kindline.core.migrate import upgrade

    runtime = _runtime()
    upgrade(runtime.engine)
    typer.echo(f"数据库已是最新结构：{runtime.engine.url.render_as_string(hide_password=True)}")


@catalog_app.command("load")
def catalog_load(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="YAML catalog")]) -> None:
    """Load a YAML catalog; loading the same file again changes nothing."""
    from kindline.catalog import loader
    from kindline.core.db import transaction

    runtime = _runtime()
    with transaction(runtime.sessions) as session:
        report = loader.load_file(session, runtime.clock, file)
    typer.echo(f"产品 {len(report.codes)} 个：新增产品 {report.products_added}，新增版本 {report.versions_added}，"
               f"更新版本 {report.versions_updated}，未变 {report.unchanged}")


@users_app.command("create")
def users_create(username: str, roles: Annotated[list[str], typer.Option("--role", help="repeat for more roles")],
                 password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
                 name: Annotated[str | None, typer.Option(help="display name")] = None) -> None:
    """Create a staff user with one or more roles."""
    from kindline.core.auth.service import create_staff
    from kindline.core.db import transaction

    runtime = _runtime()
    with transaction(runtime.sessions) as session:
        user = create_staff(session, runtime.clock, username, password, roles, name)
    typer.echo(f"已创建员工账号 {user.username}（{', '.join(user.roles)}）")


@vip_app.command("recompute")
def vip_recompute() -> None:
    """Set rule-based VIP levels from the last 12 months of payments (staff-set levels stand)."""
    from kindline.billing.vip import apply_spend_rules
    from kindline.core.db import transaction

    runtime = _runtime()
    with transaction(runtime.sessions) as session:
        changed = apply_spend_rules(session, runtime.clock)
    typer.echo(f"VIP 等级已按消费重算：{changed} 位客户等级有变化")


@billing_app.command("start-cycle")
def billing_start_cycle(cycle: Annotated[str | None, typer.Option(help="YYYY-MM; default: the current cycle")] = None
                        ) -> None:
    """Charge the cycle's monthly fees and earn points (a rerun charges nothing twice), then make sure the
    next cycle start and the daily points run are scheduled for the worker."""
    from kindline.billing import cycles as billing_cycles
    from kindline.core import cycles
    from kindline.core.db import transaction
    from kindline.core.money import yuan

    runtime = _runtime()
    cycle = cycle or cycles.current(runtime.clock)
    cycles.parse(cycle)

    def progress(summary, total: int) -> None:
        typer.echo(f"  {summary.customers}/{total} 位客户，新扣费 {summary.fees} 项，{yuan(summary.charged_fen)} 元")

    typer.echo(f"正在为 {cycle} 账期扣月租……")
    summary = billing_cycles.run_cycle(runtime.sessions, runtime.clock, cycle, progress)
    with transaction(runtime.sessions) as session:
        billing_cycles.ensure_timers(session, runtime.clock)
    typer.echo(f"{cycle} 月初扣费完成：客户 {summary.customers} 位，新扣费 {summary.fees} 项共 {yuan(summary.charged_fen)} 元，"
               f"赠送积分 {summary.points}，此前已扣 {summary.already} 项未重复扣")


@billing_app.command("points-daily")
def billing_points_daily() -> None:
    """Expire points past their date and send the points_expiring reminders (the worker does this daily)."""
    from kindline.billing import points
    from kindline.core.db import transaction

    runtime = _runtime()
    with transaction(runtime.sessions) as session:
        expired = points.expire(session, runtime.clock)
        reminded = points.remind_expiring(session, runtime.clock)
    typer.echo(f"到期积分 {expired} 分已清零，发出积分到期提醒 {reminded} 条")


@demo_app.command("load")
def demo_load(seed: Annotated[int, typer.Option(help="same seed, same data")] = 20261122,
              subscribers: Annotated[int, typer.Option(min=50)] = 2000) -> None:
    """Load the demo operator: catalog, staff (one per role) and subscribers."""
    from kindline.demo.loader import load_demo

    runtime = _runtime()
    summary = load_demo(runtime, seed=seed, subscribers=subscribers, progress=typer.echo)
    typer.echo(summary)


@app.command()
def serve(host: Annotated[str, typer.Option()] = "127.0.0.1", port: Annotated[int, typer.Option()] = 8000) -> None:
    """Serve the API and the pages on whatever database the settings name."""
    import uvicorn

    from kindline.app import create_app
    from kindline.handlers import schedule_recurring

    runtime = _runtime()
    schedule_recurring(runtime.sessions, runtime.clock)
    uvicorn.run(create_app(runtime), host=host, port=port, log_level="info")


@app.command()
def run(host: Annotated[str, typer.Option()] = "127.0.0.1", port: Annotated[int, typer.Option()] = 8000) -> None:
    """What `make run` does: migrate, load the demo when the database is empty, print the URLs, serve."""
    import uvicorn

    from kindline.app import create_app
    from kindline.core.migrate import upgrade
    from kindline.demo.loader import is_loaded, load_demo, welcome
    from kindline.handlers import schedule_recurring

    runtime = _runtime()
    upgrade(runtime.engine)
    if not is_loaded(runtime):
        typer.echo("首次启动：正在载入示范运营商数据……")
        typer.echo(load_demo(runtime, progress=typer.echo))
    schedule_recurring(runtime.sessions, runtime.clock)
    typer.echo(welcome(f"http://{host}:{port}", runtime))
    uvicorn.run(create_app(runtime), host=host, port=port, log_level="warning")


@app.command()
def worker(interval: Annotated[float, typer.Option(help="seconds between rounds")] = 1.0,
           until_idle: Annotated[bool, typer.Option(help="stop when a round finds nothing due")] = False) -> None:
    """Deliver the outbox (SMS and events) and fire due timers in its own process; run as many as needed.
    With --until-idle it ends by saying how many timers this process fired and messages it delivered."""
    import time

    from kindline.core.worker import one_round
    from kindline.handlers import schedule_recurring

    runtime = _runtime()
    schedule_recurring(runtime.sessions, runtime.clock)
    typer.echo("后台进程已启动（Ctrl+C 结束）")
    fired = delivered = 0
    while True:
        done = one_round(runtime.sessions, runtime.clock)
        fired, delivered = fired + done.fired, delivered + done.delivered
        if not done:
            if until_idle:
                typer.echo(f"已触发定时任务 {fired} 个，已投递消息 {delivered} 条，没有待办，退出")
                return
            time.sleep(interval)


def main() -> None:
    """Entry point: a domain error is a clear Chinese line and exit code 1, not a traceback."""
    from kindline.core.errors import DomainError

    try:
        app()
    except DomainError as error:
        typer.echo(f"错误：{error.message}（{error.code}）", err=True)
        if error.detail:
            typer.echo(f"详情：{error.detail}", err=True)
        raise SystemExit(1) from None


if __name__ == "__main__":  # pragma: no cover
    main()
