"""The detail page of one record: its sections, line items, system info and related lists; delete."""
from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from form_engine.compiler import CompiledApp, CompiledForm
from form_engine.errors import Conflict, RecordInvalid

from ... import systables
from ...access import form_access, scope_owners
from ...database import read
from ...records import ListQuery, delete_record, list_records, read_record, record_out, transfer_record
from ...records.context import RecordContext
from ...records.rights import access_of, allowed, check_write_scope
from ..deps import State, record_context
from . import layout
from . import listview as lv
from .cells import Cell, cell, is_numeric
from .flowpanel import flow_panel
from .flash import set_flash
from .history import history_items
from .guard import PageActor, Posted
from .i18n import translate
from .nav import chrome, form_href, parse_id
from .templating import lang_of, redirect, render, with_query

router = APIRouter(include_in_schema=False)
RELATED_ROWS = 10


@dataclass
class SubTable:
    headers: list[tuple[str, bool]]
    rows: list[list[Cell]]


@dataclass
class Item:
    label: str
    cell: Cell | None = None
    table: SubTable | None = None
    wide: bool = False
    hide_label: bool = False


@dataclass
class Section:
    title: str | None
    columns: int
    items: list[Item] = field(default_factory=list)


@dataclass
class RelatedPanel:
    key: str
    label: str
    count: str
    headers: list[lv.Header]
    rows: list[lv.Row]
    all_href: str
    new_href: str | None


def record_title(form: CompiledForm, values: dict, lang: str) -> str:
    f = form.fields.get(form.title_field)
    text = form.types[f.name].display(values.get(f.name), f, lang) if f else ""
    return text or f"#{values['id']}"


def detail_sections(app: str, form: CompiledForm, values: dict, shown: dict, lang: str) -> list[Section]:
    out = []
    for spec in layout.sections(form, lang, default_title=translate("基本信息", lang)):
        section = Section(spec.title, spec.columns)
        for name in spec.fields:
            f = form.fields[name]
            if name not in shown or not form.is_visible(name, values):  # not in shown: hidden from this viewer
                continue
            label = f.label.text(lang)
            if f.type == "subform":
                heads = [(c.label.text(lang), is_numeric(c)) for c in f.fields]
                body = [[cell(app, c, row.get(c.name), row_shown.get(c.name), lang) for c in f.fields]
                        for row, row_shown in zip(values.get(name) or [], shown.get(name) or [])]
                section.items.append(Item(label, table=SubTable(heads, body), wide=True, hide_label=label == spec.title))
            else:
                section.items.append(Item(label, cell(app, f, values.get(name), shown.get(name), lang),
                                          wide=layout.is_wide(form, name)))
        if section.items:
            out.append(section)
    return out


def system_info(shown: dict, values: dict, lang: str) -> list[tuple[str, str]]:
    def who(key):
        return (shown.get(key) or {}).get("display", "") if isinstance(shown.get(key), dict) else ""

    def when(key):
        return values[key].strftime("%Y-%m-%d %H:%M") if values.get(key) else ""
    return [(translate("负责人", lang), who("owner_id")), (translate("创建人", lang), who("created_by")),
            (translate("创建时间", lang), when("created_at")), (translate("更新时间", lang), when("updated_at")),
            (translate("版本", lang), str(values.get("version", "")))]


def related_panels(ctx: RecordContext, app: CompiledApp, form: CompiledForm, record_id: int, lang: str) -> list[RelatedPanel]:
    """For every relation field in the app that points at this form: up to ten records that link here."""
    panels = []
    for other in app.forms.values():
        links = [f for f in other.form.fields if f.type == "relation" and f.target == form.name]
        for f in links:
            access = form_access(app, ctx.actor, other)
            if not access.can("read"):
                continue
            columns = [c for c in lv.list_columns(other, access) if c.name != f.name][:5]
            query = ListQuery.from_params([(f.name, str(record_id)), ("limit", str(RELATED_ROWS))], other)
            page = list_records(ctx, other, query)
            label = other.label.text(lang) + (f"（{f.label.text(lang)}）" if len(links) > 1 else "")
            count = f"{page.total}+" if not page.total_exact else str(page.total)
            panels.append(RelatedPanel(
                f"{other.name}-{f.name}", label, count,
                [lv.Header(c.label.text(lang), None, "", is_numeric(c)) for c in columns],
                lv.rows(app.name, other, columns, page, lang),
                with_query(form_href(app.name, other.name), [(f.name, str(record_id))]),
                with_query(form_href(app.name, other.name, "new"), [(f.name, str(record_id))])
                if access.can("create") else None))
    return panels


