"""App bundles: the CRM template parses, bad definitions are refused with every problem at once, storage is assigned once."""
from __future__ import annotations

import copy
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from form_engine.bundle import assign_storage, parse_app, read_bundle_dir
from form_engine.compiler import compile_app
from form_engine.definitions import AppDef
from form_engine.errors import DefinitionError, FormworkError
from form_engine.identifiers import NAME_PATTERN

CRM = Path(__file__).resolve().parents[2] / "app_templates" / "crm"
CJK = re.compile(r"[\u4e00-\u9fff]")


def label(zh: str) -> dict:
    return {"zh-CN": zh}


def text(name: str, **kw) -> dict:
    return {"name": name, "type": "text", "label": label(name), **kw}


def shop() -> dict:
    """A small valid app: customers, and sales that link to them."""
    return {"name": "shop", "label": label("商店"), "forms": [
        {"name": "customer", "label": label("客户"), "fields": [text("name"), text("city")]},
        {"name": "sale", "label": label("销售"), "title_field": "title", "fields": [
            text("title"),
            {"name": "customer", "type": "relation", "label": label("客户"), "target": "customer", "display_field": "name"},
            {"name": "amount", "type": "decimal", "label": label("金额")},
        ]},
    ]}


def refused(data: dict) -> list:
    with pytest.raises(DefinitionError) as caught:
        parse_app(data)
    error = caught.value
    assert isinstance(error, FormworkError) and error.status == 422
    assert all(CJK.search(p.message) for p in error.problems), "messages are for a Chinese-speaking user"
    return error.problems


def with_field(field: dict) -> dict:
    data = shop()
    data["forms"][1]["fields"].append(field)
    return data


NEW = "/forms/1/fields/3"  # where with_field puts the field


# The CRM template

def test_the_crm_template_parses_and_compiles():
    app = parse_app(read_bundle_dir(CRM))
    forms = {f.name: f for f in app.forms}
    assert {"customer", "contact", "contract"} <= set(forms)
    assert app.name == "crm" and app.label.zh
    for form in app.forms:
        assert form.table == f"crm_{form.name}"
        assert all(f.column for f in form.fields), form.name  # storage is fixed at first parse
        assert form.title_field in form.field_map()
    compiled = compile_app(app, ZoneInfo("Asia/Shanghai"))
    assert set(compiled.forms) == set(forms)


def test_the_crm_template_survives_export_and_import():
    app = parse_app(read_bundle_dir(CRM))
    exported = app.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert parse_app(copy.deepcopy(exported)) == app


def test_read_bundle_dir_orders_forms_as_the_menu(tmp_path):
    (tmp_path / "forms").mkdir()
    (tmp_path / "app.json").write_text('{"name": "shop", "label": {"zh-CN": "商店"}, "menu": [{"form": "sale"}]}',
                                       encoding="utf-8")
    for name in ("customer", "sale"):
        (tmp_path / "forms" / f"{name}.json").write_text(
            f'{{"name": "{name}", "label": {{"zh-CN": "表"}}, "fields": [{{"name": "title", "type": "text", "label": {{"zh-CN": "标题"}}}}]}}',
            encoding="utf-8")
    data = read_bundle_dir(tmp_path)
    assert [f["name"] for f in data["forms"]] == ["sale", "customer"]
    assert [f.name for f in parse_app(data).forms] == ["sale", "customer"]


# Bad definitions, one at a time

def _duplicate_forms() -> dict:
    data = shop()
    data["forms"].append(copy.deepcopy(data["forms"][0]))
    return data


def _duplicate_columns() -> dict:
    data = shop()
    data["forms"][0]["fields"] = [text("name", column="title"), text("title_text", column="title")]
    return data


def _form_change(**change) -> dict:
    data = shop()
    data["forms"][1].update(change)
    return data


