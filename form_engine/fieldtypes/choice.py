"""Choice field types: boolean, select and multiselect."""
from __future__ import annotations

import re

from sqlalchemy import Boolean, String

from ..messages import FieldInvalid
from .base import FieldType, JsonListType
from .registry import register

_TRUE = {"true", "1", "yes", "y", "on", "是", "对", "√", "✓"}
_FALSE = {"false", "0", "no", "n", "off", "否", "不是", "×", ""}


@register
class BooleanType(FieldType):
    name = "boolean"
    widget = "checkbox"
    json_type = {"type": "boolean"}
    filter_ops = frozenset({"eq", "ne", "is_empty"})

    def sql_type(self, field):
        return Boolean()

    def coerce(self, value, field):
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            text = value.strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
        raise FieldInvalid("boolean")

    def coerce_form(self, raw, field):
        # An unchecked checkbox sends nothing; the hidden "0" before it makes that explicit.
        return self.coerce(raw[-1] if raw else False, field)

    def display(self, value, field, lang="zh-CN"):
        if value is None:
            return ""
        return ("是" if value else "否") if lang != "en" else ("Yes" if value else "No")


def option_value(value, field) -> str:
    """The option value for `value`, accepting a value or a label (Excel users type labels)."""
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text is None:
        raise FieldInvalid("option", value=value)
    for option in field.options:
        if text == option.value:
            return option.value
    for option in field.options:
        if text in (option.label.zh, option.label.en):
            return option.value
    raise FieldInvalid("option", value=text)


def option_label(value, field, lang) -> str:
    for option in field.options:
        if option.value == value:
            return option.label.text(lang)
    return str(value)


@register
class SelectType(FieldType):
    name = "select"
    widget = "select"
    filter_ops = frozenset({"eq", "ne", "in", "not_in", "is_empty"})

    def sql_type(self, field):
        return String(64)

    def coerce(self, value, field):
        if value is None or value == "":
            return None
        return option_value(value, field)

    def display(self, value, field, lang="zh-CN"):
        return "" if value is None else option_label(value, field, lang)

    def json_schema(self, field):
        return {"type": "string", "enum": [o.value for o in field.options]}


_SEPARATORS = re.compile(r"[,，、]")


@register
class MultiSelectType(JsonListType):
    name = "multiselect"
    widget = "multiselect"
    filter_ops = frozenset({"contains", "is_empty"})

    def coerce(self, value, field):
        if value is None or value == "" or value == []:
            return None
        if isinstance(value, str):
            # One option (its label may hold a comma), else a list as typed or as `display` shows it.
            try:
                return [option_value(value, field)]
            except FieldInvalid:
                value = [v for v in _SEPARATORS.split(value) if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise FieldInvalid("options")
        chosen = []
        for item in value:
            option = option_value(item, field)
            if option not in chosen:
                chosen.append(option)
        return chosen

    def display(self, value, field, lang="zh-CN"):
        return "、".join(option_label(v, field, lang) for v in value or [])

    def json_schema(self, field):
        return {"type": "array", "items": {"type": "string", "enum": [o.value for o in field.options]}}

    def filter_value(self, value, field):
        return option_value(value, field)
