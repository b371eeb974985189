"""The fixed function library of the expression language; each entry's `doc` is shown in the builder."""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from form_engine.errors import FormworkError

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")


class ExpressionFailed(FormworkError):
    """An expression could not be evaluated with the values it was given."""

    status = 422
    title = "表达式计算失败"


@dataclass(frozen=True)
class LibraryFunction:
    """One function users may call; `tz` is passed when `func` takes a keyword-only `tz`."""

    name: str
    func: Callable[..., Any]
    doc: str
    min_args: int
    max_args: int | None  # None: any number
    needs_tz: bool
    uses_now: bool  # the result depends on the clock, not only on field values
    propagates_empty: bool  # an empty (None) argument gives an empty result


FUNCTIONS: dict[str, LibraryFunction] = {}


def library(name: str, doc: str, *, uses_now: bool = False, propagates_empty: bool = False):
    """Register `func` under `name`, the same way an extension would add a function."""

    def register(func):
        params = inspect.signature(func).parameters.values()
        positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]

        @functools.wraps(func)
        def call(*args, **kwargs):
            return None if propagates_empty and None in args else func(*args, **kwargs)

        FUNCTIONS[name] = LibraryFunction(
            name, call, doc,
            min_args=sum(p.default is p.empty for p in positional),
            max_args=None if any(p.kind is p.VAR_POSITIONAL for p in params) else len(positional),
            needs_tz=any(p.name == "tz" and p.kind is p.KEYWORD_ONLY for p in params),
            uses_now=uses_now, propagates_empty=propagates_empty,
        )
        return func
    return register


def kind_name(value: Any) -> str:
    """What a business user calls the type of `value`."""
    for kind, label in ((type(None), "空值"), (bool, "真假值"), ((int, float, Decimal), "数字"), (str, "文本"),
                        (datetime, "日期时间"), (date, "日期"), (timedelta, "时长"),
                        ((list, tuple), "列表"), (Mapping, "记录")):
        if isinstance(value, kind):
            return label
    return "值"


def _expect(value: Any, kinds, fname: str, wanted: str) -> Any:
    if not isinstance(value, kinds):
        raise ExpressionFailed(f"{fname}() 需要{wanted}，收到的是{kind_name(value)}")
    return value


def exact(value: Any) -> Any:
    """Floats (from stored values) as Decimal, so they mix exactly with literals; others unchanged."""
    return Decimal(repr(value)) if type(value) is float else value


def _number(value: Any, fname: str) -> Decimal | int:
    if isinstance(value, bool):
        raise ExpressionFailed(f"{fname}() 需要数字，收到的是{kind_name(value)}")
    return _expect(exact(value), (int, Decimal), fname, "数字")


def _whole(value: Any, fname: str) -> int:
    number = _number(value, fname)
    if number != int(number):
        raise ExpressionFailed(f"{fname}() 需要整数，收到的是 {number}")
    return int(number)


def _moment(value: Any, fname: str) -> date:
    """A date or datetime, given as one or as an ISO string."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
        except ValueError:
            raise ExpressionFailed(f"{fname}() 无法识别日期“{text[:40]}”") from None
    return _expect(value, date, fname, "日期")


def _as_date(value: Any, tz: tzinfo, fname: str) -> date:
    """The calendar date of `value`; an aware datetime is seen in `tz`."""
    value = _moment(value, fname)
    if isinstance(value, datetime):
        return (value.astimezone(tz) if value.tzinfo else value).date()
    return value


def _items(args: tuple) -> list:
    """The values a variadic aggregate works on: the one list given, or the arguments; no None."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = args[0]
    return [x for x in args if x is not None]


@library("today", "今天的日期", uses_now=True)
def today(*, tz: tzinfo) -> date:
    return datetime.now(tz).date()


@library("now", "当前的日期和时间", uses_now=True)
def now(*, tz: tzinfo) -> datetime:
    # Stored datetimes are naive wall time of the app timezone, so now() is too: they compare.
    return datetime.now(tz).replace(tzinfo=None, microsecond=0)


@library("date", "由年、月、日组成日期，例如 date(2024, 12, 31)", propagates_empty=True)
def make_date(year, month, day):
    try:
        return date(_whole(year, "date"), _whole(month, "date"), _whole(day, "date"))
    except ValueError:
        raise ExpressionFailed(f"日期无效：{year} 年 {month} 月 {day} 日") from None


@library("days_between", "两个日期相差的天数（后一个减前一个，按日历日计算）", propagates_empty=True)
def days_between(start, end, *, tz: tzinfo):
    return (_as_date(end, tz, "days_between") - _as_date(start, tz, "days_between")).days


@library("add_days", "日期加上若干天（可为负数）", propagates_empty=True)
def add_days(when, days):
    return _moment(when, "add_days") + timedelta(days=_whole(days, "add_days"))