NAME_RULE = "名称只能用小写英文字母开头，后接小写字母、数字或下划线，最长 40 个字符"
BAD = {
    "name with a space": (with_field(text("drop table")), [(f"{NEW}/name", "pattern", NAME_RULE, None)]),
    "upper case name": (with_field(text("Title2")), [(f"{NEW}/name", "pattern", NAME_RULE, None)]),
    "SQL keyword": (with_field(text("select")), [(f"{NEW}/name", "name", "“select”是系统保留字，请换一个名称", None)]),
    "system column": (with_field(text("owner_id")), [(f"{NEW}/name", "name", "“owner_id”是系统保留字，请换一个名称", None)]),
    "reserved column": (with_field(text("memo", column="order")), [(f"{NEW}/column", "name", "“order”是系统保留字，请换一个名称", None)]),
    "duplicate field": (with_field(text("title")), [(f"{NEW}/name", "duplicate", "字段名称“title”重复", None)]),
    "unknown type": (with_field({"name": "memo", "type": "txt", "label": label("备注")}),
                     [(f"{NEW}/type", "enum", "未知的字段类型“txt”", "您是不是想写“text”？")]),
    "unknown type, nothing close": (with_field({"name": "memo", "type": "strin", "label": label("备注")}),
                                    [(f"{NEW}/type", "enum", "未知的字段类型“strin”", None)]),
    "relation to a missing form": (
        with_field({"name": "buyer", "type": "relation", "label": label("买家"), "target": "custmer"}),
        [(f"{NEW}/target", "unknown_form", "关联的表单“custmer”不存在", "您是不是想写“customer”？")]),
    "display field missing": (
        with_field({"name": "buyer", "type": "relation", "label": label("买家"), "target": "customer", "display_field": "nmae"}),
        [(f"{NEW}/display_field", "unknown_field", "表单“customer”中没有字段“nmae”", "您是不是想写“name”？")]),
    "expression syntax": (with_field(text("memo", visible_when="amount >")),
                          [(f"{NEW}/visible_when", "syntax", "表达式语法错误：第 1 行第 9 列附近", None)]),
    "dunder attribute": (with_field(text("memo", visible_when="().__class__")),
                         [(f"{NEW}/visible_when", "attribute", "不能访问属性“__class__”",
                           "表达式里不能用“.”取属性，请改用函数，例如 upper(name)")]),
    "import": (with_field(text("memo", readonly_when="__import__('os')")),
               [(f"{NEW}/readonly_when", "private_name", "不能使用以下划线开头的名称“__import__”", None)]),
    "unknown name in an expression": (with_field(text("memo", visible_when="amout > 1")),
                                      [(f"{NEW}/visible_when", "unknown_name", "未知字段“amout”", "您是不是想写“amount”？")]),
    "auto number without seq": (
        with_field({"name": "sale_no", "type": "auto_number", "label": label("编号"), "number_pattern": "XS-{YYYY}{MM}"}),
        [(f"{NEW}/number_pattern", "number_pattern", "编号规则中必须包含流水号，如 {seq:4}", None)]),
    "auto number with an unknown token": (
        with_field({"name": "sale_no", "type": "auto_number", "label": label("编号"), "number_pattern": "XS-{year}-{seq:4}"}),
        [(f"{NEW}/number_pattern", "number_pattern", "编号规则中有不认识的占位符；可用 {YYYY} {YY} {MM} {DD} {seq:N}", None)]),
    "bad regex": (with_field(text("code", pattern="([A-Z")),
                  [(f"{NEW}/pattern", "pattern", "格式规则（正则表达式）写法有误", None)]),
    "min above max": (with_field({"name": "qty", "type": "integer", "label": label("数量"), "min": 10, "max": 1}),
                      [(f"{NEW}/min", "range", "最小值不能大于最大值", None)]),
    "min_length above max_length": (with_field(text("code", min_length=5, max_length=2)),
                                    [(f"{NEW}/min_length", "range", "最少字数不能大于最多字数", None)]),
    "row field named like a row column": (
        with_field({"name": "items", "type": "subform", "label": label("明细"),
                    "fields": [text("position"), text("sku", column="parent_id")]}),
        [(f"{NEW}/fields/0/name", "name", "“position”是明细行的系统字段，请换一个名称", None),
         (f"{NEW}/fields/1/column", "name", "“parent_id”是明细行的系统字段，请换一个名称", None)]),
    "duplicate form": (_duplicate_forms(), [("/forms/2/name", "duplicate", "表单名称“customer”重复", None)]),
    "duplicate column": (_duplicate_columns(), [("/forms/0/fields/1/column", "duplicate", "列名称“title”重复", None)]),
    "title field unknown": (_form_change(title_field="titel"),
                            [("/forms/1/title_field", "unknown_field", "标题字段“titel”不存在", "您是不是想写“title”？")]),
    "layout with an unknown field": (
        _form_change(layout={"sections": [{"fields": ["title"]}, {"fields": ["customer", "amout"]}]}),
        [("/forms/1/layout/sections/1/fields/1", "unknown_field", "布局中的字段“amout”不存在", "您是不是想写“amount”？")]),
    "index on an unknown field": (
        _form_change(indexes=[{"fields": ["titel", "updated_at"]}]),
        [("/forms/1/indexes/0/fields/0", "unknown_field", "索引中的字段“titel”不存在", "您是不是想写“title”？")]),
    "default sort on an unknown field": (
        _form_change(default_sort="-amout"),
        [("/forms/1/default_sort", "unknown_field", "默认排序字段“amout”不存在", "您是不是想写“amount”？")]),
    "rule with a bad expression": (
        _form_change(rules=[{"expression": "amount >= 0", "message": label("金额不能为负")},
                            {"expression": "amount => 0", "message": label("金额不能为负")}]),
        [("/forms/1/rules/1/expression", "syntax", "表达式语法错误：第 1 行第 8 列附近", None)]),
    "reserved form name": (_form_change(name="order"), [("/forms/1/name", "name", "“order”是系统保留字，请换一个名称", None)]),
    "menu to a missing form": (shop() | {"menu": [{"form": "sales"}]},
                               [("/menu/0/form", "unknown_form", "菜单引用的表单“sales”不存在", "您是不是想写“sale”？")]),
}



