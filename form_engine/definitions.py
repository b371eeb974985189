"""The typed form of app, form and field definitions (frozen pydantic models named *Def).

The JSON meta-schema in `schema/` says the same thing for users and tools; `bundle.py`
checks a definition against both and adds the checks that need the whole app.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
Lang = Literal["zh-CN", "en"]


class Def(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class LabelDef(Def):
    """Text shown to users, in Chinese and optionally English."""

    zh: str = Field(alias="zh-CN", min_length=1)
    en: str | None = None

    def text(self, lang: str = "zh-CN") -> str:
        return self.en if lang == "en" and self.en else self.zh

    def as_json(self) -> dict:
        return self.model_dump(by_alias=True, exclude_none=True)


class OptionDef(Def):
    value: str
    label: LabelDef
    color: str | None = None


class FieldDef(Def):
    """One field of a form. `column` is fixed when the field is first created."""

    name: str
    type: str
    label: LabelDef
    column: str | None = None
    required: bool = False
    unique: bool = False
    default: Any = None
    default_expression: str | None = None
    min: float | None = None
    max: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    pattern_message: LabelDef | None = None
    options: tuple[OptionDef, ...] = ()
    visible_when: str | None = None
    readonly_when: str | None = None
    help: LabelDef | None = None
    placeholder: LabelDef | None = None
    precision: int | None = None
    scale: int | None = None
    # relation
    target: str | None = None
    display_field: str | None = None
    # subform
    fields: tuple[FieldDef, ...] = ()
    # attachment
    max_size_mb: float | None = None
    accept: tuple[str, ...] = ()
    multiple: bool = False
    # auto_number
    number_pattern: str | None = None
    # formula
    expression: str | None = None
    result_type: str | None = None
    # list presentation
    in_list: bool = False
    searchable: bool | None = None

    def label_text(self, lang: str = "zh-CN") -> str:
        return self.label.text(lang)

    @property
    def col(self) -> str:
        return self.column or self.name


class ValidationRuleDef(Def):
    """A form-level check: when `expression` is false the record is refused with `message`."""

    expression: str
    message: LabelDef
    field: str | None = None


class IndexDef(Def):
    fields: tuple[str, ...] = Field(min_length=1)
    unique: bool = False


class SectionDef(Def):
    title: LabelDef | None = None
    columns: int = Field(default=2, ge=1, le=4)
    fields: tuple[str, ...]


class LayoutDef(Def):
    sections: tuple[SectionDef, ...] = ()


class ArchivedFieldDef(Def):
    """A field removed or converted by a publish: its column and data stay, hidden, restorable."""

    field: FieldDef
    subform: str | None = None  # column of the subform holding it; None for the form's own fields
    reason: Literal["removed", "converted"]
    version: int = Field(ge=1)  # the form version that archived it
    at: str  # when (ISO 8601)


class FormDef(Def):
    """A user-defined record type: becomes one table (plus child tables for subforms)."""

    schema_version: int = SCHEMA_VERSION
    name: str
    label: LabelDef
    table: str | None = None
    icon: str | None = None
    title_field: str | None = None
    fields: tuple[FieldDef, ...]
    rules: tuple[ValidationRuleDef, ...] = ()
    indexes: tuple[IndexDef, ...] = ()
    layout: LayoutDef | None = None
    default_sort: str = "-updated_at"
    archived: tuple[ArchivedFieldDef, ...] = ()

    def field(self, name: str) -> FieldDef:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def field_map(self) -> dict[str, FieldDef]:
        return {f.name: f for f in self.fields}


class MenuItemDef(Def):
    form: str
    group: LabelDef | None = None


Action = Literal["create", "read", "update", "delete", "export", "import", "transfer"]
Scope = Literal["own", "department", "department_tree", "all"]
FieldAccess = Literal["hidden", "readonly", "masked"]
ACTIONS: tuple[str, ...] = Action.__args__
SCOPES: tuple[str, ...] = Scope.__args__


class FormPermissionDef(Def):
    """What a role may do with one form: actions, the records it reaches, limits per field."""

    form: str
    actions: tuple[Action, ...] = ()
    read_scope: Scope = "own"
    write_scope: Scope = "own"
    fields: dict[str, FieldAccess] = Field(default_factory=dict)


class RoleDef(Def):
    """A role of the app; users get roles, and a user with several roles gets their union."""

    name: str
    label: LabelDef
    description: LabelDef | None = None
    all_forms: bool = False  # every action on every form, every record, every field
    permissions: tuple[FormPermissionDef, ...] = ()


class AppDef(Def):
    """An app bundle: its forms (and later flows, rules, reports), as exported and imported."""

    schema_version: int = SCHEMA_VERSION
    name: str
    label: LabelDef
    icon: str | None = Field(default=None, max_length=8)
    color: str | None = Field(default=None, pattern=r"^#[0-9a-fA-F]{6}$")
    description: LabelDef | None = None
    forms: tuple[FormDef, ...]
    menu: tuple[MenuItemDef, ...] = ()
    roles: tuple[RoleDef, ...] = ()
    # Approval flows in flow_engine's format, kept as JSON here (form_engine imports no other
    # engine); the runtime checks them with flow_engine whenever the app is published.
    flows: tuple[dict[str, Any], ...] = ()
    demo: dict[str, Any] | None = None

    def form(self, name: str) -> FormDef:
        for f in self.forms:
            if f.name == name:
                return f
        raise KeyError(name)
