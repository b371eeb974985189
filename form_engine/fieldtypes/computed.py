"""Computed field types: auto numbers (gap-free sequences) and formulas (evaluated on save)."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import String

from .base import FieldType
from .registry import FIELD_TYPES, register

_TOKEN = re.compile(r"\{(YYYY|YY|MM|DD|seq(?::(\d+))?)\}")


def number_period(pattern: str, today: date) -> str:
    """The part of the pattern before the sequence, filled in; each distinct value restarts at 1."""
    return _TOKEN.sub(lambda m: "" if m.group(1).startswith("seq") else _date_token(m.group(1), today), pattern)


def format_number(pattern: str, today: date, seq: int) -> str:
    def fill(m):
        if m.group(1).startswith("seq"):
            return str(seq).zfill(int(m.group(2) or 1))
        return _date_token(m.group(1), today)
    return _TOKEN.sub(fill, pattern)


def _date_token(token: str, today: date) -> str:
    return {"YYYY": f"{today.year:04d}", "YY": f"{today.year % 100:02d}",
            "MM": f"{today.month:02d}", "DD": f"{today.day:02d}"}[token]


def pattern_problem(pattern: str) -> str | None:
    if len(_TOKEN.findall(pattern)) == 0 or "{seq" not in pattern:
        return "编号规则中必须包含流水号，如 {seq:4}"
    leftover = _TOKEN.sub("", pattern)
    if "{" in leftover or "}" in leftover:
        return "编号规则中有不认识的占位符；可用 {YYYY} {YY} {MM} {DD} {seq:N}"
    return None


@register
class AutoNumberType(FieldType):
    name = "auto_number"
    writable = False
    searchable = True
    filter_ops = frozenset({"eq", "ne", "in", "contains", "starts_with", "is_empty"})

    def sql_type(self, field):
        return String(64)


@register
class FormulaType(FieldType):
    """A value computed from `expression`; stored and typed like its `result_type`."""

    name = "formula"
    writable = False

    def result(self, field) -> FieldType:
        return FIELD_TYPES[field.result_type or "text"]

    def sql_type(self, field):
        return self.result(field).sql_type(field)

    def coerce(self, value, field):
        return self.result(field).coerce(value, field)

    def from_db(self, value, field):
        return self.result(field).from_db(value, field)

    def to_db(self, value, field):
        return self.result(field).to_db(value, field)

    def to_json(self, value, field):
        return self.result(field).to_json(value, field)

    def display(self, value, field, lang="zh-CN"):
        return self.result(field).display(value, field, lang)

    def json_schema(self, field):
        return self.result(field).json_schema(field)

    def filter_value(self, value, field):
        return self.result(field).filter_value(value, field)
