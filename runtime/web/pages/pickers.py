"""Helpers behind record-form widgets: the searchable picker for links, and attachment uploads."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import or_, select
from starlette.datastructures import UploadFile

from form_engine.compiler import CompiledForm
from form_engine.definitions import FieldDef
from form_engine.errors import NotFound

from ... import systables
from ...records import ListQuery, list_records
from ...records.context import RecordContext
from ...records.files import UploadRefused, save_upload
from ...records.query import parse_sort
from ..deps import State, record_context
from .cells import file_size
from .guard import PageActor, Posted
from .i18n import translate
from .templating import lang_of, render
from .widgets import FileChip, dom_id

router = APIRouter(include_in_schema=False)
PICK_LIMIT = 20


@dataclass
class Choice:
    id: int
    label: str


def input_field(form: CompiledForm, path: str) -> FieldDef:
    """The field behind an input name: `customer`, or `items.0.product` inside a subform."""
    parts = path.split(".")
    f = form.fields.get(parts[0])
    if f is not None and len(parts) == 3 and parts[1].isdigit() and f.type == "subform":
        f = next((c for c in f.fields if c.name == parts[2]), None)
    elif len(parts) != 1:
        f = None
    if f is None:
        raise NotFound("页面不存在")
    return f


def choices(ctx: RecordContext, f: FieldDef, text: str) -> list[Choice]:
    """Up to twenty records (or users, departments) whose searchable text contains `text`."""
    if f.type == "user":
        u = systables.user
        query = select(u.c.id, u.c.full_name).where(u.c.is_active.is_(True))
        if text:
            query = query.where(or_(u.c.full_name.icontains(text, autoescape=True), u.c.username.icontains(text, autoescape=True)))
        return [Choice(r.id, r.full_name) for r in ctx.conn.execute(query.order_by(u.c.full_name).limit(PICK_LIMIT))]
    if f.type == "department":
        d = systables.department
        query = select(d.c.id, d.c.name)
        if text:
            query = query.where(d.c.name.icontains(text, autoescape=True))
        return [Choice(r.id, r.name) for r in ctx.conn.execute(query.order_by(d.c.name).limit(PICK_LIMIT))]
    target = ctx.app.forms[f.target]
    shown = target.fields.get(f.display_field or target.title_field)
    query = ListQuery(search=text or None, limit=PICK_LIMIT, sort=parse_sort(target.form.default_sort),
                      fields=(shown.name,) if shown else ("id",))
    page = list_records(ctx, target, query)
    out = []
    for row in page.rows:
        label = target.types[shown.name].display(row.get(shown.name), shown, ctx.lang) if shown else ""
        out.append(Choice(row["id"], label or f"#{row['id']}"))
    return out


@router.get("/apps/{app}/{form}/_pick/{path}")
def pick(app: str, form: str, path: str, request: Request, state: State, actor: PageActor, q: str = "") -> Response:
    compiled = state.registry.form(app, form)
    f = input_field(compiled, path)
    if f.type not in ("relation", "user", "department"):
        raise NotFound("页面不存在")
    with record_context(request, state, actor, app, writing=False) as ctx:
        found = choices(ctx, f, q.strip()[:100])
    return render(request, "_pick.html", {"choices": found, "target": dom_id(path)})


def _upload_error(request: Request, path: str, text: str) -> Response:
    return render(request, "_upload_error.html", {"message": text},
                  headers={"HX-Retarget": f"#err-{dom_id(path)}", "HX-Reswap": "innerHTML"})


@router.post("/apps/{app}/{form}/_upload/{path}")
def upload(app: str, form: str, path: str, request: Request, state: State, actor: PageActor, posted: Posted) -> Response:
    """Store the chosen files and answer chips that carry their ids into the record form."""
    compiled = state.registry.form(app, form)
    f = input_field(compiled, path)
    if f.type != "attachment":
        raise NotFound("页面不存在")
    lang = lang_of(request)
    files = [v for k, v in posted.multi_items() if k == "upload" and isinstance(v, UploadFile) and v.filename]
    if not files:
        return _upload_error(request, path, translate("请选择要上传的文件", lang))
    allowed = {a.lower() for a in f.accept}
    for item in files:
        if allowed and PurePath(item.filename).suffix.lower() not in allowed:
            return _upload_error(request, path, translate("文件类型不支持，可上传：{accept}", lang, accept="、".join(f.accept)))
    limit = min(state.settings.max_upload_mb, f.max_size_mb or state.settings.max_upload_mb)
    try:
        with record_context(request, state, actor, app, writing=True) as ctx:
            saved = [save_upload(ctx, item.file, name=item.filename, content_type=item.content_type or "", max_mb=limit)
                     for item in (files if f.multiple else files[:1])]
    except UploadRefused as exc:
        return _upload_error(request, path, exc.detail)
    chips = [FileChip(m["id"], m["name"], file_size(m["size"])) for m in saved]
    return render(request, "_files.html", {"chips": chips, "name": path})
