"""One turn of an SMS conversation: who wrote, on which line, in which message.

The subscriber acts as themselves (a subscriber principal), exactly as when
signed in to the portal, so the order service applies the same self-service
rules to an SMS as to a click.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kindline.core.auth.principal import Principal
from kindline.core.clock import Clock
from kindline.customers.models import Line
from kindline.sms.models import SmsIncoming


@dataclass
class Turn:
    session: Session
    clock: Clock
    sender: str  # the 11-digit mobile number
    line: Line
    principal: Principal
    incoming: SmsIncoming

    @property
    def key(self) -> str:
        """The idempotency key of what this message orders: from the gateway's
        message id when there is one, so a redelivered MO orders once."""
        if self.incoming.gateway_id:
            return f"sms:{self.sender}:{self.incoming.gateway_id}"
        return f"sms:{self.sender}:mo{self.incoming.id}"
