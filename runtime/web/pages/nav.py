"""The app chrome: side menu grouped as the app's `menu` says, breadcrumbs and page titles.

The menu holds only the forms the signed-in user may read.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from form_engine.compiler import CompiledApp, CompiledForm
from form_engine.errors import NotFound

from ...access import form_access
from ...records.context import Actor
from .i18n import translate


@dataclass
class MenuItem:
    name: str
    label: str
    href: str
    icon: str | None = None


@dataclass
class MenuGroup:
    label: str | None
    items: list[MenuItem] = field(default_factory=list)


def parse_id(text: str) -> int:
    """A record id from a URL segment; anything else is a page that does not exist."""
    if not text.isdigit() or len(text) > 18:
        raise NotFound("页面不存在")
    return int(text)


def form_href(app: str, form: str, *parts) -> str:
    return "/".join([f"/apps/{app}/{form}", *(str(p) for p in parts)])


def readable(app: CompiledApp, actor: Actor) -> dict[str, CompiledForm]:
    """The app's forms the actor may read, in the app's order."""
    return {name: f for name, f in app.forms.items() if form_access(app, actor, f).can("read")}


def menu(app: CompiledApp, lang: str, actor: Actor) -> list[MenuGroup]:
    """Readable forms grouped by the menu's groups, in menu order; forms the menu leaves out come last."""
    forms = readable(app, actor)
    by_label: dict[str | None, MenuGroup] = {}
    seen: set[str] = set()
    for entry in app.definition.menu:
        form = forms.get(entry.form)
        if form is None or entry.form in seen:
            continue
        label = entry.group.text(lang) if entry.group else None
        by_label.setdefault(label, MenuGroup(label)).items.append(_item(app, form, lang))
        seen.add(entry.form)
    groups = list(by_label.values())
    rest = [f for name, f in forms.items() if name not in seen]
    if rest:
        other = MenuGroup(translate("其他", lang) if groups else None)
        other.items = [_item(app, f, lang) for f in rest]
        groups.append(other)
    return groups


def _item(app: CompiledApp, form: CompiledForm, lang: str) -> MenuItem:
    return MenuItem(form.name, form.label.text(lang), form_href(app.name, form.name), form.form.icon)


def chrome(app: CompiledApp, lang: str, actor: Actor, *, form: CompiledForm | None = None,
           crumbs: list[tuple[str, str | None]] | None = None) -> dict:
    """What base.html needs around an app page: the app, its menu, the current form, breadcrumbs."""
    trail = [(app.definition.label.text(lang), f"/apps/{app.name}")]
    if form is not None:
        trail.append((form.label.text(lang), form_href(app.name, form.name)))
    trail += crumbs or []
    return {"app": app, "app_label": app.definition.label.text(lang), "menu": menu(app, lang, actor),
            "current_form": form.name if form else None, "crumbs": trail}
