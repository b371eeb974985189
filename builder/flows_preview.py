"""Preview "who would approve this record": the saved draft run by flow_engine.preview on a record
(or sample values) for a submitter, with the runtime's directory of people (delegations included).
Nothing is written.
"""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection, select

from flow_engine.compiled import compile_flow
from flow_engine.errors import FlowError
from flow_engine.graph import walk
from flow_engine.preview import preview
from form_engine.compiler import CompiledForm, expression_names
from form_engine.errors import DefinitionError, FormworkError, NotFound
from form_engine.expressions import compile_expression
from form_engine.fieldtypes import FIELD_TYPES
from form_engine.identifiers import SYSTEM_COLUMNS
from form_engine.messages import FieldInvalid, message
from runtime import systables
from runtime.clock import now, now_precise
from runtime.database import read
from runtime.flows.directory import DbDirectory
from runtime.records.read import load_record
from runtime.records.serialize import row_values
from runtime.web.deps import State, record_context
from runtime.web.pages.guard import Posted
from runtime.web.pages.i18n import translate
from runtime.web.pages.templating import lang_of, render

from .chrome import BuilderActor
from .flows_store import check_flow_draft, current_flow

router = APIRouter()
RECENT = 50  # records offered in the preview's picker
SAMPLE_TYPES = ("text", "textarea", "integer", "decimal", "percent", "select", "boolean", "date", "datetime",
                "phone", "email", "url", "formula")


@dataclass
class PreviewStep:
    node: str
    label: str
    type: str
    people: list[str]


def _people(conn: Connection) -> list[dict]:
    u, d = systables.user, systables.department
    rows = conn.execute(select(u.c.id, u.c.full_name, u.c.username, d.c.name.label("dept"))
                        .outerjoin(d, d.c.id == u.c.department_id).where(u.c.is_active.is_(True))
                        .order_by(u.c.full_name, u.c.id))
    return [{"id": r.id, "name": r.full_name, "username": r.username, "department": r.dept} for r in rows]


def _recent(conn: Connection, form: CompiledForm) -> list[dict]:
    t = form.tables.main
    rows = conn.execute(select(t).where(t.c.deleted_at.is_(None)).order_by(t.c.id.desc()).limit(RECENT))
    title = form.title_field
    return [{"id": v["id"], "title": str(v.get(title) or f"#{v['id']}")} for v in (row_values(form, r) for r in rows)]


def condition_fields(flow, form: CompiledForm) -> list:
    """The form's fields the branch conditions read, in form order: what sample values are asked for."""
    names = expression_names(form.form.fields)
    used: set[str] = set()
    for p in walk(flow.nodes):
        for branch in getattr(p.node, "branches", ()):
            if getattr(branch, "when", None) and not branch.default:
                try:
                    used |= set(compile_expression(branch.when, names=names).names)
                except DefinitionError:
                    continue
    return [f for f in form.form.fields if f.name in used and f.name not in SYSTEM_COLUMNS and f.type in SAMPLE_TYPES]


def sample_values(fields: list, raw: dict[str, str], lang: str) -> tuple[dict, list[str]]:
    """The sample values typed in, as the field types read them (a formula as its result type)."""
    values, problems = {}, []
    for f in fields:
        text = raw.get(f.name)
        if not text:
            continue
        as_type = f.model_copy(update={"type": f.result_type}) if f.type == "formula" and f.result_type else f
        try:
            values[f.name] = FIELD_TYPES[as_type.type].coerce(text, as_type)
        except FieldInvalid as exc:
            why = message(exc.code, lang, **{k: v for k, v in exc.params.items() if k != "custom"})
            problems.append(f"{f.label.text(lang)}：{why}")
    return values, problems


def _int(value) -> int | None:
    try:
        return int(str(value or "").strip())
    except ValueError:
        return None


@router.post("/apps/{app}/flows/{flow}/preview")
def flow_preview(app: str, flow: str, request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    """The preview panel: pickers for a record (or sample values) and a submitter; with run=1, who would approve."""
    lang = lang_of(request)
    posted = posted or {}
    tz = state.settings.timezone
    compiled_app = state.registry.app(app)
    context: dict = {"preview_url": f"/builder/apps/{app}/flows/{flow}/preview", "problems": [], "steps": None,
                     "error": None, "values": {}, "sample_problems": []}
    with read(state.engine) as conn:
        body, _draft, _version = current_flow(conn, app, flow)
        parsed, problems = check_flow_draft(conn, app, body)
        people = _people(conn)
        form = compiled_app.forms.get(body.get("form"))
        context.update(people=people, problems=problems)
        if problems or parsed is None or form is None:
            return render(request, "builder/flow_preview.html", context)
        record_id = _int(posted.get("record"))
        submitter = _int(posted.get("submitter")) or actor.id
        fields = condition_fields(parsed, form)
        raw = {f.name: str(posted.get(f"v_{f.name}") or "").strip() for f in fields}
        context.update(records=_recent(conn, form), fields=fields, record_id=record_id, submitter=submitter, raw=raw,
                       form_label=form.label.text(lang))
        if posted.get("run") != "1":
            return render(request, "builder/flow_preview.html", context)
        values, sample_problems = sample_values(fields, raw, lang)
        if sample_problems:
            context["sample_problems"] = sample_problems
            return render(request, "builder/flow_preview.html", context, status=422)
        if submitter not in {p["id"] for p in people}:
            context["error"] = translate("请选择一位在职的发起人", lang)
            return render(request, "builder/flow_preview.html", context, status=422)
        directory = DbDirectory(conn, app)
        if record_id is not None:
            with record_context(request, state, actor, app, writing=False) as ctx:
                try:
                    record = load_record(ctx, form, record_id)
                except NotFound as exc:
                    context["error"] = translate(exc.detail, lang)
                    return render(request, "builder/flow_preview.html", context, status=404)
        else:
            stamp = now_precise(tz)  # a new record the submitter would create: theirs, in their department
            record = {**form.default_values({"created_at": stamp, "updated_at": stamp}), "id": 0,
                      "owner_id": submitter, "created_by": submitter, "created_at": stamp, "updated_at": stamp,
                      "department_id": directory.department_of(submitter)}
        record = {**record, **values}
        try:
            found = preview(compile_flow(parsed, form.form), record=record, submitter=submitter,
                            directory=directory, at=now(tz))
        except (FlowError, FormworkError) as exc:
            context["error"] = translate(exc.detail, lang)
            return render(request, "builder/flow_preview.html", context)
    names = {p["id"]: p["name"] for p in people}
    nodes = {p.key: p for p in walk(parsed.nodes)}
    context["steps"] = [PreviewStep(node, nodes[node].node.label.text(lang) if node in nodes else node,
                                    nodes[node].kind if node in nodes else "approval",
                                    [names.get(u, f"#{u}") for u in users]) for node, users in found]
    return render(request, "builder/flow_preview.html", context)
