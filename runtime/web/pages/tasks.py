"""我的审批: the inbox (/tasks: 待办, 已办, 抄送我的, 我发起的), one task's page and its actions.

Every read and action goes through runtime.flows.service; this module only turns its views and
refusals into pages (a stale task shows the service's message and nothing changes).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import or_, select

from flow_engine.errors import FlowError
from form_engine.compiler import CompiledForm
from form_engine.errors import FormworkError, NotFound, RecordInvalid, Unauthorized
from form_engine.fieldtypes import field_type

from ... import systables
from ...clock import now, now_precise
from ...database import read, write
from ...flows import delegation as delegations, inbox as lists, service
from ...messaging.notifications import unread_count
from ...records.context import Actor
from ..deps import State, record_context, resolve_actor
from . import formstate, layout, widgets
from .cells import cell, is_numeric
from .editing import problem_map
from .flash import set_flash
from .flowviews import STATUS_TONE, FlowView, flow_view, get, when
from .guard import PageActor, Posted
from .i18n import translate
from .nav import parse_id
from .pickers import PICK_LIMIT, Choice
from .templating import is_htmx, lang_of, redirect, render, with_query

router = APIRouter(include_in_schema=False)
BOXES = (("pending", "待办"), ("done", "已办"), ("cc", "抄送我的"), ("mine", "我发起的"))
EMPTY = {"pending": "没有待办的审批，都处理完了", "done": "还没有处理过的审批", "cc": "还没有抄送给您的审批",
         "mine": "您还没有发起过审批"}
ACTION_DONE = {"approve": "已同意", "reject": "已驳回", "return": "已退回", "transfer": "已转交", "add_signer": "已加签"}
ACTIONS = tuple(ACTION_DONE)
PAGE_SIZE = 20
LINKS = ("relation", "user", "department")


def nav_counts(state, actor: Actor) -> dict[str, int]:
    """The top bar's badges: pending tasks, unread cc's and unread notifications."""
    with read(state.engine) as conn:
        counts = dict(lists.counts(conn, actor.id))
        counts["unread"] = unread_count(conn, actor.id)
    return counts


@router.get("/tasks/_nav")
def nav_badges(request: Request, state: State) -> Response:
    """The 审批 and notification entries of the top bar with their counts (loaded after the page).

    Nothing for a user who must change the password first: that page must not be sent elsewhere."""
    actor = resolve_actor(request, state)
    if actor is None or getattr(request.state, "must_change_password", False):
        return Response(status_code=204)
    request.state.actor = actor
    return render(request, "_flow_nav.html", {"flow_counts": nav_counts(state, actor)})


# -- the inbox ------------------------------------------------------------------------------------

@dataclass
class InboxLine:
    href: str
    title: str
    form_label: str
    flow_label: str
    node_label: str
    status_label: str
    submitter: str
    at: str
    tone: str


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _line(item: dict, box: str, lang: str) -> InboxLine:
    task_id = item.get("task_id")
    href = f"/tasks/{task_id}" if task_id else f"/apps/{item['app']}/{item['form']}/{item['record_id']}"
    status = item.get("task_status_label") if box == "done" and item.get("task_status_label") else item.get("status_label")
    return InboxLine(href, item.get("record_title") or f"#{item['record_id']}", item.get("form_label") or "",
                     item.get("flow_label") or "", item.get("node_label") or "", translate(status or "", lang),
                     item.get("submitter") or "", when(item.get("at")),
                     STATUS_TONE.get(item.get("status") or "", "muted"))


def flow_forms(state, lang: str) -> list[tuple[str, str]]:
    """(form name, label) of every form with an approval flow, for the inbox's filter."""
    out: dict[str, str] = {}
    for app in state.registry.apps:
        compiled = state.registry.app(app)
        for flow in getattr(compiled.definition, "flows", ()) or ():
            form = compiled.forms.get(flow.get("form"))
            if form is not None:
                out.setdefault(form.name, form.label.text(lang))
    return list(out.items())


@router.get("/tasks")
def inbox(request: Request, state: State, actor: PageActor, box: str = "pending", form: str = "", since: str = "",
          until: str = "", before: str = "") -> Response:
    lang = lang_of(request)
    box = box if box in dict(BOXES) else "pending"
    apps = {name: state.registry.app(name) for name in state.registry.apps}
    with read(state.engine) as conn:
        found = lists.inbox(conn, actor.id, apps, box, form=form or None, since=_day(since), until=_day(until),
                              before=int(before) if before.isdigit() else None, limit=PAGE_SIZE, lang=lang)
    page_items = [_line(i, box, lang) for i in found.items]
    params = {"box": box, "form": form, "since": since, "until": until}
    next_href = with_query("/tasks", {**params, "before": str(found.next_before)}) if found.next_before else None
    context = {"page_title": translate("我的审批", lang), "box": box, "boxes": BOXES, "items": page_items,
               "next_href": next_href, "form": form, "since": since, "until": until, "forms": flow_forms(state, lang),
               "filtered": bool(form or since or until), "empty": translate(EMPTY[box], lang),
               "crumbs": [(translate("我的审批", lang), None)]}
    if is_htmx(request) and before:
        return render(request, "tasks.html", context, block="more")
    if is_htmx(request) and request.headers.get("HX-Target") == "task-results":
        return render(request, "tasks.html", context, block="results")
    context["flow_counts"] = nav_counts(state, actor)
    return render(request, "tasks.html", context)


