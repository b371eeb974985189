"""The start page: `/` goes to the first app; an app's home shows a card per readable form with its count."""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ...records import ListQuery, list_records
from ..deps import State, record_context
from .guard import PageActor
from .nav import chrome, form_href, readable
from .templating import lang_of, render

router = APIRouter(include_in_schema=False)


@dataclass
class FormCard:
    name: str
    label: str
    href: str
    count: int
    exact: bool
    icon: str | None


@router.get("/")
def start(request: Request, state: State, actor: PageActor) -> Response:
    apps = list(state.registry.apps)
    if not apps:
        return render(request, "home.html", {"cards": [], "groups": [], "no_apps": True})
    return RedirectResponse(f"/apps/{apps[0]}", status_code=303)


@router.get("/apps/{app}")
def app_home(app: str, request: Request, state: State, actor: PageActor) -> Response:
    compiled = state.registry.app(app)
    lang = lang_of(request)
    nav = chrome(compiled, lang, actor)
    counts: dict[str, tuple[int, bool]] = {}
    with record_context(request, state, actor, app, writing=False) as ctx:
        for name, form in readable(compiled, actor).items():  # the record service refuses the others
            page = list_records(ctx, form, ListQuery(limit=1, fields=(form.title_field,)))
            counts[name] = (page.total, page.total_exact)
    groups = []
    for group in nav["menu"]:
        cards = [FormCard(item.name, item.label, form_href(app, item.name), *counts[item.name], item.icon)
                 for item in group.items]
        groups.append((group.label, cards))
    description = compiled.definition.description.text(lang) if compiled.definition.description else ""
    return render(request, "home.html", {**nav, "groups": groups, "description": description, "crumbs": [],
                                         "no_access": bool(compiled.forms) and not counts})
