"""List queries: filters, sort, keyword search and projection, parsed from request parameters."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, or_, true

from form_engine.compiler import CompiledForm
from form_engine.definitions import FieldDef
from form_engine.errors import BadQuery
from form_engine.fieldtypes import field_type
from form_engine.identifiers import did_you_mean
from form_engine.messages import FieldInvalid, message

OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "contains", "starts_with", "is_empty", "between")
CONTROL = {"q", "sort", "limit", "cursor", "offset", "fields", "deleted", "lang", "page"}
SYSTEM_FILTERS = {
    "id": "integer", "owner_id": "user", "created_by": "user", "department_id": "department",
    "created_at": "datetime", "updated_at": "datetime", "version": "integer",
}
NOT_NULL = {"id", "created_at", "updated_at", "version"}


@dataclass(frozen=True)
class Filter:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class ListQuery:
    filters: tuple[Filter, ...] = ()
    sort: tuple[tuple[str, bool], ...] = ()  # (name, descending)
    search: str | None = None
    fields: tuple[str, ...] | None = None
    limit: int = 20
    cursor: str | None = None
    offset: int = 0
    deleted: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: list[tuple[str, str]], form: CompiledForm) -> "ListQuery":
        """Parse `field=value`, `field__op=value`, `q`, `sort=-a,b`, `limit`, `cursor`, `offset`, `fields`."""
        filters, control = [], {}
        for key, value in params:
            if key in CONTROL:
                control[key] = value
                continue
            name, _, op = key.partition("__")
            op = op or "eq"
            if op not in OPS:
                raise BadQuery(f"不支持的筛选方式“{op}”", suggestion=did_you_mean(op, OPS))
            filters.append(Filter(name, op, value))
        return cls(
            filters=tuple(filters),
            sort=parse_sort(control.get("sort") or form.form.default_sort),
            search=(control.get("q") or "").strip() or None,
            fields=tuple(x for x in control["fields"].split(",") if x) if control.get("fields") else None,
            limit=_int(control.get("limit"), 20, 1, 500, "limit"),
            cursor=control.get("cursor") or None,
            offset=_int(control.get("offset"), 0, 0, 10**9, "offset"),
            deleted=control.get("deleted") in ("1", "true", "yes"),
        )


def _int(text, default, low, high, name) -> int:
    if text in (None, ""):
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadQuery(f"参数 {name} 应为整数") from None
    if not low <= value <= high:
        raise BadQuery(f"参数 {name} 应在 {low} 到 {high} 之间")
    return value


def parse_sort(text: str) -> tuple[tuple[str, bool], ...]:
    out = []
    for part in text.split(","):
        part = part.strip()
        if part:
            out.append((part.lstrip("-"), part.startswith("-")))
    return tuple(out)


def resolve(form: CompiledForm, name: str) -> tuple[FieldDef | None, Any]:
    """The field definition (None for system columns) and column for a filter or sort name."""
    table = form.tables.main
    f = form.fields.get(name)
    if f is not None and field_type(f.type).stored:
        return f, table.c[f.col]
    if name in SYSTEM_FILTERS:
        return None, table.c[name]
    known = [n for n, d in form.fields.items() if field_type(d.type).stored] + list(SYSTEM_FILTERS)
    raise BadQuery(f"表单中没有可用于查询的字段“{name}”", suggestion=did_you_mean(name, known))


def _system_def(name: str) -> FieldDef:
    return FieldDef(name=name, type=SYSTEM_FILTERS[name], label={"zh-CN": name})


def condition(form: CompiledForm, flt: Filter, lang: str = "zh-CN"):
    """The SQL condition of one filter; the value is coerced by the field's own type."""
    f, col = resolve(form, flt.field)
    fdef = f or _system_def(flt.field)
    ft = field_type(fdef.type)
    if flt.op not in ft.filter_ops and not (flt.op in ("contains", "starts_with") and "contains" in ft.filter_ops):
        raise BadQuery(f"字段“{flt.field}”不支持筛选方式“{flt.op}”")

    def val(raw):
        try:
            value = ft.filter_value(raw, fdef)
            if isinstance(value, datetime) and value.tzinfo is not None:  # stored as app wall time
                value = value.astimezone(form.tz).replace(tzinfo=None)
            return value
        except FieldInvalid as exc:
            raise BadQuery(f"筛选值无效（{flt.field}）：{message(exc.code, lang, **exc.params)}") from None

    op, raw = flt.op, flt.value
    if op == "is_empty":
        empty = col.is_(None) if fdef.type not in ("text", "textarea") else or_(col.is_(None), col == "")
        return empty if str(raw).lower() in ("1", "true", "yes", "") else ~empty
    if op in ("in", "not_in"):
        items = [val(x) for x in _split(raw)]
        return col.in_(items) if op == "in" else or_(col.not_in(items), col.is_(None))
    if op == "between":
        parts = _split(raw)
        if len(parts) != 2:
            raise BadQuery(f"“between”需要两个值，用逗号分隔（{flt.field}）")
        low, high = val(parts[0]), val(parts[1])
        if isinstance(low, datetime) and isinstance(high, datetime) and high.time() == datetime.min.time() and "T" not in parts[1] and ":" not in parts[1]:
            high = high.replace(hour=23, minute=59, second=59)
        return col.between(low, high)
    if op == "contains":
        if fdef.type == "multiselect":
            return col.contains(f'"{val(raw)}"', autoescape=True)
        return col.icontains(str(raw), autoescape=True)
    if op == "starts_with":
        return col.istartswith(str(raw), autoescape=True)
    value = val(raw)
    if value is None:
        return col.is_(None) if op == "eq" else col.isnot(None)
    return {"eq": col == value, "ne": or_(col != value, col.is_(None)), "gt": col > value,
            "gte": col >= value, "lt": col < value, "lte": col <= value}[op]


def _split(raw) -> list[str]:
    return [x.strip() for x in str(raw).replace("，", ",").split(",") if x.strip()]


def search_condition(form: CompiledForm, text: str, may_use=lambda name: True):
    """Every word in some searchable field the viewer sees in full (a hidden or masked field is never searched)."""
    cols = []
    for f in form.stored_fields():
        ft = field_type(f.type)
        if (f.searchable if f.searchable is not None else ft.searchable) and may_use(f.name):
            cols.append(form.tables.main.c[f.col])
    if not cols:
        return false()
    terms = [t for t in text.split() if t][:5]
    return and_(*(or_(*(c.icontains(t, autoescape=True) for c in cols)) for t in terms)) if terms else true()
