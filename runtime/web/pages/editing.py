"""Create and edit pages: the record form, saving it, and the server-side re-render on change."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from form_engine.compiler import CompiledForm
from form_engine.errors import Conflict, NotFound, Problem, RecordInvalid

from ...clock import now_precise
from ...records import create_record, read_record, record_out, update_record
from ...records.context import RecordContext
from ...records.files import file_meta
from ...records.references import display_maps
from ...records.rights import allowed
from ..deps import State, record_context
from . import formstate, widgets
from .cells import cell
from .detail import record_title
from .flash import set_flash
from .guard import PageActor, Posted
from .i18n import translate
from .nav import chrome, form_href, parse_id
from .templating import is_htmx, lang_of, redirect, render

router = APIRouter(include_in_schema=False)
LINKS = ("relation", "user", "department")


def lookups(ctx: RecordContext, form: CompiledForm, raw: dict[str, Any]) -> tuple[dict[str, str], dict[str, dict]]:
    """Display text of the linked records and metadata of the files the form state refers to."""
    links: dict[str, str] = {}
    files: dict[str, dict] = {}

    def ids(values) -> list[int]:
        return [int(v) for v in values or [] if isinstance(v, str) and v.strip().isdigit()][-1:]

    for f in form.form.fields:
        if f.type in LINKS:
            found = ids(raw.get(f.name))
            if found:
                shown = display_maps(ctx, [f], [{f.name: found[0]}])[f.name]
                links[f.name] = shown.get(found[0], f"#{found[0]}")
        elif f.type == "attachment":
            for file_id in raw.get(f.name) or []:
                meta = file_meta(ctx.conn, file_id) if file_id else None
                if meta:
                    files[file_id] = meta
        elif f.type == "subform":
            rows = raw.get(f.name) or []
            for c in (c for c in f.fields if c.type in LINKS):
                wanted = {i: ids(row.get(c.name))[0] for i, row in enumerate(rows) if ids(row.get(c.name))}
                shown = display_maps(ctx, [c], [{c.name: v} for v in wanted.values()])[c.name]
                for i, v in wanted.items():
                    links[f"{f.name}.{i}.{c.name}"] = shown.get(v, f"#{v}")
    return links, files


def problem_map(problems: list[Problem]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in problems:
        out.setdefault(p.path, []).append(p.message)
    return out


def summary(form: CompiledForm, problems: list[Problem], lang: str) -> list[str]:
    """Every problem with the field it belongs to, for the box at the top of the form."""
    lines = []
    for p in problems:
        parts = p.path.split(".") if p.path else []
        f = form.fields.get(parts[0]) if parts else None
        if f is None:
            lines.append(p.message)
            continue
        where = f.label.text(lang)
        if len(parts) >= 2 and parts[1].isdigit():
            where += " " + translate("第 {n} 行", lang, n=int(parts[1]) + 1)
            child = next((c for c in f.fields if len(parts) > 2 and c.name == parts[2]), None)
            if child is not None:
                where += " · " + child.label.text(lang)
        lines.append(f"{where}：{p.message}")
    return lines


def _defaults(form: CompiledForm, state) -> dict[str, Any]:
    stamp = now_precise(state.settings.timezone)
    return form.default_values({"created_at": stamp, "updated_at": stamp})


def _page(request: Request, state: State, actor, form: CompiledForm, *, raw: dict, stored: dict | None,
          record_id: int | None, version: int | None = None, problems: list[Problem] | None = None,
          conflict: list | None = None, status: int = 200, block: str | None = None) -> Response:
    lang = lang_of(request)
    app = state.registry.app(form.app)
    base = stored if stored is not None else _defaults(form, state)
    # What was not posted (fields hidden by visible_when) shows the saved or default value again.
    raw = {**formstate.from_values(form, base), **raw}
    values = {**base, **formstate.coerced(form, raw, lang)}
    with record_context(request, state, actor, form.app, writing=False) as ctx:
        links, files = lookups(ctx, form, raw)
        access = allowed(ctx, form, "create" if record_id is None else "update")
    fi = widgets.FormInputs(form.app, form, lang, raw, values, stored, problem_map(problems or []), links, files, record_id,
                            access)
    label = form.label.text(lang)
    if record_id is None:
        heading = translate("新建{label}", lang, label=label)
        crumbs = [(translate("新建", lang), None)]
        action, cancel = form_href(form.app, form.name, "new"), form_href(form.app, form.name)
    else:
        title = record_title(form, stored, lang)
        heading = translate("编辑{label}", lang, label=label) + f"：{title}"
        detail = form_href(form.app, form.name, record_id)
        crumbs = [(title, detail), (translate("编辑", lang), None)]
        action, cancel = form_href(form.app, form.name, record_id, "edit"), detail
    context = {**chrome(app, lang, actor, form=form, crumbs=crumbs), "form": form, "heading": heading,
               "sections": widgets.sections(fi), "summary": summary(form, problems or [], lang),
               "action": action, "cancel_href": cancel, "version": version, "record_id": record_id,
               "conflict": conflict, "reload_href": action}
    return render(request, "edit.html", context, status=status, block=block)


@router.get("/apps/{app}/{form}/new")
def new_page(app: str, form: str, request: Request, state: State, actor: PageActor) -> Response:
    compiled = state.registry.form(app, form)
    raw = formstate.from_query(compiled, request.query_params.multi_items())
    return _page(request, state, actor, compiled, raw=raw, stored=None, record_id=None)


@router.post("/apps/{app}/{form}/new")
def create(app: str, form: str, request: Request, state: State, actor: PageActor, posted: Posted) -> Response:
    compiled = state.registry.form(app, form)
    raw = formstate.parse_post(compiled, posted.multi_items())
    try:
        with record_context(request, state, actor, app, writing=True) as ctx:
            record = create_record(ctx, compiled, raw, from_form=True)
    except RecordInvalid as exc:
        return _page(request, state, actor, compiled, raw=raw, stored=None, record_id=None, problems=exc.problems,
                     status=422, block="record_form" if is_htmx(request) else None)
    response = redirect(request, form_href(app, form, record["id"]))
    return set_flash(response, request, translate("已保存", lang_of(request)))


@router.get("/apps/{app}/{form}/{record_id}/edit")
def edit_page(app: str, form: str, record_id: str, request: Request, state: State, actor: PageActor) -> Response:
    compiled = state.registry.form(app, form)
    rid = parse_id(record_id)
    with record_context(request, state, actor, app, writing=False) as ctx:
        stored = read_record(ctx, compiled, rid)
    return _page(request, state, actor, compiled, raw={}, stored=stored, record_id=rid, version=stored["version"])


@router.post("/apps/{app}/{form}/{record_id}/edit")
def update(app: str, form: str, record_id: str, request: Request, state: State, actor: PageActor,
           posted: Posted) -> Response:
    compiled = state.registry.form(app, form)
    rid = parse_id(record_id)
    lang = lang_of(request)
    raw = formstate.parse_post(compiled, posted.multi_items())
    sent = str(posted.get("version") or "")
    version = int(sent) if sent.isdigit() else None
    block = "record_form" if is_htmx(request) else None
    try:
        with record_context(request, state, actor, app, writing=True) as ctx:
            update_record(ctx, compiled, rid, raw, expected_version=version, from_form=True)
    except RecordInvalid as exc:
        stored = _load(request, state, actor, compiled, rid)
        return _page(request, state, actor, compiled, raw=raw, stored=stored, record_id=rid, version=version,
                     problems=exc.problems, status=422, block=block)
    except Conflict:
        with record_context(request, state, actor, app, writing=False) as ctx:
            stored = read_record(ctx, compiled, rid)
            shown = record_out(ctx, compiled, stored)
        current = [(f.label.text(lang), cell(app, f, stored.get(f.name), shown.get(f.name), lang))
                   for f in compiled.form.fields if f.type != "subform" and stored.get(f.name) not in (None, "", [])]
        return _page(request, state, actor, compiled, raw=raw, stored=stored, record_id=rid,
                     version=stored["version"], conflict=current, status=409, block=block)
    response = redirect(request, form_href(app, form, rid))
    return set_flash(response, request, translate("已保存", lang))


def _load(request, state, actor, form: CompiledForm, rid: int) -> dict:
    with record_context(request, state, actor, form.app, writing=False) as ctx:
        return read_record(ctx, form, rid)


@router.post("/apps/{app}/{form}/_form")
def refresh(app: str, form: str, request: Request, state: State, actor: PageActor, posted: Posted,
            id: str | None = None) -> Response:
    """The form's fields again for the values posted so far: visible_when is decided here, not in JS."""
    compiled = state.registry.form(app, form)
    rid = parse_id(id) if id else None
    stored = _load(request, state, actor, compiled, rid) if rid else None
    raw = formstate.parse_post(compiled, posted.multi_items())
    return _page(request, state, actor, compiled, raw=raw, stored=stored, record_id=rid, block="form_fields")


@router.get("/apps/{app}/{form}/_row/{sub}")
def new_row(app: str, form: str, sub: str, request: Request, state: State, actor: PageActor, index: int = 0) -> Response:
    """One new line item (with the next index) and the "添加一行" button that will add the one after."""
    compiled = state.registry.form(app, form)
    f = compiled.fields.get(sub)
    if f is None or f.type != "subform":
        raise NotFound("页面不存在")
    lang = lang_of(request)
    index = max(0, min(index, 10_000))
    fi = widgets.FormInputs(app, compiled, lang, {}, {})
    row = widgets.row_view(fi, f, index, formstate.row_defaults(f))
    add_url = fi.url("_row", f.name) + f"?index={index + 1}"
    return render(request, "_row.html", {"fv": widgets.FieldView(f.name, widgets.dom_id(f.name), "", "subform",
                                                                   add_url=add_url, columns=[]),
                                         "row": row, "oob": True})
