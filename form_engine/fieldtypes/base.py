"""What every field type declares: SQL type, coercion, checks, JSON and display format, widget."""
from __future__ import annotations

import json
from typing import Any, ClassVar

from sqlalchemy import Text
from sqlalchemy.types import TypeEngine

from ..definitions import FieldDef
from ..messages import FieldInvalid

EMPTY = (None, "", [], ())


class FieldType:
    """Base of all field types; subclasses override what differs. Instances are stateless."""

    name: ClassVar[str]
    widget: ClassVar[str] = "text"
    json_type: ClassVar[dict] = {"type": "string"}
    searchable: ClassVar[bool] = False  # included in keyword search
    sortable: ClassVar[bool] = True
    writable: ClassVar[bool] = True  # users may send a value (False for computed types)
    stored: ClassVar[bool] = True  # has a column in the form's own table
    filter_ops: ClassVar[frozenset[str]] = frozenset(
        {"eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "is_empty", "between"})

    def sql_type(self, field: FieldDef) -> TypeEngine:
        raise NotImplementedError

    def coerce(self, value: Any, field: FieldDef) -> Any:
        """From a JSON value to the Python value stored; raise FieldInvalid."""
        return value

    def coerce_form(self, raw: list[str], field: FieldDef) -> Any:
        """From the strings of an HTML form post."""
        value = raw[-1].strip() if raw else ""
        return self.coerce(value if value != "" else None, field)

    def coerce_cell(self, value: Any, field: FieldDef) -> Any:
        """From an Excel cell (openpyxl value)."""
        # Spreadsheets hold every number as a float: 13812345678.0 is a phone, 1.0 a "yes".
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return self.coerce(value, field)

    def check(self, value: Any, field: FieldDef) -> None:
        """Constraints on a coerced, non-empty value (min/max, options...)."""

    def to_db(self, value: Any, field: FieldDef) -> Any:
        return value

    def from_db(self, value: Any, field: FieldDef) -> Any:
        return value

    def to_json(self, value: Any, field: FieldDef) -> Any:
        return value

    def display(self, value: Any, field: FieldDef, lang: str = "zh-CN") -> str:
        return "" if value is None else str(value)

    def json_schema(self, field: FieldDef) -> dict:
        return dict(self.json_type)

    def mask(self, value: Any, field: FieldDef) -> str | None:
        """What a viewer allowed only a masked value sees: enough to recognise, never the whole."""
        if value is None:
            return None
        return mask_middle(self.display(value, field), keep_start=1, keep_end=1)

    def form_value(self, value: Any, field: FieldDef) -> str:
        """The value as it goes back into an HTML input."""
        return "" if value is None else str(self.to_json(value, field))

    def filter_value(self, value: Any, field: FieldDef) -> Any:
        """A value a list filter compares with (same coercion as input)."""
        return self.to_db(self.coerce(value, field), field)


def mask_middle(text: str, *, keep_start: int, keep_end: int, stars: int | None = None) -> str:
    """`text` with its middle replaced by *; short texts keep less, so at least a third is hidden."""
    if not text:
        return text
    while len(text) - keep_start - keep_end < max(1, len(text) // 3) and (keep_start or keep_end):
        if keep_start >= keep_end and keep_start:
            keep_start -= 1
        else:
            keep_end -= 1
    hidden = len(text) - keep_start - keep_end
    return text[:keep_start] + "*" * (stars or hidden) + (text[len(text) - keep_end:] if keep_end else "")


def text_of(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise FieldInvalid("text")


def check_length(value: str, field: FieldDef, default_max: int | None) -> None:
    if field.min_length is not None and len(value) < field.min_length:
        raise FieldInvalid("min_length", min_length=field.min_length)
    limit = field.max_length or default_max
    if limit is not None and len(value) > limit:
        raise FieldInvalid("max_length", max_length=limit)


class JsonListType(FieldType):
    """A field whose value is a list, stored as JSON text (multiselect, attachment)."""

    sortable = False

    def sql_type(self, field: FieldDef) -> TypeEngine:
        return Text()

    def coerce_form(self, raw: list[str], field: FieldDef) -> Any:
        return self.coerce([r for r in raw if r.strip()], field)

    def to_db(self, value: Any, field: FieldDef) -> Any:
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def from_db(self, value: Any, field: FieldDef) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    def form_value(self, value: Any, field: FieldDef) -> Any:
        return value or []