@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_definition_is_refused_with_where_and_why(case):
    data, expected = BAD[case]
    assert [(p.path, p.code, p.message, p.suggestion) for p in refused(data)] == expected


def test_a_formula_cycle_is_refused_at_the_first_formula_with_its_chain():
    data = shop()
    data["forms"][1]["fields"] += [
        {"name": "a", "type": "formula", "label": label("甲"), "expression": "b + 1", "result_type": "integer"},
        {"name": "b", "type": "formula", "label": label("乙"), "expression": "a + 1", "result_type": "integer"},
        {"name": "c", "type": "formula", "label": label("丙"), "expression": "c * 2", "result_type": "integer"},
        {"name": "d", "type": "formula", "label": label("丁"), "expression": "amount * 2", "result_type": "decimal"},
    ]
    assert [(p.path, p.code, p.message) for p in refused(data)] == [
        ("/forms/1/fields/3/expression", "formula_cycle", "公式之间存在循环引用：a → b → a"),
        ("/forms/1/fields/5/expression", "formula_cycle", "公式之间存在循环引用：c → c"),
    ]


def test_every_bad_formula_is_reported_at_its_index():
    data = shop()
    data["forms"][1]["fields"] += [
        {"name": "a", "type": "formula", "label": label("甲"), "expression": "amount *", "result_type": "decimal"},
        {"name": "b", "type": "formula", "label": label("乙"), "expression": "amout * 2", "result_type": "decimal"},
    ]
    assert [(p.path, p.code) for p in refused(data)] == [
        ("/forms/1/fields/3/expression", "syntax"), ("/forms/1/fields/4/expression", "unknown_name")]


def test_subform_fields_are_checked_like_form_fields():
    data = with_field({"name": "items", "type": "subform", "label": label("明细"), "fields": [
        text("select"),
        {"name": "qty", "type": "integer", "label": label("数量"), "min": 5, "max": 1},
        {"name": "line", "type": "formula", "label": label("小计"), "expression": "qty * price", "result_type": "decimal"},
    ]})
    assert [(p.path, p.code, p.suggestion) for p in refused(data)] == [
        (f"{NEW}/fields/0/name", "name", None),
        (f"{NEW}/fields/1/min", "range", None),
        (f"{NEW}/fields/2/expression", "unknown_name", None),
    ]


# Bad definitions, many at once

def test_every_semantic_problem_is_reported_at_once():
    data = shop()
    data["forms"][1]["title_field"] = "titel"
    data["forms"][1]["layout"] = {"sections": [{"fields": ["title", "nope"]}]}
    data["forms"][1]["fields"] += [
        text("select"),
        text("title"),
        {"name": "buyer", "type": "relation", "label": label("买家"), "target": "custmer"},
        text("memo", visible_when="().__class__"),
        {"name": "qty", "type": "integer", "label": label("数量"), "min": 3, "max": 2},
        {"name": "a", "type": "formula", "label": label("甲"), "expression": "b + 1", "result_type": "integer"},
        {"name": "b", "type": "formula", "label": label("乙"), "expression": "a + 1", "result_type": "integer"},
    ]
    problems = refused(data)
    assert [(p.path, p.code) for p in problems] == [
        ("/forms/1/fields/4/name", "duplicate"),
        ("/forms/1/fields/3/name", "name"),
        ("/forms/1/fields/5/target", "unknown_form"),
        ("/forms/1/fields/6/visible_when", "attribute"),
        ("/forms/1/fields/7/min", "range"),
        ("/forms/1/fields/8/expression", "formula_cycle"),
        ("/forms/1/title_field", "unknown_field"),
        ("/forms/1/layout/sections/0/fields/1", "unknown_field"),
    ]
    with pytest.raises(DefinitionError, match="定义有 8 处错误"):
        parse_app(data)


def test_every_schema_problem_is_reported_at_once():
    data = shop()
    data["forms"][1]["fields"] += [
        text("drop table"),
        {"name": "memo", "type": "txt", "label": label("备注")},
        {"name": "kind", "type": "select", "label": label("类型")},
    ]
    data["forms"][0]["colour"] = "red"
    problems = refused(data)
    assert [(p.path, p.code, p.suggestion) for p in problems] == [
        ("/forms/0/colour", "additionalProperties", None),
        ("/forms/1/fields/3/name", "pattern", None),
        ("/forms/1/fields/4/type", "enum", "您是不是想写“text”？"),
        ("/forms/1/fields/5", "required", None),
    ]


