"""What every designer page shares: admins only, the side menu (apps, then the app's forms), JSON answers."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.responses import JSONResponse

from form_engine.compiler import CompiledApp
from form_engine.errors import FormworkError
from runtime.records.context import Actor
from runtime.web.admin.chrome import admin_actor
from runtime.web.errors import problem_body
from runtime.web.pages.i18n import translate
from runtime.web.pages.nav import MenuGroup, MenuItem

# The designer is for system administrators, like /admin: the same rule, the same 403 page.
BuilderActor = Annotated[Actor, Depends(admin_actor)]


def builder_chrome(registry, lang: str, *, app: CompiledApp | None = None, current: str | None = None,
                   crumbs: list[tuple[str, str | None]] | None = None) -> dict:
    """What base.html needs around a designer page: the apps (and the open app's forms), breadcrumbs."""
    title = translate("应用设计器", lang)
    apps = MenuGroup(translate("应用", lang), [
        MenuItem(f"app:{a.name}", a.definition.label.text(lang), f"/builder/apps/{a.name}", a.definition.icon)
        for a in registry.apps.values()])
    menu = [apps]
    if app is not None:
        menu.append(MenuGroup(app.definition.label.text(lang) + " · " + translate("表单", lang), [
            MenuItem(f"form:{f.name}", f.label.text(lang), f"/builder/apps/{app.name}/forms/{f.name}", f.form.icon)
            for f in app.forms.values()]))
    trail = [(title, "/builder")]
    if app is not None:
        trail.append((app.definition.label.text(lang), f"/builder/apps/{app.name}"))
    trail += crumbs or []
    if len(trail) == 1:
        trail = [(title, None)]
    return {"menu": menu, "current_form": current, "home_href": "/builder", "home_label": title,
            "app_label": title, "crumbs": trail}


def json_error(exc: FormworkError, lang: str, *, detail: str | None = None) -> JSONResponse:
    """A FormworkError as problem+json (the designer's fetch calls read it), message in the user's language."""
    body = problem_body(exc)
    body["title"] = translate(exc.title, lang)
    body["detail"] = detail or translate(exc.detail, lang)
    return JSONResponse(body, status_code=exc.status, media_type="application/problem+json")
