"""Where gateways hand kindline the messages subscribers send (MO).

GET /api/v1/sms/mo is Kannel's sms-service get-url (see sms/kannel.py): it
answers 200 with an empty body, so Kannel sends nothing itself; the replies
leave as MT through the outbox like every other SMS. POST /api/v1/sms/mo takes
the same as JSON for other gateways and answers with the replies queued.

Both need the shared secret (settings.sms_mo_secret, in the query, the body
or the X-SMS-Secret header); without one configured, every MO is refused:
an open MO endpoint would let anyone order in a subscriber's name.
"""

from __future__ import annotations

import codecs
import hmac
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from kindline.core.deps import CurrentClock, DbSession, get_runtime
from kindline.core.errors import Forbidden
from kindline.core.runtime import Runtime
from kindline.sms import kannel
from kindline.sms.hall import MAX_TEXT, handle_incoming

router = APIRouter(prefix="/api/v1/sms", tags=["sms"])
_UCS2 = {"UTF-16BE", "UTF-16", "UCS-2", "UCS2", "UCS-2BE", "UTF16BE"}


class MoIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    sender: str = Field(alias="from", max_length=32)
    to: str = Field("", max_length=32)
    text: str = Field("", max_length=MAX_TEXT)
    id: str | None = Field(None, max_length=64, description="the gateway's message id: a redelivery is answered once")
    secret: str | None = None


class MoAnswer(BaseModel):
    replies: list[str]


def _check_secret(request: Request, given: str | None) -> None:
    expected = get_runtime(request).settings.sms_mo_secret
    given = given or request.headers.get("x-sms-secret") or ""
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden("bad_sms_secret", "短信网关密钥不正确。", "MO refused: wrong or missing shared secret")


def decode_text(raw: bytes, charset: str = "", coding: str = "") -> str:
    """Kannel passes %a as the message's own bytes: UTF-16BE for UCS-2
    (coding 2), else the charset it names (%C), else UTF-8 (GB18030 if not)."""
    name = charset.strip().upper()
    if name in _UCS2 or (not name and coding.strip() == "2"):
        return raw.decode("utf-16-be", "replace")
    if name:
        try:
            return raw.decode(codecs.lookup(name).name, "replace")
        except LookupError:
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", "replace")


@router.get("/mo", response_class=PlainTextResponse)
def receive_get(request: Request, session: DbSession, clock: CurrentClock):
    """Kannel's get-url: ?secret=&from=%p&to=%P&text=%a&coding=%c&charset=%C&id=%I"""
    # The raw query, each value as its bytes: %a need not be UTF-8.
    fields = {key: value.encode("latin-1")
              for key, value in parse_qsl(request.url.query, keep_blank_values=True, encoding="latin-1")}
    _check_secret(request, fields.get("secret", b"").decode("utf-8", "replace"))
    plain = {key: fields.get(key, b"").decode("utf-8", "replace") for key in ("from", "to", "coding", "charset", "id")}
    text = decode_text(fields.get("text", b""), plain["charset"], plain["coding"])
    handle_incoming(session, clock, plain["from"], text,
                    service_number=get_runtime(request).settings.sms_service_number, gateway_id=plain["id"] or None)
    return PlainTextResponse("")


@router.post("/mo", response_model=MoAnswer)
def receive_post(request: Request, body: MoIn, session: DbSession, clock: CurrentClock) -> MoAnswer:
    """The same MO as JSON {"from", "to", "text", "id"}; answers the replies queued."""
    _check_secret(request, body.secret)
    parts = handle_incoming(session, clock, body.sender, body.text,
                            service_number=get_runtime(request).settings.sms_service_number, gateway_id=body.id)
    return MoAnswer(replies=parts)


def install(app: FastAPI, runtime: Runtime) -> None:
    """Mount the MO endpoints and point the Kannel driver at this runtime's gateway."""
    kannel.configure(kannel.KannelConfig.from_settings(runtime.settings))
    app.include_router(router)
