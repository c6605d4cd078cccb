"""Every table, imported in one place for Alembic and for schema checks."""

from kindline.billing.models import (  # noqa: F401
    BillingAccount,
    CardBatch,
    CardFailure,
    Fee,
    LedgerEntry,
    Payment,
    PointGrant,
    PointRedemption,
    RechargeCard,
)
from kindline.catalog.models import Product, ProductVersion  # noqa: F401
from kindline.core.audit import AuditRecord  # noqa: F401
from kindline.core.auth.models import StaffUser  # noqa: F401
from kindline.core.db import Base
from kindline.core.outbox import OutboxMessage  # noqa: F401
from kindline.core.sms import SmsMessage  # noqa: F401
from kindline.core.timers import Timer  # noqa: F401
from kindline.customers.models import (  # noqa: F401
    CareArchive,
    Customer,
    FamilyNumber,
    Line,
    LineProduct,
    LocationConsent,
    PriorityGroup,
    SignInCode,
)
from kindline.halls.models import (  # noqa: F401
    CareVisit,
    ClassSignup,
    Counter,
    ElderClass,
    FollowUpVisit,
    Hall,
    HallEvent,
    Ticket,
)
from kindline.hotline.models import Agent, Contact, HotlineEvent, Queue  # noqa: F401
from kindline.orders.models import Order, OrderTransition  # noqa: F401
from kindline.reminders.models import Notification  # noqa: F401
from kindline.sms.models import SmsConfirmation, SmsIncoming  # noqa: F401
from kindline.usage.models import UsageCounter, UsageRecord  # noqa: F401
from kindline.workorders.models import (  # noqa: F401
    Appointment,
    Notice,
    Survey,
    Team,
    TeamMember,
    WorkOrder,
    WorkOrderEvent,
)

metadata = Base.metadata
