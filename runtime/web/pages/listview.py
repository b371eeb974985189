"""What a list page shows: its columns, filter controls, sortable headers and page links."""
from __future__ import annotations

from dataclasses import dataclass, field

from form_engine.compiler import CompiledForm
from form_engine.definitions import FieldDef
from form_engine.fieldtypes import field_type

from ...access import FormAccess
from ...records.query import CONTROL, parse_sort
from ...records.rights import shows
from .cells import Cell, cell, is_numeric
from .i18n import translate
from .nav import form_href
from .templating import with_query

PAGE_SIZE = 20
MAX_COLUMNS = 6
OFFSET_LIMIT = 10_000  # beyond this, pages go on by cursor


def list_columns(form: CompiledForm, access: FormAccess, limit: int | None = None) -> list[FieldDef]:
    """Fields marked in_list, else the first six that are not subforms — of those the viewer may see."""
    fields = [f for f in form.form.fields if f.type != "subform" and shows(access, form, f.name) is not None]
    chosen = [f for f in fields if f.in_list] or fields[:MAX_COLUMNS]
    return chosen[:limit] if limit else chosen


def clean_params(items) -> list[tuple[str, str]]:
    """Query parameters without the empty values an unfilled filter form sends."""
    return [(k, v) for k, v in items if v not in ("", None) and k not in ("lang", "page")]


@dataclass
class Header:
    label: str
    href: str | None
    arrow: str
    num: bool


@dataclass
class Row:
    id: int
    href: str | None
    cells: list[Cell]
    extra: dict = field(default_factory=dict)


@dataclass
class FilterControl:
    kind: str  # select | date
    name: str
    label: str
    options: list[tuple[str, str]] = field(default_factory=list)
    value: str = ""
    value_to: str = ""


@dataclass
class Chip:
    label: str
    remove_href: str


def headers(path: str, params: list[tuple[str, str]], form: CompiledForm, columns: list[FieldDef], lang: str,
            access: FormAccess) -> list[Header]:
    sort = parse_sort(dict(params).get("sort") or form.form.default_sort)
    first, desc = sort[0] if sort else (None, False)
    keep = [(k, v) for k, v in params if k not in ("sort", "offset", "cursor")]
    out = []
    for f in columns:
        label = f.label.text(lang)
        if not field_type(f.type).sortable or not field_type(f.type).stored or shows(access, form, f.name) != "full":
            out.append(Header(label, None, "", is_numeric(f)))
            continue
        active = first == f.name
        target = f"-{f.name}" if active and not desc else f.name
        arrow = ("↓" if desc else "↑") if active else ""
        out.append(Header(label, with_query(path, keep + [("sort", target)]), arrow, is_numeric(f)))
    return out


def rows(app: str, form: CompiledForm, columns: list[FieldDef], page, lang: str, *, link: bool = True) -> list[Row]:
    out = []
    for values, item in zip(page.rows, page.items):
        cells = [cell(app, f, values.get(f.name), item.get(f.name), lang) for f in columns]
        href = form_href(app, form.name, values["id"]) if link else None
        out.append(Row(values["id"], href, cells, {"deleted_at": values.get("deleted_at")}))
    return out


def filter_controls(form: CompiledForm, columns: list[FieldDef], params: list[tuple[str, str]], lang: str,
                    access: FormAccess) -> list[FilterControl]:
    given = dict(params)
    out = []
    for f in columns:
        if shows(access, form, f.name) != "full":
            continue
        if f.type == "select":
            options = [(o.value, o.label.text(lang)) for o in f.options]
            out.append(FilterControl("select", f.name, f.label.text(lang), options, given.get(f.name, "")))
        elif f.type == "date":
            out.append(FilterControl("date", f.name, f.label.text(lang), value=given.get(f"{f.name}__gte", ""),
                                     value_to=given.get(f"{f.name}__lte", "")))
    return out


def control_names(controls: list[FilterControl]) -> set[str]:
    names = set()
    for c in controls:
        names |= {c.name} if c.kind == "select" else {f"{c.name}__gte", f"{c.name}__lte"}
    return names


def other_filters(params: list[tuple[str, str]], shown: set[str]) -> list[tuple[str, str]]:
    """Filters in the URL that the filter bar has no control for (e.g. customer=12 from a related list)."""
    return [(k, v) for k, v in params if k not in CONTROL and k not in shown]


def chips(path: str, params: list[tuple[str, str]], extra: list[tuple[str, str]], form: CompiledForm,
          displays: dict[str, dict], lang: str) -> list[Chip]:
    out = []
    for key, value in extra:
        name, _, op = key.partition("__")
        f = form.fields.get(name)
        label = f.label.text(lang) if f else name
        shown = displays.get(name, {}).get(int(value)) if value.isdigit() and name in displays else None
        if f is not None and f.type == "select":
            shown = next((o.label.text(lang) for o in f.options if o.value == value), None)
        sign = {"": "：", "eq": "：", "ne": " ≠ ", "gt": " > ", "gte": " ≥ ", "lt": " < ", "lte": " ≤ "}.get(op, f" {op} ")
        rest = [(k, v) for k, v in params if (k, v) != (key, value) and k not in ("offset", "cursor")]
        out.append(Chip(f"{label}{sign}{shown or value}", with_query(path, rest)))
    return out


@dataclass
class Pager:
    total_text: str
    pages: list[tuple[int | None, str | None, bool]]  # (number or None for a gap, href, current)
    prev: str | None
    next: str | None
    first: str | None


def pager(path: str, params: list[tuple[str, str]], page, lang: str) -> Pager:
    keep = [(k, v) for k, v in params if k not in ("offset", "cursor")]
    given = dict(params)
    total_text = translate("共 {n} 条" if page.total_exact else "共 {n}+ 条", lang, n=page.total)
    if given.get("cursor"):
        nxt = with_query(path, keep + [("cursor", page.next)]) if page.next else None
        return Pager(total_text, [], None, nxt, with_query(path, keep))
    offset = int(given.get("offset") or 0)
    current = offset // PAGE_SIZE + 1
    last = -(-page.total // PAGE_SIZE) if page.total_exact else None
    numbered_last = min(last or current + 2, OFFSET_LIMIT // PAGE_SIZE)
    wanted = {1, current - 2, current - 1, current, current + 1, current + 2}
    if last:
        wanted.add(last)
    numbers = sorted(n for n in wanted if 1 <= n <= max(numbered_last, 1) and (last is None or n <= last))
    pages: list[tuple[int | None, str | None, bool]] = []
    for i, n in enumerate(numbers):
        if i and n - numbers[i - 1] > 1:
            pages.append((None, None, False))
        pages.append((n, with_query(path, keep + [("offset", str((n - 1) * PAGE_SIZE))] if n > 1 else keep), n == current))
    prev = None
    if offset > 0:
        back = max(offset - PAGE_SIZE, 0)
        prev = with_query(path, keep + ([("offset", str(back))] if back else []))
    nxt = None
    if page.next:
        ahead = offset + PAGE_SIZE
        nxt = with_query(path, keep + ([("offset", str(ahead))] if ahead < OFFSET_LIMIT else [("cursor", page.next)]))
    if len(pages) <= 1:
        pages = []
    return Pager(total_text, pages, prev, nxt, None)
