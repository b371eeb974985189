"""Link field types: relation to another form's record, user and department. Stored as ids."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Integer

from ..messages import FieldInvalid
from .base import FieldType
from .registry import register


class _LinkBase(FieldType):
    widget = "relation"
    json_type = {"type": "integer", "minimum": 1}
    missing_code = "relation"
    filter_ops = frozenset({"eq", "ne", "in", "not_in", "is_empty"})

    def sql_type(self, field):
        return BigInteger().with_variant(Integer(), "sqlite")

    def coerce(self, value, field):
        if value is None or value == "":
            return None
        if isinstance(value, dict):
            value = value.get("id")
        if isinstance(value, bool):
            raise FieldInvalid(self.missing_code, value=value)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
            value = int(value)
        if not isinstance(value, int) or value < 1 or value >= 2**63:
            raise FieldInvalid(self.missing_code, value=value)
        return value


@register
class RelationType(_LinkBase):
    name = "relation"


@register
class UserType(_LinkBase):
    name = "user"
    widget = "user"
    missing_code = "user"


@register
class DepartmentType(_LinkBase):
    name = "department"
    widget = "department"
    missing_code = "department"
