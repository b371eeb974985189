"""The one registry of field types; built-ins register the same way an extension would."""
from __future__ import annotations

from .base import FieldType

FIELD_TYPES: dict[str, FieldType] = {}


def register(cls: type[FieldType]) -> type[FieldType]:
    FIELD_TYPES[cls.name] = cls()
    return cls


def field_type(name: str) -> FieldType:
    return FIELD_TYPES[name]