def test_a_problem_serializes_for_the_api():
    problem = refused(with_field({"name": "buyer", "type": "relation", "label": label("买家"), "target": "custmer"}))[0]
    assert problem.as_dict() == {"path": f"{NEW}/target", "code": "unknown_form",
                                 "message": "关联的表单“custmer”不存在", "suggestion": "您是不是想写“customer”？"}


# Storage: tables and columns are fixed the first time and kept after

def test_columns_default_to_the_field_name_and_explicit_ones_are_kept():
    data = shop()
    data["forms"][0]["fields"] = [text("name", column="full_name"), text("city"),
                                  {"name": "contacts", "type": "subform", "label": label("联系人"),
                                   "fields": [text("person"), text("mobile", column="phone_no")]}]
    app = parse_app(data)
    customer = app.form("customer")
    assert customer.table == "shop_customer"
    assert [(f.name, f.column) for f in customer.fields] == [("name", "full_name"), ("city", "city"), ("contacts", "contacts")]
    assert [(f.name, f.column) for f in customer.field("contacts").fields] == [("person", "person"), ("mobile", "phone_no")]
    assert app.form("sale").table == "shop_sale"


def test_a_new_field_does_not_take_a_column_given_to_another():
    data = shop()
    data["forms"][0]["fields"] = [text("name"), text("full_name", column="name")]
    customer = parse_app(data).form("customer")
    assert [(f.name, f.column) for f in customer.fields] == [("name", "name_"), ("full_name", "name")]


def test_an_explicit_table_is_kept():
    data = shop()
    data["forms"][0]["table"] = "legacy_clients"
    assert parse_app(data).form("customer").table == "legacy_clients"


def test_a_renamed_field_keeps_its_column():
    old = parse_app(shop())
    data = shop()
    # the builder renames "title" to "subject" and carries the column along
    data["forms"][1]["fields"][0] = text("subject", column="title")
    new = AppDef.model_validate(data)
    kept = assign_storage(new, previous=old)
    sale = kept.form("sale")
    assert [(f.name, f.column) for f in sale.fields] == [("subject", "title"), ("customer", "customer"), ("amount", "amount")]
    assert sale.table == old.form("sale").table


def test_a_new_field_named_like_a_renamed_fields_old_column_gets_a_new_column():
    old = parse_app(shop())
    data = shop()
    data["forms"][1]["fields"][0] = text("subject", column="title")
    data["forms"][1]["fields"].append(text("title"))
    kept = assign_storage(AppDef.model_validate(data), previous=old)
    columns = [(f.name, f.column) for f in kept.form("sale").fields]
    assert columns == [("subject", "title"), ("customer", "customer"), ("amount", "amount"), ("title", "title_")]


def test_fields_without_a_column_keep_the_one_they_had():
    data = shop()
    data["forms"][0]["fields"] = [text("name", column="full_name"), text("city"),
                                  {"name": "contacts", "type": "subform", "label": label("联系人"),
                                   "fields": [text("mobile", column="phone_no")]}]
    old = parse_app(data)
    data = shop()  # the same fields, as a tool that dropped the columns would send them
    data["forms"][0]["fields"] = [text("name"), text("city"),
                                  {"name": "contacts", "type": "subform", "label": label("联系人"), "fields": [text("mobile")]}]
    data["forms"][0]["table"] = None
    customer = assign_storage(AppDef.model_validate(data), previous=old).form("customer")
    assert [(f.name, f.column) for f in customer.fields] == [("name", "full_name"), ("city", "city"), ("contacts", "contacts")]
    assert customer.field("contacts").fields[0].column == "phone_no"
    assert customer.table == "shop_customer"


def test_long_names_give_a_short_stable_table_name_that_re_imports():
    app_name, form_a, form_b = "a" * 30, "customer_" + "x" * 31, "customer_" + "x" * 30 + "y"
    data = {"name": app_name, "label": label("应用"), "forms": [
        {"name": form_a, "label": label("表一"), "fields": [text("title")]},
        {"name": form_b, "label": label("表二"), "fields": [text("title")]},
    ]}
    app = parse_app(data)
    tables = [f.table for f in app.forms]
    assert all(len(t) <= 40 and re.fullmatch(NAME_PATTERN, t) for t in tables), tables
    assert tables[0] != tables[1]
    assert [f.table for f in parse_app(copy.deepcopy(data)).forms] == tables  # deterministic
    exported = app.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert parse_app(exported) == app
