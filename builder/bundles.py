"""App bundles in the designer: download an app as JSON; import one (upload or paste) → plan → confirm.

Nothing changes until the plan is confirmed; a bundle with errors lists every one with its JSON
pointer; a lossy plan needs the confirmation checkbox, as a publish does.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from form_engine.errors import DefinitionError, FormworkError, Problem
from runtime.bundles import bundle_text, check_bundle, export_app, import_app, load_bundle, plan_import
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
MAX_BYTES = 20 * 1024 * 1024


@router.get("/apps/{app}/bundle")
def download(app: str, state: State, actor: BuilderActor) -> Response:
    """The published app as a JSON file (no demo data)."""
    with read(state.engine) as conn:
        bundle = export_app(conn, app)
    return Response(bundle_text(bundle), media_type="application/json; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{app}.json"'})


def _page(request: Request, state, *, text: str = "", plan: dict | None = None, problems=None,
          error: str | None = None, accepted: bool = False, status: int = 200, app_name: str | None = None) -> Response:
    lang = lang_of(request)
    labels = {}
    if plan is not None:
        labels = {f.name: f.label.text(lang) for f in check_bundle(load_bundle(text)).forms}
    context = {**builder_chrome(state.registry, lang, crumbs=[(translate("导入与导出", lang), None)]),
               "apps": [(a.name, a.definition.label.text(lang)) for a in state.registry.apps.values()],
               "text": text, "plan": plan, "problems": problems or [], "error": error, "accepted": accepted,
               "app_name": app_name, "form_labels": labels}
    return render(request, "builder/bundles.html", context, status=status)


@router.get("/bundles")
def bundles_page(request: Request, state: State, actor: BuilderActor) -> Response:
    return _page(request, state)


def _posted_text(posted, lang: str) -> str:
    """The bundle from the upload, or else from the text area; DefinitionError when it can't be read."""
    upload = posted.get("file")
    if not (isinstance(upload, UploadFile) and upload.filename):
        return str(posted.get("text") or "")
    raw = upload.file.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise DefinitionError([Problem("", translate("文件太大（超过 20 MB）", lang), "size")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DefinitionError([Problem("", translate("文件不是 UTF-8 编码的文本", lang), "encoding")]) from None


@router.post("/bundles/plan")
def plan(request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    """Check the bundle and show what importing it would do; changes nothing."""
    lang = lang_of(request)
    try:
        text = _posted_text(posted, lang)
    except DefinitionError as exc:
        return _page(request, state, problems=exc.problems, status=422)
    if not text.strip():
        return _page(request, state, error=translate("请选择应用包文件，或把 JSON 粘贴到文本框中", lang), status=422)
    try:
        data = load_bundle(text)
        with read(state.engine) as conn:
            found = plan_import(conn, data, tz=state.settings.timezone)
    except DefinitionError as exc:
        return _page(request, state, text=text, problems=exc.problems, status=422)
    return _page(request, state, text=text, plan=found.as_json(), app_name=found.app)


@router.post("/bundles/import")
def apply(request: Request, state: State, actor: BuilderActor, posted: Posted) -> Response:
    """Import the bundle whose plan was shown: create the app or upgrade it, in one transaction."""
    lang = lang_of(request)
    text = str(posted.get("text") or "")
    accept = posted.get("accept_loss") == "1"

    def again(status: int, error: str | None = None) -> Response:
        with read(state.engine) as conn:
            try:
                found = plan_import(conn, load_bundle(text), tz=state.settings.timezone)
            except DefinitionError as exc:
                return _page(request, state, text=text, problems=exc.problems, status=422)
        return _page(request, state, text=text, plan=found.as_json(), app_name=found.app, error=error,
                     accepted=accept, status=status)
    try:
        data = load_bundle(text)
        done = import_app(state.engine, data, tz=state.settings.timezone, user_id=actor.id, accept_loss=accept)
    except DefinitionError as exc:
        return _page(request, state, text=text, problems=exc.problems, status=422)
    except LossNotAccepted:
        return again(409, translate("导入会改变已有数据，请先阅读下面的影响并勾选确认", lang))
    except FormworkError as exc:
        return again(exc.status, translate(exc.detail, lang))
    reload_apps(state)
    label = done.definition.label.text(lang)
    if done.empty:
        text_ = translate("应用“{label}”已经是这个样子，没有需要修改的地方", lang, label=label)
        return set_flash(redirect(request, f"/builder/apps/{done.app}"), request, text_, "info")
    text_ = translate("已创建应用“{label}”" if done.creating else "已升级应用“{label}”", lang, label=label)
    return set_flash(redirect(request, f"/builder/apps/{done.app}"), request, text_)
