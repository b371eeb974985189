"""The inputs of a record form: one FieldView per field, built from the form state.

Everything a template needs is decided here (visibility, read-only, errors, options, picker
text), so templates only lay out what they are given and the browser runs no form logic.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from form_engine.compiler import CompiledForm
from form_engine.definitions import FieldDef
from form_engine.fieldtypes import field_type

from ...access import FormAccess
from ...records.rights import shows

from . import layout
from .cells import file_size, is_numeric
from .i18n import translate
from .nav import form_href

TRUE = ("true", "1", "on", "yes")


@dataclass
class Option:
    value: str
    label: str
    color: str | None
    selected: bool


@dataclass
class FileChip:
    id: str
    name: str
    size: str


@dataclass
class FieldView:
    name: str
    id: str
    label: str
    widget: str
    values: list[str] = field(default_factory=list)
    required: bool = False
    help: str = ""
    placeholder: str = ""
    errors: list[str] = field(default_factory=list)
    computed: str | None = None
    readonly_text: str | None = None
    options: list[Option] = field(default_factory=list)
    step: str | None = None
    display: str = ""
    pick_url: str = ""
    files: list[FileChip] = field(default_factory=list)
    upload_url: str = ""
    accept: str = ""
    multiple: bool = False
    refresh_url: str | None = None
    wide: bool = False
    num: bool = False
    hide_label: bool = False
    # subform
    columns: list[tuple[str, bool, bool]] = field(default_factory=list)  # label, required, numeric
    rows: list["RowView"] = field(default_factory=list)
    add_url: str = ""

    @property
    def value(self) -> str:
        return self.values[-1] if self.values else ""

    @property
    def checked(self) -> bool:
        return self.value.strip().lower() in TRUE


@dataclass
class RowView:
    index: int
    id: int | None
    cells: list[FieldView]
    errors: list[str] = field(default_factory=list)


@dataclass
class SectionView:
    title: str | None
    columns: int
    fields: list[FieldView]


@dataclass
class FormInputs:
    """What the widgets of one form render from."""

    app: str
    form: CompiledForm
    lang: str
    raw: dict[str, Any]
    values: dict[str, Any]  # coerced input over stored/default values: visibility and read-only
    stored: dict[str, Any] | None = None  # the record as saved (edit), for computed fields
    errors: dict[str, list[str]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # "customer" / "items.0.product" -> display text
    files: dict[str, dict] = field(default_factory=dict)
    record_id: int | None = None
    access: FormAccess | None = None  # the viewer's rights: hidden fields are left out, others read-only

    def shows(self, name: str) -> bool:
        return self.access is None or shows(self.access, self.form, name) is not None

    def may_write(self, name: str) -> bool:
        return self.access is None or self.access.everything or name in self.access.writable

    def url(self, *parts) -> str:
        return form_href(self.app, self.form.name, *parts)


def dom_id(name: str) -> str:
    return "f-" + name.replace(".", "-")


def refresh_names(form: CompiledForm) -> set[str]:
    """Fields whose value decides another field's visibility or read-only state."""
    names: set[str] = set()
    for expr in [*form.visible.values(), *form.readonly.values()]:
        names |= set(expr.names)
    return names


def sections(fi: FormInputs) -> list[SectionView]:
    triggers = refresh_names(fi.form)
    refresh = fi.url("_form") + (f"?id={fi.record_id}" if fi.record_id else "")
    out = []
    for spec in layout.sections(fi.form, fi.lang, default_title=translate("基本信息", fi.lang)):
        views = []
        for name in spec.fields:
            if not fi.shows(name) or not fi.form.is_visible(name, fi.values):
                continue
            fv = field_view(fi, fi.form.fields[name], name, fi.raw.get(name, []))
            fv.wide = layout.is_wide(fi.form, name)
            fv.hide_label = fv.widget == "subform" and fv.label == spec.title
            if name in triggers and fv.widget not in ("computed", "readonly"):
                fv.refresh_url = refresh
            views.append(fv)
        if views:
            out.append(SectionView(spec.title, spec.columns, views))
    return out


def field_view(fi: FormInputs, f: FieldDef, path: str, raw: Any, *, row_stored: dict | None = None) -> FieldView:
    lang = fi.lang
    ft = field_type(f.type)
    fv = FieldView(name=path, id=dom_id(path), label=f.label.text(lang), widget=ft.widget,
                   required=f.required, help=f.help.text(lang) if f.help else "",
                   placeholder=f.placeholder.text(lang) if f.placeholder else "",
                   errors=fi.errors.get(path, []), num=is_numeric(f))
    if not ft.writable:
        fv.widget = "computed"
        fv.computed = _computed_text(fi, f, path, row_stored)
        return fv
    if "." not in path and (not fi.may_write(f.name) or fi.form.is_readonly(f.name, fi.values)):
        fv.widget = "readonly"
        shown = ft.display(fi.values.get(f.name), f, lang) if f.type not in ("relation", "user", "department") \
            else fi.links.get(path, "")
        fv.readonly_text = shown or translate("（空）", lang)
        return fv
    if f.type == "subform":
        return _subform(fi, f, fv, raw)
    fv.values = list(raw or [])
    if fv.widget == "number":
        scale = f.scale if f.scale is not None else (2 if f.type in ("decimal", "percent") else 0)
        fv.step = "1" if f.type == "integer" or scale == 0 else "0." + "0" * (scale - 1) + "1"
    elif fv.widget in ("select", "multiselect"):
        chosen = set(fv.values)
        fv.options = [Option(o.value, o.label.text(lang), o.color, o.value in chosen) for o in f.options]
    elif fv.widget in ("relation", "user", "department"):
        fv.display = fi.links.get(path, "") if fv.value else ""
        fv.pick_url = fi.url("_pick", path)
    elif fv.widget == "attachment":
        fv.files = [FileChip(i, fi.files.get(i, {}).get("name", i), file_size(fi.files.get(i, {}).get("size")))
                    for i in fv.values if i]
        fv.upload_url = fi.url("_upload", path)
        fv.accept = ",".join(f.accept)
        fv.multiple = f.multiple
    return fv


def _computed_text(fi: FormInputs, f: FieldDef, path: str, row_stored: dict | None) -> str:
    source = row_stored if "." in path else fi.stored
    if source is not None and source.get(f.name) is not None:
        return field_type(f.type).display(source[f.name], f, fi.lang)
    if fi.stored is not None and "." not in path:
        return translate("（空）", fi.lang)
    return translate("保存后自动生成" if f.type == "auto_number" else "保存后自动计算", fi.lang)


def _subform(fi: FormInputs, f: FieldDef, fv: FieldView, raw: Any) -> FieldView:
    fv.wide = True
    fv.columns = [(c.label.text(fi.lang), c.required, is_numeric(c)) for c in f.fields]
    stored_rows = {r.get("id"): r for r in (fi.stored or {}).get(f.name) or [] if r.get("id")}
    fv.rows = [row_view(fi, f, i, row, stored_rows.get(row.get("id"))) for i, row in enumerate(raw or [])]
    fv.add_url = fi.url("_row", f.name) + f"?index={len(fv.rows)}"
    fv.errors = fi.errors.get(f.name, [])
    return fv


def row_view(fi: FormInputs, sub: FieldDef, index: int, row: dict, stored: dict | None = None) -> RowView:
    prefix = f"{sub.name}.{index}."
    cells = [field_view(fi, c, prefix + c.name, row.get(c.name, []), row_stored=stored or {}) for c in sub.fields]
    return RowView(index, row.get("id"), cells, fi.errors.get(f"{sub.name}.{index}", []))
