"""Every error leaves as JSON {"code", "message", "detail"}: a stable machine
code, a Chinese message for people, and the English one in the log."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kindline.core.errors import DomainError

log = logging.getLogger("kindline.errors")

_HTTP_CODES = {
    400: ("bad_request", "请求有误。"),
    401: ("not_signed_in", "请先登录。"),
    403: ("not_allowed", "您没有权限进行此操作。"),
    404: ("not_found", "找不到该页面或资源。"),
    405: ("method_not_allowed", "不支持此请求方式。"),
    413: ("too_large", "请求内容过大。"),
}


def error_json(status: int, code: str, message: str, detail=None, message_en: str = "") -> JSONResponse:
    body = {"code": code, "message": message, "message_en": message_en, "detail": jsonable_encoder(detail)}
    return JSONResponse(body, status_code=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError):
        log.info("%s %s -> %s %s: %s", request.method, request.url.path, exc.status, exc.code, exc.message_en)
        response = error_json(exc.status, exc.code, exc.message, exc.detail, exc.message_en)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [{"loc": e.get("loc"), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
        return error_json(422, "invalid_request", "请求内容不完整或格式不正确。", errors, "request validation failed")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code, message = _HTTP_CODES.get(exc.status_code, ("http_error", "请求未能完成。"))
        return error_json(exc.status_code, code, message, None, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_json(500, "internal_error", "系统繁忙，请稍后再试。", None, "internal error")
