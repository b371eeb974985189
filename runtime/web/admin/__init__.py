"""The system administration pages under /admin: users, departments, roles and their permissions.

Users, departments, roles and the audit log. Only users with is_admin get in (a 403 page for everyone else); every post carries the CSRF token.
"""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from . import audit, departments, roles, tokens, users
from .chrome import AdminActor

router = APIRouter(prefix="/admin", include_in_schema=False)
for module in (users, departments, roles, tokens, audit):
    router.include_router(module.router)


@router.get("")
def admin_home(actor: AdminActor) -> RedirectResponse:
    return RedirectResponse("/admin/users", status_code=303)

__all__ = ["router"]
