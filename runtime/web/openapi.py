"""The OpenAPI document: the generic routes plus a typed path set per published form."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from form_engine.record_schema import record_schema

from .state import ServerState

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA = {
    "type": "object", "title": "Problem (RFC 9457)",
    "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                   "detail": {"type": "string"},
                   "errors": {"type": "array", "items": {"type": "object", "properties": {
                       "path": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}}}},
                   "current": {"type": "object", "description": "版本冲突时：当前保存的记录"}},
}


def _problems(*codes: int) -> dict:
    text = {400: "查询参数有误", 401: "未登录", 404: "记录不存在", 409: "版本冲突", 422: "数据校验未通过", 428: "缺少版本号"}
    return {str(c): {"description": text[c], "content": {"application/problem+json": {"schema": PROBLEM_REF}}} for c in codes}


def _json(ref: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


def form_paths(app: str, form, components: dict) -> dict:
    key = f"{app}.{form.name}"
    out_schema = record_schema(form)
    in_schema = record_schema(form, for_input=True)
    for s in (out_schema, in_schema):
        s.pop("$schema", None)
    components[key] = out_schema
    components[f"{key}.input"] = in_schema
    patch = {**in_schema, "required": ["version"],
             "properties": {"version": {"type": "integer"}, **in_schema["properties"]}}
    components[f"{key}.patch"] = patch
    components[f"{key}.page"] = {"type": "object", "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{key}"}},
        "next": {"type": ["string", "null"], "description": "下一页游标（键集分页）"},
        "total": {"description": "上限内为精确总数；超过上限时为 {estimate, exact: false}"}}}
    label = form.label.text("zh-CN")
    tag = f"{app} · {label}"
    base = f"/api/v1/apps/{app}/forms/{form.name}"
    ref = f"#/components/schemas/{key}"
    body = lambda name: {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}
    rid = [{"name": "record_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    list_params = [{"name": n, "in": "query", "required": False, "schema": {"type": t}, "description": d} for n, t, d in (
        ("q", "string", "关键词搜索"), ("sort", "string", "排序，如 -updated_at,name"), ("limit", "integer", "每页条数（最多 500）"),
        ("cursor", "string", "上一页返回的 next"), ("offset", "integer", "跳过条数（浅分页）"), ("fields", "string", "只返回这些字段，逗号分隔"),
        ("deleted", "boolean", "查看回收站"))]
    list_params.append({"name": "filters", "in": "query", "required": False, "style": "form", "explode": True,
                        "schema": {"type": "object", "additionalProperties": {"type": "string"}},
                        "description": "字段筛选：字段名=值，或 字段名__操作=值；操作有 eq ne gt gte lt lte in not_in contains starts_with is_empty between"})
    return {
        f"{base}/records": {
            "get": {"tags": [tag], "summary": f"列出{label}", "operationId": f"list_{app}_{form.name}",
                    "parameters": list_params, "responses": {"200": _json(f"#/components/schemas/{key}.page", "一页记录"), **_problems(400, 401)}},
            "post": {"tags": [tag], "summary": f"新建{label}", "operationId": f"create_{app}_{form.name}",
                     "requestBody": body(f"{key}.input"), "responses": {"201": _json(ref, "已创建"), **_problems(401, 422)}},
        },
        f"{base}/records/{{record_id}}": {
            "get": {"tags": [tag], "summary": f"读取{label}", "operationId": f"get_{app}_{form.name}", "parameters": rid,
                    "responses": {"200": _json(ref, "记录"), **_problems(401, 404)}},
            "patch": {"tags": [tag], "summary": f"修改{label}", "operationId": f"update_{app}_{form.name}", "parameters": rid,
                      "requestBody": body(f"{key}.patch"), "responses": {"200": _json(ref, "已保存"), **_problems(401, 404, 409, 422, 428)}},
            "delete": {"tags": [tag], "summary": f"删除{label}（移入回收站）", "operationId": f"delete_{app}_{form.name}",
                       "parameters": rid, "responses": {"200": {"description": "已移入回收站"}, **_problems(401, 404, 409)}},
        },
        f"{base}/records/{{record_id}}/restore": {
            "post": {"tags": [tag], "summary": f"恢复{label}", "operationId": f"restore_{app}_{form.name}", "parameters": rid,
                     "responses": {"200": _json(ref, "已恢复"), **_problems(401, 404, 422)}},
        },
    }


def build_openapi(app: FastAPI, state: ServerState) -> dict:
    if state.openapi_cache is not None:
        return state.openapi_cache
    doc = get_openapi(title="Formwork API", version="1", routes=app.routes,
                      description="由表单定义生成的 REST API。认证：请求头 `Authorization: Bearer <令牌>`（用 `formwork create-token` 创建）。"
                                  "错误统一为 `application/problem+json`。")
    generic = ("/api/v1/apps/{app}/forms/{form}/records", "/api/v1/apps/{app}/forms/{form}/schema")  # one per form below
    paths = {p: v for p, v in doc.get("paths", {}).items() if not p.startswith(generic)}
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for compiled in state.registry.apps.values():
        for form in compiled.forms.values():
            paths.update(form_paths(compiled.name, form, components))
    doc["paths"] = paths
    doc.setdefault("components", {})["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    doc["security"] = [{"bearer": []}]
    state.openapi_cache = doc
    return doc
