"""Rows to Python values and Python values to the JSON a record is answered with."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from form_engine.compiler import CompiledForm
from form_engine.definitions import FieldDef
from form_engine.fieldtypes import field_type

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
    """The API shape of a record: system keys, then fields; links as {"id", "display"}."""
    out: dict[str, Any] = {"id": values["id"], "version": values.get("version")}
    for key in ("created_at", "updated_at"):
        if key in values:
            out[key] = _time(values[key])
    for key in ("created_by", "owner_id", "department_id"):
        if key in values:
            out[key] = _link(values[key], displays.get(key))
    if "flow_status" in values:
        out["flow_status"] = values["flow_status"]
    if values.get("deleted_at") is not None:
        out["deleted_at"] = _time(values["deleted_at"])
    for f in fields if fields is not None else form.form.fields:
        if f.name not in values:
            continue
        out[f.name] = value_json(f, values[f.name], displays.get(f.name))
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
