"""Attachment field type: a list of uploaded files, kept on disk under the data directory."""
from __future__ import annotations

from ..messages import FieldInvalid
from .base import JsonListType
from .registry import register


@register
class AttachmentType(JsonListType):
    """The stored value is a list of {"id", "name", "size", "type"}; input may give ids only."""

    name = "attachment"
    widget = "attachment"
    filter_ops = frozenset({"is_empty"})
    json_type = {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "string"}, "name": {"type": "string"},
        "size": {"type": "integer"}, "type": {"type": "string"}}, "required": ["id"]}}

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

    def display(self, value, field, lang="zh-CN"):
        return "、".join(f["name"] for f in value or [] if isinstance(f, dict))
