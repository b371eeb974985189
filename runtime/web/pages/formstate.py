"""A record form's state as posted strings: read from a post or query, made from stored values.

The record service takes these lists of strings as they are (`from_form=True`); a subform is a
list of row dicts whose values are lists of strings too, plus the row's `id` as an int.
"""
from __future__ import annotations

from typing import Any

from form_engine.compiler import CompiledForm
from form_engine.definitions import FieldDef
from form_engine.fieldtypes import field_type

RESERVED = frozenset({"csrf_token", "version"})


def writable(f: FieldDef) -> bool:
    return field_type(f.type).writable


def parse_post(form: CompiledForm, items) -> dict[str, Any]:
    """The data dict for create_record/update_record out of (name, value) pairs of a post.

    A subform is present when its marker input (its own name) or any of its cells is posted, so a
    record whose last row was removed sends an empty list.
    """
    data: dict[str, Any] = {}
    rows: dict[str, dict[int, dict]] = {}
    subforms = {f.name: f for f in form.subforms()}
    for key, value in items:
        if not isinstance(value, str) or key in RESERVED:
            continue
        if key in subforms:
            rows.setdefault(key, {})
            continue
        head, _, rest = key.partition(".")
        if head in subforms:
            index, _, col = rest.partition(".")
            cols = {c.name for c in subforms[head].fields if writable(c)} | {"id"}
            if index.isdigit() and col in cols:
                rows.setdefault(head, {}).setdefault(int(index), {}).setdefault(col, []).append(value)
            continue
        f = form.fields.get(key)
        if f is not None and writable(f) and f.type != "subform":
            data.setdefault(key, []).append(value)
    for name, by_index in rows.items():
        data[name] = [_row(by_index[i]) for i in sorted(by_index)]
    return data


def _row(raw: dict[str, list[str]]) -> dict[str, Any]:
    row: dict[str, Any] = {k: v for k, v in raw.items() if k != "id"}
    ids = [x for x in raw.get("id", []) if x.strip().isdigit()]
    if ids:
        row["id"] = int(ids[-1])
    return row


def strings(value: Any) -> list[str]:
    """A form_value (text, or a list for multi-valued types) as the list of strings a post would send."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(x.get("id")) if isinstance(x, dict) else str(x) for x in value]
    return [str(value)]


def from_values(form: CompiledForm, values: dict[str, Any]) -> dict[str, Any]:
    """The form state of stored (or default) Python values."""
    raw: dict[str, Any] = {}
    for f in form.form.fields:
        if not writable(f) or f.name not in values:
            continue
        if f.type == "subform":
            raw[f.name] = [row_from_values(f, row) for row in values.get(f.name) or []]
        else:
            raw[f.name] = strings(form.types[f.name].form_value(values[f.name], f))
    return raw


def row_from_values(sub: FieldDef, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {c.name: strings(field_type(c.type).form_value(row.get(c.name), c))
                           for c in sub.fields if writable(c) and c.name in row}
    if isinstance(row.get("id"), int):
        out["id"] = row["id"]
    return out


def row_defaults(sub: FieldDef) -> dict[str, Any]:
    """A new line item: the literal defaults of its fields."""
    values = {c.name: field_type(c.type).coerce(c.default, c) for c in sub.fields if c.default is not None}
    return row_from_values(sub, values)


def from_query(form: CompiledForm, items) -> dict[str, list[str]]:
    """Prefill for a new record from the URL (?customer=12), writable top-level fields only."""
    out: dict[str, list[str]] = {}
    for key, value in items:
        f = form.fields.get(key)
        if f is not None and writable(f) and f.type != "subform" and value != "":
            out.setdefault(key, []).append(value)
    return out


def coerced(form: CompiledForm, raw: dict[str, Any], lang: str) -> dict[str, Any]:
    """Python values of the fields that are valid now; used to decide visibility, problems ignored."""
    values, _problems = form.inputs.validate(raw, lang=lang, from_form=True)
    return values
