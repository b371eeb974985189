"""The lists of 我的审批: pending and done tasks, cc's, submissions — newest first, a page at a time."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Mapping

from sqlalchemy import Connection, func, select

from flow_engine.compiled import CompiledFlow
from form_engine.compiler import CompiledApp
from form_engine.errors import FormworkError

from .. import systables
from .definitions import compiled
from .views import InboxPage, status_label, task_status_label

i_, t_, cc_, u_ = systables.flow_instance, systables.flow_task, systables.flow_cc, systables.user


BOXES = ("pending", "done", "cc", "mine")
LISTED = (i_.c.id, i_.c.app, i_.c.form, i_.c.record_id, i_.c.flow, i_.c.version, i_.c.status, i_.c.submitter_id)


def inbox(conn: Connection, user_id: int, apps: Mapping[str, CompiledApp], box: str, *, form: str | None = None,
          since: date | None = None, until: date | None = None, before: int | None = None, limit: int = 50,
          lang: str = "zh-CN") -> InboxPage:
    """One of the user's lists, newest first, `limit` at a time (`before`: the cursor from the last page)."""
    if box not in BOXES:
        raise FormworkError(f"不认识的列表“{box}”；可用：{'、'.join(BOXES)}")
    limit = max(1, min(limit, 200))
    if box in ("pending", "done"):
        key = t_.c.id
        query = select(t_.c.id.label("key"), t_.c.id.label("task_id"), t_.c.node, t_.c.status.label("task_status"),
                       t_.c.created_at.label("at"), t_.c.closed_at, *LISTED).join(i_, i_.c.id == t_.c.instance_id)
        query = query.where(t_.c.user_id == user_id, t_.c.status == "pending" if box == "pending"
                            else t_.c.status != "pending")
        when = t_.c.created_at if box == "pending" else t_.c.closed_at
    elif box == "cc":
        key = cc_.c.id
        query = select(cc_.c.id.label("key"), cc_.c.node, cc_.c.created_at.label("at"), *LISTED) \
            .join(i_, i_.c.id == cc_.c.instance_id).where(cc_.c.user_id == user_id)
        when = cc_.c.created_at
    else:
        key = i_.c.id
        query = select(i_.c.id.label("key"), i_.c.created_at.label("at"), *LISTED).where(i_.c.submitter_id == user_id)
        when = i_.c.created_at
    if form:
        query = query.where(i_.c.form == form)
    if since:
        query = query.where(when >= datetime.combine(since, datetime.min.time()))
    if until:
        query = query.where(when < datetime.combine(until + timedelta(days=1), datetime.min.time()))
    if before:
        query = query.where(key < before)
    rows = conn.execute(query.order_by(key.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    names = dict(conn.execute(select(u_.c.id, u_.c.full_name).where(u_.c.id.in_({r.submitter_id for r in rows})))
                 .all()) if rows else {}
    titles = _titles(conn, apps, rows)
    flows: dict[tuple, CompiledFlow | None] = {}
    items = [_inbox_item(conn, apps, r, names, titles, flows, lang) for r in rows]
    return InboxPage(items, rows[-1].key if more else None)


def _titles(conn: Connection, apps: Mapping[str, CompiledApp], rows) -> dict[tuple[str, str, int], str]:
    """Each listed record's title, one query per form on the page."""
    wanted: dict[tuple[str, str], set[int]] = {}
    for r in rows:
        wanted.setdefault((r.app, r.form), set()).add(r.record_id)
    out = {}
    for (app_name, form_name), ids in wanted.items():
        app = apps.get(app_name)
        form = app.forms.get(form_name) if app else None
        field = form.fields.get(form.form.title_field) if form and form.form.title_field else None
        if field is None:
            continue
        table = form.tables.main
        for rid, value in conn.execute(select(table.c.id, table.c[field.col]).where(table.c.id.in_(ids))):
            if value not in (None, ""):
                out[(app_name, form_name, rid)] = str(value)
    return out


def _inbox_item(conn: Connection, apps: Mapping[str, CompiledApp], r, names: dict, titles: dict, flows: dict,
                lang: str) -> dict:
    app = apps.get(r.app)
    form = app.forms.get(r.form) if app else None
    flow_label, node_label = r.flow, getattr(r, "node", None)
    if app is not None:
        flow = next((f for f in app.definition.flows if f["name"] == r.flow), None)
        if flow:
            flow_label = flow["label"].get("en") if lang == "en" and flow["label"].get("en") else flow["label"]["zh-CN"]
    if node_label:
        key = (r.app, r.flow, r.version)
        if key not in flows:
            try:
                flows[key] = compiled(conn, r.app, r.flow, r.version)
            except FormworkError:  # a label is only decoration
                flows[key] = None
        if flows[key] is not None:
            node_label = flows[key].place(node_label).label
    return {"task_id": getattr(r, "task_id", None), "instance_id": r.id, "app": r.app, "form": r.form,
            "form_label": form.label.text(lang) if form else r.form, "record_id": r.record_id,
            "record_title": titles.get((r.app, r.form, r.record_id), f"#{r.record_id}"),
            "flow_label": flow_label, "node_label": node_label,
            "task_status": getattr(r, "task_status", None),
            "task_status_label": task_status_label(r.task_status) if getattr(r, "task_status", None) else None,
            "status": r.status, "status_label": status_label(r.status),
            "submitter": names.get(r.submitter_id, ""), "at": r.at}


def counts(conn: Connection, user_id: int) -> dict[str, int]:
    """For the navigation badge: pending tasks; cc's of the last 30 days."""
    pending = conn.execute(select(func.count()).select_from(t_).where(t_.c.user_id == user_id,
                                                                     t_.c.status == "pending")).scalar()
    return {"pending": pending}
