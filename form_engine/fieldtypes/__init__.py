"""Field types through one registry; importing this package registers the built-ins."""
from . import choice, computed, files, links, numbers, subform, temporal, text  # noqa: F401
from .base import FieldType
from .registry import FIELD_TYPES, field_type, register

__all__ = ["FIELD_TYPES", "FieldType", "field_type", "register"]