@library("add_hours", "时间加上若干小时（可为小数或负数）；日期按当天零点计算", propagates_empty=True)
def add_hours(when, hours, *, tz: tzinfo):
    when = _moment(when, "add_hours")
    if not isinstance(when, datetime):
        when = datetime.combine(when, time())
    delta = timedelta(seconds=int(Decimal(_number(hours, "add_hours")) * 3600))
    if when.tzinfo is None:
        return when + delta
    # Elapsed hours: add in UTC so a daylight-saving change does not shift the result.
    return (when.astimezone(timezone.utc) + delta).astimezone(when.tzinfo)


def _date_part(part: str):
    def get(when, *, tz: tzinfo):
        return getattr(_as_date(when, tz, part), part)
    return get


for _part, _doc in (("year", "日期的年份"), ("month", "日期的月份（1–12）"), ("day", "日期是当月的第几天")):
    library(_part, _doc, propagates_empty=True)(_date_part(_part))


@library("round", "按四舍五入保留 n 位小数（默认 0 位）", propagates_empty=True)
def round_half_up(value, places=0):
    exponent = Decimal(1).scaleb(-_whole(places, "round"))
    return Decimal(_number(value, "round")).quantize(exponent, rounding=ROUND_HALF_UP)


@library("abs", "数字的绝对值", propagates_empty=True)
def absolute(value):
    return abs(_number(value, "abs"))


@library("min", "最小值，忽略空值；可传一个列表或多个值")
def minimum(*values):
    return min(_items(values), default=None)


@library("max", "最大值，忽略空值；可传一个列表或多个值")
def maximum(*values):
    return max(_items(values), default=None)


@library("sum", "求和，忽略空值；可传一个列表或多个值")
def total(*values):
    return sum((_number(x, "sum") for x in _items(values)), 0)


@library("sum_field", "子表中某一列的合计，忽略空值，例如 sum_field(items, \"amount\")")
def sum_field(rows, name):
    _expect(name, str, "sum_field", "列名文本作为第二个参数")
    rows = _expect([] if rows is None else rows, (list, tuple), "sum_field", "子表作为第一个参数")
    cells = [row.get(name) for row in rows if isinstance(row, Mapping)]
    return sum((_number(x, "sum_field") for x in cells if x is not None), 0)


@library("int", "转换为整数（小数部分直接舍去）；空值、空文本为空值")
def to_int(value):
    number = to_decimal(value)  # quantize refuses more than 28 digits, so a huge value fails fast
    return None if number is None else int(number.quantize(Decimal(1), rounding=ROUND_DOWN))


@library("decimal", "转换为数字，例如 decimal(\"12.50\")；空值、空文本为空值")
def to_decimal(value):
    if value is None or value == "":
        return None
    try:
        number = Decimal(value.strip() if isinstance(value, str) else _number(value, "decimal"))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise ExpressionFailed(f"无法把“{str(value)[:40]}”转换为数字")
    return number


@library("len", "文本的字数或列表的项数；空值为 0")
def length(value):
    return 0 if value is None else len(_expect(value, (str, list, tuple, Mapping), "len", "文本或列表"))


@library("count", "列表中非空项的个数（例如子表的行数）；空值为 0")
def count(values):
    values = _expect([] if values is None else values, (list, tuple), "count", "列表")
    return sum(x is not None for x in values)


@library("contains", "文本是否包含某段文字，或列表是否包含某一项；空值为否")
def contains(haystack, needle):
    if haystack is None or needle is None:
        return False
    if isinstance(haystack, str):
        return to_text(needle) in haystack
    return needle in _expect(haystack, (list, tuple), "contains", "文本或列表")


@library("starts_with", "文本是否以某段文字开头；空值为否")
def starts_with(value, prefix):
    return value is not None and prefix is not None and to_text(value).startswith(to_text(prefix))


@library("concat", "把几段文字连在一起，空值当作空文本")
def concat(*parts, tz: tzinfo):
    return "".join(to_text(part, tz=tz) for part in parts)


@library("upper", "英文字母转为大写", propagates_empty=True)
def upper(value):
    return to_text(value).upper()


@library("lower", "英文字母转为小写", propagates_empty=True)
def lower(value):
    return to_text(value).lower()


@library("text", "转换为文本；空值为空文本")
def to_text(value, *, tz: tzinfo = DEFAULT_TZ) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return (value.astimezone(tz) if value.tzinfo else value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(to_text(item, tz=tz) for item in value)
    return str(value)


@library("is_empty", "是否为空：空值、空文本、空列表都算空")
def is_empty(value):
    return value is None or (isinstance(value, (str, list, tuple, Mapping)) and len(value) == 0)


@library("coalesce", "返回第一个不为空值的参数")
def coalesce(*values):
    return next((x for x in values if x is not None), None)


@library("switch", "switch(值, 情况1, 结果1, 情况2, 结果2, …, 默认结果)：按值选结果，没有默认结果时为空值")
def switch(value, *cases):
    for index in range(0, len(cases) - 1, 2):
        if value == cases[index]:
            return cases[index + 1]
    return cases[-1] if len(cases) % 2 else None
