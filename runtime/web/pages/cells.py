"""How one stored value looks on a page: text, a link to a record, coloured tags, files, numbers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from form_engine.definitions import FieldDef
from form_engine.fieldtypes import field_type

from .nav import form_href

NUMERIC = ("integer", "decimal", "percent")


@dataclass
class Tag:
    label: str
    color: str | None


@dataclass
class FileLink:
    name: str
    href: str
    size: str


@dataclass
class Cell:
    text: str = ""
    href: str | None = None
    tags: list[Tag] = field(default_factory=list)
    files: list[FileLink] = field(default_factory=list)
    num: bool = False
    external: bool = False


def is_numeric(f: FieldDef) -> bool:
    return f.type in NUMERIC or (f.type == "formula" and f.result_type in NUMERIC)


def file_size(size: int | None) -> str:
    if not size:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1048576:.1f} MB"


def _option(f: FieldDef, value: str, lang: str) -> Tag:
    for option in f.options:
        if option.value == value:
            return Tag(option.label.text(lang), option.color)
    return Tag(str(value), None)


def cell(app: str, f: FieldDef, value: Any, shown: Any, lang: str) -> Cell:
    """One value as a cell; `shown` is its API form (links carry {"id", "display"} there)."""
    numeric = is_numeric(f)
    if value is None or value == "" or value == []:
        return Cell(num=numeric)
    kind = f.result_type if f.type == "formula" and f.result_type in ("select", "multiselect") else f.type
    if kind == "select":
        return Cell(tags=[_option(f, value, lang)])
    if kind == "multiselect":
        return Cell(tags=[_option(f, v, lang) for v in value])
    if f.type in ("relation", "user", "department"):
        text = (shown or {}).get("display") if isinstance(shown, dict) else None
        text = text or f"#{value}"
        href = form_href(app, f.target, value) if f.type == "relation" and f.target else None
        return Cell(text=text, href=href)
    if f.type == "attachment":
        return Cell(files=[FileLink(x.get("name", ""), f"/files/{x.get('id')}", file_size(x.get("size")))
                           for x in value if isinstance(x, dict)])
    if f.type == "url":
        safe = str(value).lower().startswith(("http://", "https://"))
        return Cell(text=str(value), href=str(value) if safe else None, external=safe)
    return Cell(text=field_type(f.type).display(value, f, lang), num=numeric)
