"""Roles are named sets of permissions; code checks permissions, never roles."""

from __future__ import annotations

CUSTOMERS_READ = "customers:read"
CUSTOMERS_WRITE = "customers:write"
PII_VIEW = "pii:view"
SEGMENTS_WRITE = "segments:write"
CARE_WRITE = "care:write"
CATALOG_WRITE = "catalog:write"
ORDERS_READ = "orders:read"
ORDERS_WRITE = "orders:write"
AUDIT_READ = "audit:read"
SMS_VIEW = "sms:view"
USERS_ADMIN = "users:admin"
CLOCK_ADMIN = "clock:admin"
BILLING_READ = "billing:read"
PAYMENTS_WRITE = "payments:write"
PAYMENTS_REVERSE = "payments:reverse"
CARDS_ADMIN = "cards:admin"
RECORDS_READ = "records:read"  # 详单: who called whom, when; shown at a hall or to complaint handling
USAGE_WRITE = "usage:write"
WORKORDERS_READ = "workorders:read"
WORKORDERS_WRITE = "workorders:write"
WORKORDERS_SUPERVISE = "workorders:supervise"  # change owners, the green channel, reviews
FIELD_WORK = "fieldwork:write"  # a technician's arrival, notes, equipment
HOTLINE_AGENT = "hotline:agent"  # take hotline contacts: state, answer, end, disposition
HOTLINE_SUPERVISE = "hotline:supervise"  # agents' skills and states, queues, hotline KPIs
HOTLINE_ROUTE = "hotline:route"  # the switch (SIP proxy): route calls, report queue choices and hang-ups
HALLS_COUNTER = "halls:counter"  # a hall's counter: call numbers, serve, transfer; care visits, class sign-ups
HALLS_MANAGE = "halls:manage"  # set up halls and counters, classes; hall KPIs and staffing

ALL = frozenset({
    CUSTOMERS_READ, CUSTOMERS_WRITE, PII_VIEW, SEGMENTS_WRITE, CARE_WRITE, CATALOG_WRITE,
    ORDERS_READ, ORDERS_WRITE, AUDIT_READ, SMS_VIEW, USERS_ADMIN, CLOCK_ADMIN,
    BILLING_READ, PAYMENTS_WRITE, PAYMENTS_REVERSE, CARDS_ADMIN, USAGE_WRITE, RECORDS_READ,
    WORKORDERS_READ, WORKORDERS_WRITE, WORKORDERS_SUPERVISE, FIELD_WORK,
    HOTLINE_AGENT, HOTLINE_SUPERVISE, HOTLINE_ROUTE,
    HALLS_COUNTER, HALLS_MANAGE,
})

# Front-line staff take payments (hall counter, hotline, care visits that collect fees).
_FRONT_LINE = {CUSTOMERS_READ, CUSTOMERS_WRITE, ORDERS_READ, ORDERS_WRITE, BILLING_READ, PAYMENTS_WRITE,
               WORKORDERS_READ, WORKORDERS_WRITE}

ROLES: dict[str, frozenset[str]] = {
    "agent": frozenset(_FRONT_LINE | {HOTLINE_AGENT}),
    "hall_clerk": frozenset(_FRONT_LINE | {SEGMENTS_WRITE, RECORDS_READ, HALLS_COUNTER}),
    "care_specialist": frozenset(_FRONT_LINE | {SEGMENTS_WRITE, CARE_WRITE, RECORDS_READ, HOTLINE_AGENT,
                                                HALLS_COUNTER}),
    "complaint_handler": frozenset({CUSTOMERS_READ, ORDERS_READ, BILLING_READ, RECORDS_READ, WORKORDERS_READ,
                                    WORKORDERS_WRITE}),
    "technician": frozenset({CUSTOMERS_READ, ORDERS_READ, WORKORDERS_READ, WORKORDERS_WRITE, FIELD_WORK}),
    "supervisor": frozenset(_FRONT_LINE | {PII_VIEW, SEGMENTS_WRITE, CARE_WRITE, AUDIT_READ, SMS_VIEW,
                                           PAYMENTS_REVERSE, RECORDS_READ, WORKORDERS_SUPERVISE, FIELD_WORK,
                                           HOTLINE_AGENT, HOTLINE_SUPERVISE, HALLS_COUNTER, HALLS_MANAGE}),
    "inspector": frozenset({CUSTOMERS_READ, ORDERS_READ, AUDIT_READ, BILLING_READ, WORKORDERS_READ}),
    # The network's mediation system (计费采集) posting usage records: a machine account.
    "mediation": frozenset({USAGE_WRITE}),
    # The call platform's SIP proxy asking where an incoming call goes: a machine account.
    "telephony": frozenset({HOTLINE_ROUTE}),
    "admin": ALL,
}

ROLE_NAMES_ZH = {
    "agent": "客服代表",
    "hall_clerk": "营业员",
    "care_specialist": "爱心专员",
    "complaint_handler": "投诉处理员",
    "technician": "装维人员",
    "supervisor": "值班主管",
    "inspector": "服务督查",
    "mediation": "计费采集接口",
    "telephony": "呼叫平台接口",
    "admin": "系统管理员",
}


def permissions_for(roles: list[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLES[role]
    return frozenset(granted)