# -- one task --------------------------------------------------------------------------------------

@dataclass
class ShownField:
    label: str
    wide: bool
    cell: Any = None
    table: Any = None


@dataclass
class TaskSection:
    title: str | None
    columns: int
    items: list  # ShownField (read-only) or widgets.FieldView (editable)


def app_of_task(state, task_id: int) -> str:
    """Which app a task belongs to: its instance's."""
    with read(state.engine) as conn:
        return service.task_app(conn, task_id)


def python_value(form: CompiledForm, name: str, value: Any) -> Any:
    """A value of the record's API JSON back as the stored Python value (what cells and inputs take)."""
    f = form.fields[name]
    if value is None:
        return None
    if f.type in LINKS:
        return value.get("id") if isinstance(value, dict) else value
    if f.type in ("subform", "attachment"):
        return value
    try:
        return field_type(f.type).coerce(value, f)
    except Exception:  # a value the type can't read back is shown as it came
        return value


def task_sections(app: str, form: CompiledForm, record: dict, access: dict[str, str], lang: str,
                  raw: dict | None = None, errors: dict | None = None) -> list[TaskSection]:
    """The record as this node shows it: hidden fields left out, visible ones read-only, editable ones inputs."""
    values = {name: python_value(form, name, record.get(name)) for name in form.fields if name in record}
    links = {name: (record.get(name) or {}).get("display", "") for name in values
             if form.fields[name].type in LINKS and isinstance(record.get(name), dict)}
    editable = {name for name, how in access.items() if how == "editable" and name in values}
    state_raw = {**formstate.from_values(form, {k: v for k, v in values.items() if k in editable}), **(raw or {})}
    fi = widgets.FormInputs(app, form, lang, state_raw, values, values, errors or {}, links, {}, record.get("id"))
    out = []
    for spec in layout.sections(form, lang, default_title=translate("基本信息", lang)):
        items: list = []
        for name in spec.fields:
            how = access.get(name, "visible")
            if how == "hidden" or name not in record or not form.is_visible(name, values):
                continue
            f = form.fields[name]
            if how == "editable" and f.type != "subform" and field_type(f.type).writable:
                fv = widgets.field_view(fi, f, name, state_raw.get(name, []))
                fv.wide = layout.is_wide(form, name)
                items.append(fv)
            elif f.type == "subform":
                items.append(ShownField(f.label.text(lang), True, table=_subtable(app, f, record.get(name) or [], lang)))
            else:
                items.append(ShownField(f.label.text(lang), layout.is_wide(form, name),
                                        cell=cell(app, f, values.get(name), record.get(name), lang)))
        if items:
            out.append(TaskSection(spec.title, spec.columns, items))
    return out


def _subtable(app: str, f, rows: list, lang: str) -> dict:
    heads = [(c.label.text(lang), is_numeric(c)) for c in f.fields]
    body = []
    for row in rows:
        cells = []
        for c in f.fields:
            shown = row.get(c.name)
            value = shown.get("id") if isinstance(shown, dict) else shown
            if value is not None and c.type not in LINKS + ("attachment",):
                try:
                    value = field_type(c.type).coerce(value, c)
                except Exception:
                    pass
            cells.append(cell(app, c, value, shown, lang))
        body.append(cells)
    return {"headers": heads, "rows": body}


def user_picker(name: str, label: str, lang: str, *, required: bool = True) -> widgets.FieldView:
    """A user picker (the record form's widget) that searches every active user."""
    return widgets.FieldView(name=name, id=f"f-{name}", label=label, widget="user", required=required,
                             pick_url=f"/tasks/_users?for={name}", placeholder=translate("输入姓名或用户名搜索", lang))


@router.get("/tasks/_users")
def users(request: Request, state: State, actor: PageActor, q: str = "") -> Response:
    u, d = systables.user, systables.department
    text = q.strip()[:100]
    query = (select(u.c.id, u.c.full_name, d.c.name.label("dept")).select_from(u.outerjoin(d, d.c.id == u.c.department_id))
             .where(u.c.is_active.is_(True)))
    if text:
        query = query.where(or_(u.c.full_name.icontains(text, autoescape=True), u.c.username.icontains(text, autoescape=True)))
    with read(state.engine) as conn:
        rows = conn.execute(query.order_by(u.c.full_name, u.c.id).limit(PICK_LIMIT)).all()
    found = [Choice(r.id, f"{r.full_name}（{r.dept}）" if r.dept else r.full_name) for r in rows]
    return render(request, "_pick.html", {"choices": found})


