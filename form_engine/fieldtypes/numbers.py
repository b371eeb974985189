"""Numeric field types: integer, exact decimal (money) and percent."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from sqlalchemy import BigInteger, Integer, Numeric

from ..messages import FieldInvalid
from .base import FieldType
from .registry import register


def _check_range(value, field) -> None:
    if field.min is not None and value < Decimal(str(field.min)):
        raise FieldInvalid("min", min=_plain(field.min))
    if field.max is not None and value > Decimal(str(field.max)):
        raise FieldInvalid("max", max=_plain(field.max))


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


@register
class IntegerType(FieldType):
    name = "integer"
    widget = "number"
    json_type = {"type": "integer"}

    def sql_type(self, field):
        return BigInteger().with_variant(Integer(), "sqlite")

    def coerce(self, value, field):
        if value is None:
            return None
        if isinstance(value, bool):
            raise FieldInvalid("integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
            return int(value)
        if isinstance(value, str):
            text = value.strip().replace(",", "")
            if text == "":
                return None
            try:
                return int(text)
            except ValueError:
                pass
        raise FieldInvalid("integer")

    def check(self, value, field):
        if abs(value) >= 2**63:
            raise FieldInvalid("max", max=2**63 - 1)
        _check_range(value, field)

    def display(self, value, field, lang="zh-CN"):
        return "" if value is None else f"{value:,}"


class ExactDecimal(Numeric):
    """Numeric that binds Decimals as text on SQLite, so no value passes through a float."""

    cache_ok = True

    def bind_processor(self, dialect):
        if dialect.name == "sqlite":
            return lambda v: None if v is None else str(v)
        return super().bind_processor(dialect)


@register
class DecimalType(FieldType):
    name = "decimal"
    widget = "number"
    json_type = {"type": "string", "format": "decimal"}
    default_precision, default_scale = 18, 2

    def digits(self, field) -> tuple[int, int]:
        scale = field.scale if field.scale is not None else self.default_scale
        return (field.precision or self.default_precision), scale

    def sql_type(self, field):
        precision, scale = self.digits(field)
        return ExactDecimal(precision, scale, asdecimal=True)

    def coerce(self, value, field):
        if value is None:
            return None
        if isinstance(value, bool):
            raise FieldInvalid("decimal")
        if isinstance(value, str):
            value = value.strip()
            for sign in (",", "，", "¥", "￥", "%"):  # thousands separators, yuan (half and full width), percent
                value = value.replace(sign, "")
            if value == "":
                return None
        try:
            number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            raise FieldInvalid("decimal") from None
        if not number.is_finite():
            raise FieldInvalid("decimal")
        precision, scale = self.digits(field)
        too_many = FieldInvalid("digits", whole=precision - scale, scale=scale)
        if number != 0 and number.adjusted() >= precision - scale:
            raise too_many  # checked first: quantizing 1e30 would overflow the decimal context
        number = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP, context=Context(prec=precision + 1))
        if len(number.as_tuple().digits) > precision and number != 0:
            raise too_many  # rounding carried into one more digit: 9999.995 → 10000.00
        return number

    def check(self, value, field):
        _check_range(value, field)

    def from_db(self, value, field):
        if value is None or isinstance(value, Decimal):
            return value
        return self.coerce(value, field)

    def to_json(self, value, field):
        return None if value is None else str(value)

    def display(self, value, field, lang="zh-CN"):
        if value is None:
            return ""
        _, scale = self.digits(field)
        return f"{value:,.{scale}f}"

    def json_schema(self, field):
        return {"type": ["string", "number"], "format": "decimal",
                "description": "精确小数，以字符串返回，如 \"1234.50\""}


@register
class PercentType(DecimalType):
    name = "percent"
    default_precision, default_scale = 9, 2

    def display(self, value, field, lang="zh-CN"):
        return "" if value is None else f"{value.normalize():f}%"
