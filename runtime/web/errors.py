"""One place that turns errors into HTTP answers: problem+json for the API, pages for browsers."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from form_engine.errors import Conflict, DefinitionError, FormworkError, RecordInvalid

log = logging.getLogger("formwork")


REQUEST_MESSAGES = {
    "json_invalid": "请求体不是有效的 JSON", "dict_type": "请求体应为 JSON 对象", "missing": "缺少必填参数",
    "int_parsing": "应为整数", "bool_parsing": "应为 true 或 false",
}


class DuplicateValue(FormworkError):
    status = 409
    title = "数据重复"
PROBLEM = "application/problem+json"


def problem_body(exc: FormworkError) -> dict:
    body = {"type": f"https://formwork.dev/problems/{type(exc).__name__}", "title": exc.title,
            "status": exc.status, "detail": exc.detail}
    if isinstance(exc, (RecordInvalid, DefinitionError)):
        body["errors"] = [p.as_dict() for p in exc.problems]
    if isinstance(exc, Conflict):
        body["current"] = exc.current
    for key, value in exc.extra.items():
        if value is not None:
            body[key] = value
    return body


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def install_error_handlers(app: FastAPI, render_error) -> None:
    @app.exception_handler(FormworkError)
    async def formwork_error(request: Request, exc: FormworkError):
        if wants_html(request):
            return render_error(request, exc.status, exc.title, exc.detail)
        return JSONResponse(problem_body(exc), status_code=exc.status, media_type=PROBLEM)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        titles = {404: "页面不存在", 405: "不支持的请求方式", 403: "没有权限", 401: "请先登录"}
        title = titles.get(exc.status_code, "请求有误")
        detail = exc.detail
        if exc.status_code == 404 and detail == "Not Found":  # no route matched: say which address
            detail = f"没有这个地址：{request.url.path}"
        if wants_html(request):
            return render_error(request, exc.status_code, title, str(detail))
        return JSONResponse({"type": "about:blank", "title": title, "status": exc.status_code, "detail": detail},
                            status_code=exc.status_code, media_type=PROBLEM, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError):
        if wants_html(request):
            return render_error(request, 400, "请求有误", "链接或提交的内容格式不正确，请返回上一页重试。")
        errors = [{"path": ".".join(str(x) for x in e["loc"][1:]) if e["loc"][0] != "body" or e["type"] != "json_invalid" else "",
                   "code": e["type"], "message": REQUEST_MESSAGES.get(e["type"], e["msg"])} for e in exc.errors()]
        body = {"type": "https://formwork.dev/problems/BadRequest", "title": "请求格式有误", "status": 400,
                "detail": "请求格式有误：" + "；".join(f"{x['path']}: {x['message']}" for x in errors), "errors": errors}
        return JSONResponse(body, status_code=400, media_type=PROBLEM)

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError):
        # Two saves raced past the unique checks; the database refused the second one.
        return await formwork_error(request, DuplicateValue("保存失败：与同时提交的另一条记录重复，请刷新后重试"))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        if wants_html(request):
            return render_error(request, 500, "系统出错了", "服务器遇到意外错误，已记录日志。请稍后重试或联系管理员。")
        return JSONResponse({"type": "about:blank", "title": "系统出错了", "status": 500,
                             "detail": "服务器遇到意外错误，已记录日志"}, status_code=500, media_type=PROBLEM)
