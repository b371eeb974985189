"""Subform field type: child rows with their own fields, stored in a child table."""
from __future__ import annotations

from .base import FieldType
from .registry import register


@register
class SubformType(FieldType):
    name = "subform"
    widget = "subform"
    stored = False
    sortable = False
    filter_ops = frozenset()
    json_type = {"type": "array", "items": {"type": "object"}}
