"""The FastAPI factory: mounts every domain router, the pages and the health check."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware

from kindline import __version__, handlers
from kindline.billing.api import router as billing_router
from kindline.billing.statements_api import router as statements_router
from kindline.catalog.api import router as catalog_router
from kindline.core import http_errors
from kindline.core.admin_api import router as admin_router
from kindline.core.auth.api import router as auth_router
from kindline.core.logs import install_pii_filter
from kindline.core.runtime import Runtime, build_runtime
from kindline.core.settings import get_settings
from kindline.core.worker import Worker
from kindline.customers.api import router as customers_router
from kindline.customers.api import signin_router
from kindline.customers.models import Customer
from kindline.halls.api import kpi_router as halls_kpi_router
from kindline.halls.api import router as halls_router
from kindline.hotline.api import kpi_router as hotline_kpi_router
from kindline.hotline.api import router as hotline_router
from kindline.orders.api import router as orders_router
from kindline.reminders.api import router as reminders_router
from kindline.sms import api as sms_api
from kindline.usage.api import router as usage_router
from kindline.voice.api import router as voice_router
from kindline.web import mount as mount_web
from kindline.workforce.api import router as workforce_router
from kindline.workorders.api import router as workorders_router
from kindline.workorders.field_api import router as field_router
from kindline.workorders.followup_api import router as followup_router


def _customer_name(session, customer_id: int) -> str | None:
    customer = session.get(Customer, customer_id)
    return customer.name if customer else None


def create_app(runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or build_runtime(get_settings())
    install_pii_filter()
    handlers.install(runtime.settings.sms_driver)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        worker = None
        if runtime.settings.embedded_worker:
            worker = Worker(runtime.sessions, runtime.clock)
            worker.start()
        yield
        if worker:
            worker.stop()

    app = FastAPI(title="kindline", version=__version__, lifespan=lifespan,
                  description="长者优先的电信/有线电视客户服务与业务支撑平台 API。错误统一为 "
                              '{"code", "message", "detail"}。')
    app.state.runtime = runtime
    app.state.customer_name = _customer_name
    app.add_middleware(SessionMiddleware, secret_key=runtime.settings.resolved_secret_key(),
                       session_cookie="kindline_session",
                       same_site="lax", https_only=False, max_age=8 * 3600)
    http_errors.install(app)

    @app.get("/healthz", tags=["health"])
    def healthz():
        """200 with the database's state (503 when it does not answer)."""
        try:
            with runtime.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            database = {"status": "ok", "dialect": runtime.engine.dialect.name}
        except Exception as exc:  # report, do not crash: this is what monitors poll
            return http_errors.error_json(503, "database_unavailable", "数据库不可用。",
                                          {"database": {"status": "error"}}, repr(exc))
        return {"status": "ok", "version": __version__, "database": database,
                "clock": {"now": runtime.clock.now().isoformat(), "virtual": runtime.clock.virtual}}

    app.include_router(auth_router)
    app.include_router(signin_router)
    app.include_router(customers_router)
    app.include_router(catalog_router)
    app.include_router(orders_router)
    app.include_router(billing_router)
    app.include_router(statements_router)
    app.include_router(reminders_router)
    sms_api.install(app, runtime)
    app.include_router(usage_router)
    app.include_router(workorders_router)
    app.include_router(field_router)
    app.include_router(followup_router)
    app.include_router(workforce_router)
    app.include_router(hotline_router)
    app.include_router(hotline_kpi_router)
    app.include_router(halls_router)
    app.include_router(halls_kpi_router)
    app.include_router(voice_router)
    if runtime.clock.virtual:
        app.include_router(admin_router)
    mount_web(app)
    return app