@router.get("/apps/{app}/{form}/{record_id}")
def detail_page(app: str, form: str, record_id: str, request: Request, state: State, actor: PageActor) -> Response:
    compiled = state.registry.form(app, form)
    rid = parse_id(record_id)
    lang = lang_of(request)
    compiled_app = state.registry.app(app)
    with record_context(request, state, actor, app, writing=False) as ctx:
        values = read_record(ctx, compiled, rid)
        shown = record_out(ctx, compiled, values)
        related = related_panels(ctx, compiled_app, compiled, rid, lang)
        access = access_of(ctx, compiled)
        changeable = scope_owners(actor, access.write_scopes)
        changeable = changeable is None or values.get("owner_id") in changeable
        history = history_items(ctx, compiled, rid)
        flow = flow_panel(ctx, compiled, rid, may_edit=changeable and access.can("update"))  # 审批 panel
    title = record_title(compiled, values, lang)
    label = compiled.label.text(lang)
    context = {
        **chrome(compiled_app, lang, actor, form=compiled, crumbs=[(title, None)]), "form": compiled, "form_label": label,
        "record": values, "title": title, "sections": detail_sections(app, compiled, values, shown, lang),
        "system": system_info(shown, values, lang), "related": related,
        "open_tab": next((p.key for p in related if p.rows), related[0].key if related else None),
        "edit_href": form_href(app, form, rid, "edit") if changeable and access.can("update") else None,
        "delete_href": form_href(app, form, rid, "delete") if changeable and access.can("delete") else None,
        "transfer_href": form_href(app, form, rid, "transfer") if changeable and access.can("transfer") else None,
        "history": history, "flow_panel": flow,
        "list_href": form_href(app, form),
        "confirm": translate("确定删除这条{label}记录吗？删除后可以在回收站中恢复。", lang, label=label),
    }
    return render(request, "detail.html", context)


@router.post("/apps/{app}/{form}/{record_id}/delete")
def delete(app: str, form: str, record_id: str, request: Request, state: State, actor: PageActor, posted: Posted) -> Response:
    compiled = state.registry.form(app, form)
    rid = parse_id(record_id)
    lang = lang_of(request)
    version = posted.get("version") if posted else None
    try:
        with record_context(request, state, actor, app, writing=True) as ctx:
            delete_record(ctx, compiled, rid, expected_version=int(version) if str(version or "").isdigit() else None)
    except Conflict as exc:
        return set_flash(redirect(request, form_href(app, form, rid)), request, exc.detail, "error")
    response = redirect(request, form_href(app, form))
    return set_flash(response, request, translate("已删除，可在回收站中恢复", lang))


def _transfer_page(request: Request, state, actor, compiled: CompiledForm, values: dict, shown: dict, *,
                   error: str | None = None, status: int = 200) -> Response:
    lang = lang_of(request)
    u, d = systables.user, systables.department
    with read(state.engine) as conn:
        users = conn.execute(select(u.c.id, u.c.full_name, d.c.name).select_from(u.outerjoin(d, d.c.id == u.c.department_id))
                             .where(u.c.is_active.is_(True)).order_by(u.c.full_name)).all()
    title = record_title(compiled, values, lang)
    rid = values["id"]
    owner = shown.get("owner_id") or {}
    context = {**chrome(state.registry.app(compiled.app), lang, actor, form=compiled,
                        crumbs=[(title, form_href(compiled.app, compiled.name, rid)), (translate("转交", lang), None)]),
               "heading": translate("转交{label}", lang, label=compiled.label.text(lang)) + f"：{title}",
               "action": form_href(compiled.app, compiled.name, rid, "transfer"), "version": values["version"],
               "cancel_href": form_href(compiled.app, compiled.name, rid), "users": users,
               "current": owner.get("display"), "error": error}
    return render(request, "transfer.html", context, status=status)


@router.get("/apps/{app}/{form}/{record_id}/transfer")
def transfer_form(app: str, form: str, record_id: str, request: Request, state: State, actor: PageActor) -> Response:
    compiled = state.registry.form(app, form)
    with record_context(request, state, actor, app, writing=False) as ctx:
        access = allowed(ctx, compiled, "transfer")
        values = read_record(ctx, compiled, parse_id(record_id))
        check_write_scope(ctx, compiled, access, values)
        shown = record_out(ctx, compiled, values)
    return _transfer_page(request, state, actor, compiled, values, shown)


@router.post("/apps/{app}/{form}/{record_id}/transfer")
def transfer(app: str, form: str, record_id: str, request: Request, state: State, actor: PageActor,
             posted: Posted) -> Response:
    compiled = state.registry.form(app, form)
    rid = parse_id(record_id)
    sent = str(posted.get("owner_id") or "") if posted else ""
    version = str(posted.get("version") or "") if posted else ""
    try:
        with record_context(request, state, actor, app, writing=True) as ctx:
            transfer_record(ctx, compiled, rid, int(sent) if sent.isdigit() else 0,
                            expected_version=int(version) if version.isdigit() else None)
    except (RecordInvalid, Conflict) as exc:
        with record_context(request, state, actor, app, writing=False) as ctx:
            values = read_record(ctx, compiled, rid)
            shown = record_out(ctx, compiled, values)
        detail = exc.problems[0].message if isinstance(exc, RecordInvalid) else exc.detail
        return _transfer_page(request, state, actor, compiled, values, shown, error=detail,
                              status=422 if isinstance(exc, RecordInvalid) else 409)
    response = redirect(request, form_href(app, form, rid))
    return set_flash(response, request, translate("已转交", lang_of(request)))
