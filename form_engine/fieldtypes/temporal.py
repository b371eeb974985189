"""Date and datetime field types. Datetimes are stored as wall time of the app's timezone."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime

from ..messages import FieldInvalid
from .base import FieldType
from .registry import register

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            for fmt in _DATE_FORMATS:
                try:
                    return datetime.strptime(text, fmt).date()
                except ValueError:
                    continue
    raise FieldInvalid("date")


def parse_datetime(value) -> datetime:
    """A datetime from ISO text or a datetime; aware values stay aware (the compiler localizes)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            for fmt in _DATETIME_FORMATS:
                try:
                    return datetime.strptime(text, fmt)
                except ValueError:
                    continue
    raise FieldInvalid("datetime")


@register
class DateType(FieldType):
    name = "date"
    widget = "date"
    json_type = {"type": "string", "format": "date"}

    def sql_type(self, field):
        return Date()

    def coerce(self, value, field):
        if value is None or value == "":
            return None
        return parse_date(value)

    def to_json(self, value, field):
        return None if value is None else value.isoformat()

    def from_db(self, value, field):
        return parse_date(value) if isinstance(value, str) else value

    def filter_value(self, value, field):
        return self.coerce(value, field)


@register
class DateTimeType(FieldType):
    name = "datetime"
    widget = "datetime-local"
    json_type = {"type": "string", "format": "date-time"}

    def sql_type(self, field):
        return DateTime()

    def coerce(self, value, field):
        if value is None or value == "":
            return None
        return parse_datetime(value)

    def to_json(self, value, field):
        return None if value is None else value.isoformat(timespec="seconds")

    def display(self, value, field, lang="zh-CN"):
        return "" if value is None else value.strftime("%Y-%m-%d %H:%M")

    def form_value(self, value, field):
        return "" if value is None else value.strftime("%Y-%m-%dT%H:%M")

    def filter_value(self, value, field):
        return self.coerce(value, field)
