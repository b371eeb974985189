"""List pages: a form's records with search, filters, sorting and paging; and its recycle bin."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from form_engine.errors import RecordInvalid

from ...access import form_access
from ...records import ListQuery, list_records, restore_record
from ...records.references import display_maps
from ..deps import State, record_context
from . import listview as lv
from .flash import set_flash
from .guard import PageActor
from .i18n import translate
from .nav import chrome, form_href, parse_id
from .templating import htmx_target, lang_of, redirect, render, with_query

router = APIRouter(include_in_schema=False)
RESULTS = "list-results"


def _query(form, params: list[tuple[str, str]], *, deleted: bool = False) -> ListQuery:
    wanted = [(k, v) for k, v in params if k not in ("limit", "fields", "deleted")]
    wanted += [("limit", str(lv.PAGE_SIZE))] + ([("deleted", "1")] if deleted else [])
    return ListQuery.from_params(wanted, form)


def _link_displays(ctx, form, filters: list[tuple[str, str]]) -> dict[str, dict[int, str]]:
    """Names of the records that link filters such as customer=12 point at, for their chips."""
    wanted: dict[str, list[dict]] = {}
    for key, value in filters:
        f = form.fields.get(key.partition("__")[0])
        if f is not None and f.type in ("relation", "user", "department") and value.isdigit():
            wanted.setdefault(f.name, []).append({f.name: int(value)})
    return {name: display_maps(ctx, [form.fields[name]], rows)[name] for name, rows in wanted.items()}


@router.get("/apps/{app}/{form}")
def list_page(app: str, form: str, request: Request, state: State, actor: PageActor) -> Response:
    compiled = state.registry.form(app, form)
    lang = lang_of(request)
    path = request.url.path
    params = lv.clean_params(request.query_params.multi_items())
    access = form_access(state.registry.app(app), actor, compiled)
    columns = lv.list_columns(compiled, access)
    controls = lv.filter_controls(compiled, columns, params, lang, access)
    extra = lv.other_filters(params, lv.control_names(controls))
    with record_context(request, state, actor, app, writing=False) as ctx:
        page = list_records(ctx, compiled, _query(compiled, params))
        displays = _link_displays(ctx, compiled, extra)
    filtered = any(k not in ("sort", "offset", "cursor") for k, _ in params)
    context = {
        **chrome(state.registry.app(app), lang, actor, form=compiled), "form": compiled, "form_label": compiled.label.text(lang),
        "headers": lv.headers(path, params, compiled, columns, lang, access), "rows": lv.rows(app, compiled, columns, page, lang),
        "pager": lv.pager(path, params, page, lang), "controls": controls, "q": dict(params).get("q", ""),
        "hidden": [(k, v) for k, v in params if k == "sort"] + extra,
        "chips": lv.chips(path, params, extra, compiled, displays, lang), "filtered": filtered,
        "clear_href": path, "list_href": path,
        "new_href": with_query(form_href(app, form, "new"), [(k, v) for k, v in extra if "__" not in k])
        if access.can("create") else None,
        "trash_href": form_href(app, form, "trash") if access.can("delete") else None,
    }
    context["crumbs"] = context["crumbs"][:-1] + [(context["form_label"], None)]
    if htmx_target(request) == RESULTS:
        return render(request, "list.html", context, block="results",
                      headers={"HX-Push-Url": with_query(path, params)})
    return render(request, "list.html", context)


@router.get("/apps/{app}/{form}/trash")
def trash_page(app: str, form: str, request: Request, state: State, actor: PageActor) -> Response:
    compiled = state.registry.form(app, form)
    lang = lang_of(request)
    path = request.url.path
    params = [(k, v) for k, v in lv.clean_params(request.query_params.multi_items()) if k in ("q", "offset", "cursor")]
    columns = lv.list_columns(compiled, form_access(state.registry.app(app), actor, compiled), limit=4)
    with record_context(request, state, actor, app, writing=False) as ctx:
        page = list_records(ctx, compiled, _query(compiled, params, deleted=True))
    label = compiled.label.text(lang)
    context = {
        **chrome(state.registry.app(app), lang, actor, form=compiled, crumbs=[(translate("回收站", lang), None)]),
        "form": compiled, "form_label": label,
        "headers": [lv.Header(f.label.text(lang), None, "", lv.is_numeric(f)) for f in columns],
        "rows": lv.rows(app, compiled, columns, page, lang, link=False),
        "pager": lv.pager(path, params, page, lang), "q": dict(params).get("q", ""),
        "list_href": form_href(app, form), "filtered": bool(dict(params).get("q")),
    }
    if htmx_target(request) == RESULTS:
        return render(request, "trash.html", context, block="results",
                      headers={"HX-Push-Url": with_query(path, params)})
    return render(request, "trash.html", context)


@router.post("/apps/{app}/{form}/{record_id}/restore")
def restore(app: str, form: str, record_id: str, request: Request, state: State, actor: PageActor) -> Response:
    compiled = state.registry.form(app, form)
    lang = lang_of(request)
    try:
        with record_context(request, state, actor, app, writing=True) as ctx:
            restore_record(ctx, compiled, parse_id(record_id))
    except RecordInvalid as exc:
        reason = "；".join(_labelled(compiled, p, lang) for p in exc.problems)
        response = redirect(request, form_href(app, form, "trash"))
        return set_flash(response, request, translate("无法恢复：{reason}", lang, reason=reason), "error")
    response = redirect(request, form_href(app, form, record_id))
    return set_flash(response, request, translate("已恢复", lang))


def _labelled(form, problem, lang: str) -> str:
    f = form.fields.get(problem.path.split(".")[0])
    return f"{f.label.text(lang)}：{problem.message}" if f else problem.message
