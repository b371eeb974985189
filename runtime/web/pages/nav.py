"""The app chrome: side menu grouped as the app's `menu` says, breadcrumbs and page titles."""
from __future__ import annotations

from dataclasses import dataclass, field

from form_engine.compiler import CompiledApp, CompiledForm
from form_engine.errors import NotFound

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


def menu(app: CompiledApp, lang: str) -> list[MenuGroup]:
    """Forms grouped by the menu's groups, in menu order; forms the menu leaves out come last."""
    by_label: dict[str | None, MenuGroup] = {}
    seen: set[str] = set()
    for entry in app.definition.menu:
        form = app.forms.get(entry.form)
        if form is None or entry.form in seen:
            continue
        label = entry.group.text(lang) if entry.group else None
        by_label.setdefault(label, MenuGroup(label)).items.append(_item(app, form, lang))
        seen.add(entry.form)
    groups = list(by_label.values())
    rest = [f for name, f in app.forms.items() if name not in seen]
    if rest:
        other = MenuGroup(translate("其他", lang) if groups else None)
        other.items = [_item(app, f, lang) for f in rest]
        groups.append(other)
    return groups


def _item(app: CompiledApp, form: CompiledForm, lang: str) -> MenuItem:
    return MenuItem(form.name, form.label.text(lang), form_href(app.name, form.name), form.form.icon)


def chrome(app: CompiledApp, lang: str, *, form: CompiledForm | None = None,
           crumbs: list[tuple[str, str | None]] | None = None) -> dict:
    """What base.html needs around an app page: the app, its menu, the current form, breadcrumbs."""
    trail = [(app.definition.label.text(lang), f"/apps/{app.name}")]
    if form is not None:
        trail.append((form.label.text(lang), form_href(app.name, form.name)))
    trail += crumbs or []
    return {"app": app, "app_label": app.definition.label.text(lang), "menu": menu(app, lang),
            "current_form": form.name if form else None, "crumbs": trail}
