"""The generated pages: sign-in, app home, list, detail, create/edit and recycle bin, for every form.

`render_error` is what the app's error handlers answer browsers with.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from . import account, auth, detail, editing, home, listing, pickers
from . import flowpanel, notifications, tasks  # approvals (issue 5)
from .guard import login_url
from .i18n import translate
from .templating import is_htmx, lang_of, render

router = APIRouter(include_in_schema=False)
# Order matters: fixed segments (new, trash, _pick…) must match before /{record_id}.
for module in (auth, account, home, pickers, editing, listing, detail):
    router.include_router(module.router)
for module in (tasks, notifications, flowpanel):  # approvals: /tasks, /notifications, a record's /flow/… actions
    router.include_router(module.router)


def render_error(request: Request, status: int, title: str, detail: str) -> Response:
    """An error as a page; 401 sends the browser to the login page and back afterwards."""
    if status == 401:
        target = login_url(request)
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    lang = lang_of(request)
    context = {"title": translate(title, lang), "detail": translate(detail, lang), "status": status}
    return render(request, "error.html", context, status=status, block="message" if is_htmx(request) else None)


__all__ = ["router", "render_error"]
