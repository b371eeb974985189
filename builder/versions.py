"""Form versions in the designer: the list, a diff between any two versions, restoring an old one.

A restore is a new publish of the old definition: its plan is shown first, and a lossy one needs
the same confirmation as any publish. Archived columns make most restores lossless.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from form_engine.definitions import FormDef
from form_engine.errors import DefinitionError, FormworkError
from runtime import versions
from runtime.bundles import bundle_text
from runtime.database import read
from runtime.publish import LossNotAccepted
from runtime.web.api_definitions import reload_apps
from runtime.web.deps import State
from runtime.web.pages.flash import set_flash
from runtime.web.pages.guard import Posted
from runtime.web.pages.i18n import translate
from runtime.web.pages.templating import lang_of, redirect, render

from .chrome import BuilderActor, builder_chrome

router = APIRouter()
BASE = "/apps/{app}/forms/{form}/versions"


def _chrome(request: Request, state, app: str, form: str, label: str, crumbs: list) -> dict:
    lang = lang_of(request)
    compiled = state.registry.app(app)
    here = f"/builder/apps/{app}/forms/{form}"
    return {**builder_chrome(state.registry, lang, app=compiled, current=f"form:{form}",
                             crumbs=[(label, here), *crumbs]),
            "app": compiled, "form_name": form, "label": label, "base": here, "versions_href": here + "/versions"}


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


@router.get(BASE)
def versions_page(app: str, form: str, request: Request, state: State, actor: BuilderActor) -> Response:
    """Every published version, newest first; `?from=&to=` shows what changed between two of them."""
    lang = lang_of(request)
    state.registry.app(app)
    with read(state.engine) as conn:
        items = versions.list_versions(conn, app, form)
    numbers = [v.version for v in items]
    old = _number(request.query_params.get("from"))
    new = _number(request.query_params.get("to"))
    diff = None
    if old in numbers and new in numbers:
        bodies = {v.version: v.body for v in items}
        diff = versions.diff_forms(FormDef.model_validate(bodies[old]), FormDef.model_validate(bodies[new]),
                                   old_version=old, new_version=new)
    label = (items[0].body.get("label") or {}).get("zh-CN") or form
    context = {**_chrome(request, state, app, form, label, [(translate("版本历史", lang), None)]),
               "items": items, "diff": diff, "old": old if diff else (numbers[1] if len(numbers) > 1 else None),
               "new": new if diff else numbers[0]}
    return render(request, "builder/versions.html", context)


@router.get(BASE + "/{version}")
def version_page(app: str, form: str, version: int, request: Request, state: State, actor: BuilderActor) -> Response:
    """One version's definition as stored (JSON), with what it changed."""
    lang = lang_of(request)
    state.registry.app(app)
    with read(state.engine) as conn:
        items = versions.list_versions(conn, app, form)
        found = next((v for v in items if v.version == version), None)
        if found is None:
            versions.version_body(conn, app, form, version)  # NotFound
    label = (items[0].body.get("label") or {}).get("zh-CN") or form
    context = {**_chrome(request, state, app, form, label, [(translate("版本历史", lang), f"/builder/apps/{app}/forms/{form}/versions"),
                                                            (translate("第 {n} 版", lang, n=version), None)]),
               "v": found, "json": bundle_text(found.body)}
    return render(request, "builder/versions_one.html", context)


def _restore_page(request: Request, state, app: str, form: str, version: int, *, error: str | None = None,
                  status: int = 200, accepted: bool = False) -> Response:
    lang = lang_of(request)
    state.registry.app(app)
    plan, problems = None, []
    with read(state.engine) as conn:
        items = versions.list_versions(conn, app, form)
        try:
            plan = versions.plan_restore(conn, app, form, version, tz=state.settings.timezone).as_json()
        except DefinitionError as exc:
            problems = exc.problems
    label = (items[0].body.get("label") or {}).get("zh-CN") or form
    context = {**_chrome(request, state, app, form, label, [
        (translate("版本历史", lang), f"/builder/apps/{app}/forms/{form}/versions"),
        (translate("恢复到第 {n} 版", lang, n=version), None)]),
        "version": version, "current": items[0].version, "plan": plan, "problems": problems, "error": error,
        "accepted": accepted, "action": f"/builder/apps/{app}/forms/{form}/versions/{version}/restore"}
    return render(request, "builder/versions_restore.html", context, status=status)


@router.get(BASE + "/{version}/restore")
def restore_page(app: str, form: str, version: int, request: Request, state: State, actor: BuilderActor) -> Response:
    """The plan of restoring `version`; nothing changes until it is confirmed."""
    return _restore_page(request, state, app, form, version)


@router.post(BASE + "/{version}/restore")
def restore(app: str, form: str, version: int, request: Request, state: State, actor: BuilderActor,
            posted: Posted) -> Response:
    lang = lang_of(request)
    accept = posted.get("accept_loss") == "1"
    try:
        plan = versions.restore_version(state.engine, app, form, version, tz=state.settings.timezone,
                                        user_id=actor.id, accept_loss=accept)
    except DefinitionError:
        return _restore_page(request, state, app, form, version, status=422)
    except LossNotAccepted:
        return _restore_page(request, state, app, form, version, status=409, error=translate(
            "恢复会改变已有数据，请先阅读下面的影响并勾选确认", lang))
    except FormworkError as exc:
        return _restore_page(request, state, app, form, version, status=exc.status, accepted=accept,
                             error=translate(exc.detail, lang))
    reload_apps(state)
    target = f"/builder/apps/{app}/forms/{form}/versions"
    if plan.empty:
        return set_flash(redirect(request, target), request, translate("当前版本与第 {n} 版相同，没有需要恢复的修改", lang, n=version), "info")
    text = translate("已恢复到第 {old} 版的定义，发布为第 {new} 版", lang, old=version, new=plan.versions.get(form, ""))
    return set_flash(redirect(request, target), request, text)
