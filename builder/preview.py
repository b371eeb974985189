"""Live preview of a draft form: the real record-form widgets, and the real validation, no table needed.

The draft is compiled on its own (form_engine.compiler on a private MetaData); validating a posted
preview runs the record service's checks that need no database: coercion, formats, required
(visibility-aware), formulas and form rules. Nothing is written.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from form_engine.compiler import CompiledForm
from form_engine.errors import NotFound, Problem
from runtime.clock import now_precise
from runtime.database import read
from runtime.web.deps import State, record_context
from runtime.web.pages import formstate, widgets
from runtime.web.pages.editing import problem_map, summary
from runtime.web.pages.guard import Posted
from runtime.web.pages.i18n import translate
from runtime.web.pages.pickers import choices, input_field
from runtime.web.pages.templating import lang_of, render

from .chrome import BuilderActor
from .forms import current_body
from .store import check_draft, compile_draft

router = APIRouter()


def draft_form(state, app: str, form: str) -> tuple[CompiledForm | None, list]:
    """The stored draft (or published form) compiled, or the problems that keep it from compiling."""
    with read(state.engine) as conn:
        body, _draft, _version = current_body(conn, state, app, form)
        parsed, problems = check_draft(conn, app, body)
    if parsed is None:
        return None, problems
    return compile_draft(parsed, form, state.settings.timezone), []


def validate(form: CompiledForm, raw: dict, lang: str, tz) -> list[Problem]:
    """What create_record would refuse, minus what needs stored data (unique values, linked records)."""
    values, problems = form.inputs.validate(raw, lang=lang, from_form=True)
    stamp = now_precise(tz)
    record = {**form.default_values({"created_at": stamp, "updated_at": stamp}), **values,
              "created_at": stamp, "updated_at": stamp}
    for sub in form.subforms():
        for row in record.get(sub.name) or []:
            for name, value in form.row_default_values(sub.name, {**record, **row}).items():
                row.setdefault(name, value)
    bad = {p.path for p in problems}
    problems.extend(form.compute(record, lang))
    problems.extend(p for p in form.check_record(record, lang) if p.path not in bad)
    return problems


def _urls(fv: widgets.FieldView, base: str) -> None:
    """Point a widget's helpers at the preview's own endpoints (the draft is not an app form yet)."""
    if fv.refresh_url:
        fv.refresh_url = f"{base}/_form"
    if fv.pick_url:
        fv.pick_url = f"{base}/_pick/{fv.name}"
    if fv.upload_url:
        fv.upload_url = f"{base}/_upload/{fv.name}"
    if fv.add_url:
        fv.add_url = f"{base}/_row/{fv.name}?index={len(fv.rows)}"
    for row in fv.rows:
        for cell in row.cells:
            _urls(cell, base)


def _inputs(state, form: CompiledForm, raw: dict, lang: str, problems: list[Problem]) -> widgets.FormInputs:
    stamp = now_precise(state.settings.timezone)
    base = form.default_values({"created_at": stamp, "updated_at": stamp})
    raw = {**formstate.from_values(form, base), **raw}
    values = {**base, **formstate.coerced(form, raw, lang)}
    return widgets.FormInputs(form.app, form, lang, raw, values, None, problem_map(problems))


def _render(request: Request, state, app: str, form: str, *, raw: dict, checked: bool, block: str | None = None) -> Response:
    lang = lang_of(request)
    compiled, draft_problems = draft_form(state, app, form)
    base = f"/builder/apps/{app}/forms/{form}/preview"
    context = {"preview_url": base, "draft_problems": draft_problems, "checked": checked, "passed": False}
    if compiled is not None:
        problems = validate(compiled, raw, lang, state.settings.timezone) if checked else []
        sections = widgets.sections(_inputs(state, compiled, raw, lang, problems))
        for section in sections:
            for fv in section.fields:
                _urls(fv, base)
        context.update(sections=sections, summary=summary(compiled, problems, lang), passed=checked and not problems)
    return render(request, "builder/_preview.html", context, block=block)


@router.post("/apps/{app}/forms/{form}/preview")
def preview(app: str, form: str, request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    """The preview of the saved draft; with ?check=1 the posted values are validated as the real form would."""
    checked = request.query_params.get("check") == "1"
    compiled, _ = draft_form(state, app, form)
    raw = formstate.parse_post(compiled, posted.multi_items()) if compiled is not None and posted else {}
    return _render(request, state, app, form, raw=raw, checked=checked)


@router.post("/apps/{app}/forms/{form}/preview/_form")
def refresh(app: str, form: str, request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    """The preview's fields again for the values entered so far (visible_when, read-only)."""
    compiled, _ = draft_form(state, app, form)
    raw = formstate.parse_post(compiled, posted.multi_items()) if compiled is not None else {}
    return _render(request, state, app, form, raw=raw, checked=False, block="form_fields")


@router.get("/apps/{app}/forms/{form}/preview/_row/{sub}")
def new_row(app: str, form: str, sub: str, request: Request, state: State, actor: BuilderActor, index: int = 0) -> Response:
    compiled, _ = draft_form(state, app, form)
    f = compiled.fields.get(sub) if compiled is not None else None
    if f is None or f.type != "subform":
        raise NotFound("页面不存在")
    index = max(0, min(index, 10_000))
    fi = widgets.FormInputs(app, compiled, lang_of(request), {}, {})
    row = widgets.row_view(fi, f, index, formstate.row_defaults(f))
    base = f"/builder/apps/{app}/forms/{form}/preview"
    for cell in row.cells:
        _urls(cell, base)
    fv = widgets.FieldView(f.name, widgets.dom_id(f.name), "", "subform", add_url=f"{base}/_row/{f.name}?index={index + 1}")
    return render(request, "_row.html", {"fv": fv, "row": row, "oob": True})


@router.get("/apps/{app}/forms/{form}/preview/_pick/{path}")
def pick(app: str, form: str, path: str, request: Request, state: State, actor: BuilderActor, q: str = "") -> Response:
    """Records to pick in the preview: published targets only (a draft has no records yet)."""
    compiled, _ = draft_form(state, app, form)
    if compiled is None:
        raise NotFound("页面不存在")
    f = input_field(compiled, path)
    found = []
    published = state.registry.app(app)
    if f.type in ("user", "department") or (f.type == "relation" and f.target in published.forms):
        with record_context(request, state, actor, app, writing=False) as ctx:
            found = choices(ctx, f, q.strip()[:100])
    return render(request, "_pick.html", {"choices": found, "target": widgets.dom_id(path)})


@router.post("/apps/{app}/forms/{form}/preview/_upload/{path}")
def upload(app: str, form: str, path: str, request: Request, actor: BuilderActor, posted: Posted) -> Response:
    text = translate("预览中不能上传文件，发布后在真实表单中上传", lang_of(request))
    return render(request, "_upload_error.html", {"message": text},
                  headers={"HX-Retarget": f"#err-{widgets.dom_id(path)}", "HX-Reswap": "innerHTML"})
