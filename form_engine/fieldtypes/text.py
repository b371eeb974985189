"""Text-like field types: text, textarea, phone, email, url and the resident ID number."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import String, Text

from ..messages import FieldInvalid
from .base import FieldType, check_length, mask_middle, text_of
from .registry import register

_TEXT_OPS = frozenset({"eq", "ne", "in", "not_in", "contains", "starts_with", "is_empty", "gt", "gte", "lt", "lte"})


class _TextBase(FieldType):
    searchable = True
    max_default = 255
    filter_ops = _TEXT_OPS

    def sql_type(self, field):
        return String(field.max_length or self.max_default)

    def coerce(self, value, field):
        if value is None:
            return None
        text = self.normalize(text_of(value))
        return text or None

    def normalize(self, text: str) -> str:
        return text

    def check(self, value, field):
        check_length(value, field, self.max_default)
        self.check_format(value)
        if field.pattern and not re.fullmatch(field.pattern, value):
            raise FieldInvalid("pattern", custom=field.pattern_message)

    def check_format(self, value: str) -> None:
        pass

    def filter_value(self, value, field):
        return text_of(value) if value is not None else None


@register
class TextType(_TextBase):
    name = "text"


@register
class TextareaType(_TextBase):
    name = "textarea"
    widget = "textarea"
    max_default = 20000
    sortable = False

    def sql_type(self, field):
        return Text()


_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")
_SERVICE = re.compile(r"[48]00-?\d{3}-?\d{4}")  # 400/800 company service numbers


@register
class PhoneType(_TextBase):
    name = "phone"
    widget = "tel"
    max_default = 32

    def normalize(self, text):
        text = re.sub(r"[\s()（）]", "", text)
        text = text[3:] if text.startswith("+86") else text
        mobile = text.replace("-", "")  # 138-1234-5678; a landline keeps its dash after the area code
        return mobile if _MOBILE.fullmatch(mobile) else text

    def check_format(self, value):
        if not (_MOBILE.fullmatch(value) or _LANDLINE.fullmatch(value) or _SERVICE.fullmatch(value)):
            raise FieldInvalid("phone")

    def json_schema(self, field):
        return {"type": "string", "pattern": f"^({_MOBILE.pattern}|{_LANDLINE.pattern}|{_SERVICE.pattern})$"}

    def mask(self, value, field):
        """138****5678 for a mobile; a landline keeps its area code and last two digits."""
        if value is None:
            return None
        if _MOBILE.fullmatch(value):
            return value[:3] + "****" + value[7:]
        area, dash, number = value.partition("-")
        if dash:
            return f"{area}-{mask_middle(number, keep_start=0, keep_end=2)}"
        return mask_middle(value, keep_start=3, keep_end=2)


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@register
class EmailType(_TextBase):
    name = "email"
    widget = "email"
    max_default = 254

    def normalize(self, text):
        return text.lower()

    def check_format(self, value):
        if not _EMAIL.fullmatch(value):
            raise FieldInvalid("email")

    def json_schema(self, field):
        return {"type": "string", "format": "email", "maxLength": 254}

    def mask(self, value, field):
        """z***@example.com: the first letter and the domain."""
        if value is None:
            return None
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"


_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)


@register
class UrlType(_TextBase):
    name = "url"
    widget = "url"
    max_default = 2048

    def check_format(self, value):
        if not _URL.fullmatch(value):
            raise FieldInvalid("url")

    def json_schema(self, field):
        return {"type": "string", "format": "uri", "maxLength": 2048}


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_card_problem(value: str) -> str | None:
    """Why an 18-digit resident ID number is invalid (a message code), or None."""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return "id_card_format"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "id_card_birth"
    if born.year < 1900 or born > date.today():
        return "id_card_birth"
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS))
    return None if _ID_CHECK[total % 11] == value[17] else "id_card_checksum"


@register
class IdCardType(_TextBase):
    name = "id_card"
    max_default = 18

    def normalize(self, text):
        return text.upper()

    def check_format(self, value):
        code = id_card_problem(value)
        if code:
            raise FieldInvalid(code)

    def json_schema(self, field):
        return {"type": "string", "pattern": r"^\d{17}[\dXx]$"}

    def mask(self, value, field):
        """110101********123X: the region code and the last four, never the birth date."""
        if value is None:
            return None
        return mask_middle(value, keep_start=6, keep_end=4)
