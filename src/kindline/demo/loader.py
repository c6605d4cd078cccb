"""Entry points the CLI calls: is the demo there, load it, and the welcome
text `kindline run` prints.

The whole demo loads in one transaction: a load that fails half-way leaves
the database as it was, and `is_loaded` stays a plain question ("is there any
subscriber?") that a second `kindline run` answers before loading again.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kindline.catalog import loader as catalog_loader
from kindline.catalog.models import Product
from kindline.core.auth.models import StaffUser
from kindline.core.clock import Clock
from kindline.core.db import make_engine, make_session_factory, transaction
from kindline.core.runtime import Runtime
from kindline.core.settings import get_settings
from kindline.customers.models import CareArchive, Customer, Line, LineProduct
from kindline.demo.generator import generate
from kindline.demo.people import ELDERLY_AGE, years_before
from kindline.demo.showcase import demo_subscribers
from kindline.demo.staff import create_demo_staff, demo_staff
from kindline.halls import service as halls_service
from kindline.orders.models import Order

DEMO_CATALOG = catalog_loader.DEMO_CATALOG
DEFAULT_SEED = 20261122
ALREADY_LOADED = "数据库中已有用户数据，示范数据未重复载入。"
FULL_WIDTH_SPACE = "\u3000"  # pads Chinese role names into a column


def _has_customers(session: Session) -> bool:
    return session.scalar(select(Customer.id).limit(1)) is not None


def is_loaded(runtime: Runtime) -> bool:
    with runtime.sessions() as session:
        return _has_customers(session)


def load_demo(runtime: Runtime, seed: int = DEFAULT_SEED, subscribers: int = 2000,
              progress: Callable[[str], None] = print) -> str:
    """Load the demo catalog, one staff account per role and `subscribers`
    generated subscribers with their lines and order history; returns a
    summary. On a database that already has subscribers it changes nothing."""
    with transaction(runtime.sessions) as session:
        if _has_customers(session):
            return ALREADY_LOADED
        progress("正在载入产品目录……")
        catalog_loader.load_file(session, runtime.clock, DEMO_CATALOG)
        progress("正在创建员工账号……")
        staff = create_demo_staff(session, runtime.clock)
        progress(f"正在生成 {subscribers} 位示范用户及其业务和受理记录……")
        generate(session, runtime.clock, seed=seed, subscribers=subscribers, staff=staff, progress=progress)
        summary = _summary(session, runtime.clock)
        progress("正在保存……")
    return summary


def _count(session: Session, stmt) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def _summary(session: Session, clock: Clock) -> str:
    cutoff = years_before(clock.today(), ELDERLY_AGE)  # born on or before: elderly today
    customers = _count(session, select(Customer.id))
    elderly = _count(session, select(Customer.id).where(Customer.birth_date <= cutoff))
    vip = _count(session, select(Customer.id).where(Customer.vip_level > 0))
    care = _count(session, select(CareArchive.id))
    in_service = dict(session.execute(select(Line.kind, func.count()).where(Line.status != "cancelled")
                                      .group_by(Line.kind)).all())
    held = _count(session, select(LineProduct.id).where(LineProduct.status == "active"))
    orders = _count(session, select(Order.id))
    products = _count(session, select(Product.id))
    staff = _count(session, select(StaffUser.id))
    return (f"示范数据已载入：产品 {products} 个，员工账号 {staff} 个；"
            f"用户 {customers} 位（65岁及以上 {elderly} 位，VIP {vip} 位，特殊关爱 {care} 位）；"
            f"在用业务 {sum(in_service.values())} 个（手机 {in_service.get('mobile', 0)}、"
            f"宽带 {in_service.get('broadband', 0)}、固话 {in_service.get('fixed', 0)}、电视 {in_service.get('tv', 0)}），"
            f"在用产品 {held} 项；受理单 {orders} 笔。")


def _read(runtime: Runtime | None, look: Callable[[Session], list]) -> list:
    """What the welcome shows of the data. Without a runtime (as `kindline run`
    calls welcome) the database the settings name is read: the one `run` serves."""
    if runtime is not None:
        with runtime.sessions() as session:
            return look(session)
    engine = make_engine(get_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            return look(session)
    except SQLAlchemyError:  # no schema yet: the welcome still shows the way in
        return []
    finally:
        engine.dispose()


def welcome(base_url: str, runtime: Runtime | None = None) -> str:
    base = base_url.rstrip("/")
    width = max(len(m.role_zh) for m in demo_staff())
    text = [
        "kindline 启动后，请在浏览器中打开：",
        f"  用户门户：{base}/portal    （页面上可切换长辈版）",
        f"  员工工作台：{base}/console",
        f"  接口文档：{base}/docs    OpenAPI：{base}/openapi.json",
        "",
        "示范员工账号（用户名 / 密码）：",
        *[f"  {m.role_zh.ljust(width, FULL_WIDTH_SPACE)}  {m.username} / {m.password}    （{m.display_name}）"
          for m in demo_staff()],
        "",
    ]
    halls = _read(runtime, halls_service.halls)
    if halls:
        hall = halls[0]
        text += [f"营业厅的屏幕（以{hall.name}为例）：",
                 f"  叫号大屏（无需登录）：{base}/floor/{hall.id}/board",
                 f"  取号机：{base}/floor/{hall.id}/kiosk    （先用 hall_clerk 登录工作台，在「营业厅」页面"
                 "点“把这台设备设为本厅取号机”）", ""]
    showcases = _read(runtime, demo_subscribers)
    if showcases:
        text.append("示范用户（在用户门户输入手机号，获取短信验证码登录）：")
        text += [f"  {s.phone}  {s.name}：{s.story}" for s in showcases]
        text.append(f"  验证码不会真的发出：用管理员账号 admin 登录员工工作台，在「短信记录」页面 {base}/console/sms 查看。")
    else:
        text.append("尚未载入示范用户：运行 `kindline demo load` 后重新启动即可看到示范用户。")
    return "\n".join(text)

