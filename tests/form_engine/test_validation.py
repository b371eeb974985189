"""Record validation through a compiled form: every problem at once, rows, visibility, rules and formulas."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from form_engine.bundle import parse_app
from form_engine.compiler import CompiledForm, compile_app

SHANGHAI = ZoneInfo("Asia/Shanghai")


def label(zh: str, en: str | None = None) -> dict:
    return {"zh-CN": zh} if en is None else {"zh-CN": zh, "en": en}


def field(name: str, type_: str, zh: str, **kw) -> dict:
    return {"name": name, "type": type_, "label": label(zh, kw.pop("en", None)), **kw}


SALE_FIELDS = [
    field("sale_no", "auto_number", "编号", number_pattern="XS-{YYYY}-{seq:4}"),
    field("title", "text", "标题", en="Title", required=True, max_length=50),
    field("customer", "relation", "客户", target="customer", display_field="name"),
    field("kind", "select", "类型", options=[{"value": "retail", "label": label("零售", "Retail")},
                                           {"value": "wholesale", "label": label("批发", "Wholesale")}]),
    field("discount_reason", "text", "折扣原因", required=True, visible_when='kind == "wholesale"'),
    field("email", "email", "邮箱"),
    field("phone", "phone", "电话"),
    field("quantity", "integer", "数量", min=1),
    field("amount", "decimal", "金额", precision=14, scale=2, min=0),
    field("signed_on", "date", "签订日期"),
    field("visited_at", "datetime", "拜访时间"),
    field("paid", "boolean", "已付款"),
    field("tags", "multiselect", "标签", options=[{"value": "new", "label": label("新客")},
                                                {"value": "old", "label": label("老客")}]),
    # a formula that reads another formula declared after it
    field("total_with_tax", "formula", "含税合计", expression="total + tax", result_type="decimal", scale=2),
    field("items", "subform", "明细", fields=[
        field("product", "text", "产品", required=True),
        field("quantity", "integer", "数量", required=True, min=1),
        field("unit_price", "decimal", "单价", precision=14, scale=2),
        field("gift", "boolean", "赠品"),
        field("gift_note", "text", "赠品说明", required=True, visible_when="gift"),
        field("line_total", "formula", "小计", expression="quantity * unit_price", result_type="decimal", scale=2),
    ]),
    field("total", "formula", "合计", expression='sum_field(items, "line_total")', result_type="decimal", scale=2),
    field("tax", "formula", "税额", expression="round(total * 0.13, 2)", result_type="decimal", scale=2),
    field("ratio", "formula", "比例", expression="amount / quantity", result_type="decimal", scale=2),
]
RULES = [
    {"expression": "is_empty(amount) or amount <= 1000000", "field": "amount",
     "message": label("单笔金额不能超过 100 万", "A sale can't exceed one million")},
    {"expression": "count(items) >= 1", "field": "items", "message": label("请至少添加一条明细", "Add at least one line")},
]


@pytest.fixture(scope="module")
def sale() -> CompiledForm:
    app = parse_app({"name": "shop", "label": label("商店"), "forms": [
        {"name": "customer", "label": label("客户"), "fields": [field("name", "text", "名称")]},
        {"name": "sale", "label": label("销售"), "fields": SALE_FIELDS, "rules": RULES},
    ]})
    return compile_app(app, SHANGHAI).forms["sale"]


def problems(form: CompiledForm, data: dict, lang: str = "zh-CN", **kw) -> dict[str, tuple[str, str]]:
    _, found = form.inputs.validate(data, lang=lang, **kw)
    return {p.path: (p.code, p.message) for p in found}


def save(form: CompiledForm, data: dict, lang: str = "zh-CN"):
    """What a save does: coerce and validate, compute formulas, check the record (a field's first problem wins)."""
    values, found = form.inputs.validate(data, lang=lang)
    found += form.compute(values, lang)
    found += form.check_record(values, lang)
    out: dict[str, tuple[str, str]] = {}
    for p in found:
        out.setdefault(p.path, (p.code, p.message))
    return values, out


GOOD = {"title": "首单", "kind": "retail", "quantity": 2, "amount": Decimal("100"),
        "items": [{"product": "笔记本", "quantity": 2, "unit_price": Decimal("3.10")}]}


# One call, every problem

def test_every_bad_field_is_reported_at_once_in_chinese(sale):
    found = problems(sale, {
        "title": "x" * 51, "customer": "abc", "kind": "vip", "email": "abc", "phone": "123", "quantity": "1.5",
        "amount": "12abc", "signed_on": "2026-02-30", "visited_at": "明天", "paid": "maybe", "tags": ["vip"],
    })
    assert found == {
        "title": ("max_length", "最多 50 个字"),
        "customer": ("relation", "关联的记录不存在（ID abc）"),
        "kind": ("option", "“vip”不在可选项中"),
        "email": ("email", "邮箱格式不正确，应形如 name@example.com"),
        "phone": ("phone", "请输入有效的手机号（11 位，以 1 开头）、带区号的座机号（如 010-12345678）或 400 电话"),
        "quantity": ("integer", "请输入整数"),
        "amount": ("decimal", "请输入数字"),
        "signed_on": ("date", "请输入有效日期，如 2026-11-22"),
        "visited_at": ("datetime", "请输入有效时间，如 2026-11-22 14:30"),
        "paid": ("boolean", "请选择是或否"),
        "tags": ("option", "“vip”不在可选项中"),
    }


def test_messages_in_english(sale):
    found = problems(sale, {"quantity": 0, "amount": "-1", "email": "a@b", "owner_id": 1, "nope": 1}, lang="en")
    assert found == {
        "quantity": ("min", "Must be at least 1"),
        "amount": ("min", "Must be at least 0"),
        "email": ("email", "Enter an email address like name@example.com"),
        "owner_id": ("system", "System field “owner_id” can't be set directly"),
        "nope": ("unknown_field", "The form has no field “nope”"),
    }


def test_good_fields_are_coerced_even_when_others_are_bad(sale):
    values, found = sale.inputs.validate({
        "title": "  年度采购 ", "customer": {"id": "7"}, "kind": "批发", "quantity": "1,200", "amount": "¥1,234.5",
        "signed_on": "2026年11月22日", "visited_at": "2026-11-22T06:30:00Z", "paid": "是", "tags": "新客，老客",
        "email": "bad",
    }, lang="zh-CN")
    assert [p.path for p in found] == ["email"]
    assert values == {
        "title": "年度采购", "customer": 7, "kind": "wholesale", "quantity": 1200, "amount": Decimal("1234.50"),
        "signed_on": date(2026, 11, 22), "visited_at": datetime(2026, 11, 22, 14, 30), "paid": True,
        "tags": ["new", "old"],
    }


def test_unknown_and_system_fields(sale):
    found = problems(sale, {"titel": "x", "owner_id": 3, "id": 9, "version": 2, "created_at": "2026-01-01", "flow_status": "done"})
    assert found["titel"] == ("unknown_field", "表单中没有字段“titel”")
    assert found["owner_id"] == ("system", "系统字段“owner_id”不能直接修改")
    assert {path: code for path, (code, _) in found.items()} == {
        "titel": "unknown_field", "owner_id": "system", "id": "system", "version": "system",
        "created_at": "system", "flow_status": "system",
    }


def test_computed_fields_take_no_value(sale):
    found = problems(sale, {"sale_no": "XS-1", "total": "100", "items": [{"product": "a", "quantity": 1, "line_total": 5}]})
    assert found == {
        "sale_no": ("computed", "此项由系统自动生成，不能填写"),
        "total": ("computed", "此项由系统自动生成，不能填写"),
        "items.0.line_total": ("computed", "此项由系统自动生成，不能填写"),
    }


def test_values_from_an_html_form(sale):
    values, found = sale.inputs.validate({
        "title": [" 首单 "], "quantity": ["1,234"], "paid": ["0", "1"], "tags": ["new", "old"],
        "signed_on": ["2026/11/22"], "visited_at": ["2026-11-22T09:15"], "amount": [""],
    }, lang="zh-CN", from_form=True)
    assert found == []
    assert values == {"title": "首单", "quantity": 1234, "paid": True, "tags": ["new", "old"],
                      "signed_on": date(2026, 11, 22), "visited_at": datetime(2026, 11, 22, 9, 15), "amount": None}


# Subform rows

def test_rows_are_validated_with_their_paths(sale):
    values, found = sale.inputs.validate({"items": [
        {"id": 41, "product": "笔记本", "quantity": "2", "unit_price": "3.5"},
        {"product": "钢笔", "quantity": "0", "unit_price": "abc", "colour": "红"},
        "not a row",
    ]}, lang="zh-CN")
    assert {p.path: p.code for p in found} == {
        "items.1.quantity": "min", "items.1.unit_price": "decimal", "items.1.colour": "unknown_field", "items.2": "row",
    }
    assert next(p for p in found if p.path == "items.1.quantity").message == "不能小于 1"
    assert values["items"][0] == {"id": 41, "product": "笔记本", "quantity": 2, "unit_price": Decimal("3.50")}


def test_rows_must_be_a_list(sale):
    assert problems(sale, {"items": {"product": "x"}}) == {"items": ("rows", "明细应为行的列表")}
    values, found = sale.inputs.validate({"items": None}, lang="zh-CN")
    assert (values, found) == ({"items": []}, [])


# Required, visibility and rules

def test_required_fields(sale):
    assert sale.check_record({**GOOD, "title": None}, "zh-CN")[0].as_dict() == {
        "path": "title", "code": "required", "message": "此项为必填"}
    assert [p.message for p in sale.check_record({**GOOD, "title": ""}, "en")] == ["This field is required"]


def test_a_hidden_required_field_is_not_required(sale):
    assert sale.check_record({**GOOD, "kind": "retail"}, "zh-CN") == []
    assert sale.check_record({**GOOD, "kind": None}, "zh-CN") == []
    shown = sale.check_record({**GOOD, "kind": "wholesale"}, "zh-CN")
    assert [(p.path, p.code) for p in shown] == [("discount_reason", "required")]
    assert sale.check_record({**GOOD, "kind": "wholesale", "discount_reason": "老客户"}, "zh-CN") == []


def test_required_in_rows_respects_the_rows_own_visibility(sale):
    rows = [{"product": "笔记本", "quantity": 1}, {"quantity": None, "gift": True}, {"product": "笔", "quantity": 1, "gift": False}]
    found = sale.check_record({**GOOD, "items": rows}, "zh-CN")
    assert [(p.path, p.code, p.message) for p in found] == [
        ("items.1.product", "required", "此项为必填"),
        ("items.1.quantity", "required", "此项为必填"),
        ("items.1.gift_note", "required", "此项为必填"),
    ]


def test_form_rules_put_their_message_on_their_field(sale):
    found = sale.check_record({**GOOD, "amount": Decimal("1000000.01"), "items": []}, "zh-CN")
    assert [(p.path, p.code, p.message) for p in found] == [
        ("amount", "rule", "单笔金额不能超过 100 万"),
        ("items", "rule", "请至少添加一条明细"),
    ]
    assert [p.message for p in sale.check_record({**GOOD, "amount": Decimal("2000000")}, "en")] == [
        "A sale can't exceed one million"]
    assert sale.check_record({**GOOD, "amount": None}, "zh-CN") == []


# Formulas

def test_formulas_run_rows_first_then_in_dependency_order(sale):
    record = {"amount": Decimal("100"), "quantity": 3, "items": [
        {"product": "a", "quantity": 3, "unit_price": Decimal("0.10")},
        {"product": "b", "quantity": 2, "unit_price": Decimal("1.15")},
    ]}
    assert sale.compute(record, "zh-CN") == []
    assert [row["line_total"] for row in record["items"]] == [Decimal("0.30"), Decimal("2.30")]
    assert record["total"] == Decimal("2.60")
    assert record["tax"] == Decimal("0.34")
    assert record["total_with_tax"] == Decimal("2.94")  # declared before the formulas it reads
    assert record["ratio"] == Decimal("33.33")
    order = [f.name for f, _ in sale.formulas]
    assert order.index("total") < order.index("tax") < order.index("total_with_tax")


def test_formulas_of_an_empty_record_are_empty_not_errors(sale):
    record = {"items": []}
    assert sale.compute(record, "zh-CN") == []
    assert record["total"] == Decimal("0.00")
    assert record["ratio"] is None


def test_a_failing_formula_is_reported_and_keeps_the_input(sale):
    record = {"amount": Decimal("10"), "quantity": 0, "items": []}
    found = sale.compute(record, "zh-CN")
    assert [(p.path, p.code, p.message) for p in found] == [("ratio", "expression", "计算失败：除数不能为零")]
    assert record["ratio"] is None and record["amount"] == Decimal("10")
    record = {"items": [{"quantity": 2, "unit_price": Decimal("1")}, {"quantity": 1, "unit_price": None}]}
    assert sale.compute(record, "zh-CN") == []
    assert [row["line_total"] for row in record["items"]] == [Decimal("2.00"), None]


def test_a_whole_save(sale):
    values, found = save(sale, {**GOOD, "items": [{"product": "笔记本", "quantity": "2", "unit_price": "3.10"}]})
    assert found == {}
    assert values["total"] == Decimal("6.20") and values["total_with_tax"] == Decimal("7.01")
    _, found = save(sale, {"kind": "wholesale", "quantity": "x", "items": [{"quantity": 0}]})
    assert found == {
        "quantity": ("integer", "请输入整数"),
        "items.0.quantity": ("min", "不能小于 1"),
        "title": ("required", "此项为必填"),
        "discount_reason": ("required", "此项为必填"),
        "items.0.product": ("required", "此项为必填"),
    }


def test_defaults_for_a_new_record():
    app = parse_app({"name": "shop", "label": label("商店"), "forms": [{"name": "visit", "label": label("拜访"), "fields": [
        field("day", "date", "日期", default_expression="today()"),
        field("status", "select", "状态", default="open", options=[{"value": "open", "label": label("进行中")}]),
        field("count", "integer", "次数", default="3"),
    ]}]})
    form = compile_app(app, SHANGHAI).forms["visit"]
    defaults = form.default_values({})
    assert defaults["status"] == "open" and defaults["count"] == 3
    assert abs((defaults["day"] - datetime.now(SHANGHAI).date()).days) <= 1
