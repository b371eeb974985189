"""API for the caller's own account: who am I, and API tokens (an administrator's view of everyone's too)."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from form_engine.errors import Forbidden

from .. import systables
from ..auth.tokens import expiry, get_token, list_tokens, managed_by, revoke_token, token_name
from ..auth.users import issue_token, user_id_by_name
from ..clock import now
from ..database import read, write
from .deps import CurrentActor, State

router = APIRouter(prefix="/api/v1", tags=["account"])


class NewToken(BaseModel):
    name: str = Field(description="用途，如“ERP 同步”（最多 100 个字符）")
    expires_on: date | None = Field(None, description="到期日：这一天结束后失效；不填则长期有效")


@router.get("/me", summary="当前用户：账号、部门和各应用中的角色")
def me_route(state: State, actor: CurrentActor) -> dict:
    u, d = systables.user, systables.department
    with read(state.engine) as conn:
        row = conn.execute(select(u.c.email, u.c.must_change_password, d.c.name.label("department"))
                           .outerjoin(d, d.c.id == u.c.department_id).where(u.c.id == actor.id)).one()
    roles = []
    for app, role in sorted(actor.roles):
        found = state.registry.apps.get(app)
        defs = {r.name: r for r in found.definition.roles} if found else {}
        roles.append({"app": app, "role": role, "label": defs[role].label.as_json() if role in defs else None})
    department = {"id": actor.department_id, "name": row.department} if actor.department_id is not None else None
    return {"id": actor.id, "username": actor.username, "full_name": actor.full_name, "email": row.email,
            "is_admin": actor.is_admin, "must_change_password": bool(row.must_change_password),
            "department": department, "roles": roles}


@router.get("/tokens", summary="我的 API 令牌（不含令牌本身）")
def list_route(state: State, actor: CurrentActor) -> list[dict]:
    stamp = now(state.settings.timezone)
    with read(state.engine) as conn:
        return [t.as_json() for t in list_tokens(conn, now=stamp, user_id=actor.id)]


@router.post("/tokens", status_code=201, summary="新建 API 令牌：响应中的 token 只返回这一次")
def create_route(body: NewToken, state: State, actor: CurrentActor, response: Response) -> dict:
    stamp = now(state.settings.timezone)
    name, expires_at = token_name(body.name), expiry(body.expires_on, today=stamp.date())
    with write(state.engine) as conn:
        token_id, secret = issue_token(conn, user_id=actor.id, name=name, now=stamp, expires_at=expires_at)
        info = get_token(conn, token_id, now=stamp, owner=actor.id)
    response.headers["Cache-Control"] = "no-store"
    return {**info.as_json(), "token": secret}


@router.delete("/tokens/{token_id}", status_code=204, summary="吊销令牌（自己的；管理员可吊销任何人的）")
def revoke_route(token_id: int, state: State, actor: CurrentActor) -> Response:
    with write(state.engine) as conn:
        revoke_token(conn, token_id, now=now(state.settings.timezone), owner=managed_by(actor))
    return Response(status_code=204)


@router.get("/admin/tokens", summary="所有用户的 API 令牌（管理员）")
def admin_list_route(state: State, actor: CurrentActor, user: str | None = None) -> list[dict]:
    if not actor.is_admin:
        raise Forbidden("只有管理员可以查看所有用户的令牌")
    stamp = now(state.settings.timezone)
    with read(state.engine) as conn:
        user_id = user_id_by_name(conn, user) if user else None
        return [t.as_json() for t in list_tokens(conn, now=stamp, user_id=user_id)]