def _task_page(request: Request, state, actor: Actor, task_id: int, *, raw: dict | None = None,
               errors: dict | None = None, comment_error: str | None = None, message: str | None = None,
               comment: str = "", status: int = 200) -> Response:
    lang = lang_of(request)
    app = app_of_task(state, task_id)
    with record_context(request, state, actor, app, writing=False) as ctx:
        tv = service.task_view(ctx, task_id)
    inst = get(tv, "instance")
    task = get(tv, "task")
    form = state.registry.form(app, get(inst, "form"))
    fv: FlowView = flow_view(inst, lang)
    actions = [a for a in get(tv, "actions") or [] if a in ACTIONS]
    access = dict(get(tv, "fields") or {})
    record = get(tv, "record") or {}
    sections = task_sections(app, form, record, access if actions else {k: ("hidden" if v == "hidden" else "visible")
                                                                        for k, v in access.items()},
                             lang, raw, errors)
    returnable = [(get(n, "id"), get(n, "label")) for n in get(tv, "returnable_nodes") or []]
    behalf = get(task, "on_behalf_of")
    transfer_to = user_picker("to", translate("转交给同事", lang), lang)
    signer = user_picker("signer", translate("加签人", lang), lang)
    transfer_to.errors, signer.errors = (errors or {}).get("to", []), (errors or {}).get("signer", [])
    context = {
        "page_title": f"{fv.record_title} · {translate('审批', lang)}", "flow": fv, "task": task, "task_id": task_id,
        "task_status": translate(get(task, "status_label") or get(task, "status") or "", lang), "node_label": get(task, "node_label") or "",
        "on_behalf_of": behalf.get("name") if isinstance(behalf, dict) else behalf, "received": when(get(task, "created_at")),
        "sections": sections, "actions": actions, "returnable": returnable, "comment": comment,
        "comment_error": comment_error, "message": message, "action_url": f"/tasks/{task_id}",
        "transfer_to": transfer_to, "signer": signer,
        "crumbs": [(translate("我的审批", lang), "/tasks"), (fv.record_title, None)],
        "flow_counts": nav_counts(state, actor),
    }
    return render(request, "task.html", context, status=status, block="task" if is_htmx(request) and status != 200 else None)


@router.get("/tasks/{task_id}")
def task_page(task_id: str, request: Request, state: State, actor: PageActor) -> Response:
    return _task_page(request, state, actor, parse_id(task_id))


def _posted_fields(form: CompiledForm, posted, editable: set[str]) -> dict:
    """The fields this node lets the approver edit, as posted (form strings, shown again on an error)."""
    return {k: v for k, v in formstate.parse_post(form, posted.multi_items()).items() if k in editable}


def _checked(form: CompiledForm, raw: dict, lang: str) -> dict:
    """Their values, checked like the record form checks them; the service saves them with the decision."""
    values, problems = form.inputs.validate(raw, lang=lang, from_form=True)
    problems = [p for p in problems if p.path.split(".")[0] in raw]
    if problems:
        raise RecordInvalid(problems)
    return {k: v for k, v in values.items() if k in raw}


def _choice(posted, name: str, text: str) -> int:
    sent = str(posted.get(name) or "")
    if not sent.isdigit():
        raise _Missing(name, text)
    return int(sent)


