"""The audit search page: every recorded change, filtered by user, form, record and date; read-only."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from ... import systables
from ...database import read
from ...records.audit import entries
from ..deps import State
from ..pages.history import ACTIONS, PATHS
from ..pages.i18n import translate
from ..pages.templating import lang_of, render, with_query
from .chrome import AdminActor, admin_chrome

router = APIRouter()
PAGE = 50


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 18 else None


def _summary(fields: list[str], lang: str, shown: int = 4) -> str:
    """The changed fields' labels, the first few of them: the details open below."""
    text = "、".join(fields[:shown])
    return text + translate(" 等 {n} 项", lang, n=len(fields)) if len(fields) > shown else text


@router.get("/audit")
def audit_page(request: Request, state: State, actor: AdminActor) -> Response:
    lang = lang_of(request)
    p = request.query_params
    user_id, record_id, before = _int(p.get("user")), _int(p.get("record")), _int(p.get("before"))
    app_name, _, form_name = (p.get("form") or "").partition(".")
    since, until = _day(p.get("since")), _day(p.get("until"))
    u = systables.user
    with read(state.engine) as conn:
        rows = entries(conn, app=app_name or None, form=form_name or None, record_id=record_id, user_id=user_id,
                       since=datetime.combine(since, datetime.min.time()) if since else None,
                       until=datetime.combine(until + timedelta(days=1), datetime.min.time()) if until else None,
                       before_id=before, limit=PAGE + 1)
        users = conn.execute(select(u.c.id, u.c.full_name, u.c.username).order_by(u.c.full_name)).all()
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    forms = [(f"{a.name}.{f.name}", f"{a.definition.label.text(lang)} · {f.label.text(lang)}", a, f)
             for a in state.registry.apps.values() for f in a.forms.values()]
    labels = {key: (label, f) for key, label, _a, f in forms}
    lines = []
    for e in rows:
        key = f"{e.app}.{e.form}"
        label, form = labels.get(key, (key, None))
        fields = [form.fields[n].label.text(lang) if form and n in form.fields else
                  (translate("负责人", lang) if n == "owner_id" else n) for n in e.changes]
        lines.append({"at": e.at.strftime("%Y-%m-%d %H:%M:%S"), "who": e.user_name, "via": translate(PATHS.get(e.via, e.via), lang),
                      "form": label, "href": f"/apps/{e.app}/{e.form}/{e.record_id}", "record": e.record_id,
                      "action": translate(ACTIONS.get(e.action, e.action), lang), "fields": _summary(fields, lang),
                      "changes": e.changes})
    keep = [(k, v) for k, v in p.multi_items() if k != "before" and v]
    context = {**admin_chrome(lang, "audit"), "lines": lines, "users": users,
               "forms": [(k, label) for k, label, _a, _f in forms],
               "chosen": {"user": user_id, "form": p.get("form") or "", "record": record_id or "",
                          "since": since.isoformat() if since else "", "until": until.isoformat() if until else ""},
               "filtered": bool(keep), "next_href": with_query("/admin/audit", keep + [("before", str(rows[-1].id))]) if more else None,
               "first_href": with_query("/admin/audit", keep) if before else None}
    return render(request, "admin/audit.html", context)
