"""Attachment field type: a list of uploaded files, kept on disk under the data directory."""
from __future__ import annotations

import json

from sqlalchemy import Text

from ..messages import FieldInvalid
from .base import FieldType
from .registry import register


@register
class AttachmentType(FieldType):
    """The stored value is a list of {"id", "name", "size", "type"}; input may give ids only."""

    name = "attachment"
    widget = "attachment"
    sortable = False
    filter_ops = frozenset({"is_empty"})
    json_type = {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "string"}, "name": {"type": "string"},
        "size": {"type": "integer"}, "type": {"type": "string"}}, "required": ["id"]}}

    def sql_type(self, field):
        return Text()

    def coerce(self, value, field):
        if value is None or value == "" or value == []:
            return None
        if isinstance(value, (str, dict)):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise FieldInvalid("file", value=value)
        ids = []
        for item in value:
            file_id = item.get("id") if isinstance(item, dict) else item
            if not isinstance(file_id, str) or not file_id.strip():
                raise FieldInvalid("file", value=file_id)
            ids.append(file_id.strip())
        return ids

    def coerce_form(self, raw, field):
        return self.coerce([r for r in raw if r.strip()], field)

    def to_db(self, value, field):
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def from_db(self, value, field):
        return json.loads(value) if isinstance(value, str) else value

    def display(self, value, field, lang="zh-CN"):
        return "、".join(f["name"] for f in value or [] if isinstance(f, dict))

    def form_value(self, value, field):
        return value or []