@router.post("/tasks/{task_id}")
def task_act(task_id: str, request: Request, state: State, actor: PageActor, posted: Posted) -> Response:
    tid = parse_id(task_id)
    lang = lang_of(request)
    action = str(posted.get("action") or "") if posted else ""
    comment = str(posted.get("comment") or "").strip() if posted else ""
    if action == "comment":
        return _comment(request, state, actor, tid, comment)
    if action not in ACTIONS:
        return _task_page(request, state, actor, tid, message=translate("请选择要执行的操作", lang), comment=comment,
                          status=422)
    app = app_of_task(state, tid)
    raw: dict = {}
    try:
        with record_context(request, state, actor, app, writing=True) as ctx:
            tv = service.task_view(ctx, tid)
            form = state.registry.form(app, tv.instance.form)
            editable = {k for k, v in tv.fields.items() if v == "editable"}
            kwargs: dict = {"comment": comment}
            if action == "approve" and tv.actions:
                raw = _posted_fields(form, posted, editable)
                values = _checked(form, raw, lang)
                if values:
                    kwargs["values"] = values
            elif action == "return":
                kwargs["node"] = str(posted.get("node") or "") or None
            elif action == "transfer":
                kwargs["to"] = _choice(posted, "to", translate("请选择转交给谁", lang))
            elif action == "add_signer":
                kwargs["to"] = _choice(posted, "signer", translate("请选择加签人", lang))
                kwargs["position"] = "before" if posted.get("position") == "before" else "after"
            service.act(ctx, tid, action, **kwargs)
    except _Missing as exc:
        return _task_page(request, state, actor, tid, errors={exc.field: [exc.text]}, comment=comment, status=422)
    except RecordInvalid as exc:
        return _task_page(request, state, actor, tid, raw=raw, errors=problem_map(exc.problems), comment=comment,
                          status=422)
    except FlowError as exc:
        if exc.code == "comment_required":
            return _task_page(request, state, actor, tid, comment_error=exc.detail, comment=comment, status=422)
        return _task_page(request, state, actor, tid, message=exc.detail, comment=comment, status=409)
    except (NotFound, Unauthorized):
        raise
    except FormworkError as exc:  # refused before the flow decides (no such user, a field it may not edit...)
        return _task_page(request, state, actor, tid, raw=raw, message=exc.detail, comment=comment, status=exc.status)
    return set_flash(redirect(request, f"/tasks/{tid}"), request, translate(ACTION_DONE[action], lang))


def _comment(request: Request, state, actor: Actor, tid: int, text: str) -> Response:
    lang = lang_of(request)
    if not text:
        return _task_page(request, state, actor, tid, comment_error=translate("请填写评论内容", lang), status=422)
    try:
        with record_context(request, state, actor, app_of_task(state, tid), writing=True) as ctx:
            service.comment_on(ctx, service.task_view(ctx, tid).instance.id, text)
    except (NotFound, Unauthorized):
        raise
    except FormworkError as exc:
        return _task_page(request, state, actor, tid, comment_error=exc.detail, comment=text, status=422)
    return set_flash(redirect(request, f"/tasks/{tid}"), request, translate("已发表评论", lang))


class _Missing(Exception):
    def __init__(self, field: str, text: str):
        super().__init__(text)
        self.field, self.text = field, text


# -- 委托: a delegate for a date range ------------------------------------------------------------

DELEGATION_PAGE = "/account/delegation"


def _delegation_page(request: Request, state, actor: Actor, *, errors: dict | None = None, values: dict | None = None,
                     status: int = 200) -> Response:
    lang = lang_of(request)
    with read(state.engine) as conn:
        current = delegations.delegation(conn, actor.id)
    values = values or {}
    picker = user_picker("delegate", translate("委托给", lang), lang)
    if values.get("delegate", "").isdigit():
        picker.values = [values["delegate"]]
        with read(state.engine) as conn:
            picker.display = conn.execute(select(systables.user.c.full_name)
                                          .where(systables.user.c.id == int(values["delegate"]))).scalar() or ""
    picker.errors = (errors or {}).get("delegate", [])
    context = {"page_title": translate("审批委托", lang), "tab": "delegation", "current": current, "picker": picker,
               "errors": errors or {}, "values": values, "today": now(state.settings.timezone).date().isoformat(),
               "flow_counts": nav_counts(state, actor)}
    return render(request, "tasks_delegation.html", context, status=status)


@router.get(DELEGATION_PAGE)
def delegation(request: Request, state: State, actor: PageActor) -> Response:
    return _delegation_page(request, state, actor)


@router.post(DELEGATION_PAGE)
def delegation_set(request: Request, state: State, actor: PageActor, posted: Posted) -> Response:
    lang = lang_of(request)
    clear = posted.get("action") == "clear"
    sent = {k: str(posted.get(k) or "").strip() for k in ("delegate", "starts", "ends")}
    errors: dict[str, list[str]] = {}
    starts, ends = _day(sent["starts"]), _day(sent["ends"])
    if not clear:
        if not sent["delegate"].isdigit():
            errors["delegate"] = [translate("请选择委托给谁", lang)]
        if starts is None:
            errors["starts"] = [translate("请选择开始日期", lang)]
        if ends is None:
            errors["ends"] = [translate("请选择结束日期", lang)]
        elif starts is not None and ends < starts:
            errors["ends"] = [translate("结束日期不能早于开始日期", lang)]
    if not errors:
        try:
            with write(state.engine) as conn:
                delegations.set_delegation(conn, actor.id, None if clear else int(sent["delegate"]), starts, ends,
                                           now=now_precise(state.settings.timezone))
        except (NotFound, Unauthorized):
            raise
        except FormworkError as exc:
            errors["delegate"] = [exc.detail]
    if errors:
        return _delegation_page(request, state, actor, errors=errors, values=sent, status=422)
    text = translate("已取消委托" if clear else "已设置委托：期间内的新待办将交给被委托人处理", lang)
    return set_flash(redirect(request, DELEGATION_PAGE), request, text)
