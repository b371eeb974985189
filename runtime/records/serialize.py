"""Rows to Python values and Python values to the JSON a record is answered with."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from form_engine.compiler import CompiledForm
from form_engine.definitions import FieldDef
from form_engine.fieldtypes import FieldType, field_type

SYSTEM_OUT = ("id", "version", "created_at", "updated_at", "created_by", "owner_id", "department_id", "flow_status")
LINKS = ("relation", "user", "department")


def row_values(form: CompiledForm, row: Row | dict, fields: list[FieldDef] | None = None) -> dict[str, Any]:
    """A table row as {field name: Python value} plus the system columns present."""
    m = row._mapping if isinstance(row, Row) else row
    out = {k: m[k] for k in SYSTEM_OUT if k in m}
    if "deleted_at" in m:
        out["deleted_at"] = m["deleted_at"]
    for f in fields if fields is not None else form.stored_fields():
        if f.col in m:
            out[f.name] = form.types[f.name].from_db(m[f.col], f)
    return out


def child_values(f: FieldDef, row) -> dict[str, Any]:
    m = row._mapping
    out = {"id": m["id"]}
    for c in f.fields:
        out[c.name] = field_type(c.type).from_db(m[c.col], c)
    return out


def to_db_values(fields: list[FieldDef] | tuple[FieldDef, ...], values: dict) -> dict[str, Any]:
    """{column: database value} for the fields present in `values`."""
    return {f.col: field_type(f.type).to_db(values[f.name], f) for f in fields
            if f.name in values and field_type(f.type).stored}


def _time(value):
    return None if value is None else value.isoformat(timespec="seconds")


def record_json(form: CompiledForm, values: dict, displays: dict[str, dict[int, str]],
                fields: list[FieldDef] | None = None) -> dict[str, Any]:
    """The API shape of a whole record (its `fields`, default all): the list-row shape plus subform rows."""
    fields = list(form.form.fields) if fields is None else fields
    out = page_plan(form, [f for f in fields if f.type != "subform"]).json(values, displays)  # values come viewed
    for f in fields:
        if f.type == "subform":
            out[f.name] = value_json(f, values.get(f.name), displays.get(f.name))
    return out


def value_json(f: FieldDef, value: Any, display: dict[int, str] | None) -> Any:
    if f.type in LINKS:
        return _link(value, display)
    if f.type == "subform":
        return [{"id": r.get("id"), **{c.name: value_json(c, r.get(c.name), (display or {}).get(c.name))
                                       for c in f.fields}} for r in value or []]
    return field_type(f.type).to_json(value, f)


def _link(value, display):
    if value is None:
        return None
    return {"id": value, "display": (display or {}).get(value, "")}


class PagePlan:
    """How to turn page rows into values and JSON, built once per form version and projection.

    A list page converts 50 rows × every field; doing the per-field decisions once instead of
    per cell is most of what separates a list request from the raw SQL it runs.
    """

    SYSTEM = ("id", "version", "created_at", "updated_at", "created_by", "owner_id", "department_id",
              "flow_status", "deleted_at")

    def __init__(self, form: CompiledForm, fields: list[FieldDef], masked: frozenset[str] = frozenset()):
        self.fields = [f for f in fields if field_type(f.type).stored]
        self.columns = list(self.SYSTEM) + [f.col for f in self.fields]
        self.names = list(self.SYSTEM) + [f.name for f in self.fields]
        self.readers = [None] * len(self.SYSTEM) + [
            _masker(form, f) if f.name in masked else _bound(field_type(f.type), "from_db", f) for f in self.fields]
        self.writers = []
        for f in self.fields:
            if f.type in LINKS:
                self.writers.append((f.name, "link", None))
            else:
                self.writers.append((f.name, "value", _bound(field_type(f.type), "to_json", f)))

    def values(self, row) -> dict[str, Any]:
        return {name: (read(v) if read is not None and v is not None else v)
                for name, read, v in zip(self.names, self.readers, row)}

    def json(self, values: dict, displays: dict[str, dict[int, str]]) -> dict[str, Any]:
        """The API shape: system keys, then fields; links as {"id", "display"}."""
        get = values.get
        out: dict[str, Any] = {"id": values["id"], "version": get("version"),
                               "created_at": _time(get("created_at")), "updated_at": _time(get("updated_at"))}
        for key in ("created_by", "owner_id", "department_id"):
            out[key] = _link(get(key), displays.get(key))
        out["flow_status"] = get("flow_status")
        if get("deleted_at") is not None:
            out["deleted_at"] = _time(values["deleted_at"])
        for name, kind, write in self.writers:
            value = get(name)
            if kind == "link":
                out[name] = _link(value, displays.get(name))
            else:
                out[name] = write(value) if write is not None and value is not None else value
        return out


def _bound(ft, method: str, f: FieldDef):
    """`ft.method(value, f)`, or None where the type keeps the base class's identity method."""
    if getattr(type(ft), method) is getattr(FieldType, method):
        return None
    bound = getattr(ft, method)
    return lambda value: bound(value, f)


def _masker(form: CompiledForm, f: FieldDef):
    """Read a column straight into its masked form: the full value never reaches the page."""
    from .rights import mask
    read = _bound(field_type(f.type), "from_db", f)
    return lambda value: mask(form, f.name, read(value) if read is not None else value)


def page_plan(form: CompiledForm, fields: list[FieldDef], masked: frozenset[str] = frozenset()) -> PagePlan:
    key = (tuple(f.name for f in fields), masked)
    plan = form.plans.get(key)
    if plan is None:
        plan = form.plans[key] = PagePlan(form, fields, masked)
    return plan
