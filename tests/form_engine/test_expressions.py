"""The expression language: exact decimal math, empty values, the function library, and every refusal a user may see."""
from __future__ import annotations

import dataclasses
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from form_engine.errors import DefinitionError, FormworkError, Problem
from form_engine.expressions import Expression, ExpressionFailed, compile_expression
from form_engine.functions import FUNCTIONS

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
PATH = "/forms/order/fields/total/expression"
FIELDS = ("amount", "quantity", "unit_price", "status", "tags", "items", "name", "due", "x", "y")
NO_DOTS = "表达式里不能用“.”取属性，请改用函数，例如 upper(name)"


def run(source: str, tz=None, **values):
    return compile_expression(source, names=FIELDS).evaluate(values, tz=tz)


def problems(source: str, names=FIELDS) -> list[Problem]:
    with pytest.raises(DefinitionError) as caught:
        compile_expression(source, names=names, path=PATH)
    return caught.value.problems


def failure(source: str, **values) -> ExpressionFailed:
    with pytest.raises(ExpressionFailed) as caught:
        run(source, **values)
    return caught.value


# Compiling

def test_compile_reports_names_read_and_clock_use():
    expr = compile_expression("quantity * unit_price + len(name)", names=FIELDS)
    assert expr.source == "quantity * unit_price + len(name)"
    assert expr.names == frozenset({"quantity", "unit_price", "name"})
    assert expr.uses_now is False
    assert compile_expression("days_between(today(), due)", names=FIELDS).uses_now is True
    assert compile_expression("now()", names=()).names == frozenset()


def test_expression_is_frozen_and_reusable():
    expr = compile_expression("quantity * 2", names=FIELDS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        expr.source = "1"  # type: ignore[misc]
    assert [expr.evaluate({"quantity": n}) for n in (1, 2, 3)] == [2, 4, 6]
    assert isinstance(expr, Expression)


# Arithmetic and comparisons

def test_decimal_literals_are_exact():
    assert run("0.1 + 0.2 == 0.3") is True
    assert run("0.1 + 0.2") == Decimal("0.3")
    assert run("quantity * unit_price", quantity=3, unit_price=Decimal("19.99")) == Decimal("59.97")
    assert run("amount * 1.1", amount=Decimal("100")) == Decimal("110.0")
    assert run("amount * 2", amount=0.1) == Decimal("0.2")  # a stored float mixes exactly too


def test_arithmetic():
    assert run("1 + 2 * 3 - 4") == 3
    assert run("7 / 2") == Decimal("3.5")
    assert run("1 / 3") == Decimal("0.3333333333333333333333333333")
    assert run("7 // 2") == 3
    assert run("7 % 3") == 1
    assert run("2 ** 10") == 1024
    assert run("2 ** -2") == Decimal("0.25")
    assert run("1.5 ** 2") == Decimal("2.25")
    assert run("-x + +y", x=2, y=5) == 3
    assert run('"订单-" + name', name="A1") == "订单-A1"
    assert run("[1, 2] + [3]") == [1, 2, 3]


def test_comparisons():
    assert run("amount > 100", amount=Decimal("100.01")) is True
    assert run("0 < x <= 10", x=10) is True
    assert run("0 < x <= 10", x=11) is False
    assert run('status == "done"', status="done") is True
    assert run('status != "done"', status="draft") is True
    assert run('status in ["draft", "open"]', status="open") is True
    assert run('"vip" not in tags', tags=["new"]) is True
    assert run("due < date(2024, 2, 1)", due=date(2024, 1, 31)) is True
    assert run("amount == 1", amount=1.0) is True


def test_conditionals_and_boolean_logic():
    assert run('"大额" if amount > 1000 else "普通"', amount=5000) == "大额"
    assert run('"大额" if amount > 1000 else "普通"', amount=5) == "普通"
    assert run("x > 1 and y > 1", x=2, y=2) is True
    assert run("x > 1 or y > 1", x=0, y=0) is False
    assert run("not x", x=False) is True


def test_subscripts_and_literals():
    assert run('items[0]["qty"]', items=[{"qty": 4}]) == 4
    assert run("name[0:2]", name="ABCD") == "AB"
    assert run('{"a": 1, "b": 2}[status]', status="b") == 2
    assert run("(1, 2)") == (1, 2)


# Empty values

def test_empty_operands_make_empty_results():
    assert run("amount * 2") is None  # missing from values: empty
    assert run("amount * 2", amount=None) is None
    assert run("-amount", amount=None) is None
    assert run('name + "x"', name=None) is None
    assert run("amount > 1", amount=None) is None
    assert run("0 < amount < 10", amount=None) is None
    assert run("items[0]", items=None) is None


def test_equality_and_logic_treat_empty_normally():
    assert run("amount == None", amount=None) is True
    assert run("amount != 1", amount=None) is True
    assert run("amount == 0", amount=None) is False
    assert run("not amount", amount=None) is True
    assert not run("amount and True", amount=None)
    assert run("amount or 5", amount=None) == 5
    assert run('"是" if amount > 1 else "否"', amount=None) == "否"
    assert run('"vip" in tags', tags=None) is False
    assert run('"vip" not in tags', tags=None) is True


# Function library

def test_every_function_has_a_one_line_doc():
    for name, function in FUNCTIONS.items():
        assert function.name == name
        assert function.doc and "\n" not in function.doc


def test_date_functions():
    assert run("date(2024, 2, 29)") == date(2024, 2, 29)
    assert run("date(x, 1, 1)", x=None) is None
    assert run('days_between("2024-01-01", "2024-03-01")') == 60
    assert run("days_between(x, y)", x=date(2024, 3, 1), y=date(2024, 1, 1)) == -60
    assert run("days_between(x, y)", x=datetime(2024, 1, 1, 23, 0), y="2024-01-02T01:00:00") == 1
    assert run("days_between(x, due)", x=date(2024, 1, 1), due=None) is None
    assert run("add_days(due, 30)", due=date(2024, 1, 15)) == date(2024, 2, 14)
    assert run('add_days("2024-03-01", -1)') == date(2024, 2, 29)
    assert run("add_days(due, 1)", due=datetime(2024, 1, 1, 9, 30)) == datetime(2024, 1, 2, 9, 30)
    assert run("year(due) * 100 + month(due)", due=date(2024, 7, 9)) == 202407
    assert run("day(due)", due="2024-07-09") == 9
    assert run("year(due)", due=None) is None


def test_add_hours_starts_a_date_at_midnight_in_the_time_zone():
    # Dates start at midnight wall time; stored datetimes are naive wall time of the app zone.
    assert run("add_hours(due, 1.5)", due=date(2024, 1, 1)) == datetime(2024, 1, 1, 1, 30)
    start = datetime(2024, 1, 1, 23, 0, tzinfo=SHANGHAI)
    assert run("add_hours(due, 2)", due=start) == datetime(2024, 1, 2, 1, 0, tzinfo=SHANGHAI)
    assert run("add_hours(due, -1)", due=datetime(2024, 1, 1, 0, 30)) == datetime(2023, 12, 31, 23, 30)


def test_date_parts_and_days_are_taken_in_the_time_zone():
    late_utc = datetime(2024, 12, 31, 20, 0, tzinfo=UTC)  # already 2025-01-01 04:00 in Shanghai
    assert run("year(due)", due=late_utc) == 2025
    assert run("year(due)", tz=UTC, due=late_utc) == 2024
    assert run("days_between(x, due)", x=date(2024, 12, 31), due=late_utc) == 1
    assert run("days_between(x, due)", tz=UTC, x=date(2024, 12, 31), due=late_utc) == 0


def test_today_and_now_in_shanghai_and_utc():
    # now() is naive wall time of the zone, like every stored datetime, so the two compare.
    for tz in (SHANGHAI, UTC):
        before = datetime.now(tz).replace(tzinfo=None, microsecond=0)
        stamp, day = run("now()", tz=tz), run("today()", tz=tz)
        after = datetime.now(tz).replace(tzinfo=None)
        assert before <= stamp <= after and stamp.tzinfo is None
        assert day in (before.date(), after.date())
    shanghai = datetime.now(SHANGHAI).replace(tzinfo=None)
    assert abs((run("now()") - shanghai).total_seconds()) < 5  # the default zone is Asia/Shanghai
    assert run("due < now()", due=datetime(2020, 1, 1)) is True
    assert run("today()") in (datetime.now(SHANGHAI).date() - timedelta(days=1), datetime.now(SHANGHAI).date())
    assert run("days_between(today(), add_days(today(), 3))") == 3


def test_number_functions():
    assert run("round(2.345, 2)") == Decimal("2.35")
    assert run("round(2.5)") == Decimal("3")
    assert run("round(-2.5)") == Decimal("-3")
    assert run("round(1234, -2)") == Decimal("1.2E+3")
    assert run("round(x, 2)", x=None) is None
    assert run("abs(-2.5)") == Decimal("2.5")
    assert run("abs(x)", x=None) is None
    assert run("min(3, x, 1)", x=None) == 1
    assert run("max(tags)", tags=[2, None, 7]) == 7
    assert run("min(x, y)", x=None, y=None) is None
    assert run("sum(tags)", tags=[1, None, 2.5]) == Decimal("3.5")
    assert run("sum(1, 2, 3)") == 6
    assert run("sum(tags)", tags=None) == 0
    assert run("int(x)", x=Decimal("12.7")) == 12
    assert run('int("12.7")') == 12
    assert run("int(x)", x=None) is None
    assert run('decimal("12.50")') == Decimal("12.50")
    assert run('decimal("")') is None
    assert run("decimal(3)") == Decimal(3)


def test_subform_functions():
    rows = [{"amount": Decimal("10.50"), "qty": 2}, {"amount": None, "qty": 1}, {"amount": Decimal("4.50")}]
    assert run('sum_field(items, "amount")', items=rows) == Decimal("15.00")
    assert run('sum_field(items, "qty")', items=rows) == 3
    assert run('sum_field(items, "amount")', items=None) == 0
    assert run("count(items)", items=rows) == 3
    assert run("count(items)", items=None) == 0
    assert run("count(tags)", tags=["a", None]) == 1


def test_text_functions():
    assert run("len(name)", name="你好") == 2
    assert run("len(items)", items=[1, 2, 3]) == 3
    assert run("len(name)", name=None) == 0
    assert run('contains(name, "公司")', name="某某公司") is True
    assert run('contains(tags, "vip")', tags=["vip"]) is True
    assert run('contains(tags, "vip")', tags=None) is False
    assert run('contains(name, x)', name="abc", x=None) is False
    assert run('starts_with(name, "PO-")', name="PO-001") is True
    assert run('starts_with(name, "PO-")', name=None) is False
    assert run('concat("No.", x, "-", y)', x=None, y=7) == "No.-7"
    assert run("upper(name) + lower(name)", name="Ab") == "ABab"
    assert run("upper(name)", name=None) is None
    assert run("text(x)", x=Decimal("1.50")) == "1.50"
    assert run("text(x)", x=None) == ""
    assert run("text(due)", due=date(2024, 1, 5)) == "2024-01-05"
    assert run("text(due)", due=datetime(2024, 1, 5, 0, 30, tzinfo=UTC)) == "2024-01-05 08:30:00"
    assert run("text(x)", x=True) == "是"


def test_emptiness_and_choice_functions():
    assert [run("is_empty(x)", x=v) for v in (None, "", [], 0, "a", [None])] == [True, True, True, False, False, False]
    assert run("coalesce(x, y, 3)", x=None, y=None) == 3
    assert run("coalesce(x, y)", x=None, y=None) is None


def test_switch_with_and_without_default():
    with_default = 'switch(status, "draft", "草稿", "done", "完成", "其他")'
    assert run(with_default, status="done") == "完成"
    assert run(with_default, status="void") == "其他"
    assert run(with_default, status=None) == "其他"
    without_default = 'switch(status, "draft", "草稿", "done", "完成")'
    assert run(without_default, status="draft") == "草稿"
    assert run(without_default, status="void") is None


def test_function_misuse_at_run_time_is_explained():
    assert failure("date(2024, 2, 30)").detail == "日期无效：2024 年 2 月 30 日"
    assert failure('days_between("soon", "2024-01-01")').detail == "days_between() 无法识别日期“soon”"
    assert failure("round(name, 2)", name="abc").detail == "round() 需要数字，收到的是文本"
    assert failure('decimal("abc")').detail == "无法把“abc”转换为数字"
    assert failure("len(x)", x=5).detail == "len() 需要文本或列表，收到的是数字"
    assert failure("add_days(due, 4000000)", due=date(2024, 1, 1)).detail == "结果超出了日期范围"


# Refused at compile time, every problem at once

def test_syntax_error_points_at_the_place():
    assert problems("amount * (2") == [Problem(PATH, "表达式语法错误：第 1 行第 10 列附近", "syntax")]
    assert problems("amount +") == [Problem(PATH, "表达式语法错误：第 1 行第 9 列附近", "syntax")]


def test_attribute_access_is_refused():
    assert problems("().__class__") == [Problem(PATH, "不能访问属性“__class__”", "attribute", NO_DOTS)]
    assert problems("x.__class__") == [Problem(PATH, "不能访问属性“__class__”", "attribute", NO_DOTS)]
    assert problems('name.upper()') == [Problem(PATH, "不能访问属性“upper”", "attribute", NO_DOTS)]


def test_private_names_and_unknown_functions_are_refused():
    assert problems('__import__("os")') == [Problem(PATH, "不能使用以下划线开头的名称“__import__”", "private_name")]
    assert problems("_secret + 1") == [Problem(PATH, "不能使用以下划线开头的名称“_secret”", "private_name")]
    assert problems('open("x")') == [Problem(PATH, "未知函数“open”", "unknown_function")]
    assert problems("cont(tags, 1)") == [
        Problem(PATH, "未知函数“cont”", "unknown_function", "您是不是想写“count”？")]
    assert problems("items[0]()") == [Problem(PATH, "只能调用函数库中的函数", "not_callable")]


def test_unknown_field_gets_a_suggestion():
    assert problems("amout * 2") == [Problem(PATH, "未知字段“amout”", "unknown_name", "您是不是想写“amount”？")]
    assert problems("zzz") == [Problem(PATH, "未知字段“zzz”", "unknown_name")]
    assert problems("today + 1") == [Problem(PATH, "“today”是函数，调用时要加括号：today()", "not_called")]


def test_wrong_arguments_are_refused():
    assert problems("round(1, 2, 3)") == [Problem(PATH, "函数“round”需要 1 到 2 个参数，这里给了 3 个", "arguments")]
    assert problems("today(1)") == [Problem(PATH, "函数“today”需要 0 个参数，这里给了 1 个", "arguments")]
    assert problems("round(x, n=2)") == [Problem(PATH, "函数参数请按顺序书写，不支持“名称=值”的写法", "arguments")]


def test_unsupported_constructs_are_refused():
    assert problems("lambda: 1") == [Problem(PATH, "不支持匿名函数（lambda）", "unsupported")]
    assert problems("(lambda: 1)()") == [Problem(PATH, "不支持匿名函数（lambda）", "unsupported")]
    assert problems("[a for a in items]") == [Problem(PATH, "不支持推导式（for … in …）", "unsupported")]
    assert problems("sum(r for r in items)") == [Problem(PATH, "不支持推导式（for … in …）", "unsupported")]
    assert problems('f"{name}"') == [Problem(PATH, "不支持 f 字符串，请用 concat() 拼接文本", "unsupported")]
    assert problems("(y := 1)") == [Problem(PATH, "不支持赋值（:=）", "unsupported")]
    assert problems("x & 1") == [Problem(PATH, "不支持运算符“&”", "unsupported")]
    assert problems("{1, 2}") == [Problem(PATH, "不支持集合，请用列表 [...]", "unsupported")]
    assert problems("10000000000000000000000000000000") == [
        Problem(PATH, "数字太大：不能超过 30 位", "number_too_large")]


def test_size_limits_are_refused():
    assert problems("1 + " * 600 + "1") == [Problem(PATH, "表达式太长：最多 2000 个字符，现在有 2401 个", "too_long")]
    assert problems("-" * 60 + "x") == [Problem(PATH, "表达式嵌套太深：最多 50 层", "too_deep")]
    assert problems("(" * 300 + "x" + ")" * 300)[0].code in ("syntax", "too_deep")
    assert problems("   ") == [Problem(PATH, "表达式不能为空", "empty")]
    assert compile_expression("-" * 40 + "x", names=FIELDS).evaluate({"x": 1}) == 1


def test_all_problems_are_reported_at_once():
    found = problems("amout + foo(1) + x.__class__ + _y")
    assert [p.code for p in found] == ["unknown_name", "unknown_function", "attribute", "private_name"]
    assert all(p.path == PATH for p in found)


# Refused at run time, quickly

def test_huge_power_fails_fast():
    started = time.perf_counter()
    assert failure("9**9**9").detail == "数值过大：乘方的指数不能超过 1000"
    assert failure("10 ** 40").detail == "数值过大：结果不能超过 30 位数字"
    assert failure("x * x * x", x=10**12).detail == "数值过大：结果不能超过 30 位数字"
    assert time.perf_counter() - started < 0.5


def test_huge_text_fails_fast():
    started = time.perf_counter()
    assert failure('"a" * 10**9').detail == "结果过长：文本或列表不能超过 10000 个字符或项"
    assert failure("name * 6000", name="ab").detail == "结果过长：文本或列表不能超过 10000 个字符或项"
    assert failure('"%0999d" % 1').detail == "文本不能使用 % 运算"
    assert failure("[[1] * 100] * 100").detail == "列表不能相乘"
    assert failure('int("1e999999999")').detail == "无法计算：结果不是有效的数字"
    assert time.perf_counter() - started < 0.5


def test_division_by_zero():
    assert failure("1 / 0").detail == "除数不能为零"
    assert failure("amount / quantity", amount=Decimal("10"), quantity=0).detail == "除数不能为零"
    assert failure("amount // x", amount=1.5, x=0).detail == "除数不能为零"
    assert failure("0 ** -1").detail == "除数不能为零"


def test_type_mismatches_are_explained():
    assert failure("name + 1", name="a").detail == "无法计算：文本 + 数字"
    assert failure("name < 1", name="a").detail == "无法比较：文本 < 数字"
    assert failure("-name", name="a").detail == "无法计算：-文本"
    assert failure("items[5]", items=[1]).detail == "列表中取不到“5”"


def test_run_time_failure_is_a_422_formwork_error_naming_the_expression():
    err = failure("1 / x", x=0)
    assert isinstance(err, FormworkError)
    assert err.status == 422
    assert err.extra == {"expression": "1 / x"}
