"""The app meta-schema agrees with the pydantic definitions and reports problems a user can read."""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from form_engine.definitions import (
    AppDef, ArchivedFieldDef, FieldDef, FormDef, IndexDef, LabelDef, LayoutDef, MenuItemDef, OptionDef, SectionDef,
    ValidationRuleDef,
)
from form_engine.errors import Problem
from form_engine.fieldtypes import FIELD_TYPES as REGISTERED_TYPES
from form_engine.identifiers import NAME_PATTERN, RESERVED, name_problem
from form_engine.metaschema import app_schema, check_app, check_form, form_schema

FIELD_TYPES = [
    "text", "textarea", "integer", "decimal", "percent", "date", "datetime", "boolean", "select",
    "multiselect", "phone", "email", "url", "id_card", "relation", "subform", "user", "department",
    "attachment", "auto_number", "formula",
]
RESULT_TYPES = ["text", "integer", "decimal", "percent", "date", "datetime", "boolean"]
NAME_MESSAGE = name_problem("Drop Table")


def label(zh: str, en: str | None = None) -> dict:
    return {"zh-CN": zh} if en is None else {"zh-CN": zh, "en": en}


def minimal_app() -> dict:
    return {
        "name": "crm",
        "label": label("客户管理"),
        "forms": [{
            "name": "customer",
            "label": label("客户"),
            "fields": [{"name": "title", "type": "text", "label": label("客户名称")}],
        }],
    }


def rich_app() -> dict:
    """An app using every field type with the options it takes, and every optional part."""
    options = [
        {"value": "a", "label": label("重点客户", "Key account"), "color": "#f5222d"},
        {"value": "b", "label": label("普通客户")},
        {"value": "c", "label": label("潜在客户"), "color": None},
    ]
    customer_fields = [
        {
            "name": "title", "type": "text", "label": label("客户名称", "Name"), "column": "title",
            "required": True, "unique": True, "min_length": 2, "max_length": 100,
            "pattern": r"^\S.*$", "pattern_message": label("不能以空格开头"),
            "placeholder": label("请输入客户全称"), "help": label("营业执照上的名称"),
            "in_list": True, "searchable": True,
        },
        {"name": "notes", "type": "textarea", "label": label("备注"), "max_length": 2000,
         "visible_when": "level == \"a\"", "readonly_when": None},
        {"name": "headcount", "type": "integer", "label": label("员工人数"), "min": 0,
         "max": 1000000, "default": 0},
        {"name": "amount", "type": "decimal", "label": label("年采购额"), "precision": 18,
         "scale": 2, "min": 0.0},
        {"name": "discount", "type": "percent", "label": label("折扣"), "min": 0, "max": 100},
        {"name": "signed_on", "type": "date", "label": label("签约日期"),
         "default_expression": "today()"},
        {"name": "visited_at", "type": "datetime", "label": label("最近拜访")},
        {"name": "is_key", "type": "boolean", "label": label("重点跟进"), "default": False},
        {"name": "level", "type": "select", "label": label("客户等级"), "options": options,
         "default": "b"},
        {"name": "tags", "type": "multiselect", "label": label("标签"), "options": options[:2]},
        {"name": "phone", "type": "phone", "label": label("电话")},
        {"name": "email", "type": "email", "label": label("邮箱")},
        {"name": "website", "type": "url", "label": label("网址")},
        {"name": "legal_id", "type": "id_card", "label": label("法人身份证号")},
        {"name": "company", "type": "relation", "label": label("所属公司"), "target": "company",
         "display_field": "company_name"},
        {
            "name": "items", "type": "subform", "label": label("采购明细"),
            "fields": [
                {"name": "product", "type": "text", "label": label("产品"), "required": True},
                {"name": "qty", "type": "integer", "label": label("数量"), "min": 1},
                {"name": "price", "type": "decimal", "label": label("单价"), "scale": 2},
                {"name": "line_total", "type": "formula", "label": label("小计"),
                 "expression": "qty * price", "result_type": "decimal"},
            ],
        },
        {"name": "sales_rep", "type": "user", "label": label("销售负责人")},
        {"name": "dept", "type": "department", "label": label("所属部门")},
        {"name": "contract", "type": "attachment", "label": label("合同"), "max_size_mb": 20,
         "accept": [".pdf", "image/*"], "multiple": True},
        {"name": "code", "type": "auto_number", "label": label("客户编号"),
         "number_pattern": "KH-{yyyy}-{seq:4}"},
        {"name": "net_amount", "type": "formula", "label": label("折后金额"),
         "expression": "amount * (1 - discount / 100)", "result_type": "decimal"},
    ]
    return {
        "schema_version": 1,
        "name": "crm",
        "label": label("客户管理", "CRM"),
        "description": label("管理客户、联系人和合同"),
        "forms": [
            {
                "schema_version": 1,
                "name": "customer",
                "label": label("客户", "Customer"),
                "table": "crm_customer",
                "icon": "user",
                "title_field": "title",
                "fields": customer_fields,
                "rules": [
                    {"expression": "discount <= 50", "message": label("折扣不能超过 50%"),
                     "field": "discount"},
                    {"expression": "headcount >= 0", "message": label("人数不能为负")},
                ],
                "indexes": [{"fields": ["title"], "unique": True}, {"fields": ["level", "dept"]}],
                "layout": {"sections": [
                    {"title": label("基本信息"), "columns": 2, "fields": ["title", "level"]},
                    {"fields": ["items"], "columns": 1},
                ]},
                "default_sort": "-updated_at",
            },
            {
                "name": "company",
                "label": label("公司"),
                "fields": [{"name": "company_name", "type": "text", "label": label("公司名称")}],
                "layout": None,
            },
        ],
        "menu": [{"form": "customer", "group": label("客户")}, {"form": "company"}],
        "demo": {"company": [{"company_name": "示例公司"}]},
    }


def with_field(**field_def) -> dict:
    """The minimal app with one more field (at /forms/0/fields/1)."""
    app = minimal_app()
    app["forms"][0]["fields"].append({"name": "extra", "label": label("附加"), **field_def})
    return app


def changed(app: dict, path: str, value=None, *, delete: bool = False) -> dict:
    """A copy of `app` with the value at JSON pointer `path` replaced (or deleted)."""
    app = copy.deepcopy(app)
    *parents, last = [int(p) if p.isdigit() else p for p in path.strip("/").split("/")]
    target = app
    for part in parents:
        target = target[part]
    last = int(last) if isinstance(target, list) else last
    if delete:
        del target[last]
    else:
        target[last] = value
    return app


@dataclass(frozen=True)
class Bad:
    id: str
    data: object
    problems: list[Problem] = field(default_factory=list)


F = "/forms/0/fields/1"
SUBFORM = {"name": "lines", "type": "subform", "label": label("明细"),
           "fields": [{"name": "qty", "type": "integer", "label": label("数量")}]}

BAD = [
    Bad("unknown_type", with_field(type="strin"),
        [Problem(f"{F}/type", "未知的字段类型“strin”", "enum")]),
    Bad("unknown_type_with_suggestion", with_field(type="selet", options=[]),
        [Problem(f"{F}/type", "未知的字段类型“selet”", "enum", "您是不是想写“select”？")]),
    Bad("type_not_a_string", with_field(type=5),
        [Problem(f"{F}/type", "应为文本，现在是整数", "type")]),
    Bad("missing_field_label", changed(with_field(type="text"), f"{F}/label", delete=True),
        [Problem(F, "缺少必填项“label”", "required")]),
    Bad("missing_form_fields", changed(minimal_app(), "/forms/0/fields", delete=True),
        [Problem("/forms/0", "缺少必填项“fields”", "required")]),
    Bad("missing_forms", changed(minimal_app(), "/forms", delete=True),
        [Problem("", "缺少必填项“forms”", "required")]),
    Bad("relation_without_target", with_field(type="relation"),
        [Problem(F, "缺少必填项“target”", "required")]),
    Bad("relation_with_null_target", with_field(type="relation", target=None),
        [Problem(f"{F}/target", "应为文本，现在是空值", "type")]),
    Bad("select_without_options", with_field(type="select"),
        [Problem(F, "缺少必填项“options”", "required")]),
    Bad("multiselect_with_no_options", with_field(type="multiselect", options=[]),
        [Problem(f"{F}/options", "至少需要 1 项", "minItems")]),
    Bad("subform_without_fields", with_field(type="subform"),
        [Problem(F, "缺少必填项“fields”", "required")]),
    Bad("subform_inside_subform", with_field(type="subform", fields=[SUBFORM]),
        [Problem(f"{F}/fields/0/type", "子表单里不能再放子表单", "not")]),
    Bad("auto_number_without_pattern", with_field(type="auto_number"),
        [Problem(F, "缺少必填项“number_pattern”", "required")]),
    Bad("formula_without_result_type", with_field(type="formula", expression="1 + 1"),
        [Problem(F, "缺少必填项“result_type”", "required")]),
    Bad("formula_with_unknown_result_type",
        with_field(type="formula", expression="1 + 1", result_type="decimel"),
        [Problem(f"{F}/result_type", "未知的结果类型“decimel”", "enum", "您是不是想写“decimal”？")]),
    Bad("field_property_typo", changed(with_field(type="text"), f"{F}/lable", label("附加")),
        [Problem(f"{F}/lable", "不认识的属性“lable”", "additionalProperties",
                 "您是不是想写“label”？")]),
    Bad("typo_replacing_a_required_property",
        changed(changed(with_field(type="text"), f"{F}/label", delete=True), f"{F}/lable", label("附加")),
        [Problem(F, "缺少必填项“label”", "required"),
         Problem(f"{F}/lable", "不认识的属性“lable”", "additionalProperties",
                 "您是不是想写“label”？")]),
    Bad("option_property_typo",
        with_field(type="select", options=[{"value": "a", "label": label("甲"), "colour": "red"}]),
        [Problem(f"{F}/options/0/colour", "不认识的属性“colour”", "additionalProperties",
                 "您是不是想写“color”？")]),
    Bad("bad_form_name", changed(minimal_app(), "/forms/0/name", "Drop Table"),
        [Problem("/forms/0/name", NAME_MESSAGE, "pattern")]),
    Bad("bad_app_name", changed(minimal_app(), "/name", "1crm"),
        [Problem("/name", NAME_MESSAGE, "pattern")]),
    Bad("bad_field_name", changed(minimal_app(), "/forms/0/fields/0/name", "客户名称"),
        [Problem("/forms/0/fields/0/name", NAME_MESSAGE, "pattern")]),
    Bad("bad_column_name", with_field(type="text", column="x" * 41),
        [Problem(f"{F}/column", NAME_MESSAGE, "pattern")]),
    Bad("bad_table_name", changed(minimal_app(), "/forms/0/table", "crm-customer"),
        [Problem("/forms/0/table", NAME_MESSAGE, "pattern")]),
    Bad("wrong_type_for_required", with_field(type="text", required="必填"),
        [Problem(f"{F}/required", "应为是/否（true/false），现在是文本", "type")]),
    Bad("yes_for_required", with_field(type="text", required="yes"),
        [Problem(f"{F}/required", "应为是/否（true/false），现在是文本", "type")]),
    Bad("label_is_a_string", changed(minimal_app(), "/label", "客户管理"),
        [Problem("/label", "应为对象，现在是文本", "type")]),
    Bad("empty_chinese_label", changed(minimal_app(), "/forms/0/label", {"zh-CN": ""}),
        [Problem("/forms/0/label/zh-CN", "不能为空", "minLength")]),
    Bad("label_with_python_key", changed(minimal_app(), "/forms/0/label", {"zh": "客户"}),
        [Problem("/forms/0/label", "缺少必填项“zh-CN”", "required"),
         Problem("/forms/0/label/zh", "不认识的属性“zh”", "additionalProperties")]),
    Bad("optional_label_is_a_string", with_field(type="text", help="请填写全称"),
        [Problem(f"{F}/help", "应为对象，现在是文本", "type")]),
    Bad("optional_label_without_chinese", with_field(type="text", help={"en": "Full name"}),
        [Problem(f"{F}/help", "缺少必填项“zh-CN”", "required")]),
    Bad("precision_not_an_integer", with_field(type="decimal", precision=2.5),
        [Problem(f"{F}/precision", "应为整数，现在是数字", "type")]),
    Bad("empty_form", changed(minimal_app(), "/forms/0/fields", []),
        [Problem("/forms/0/fields", "至少需要 1 项", "minItems")]),
    Bad("index_without_fields", changed(minimal_app(), "/forms/0/indexes", [{"fields": []}]),
        [Problem("/forms/0/indexes/0/fields", "至少需要 1 项", "minItems")]),
    Bad("too_many_layout_columns",
        changed(minimal_app(), "/forms/0/layout", {"sections": [{"fields": ["title"], "columns": 5}]}),
        [Problem("/forms/0/layout/sections/0/columns", "不能大于 4", "maximum")]),
    Bad("layout_is_a_list", changed(minimal_app(), "/forms/0/layout", []),
        [Problem("/forms/0/layout", "应为对象，现在是列表", "type")]),
    Bad("menu_item_without_form", changed(minimal_app(), "/menu", [{"group": label("客户")}]),
        [Problem("/menu/0", "缺少必填项“form”", "required")]),
    Bad("demo_is_a_list", changed(minimal_app(), "/demo", []),
        [Problem("/demo", "应为对象，现在是列表", "type")]),
    Bad("app_is_a_list", [minimal_app()], [Problem("", "应为对象，现在是列表", "type")]),
    Bad("app_is_null", None, [Problem("", "应为对象，现在是空值", "type")]),
]

# Rules pydantic can't state declaratively (they depend on another property's value); the
# meta-schema holds them and the model accepts these samples.
SCHEMA_ONLY = {
    "relation_without_target": "relation needs target (if/then)",
    "relation_with_null_target": "relation needs target (if/then)",
    "select_without_options": "select needs options (if/then)",
    "multiselect_with_no_options": "multiselect needs ≥ 1 option (if/then)",
    "subform_without_fields": "subform needs fields (if/then)",
    "subform_inside_subform": "a subform's fields may not be subforms (if/then)",
    "auto_number_without_pattern": "auto_number needs number_pattern (if/then)",
    "formula_without_result_type": "formula needs result_type (if/then)",
}
# Rules pydantic could state but definitions.py does not (yet): the schema refuses these
# samples and FormDef/FieldDef/LabelDef accept them. Names are checked in code with
# identifiers.name_problem; the rest are gaps in the models.
MODEL_GAPS = {
    "unknown_type": "FieldDef.type is a plain str, not the enum of field types",
    "unknown_type_with_suggestion": "FieldDef.type is a plain str, not the enum of field types",
    "formula_with_unknown_result_type": "FieldDef.result_type is a plain str",
    "bad_form_name": "names are plain str in the models (NAME_PATTERN is checked in code)",
    "bad_app_name": "names are plain str in the models (NAME_PATTERN is checked in code)",
    "bad_field_name": "names are plain str in the models (NAME_PATTERN is checked in code)",
    "bad_column_name": "names are plain str in the models (NAME_PATTERN is checked in code)",
    "bad_table_name": "names are plain str in the models (NAME_PATTERN is checked in code)",
    "empty_form": "FormDef.fields has no min_length=1",
    "yes_for_required": "pydantic's lax mode turns \"yes\" into True",
    "label_with_python_key": "populate_by_name lets LabelDef take its Python name `zh`",
}


def pydantic_refuses(data: object) -> bool:
    try:
        AppDef.model_validate(data)
    except ValidationError:
        return True
    return False


# -- valid definitions ---------------------------------------------------------------------

@pytest.mark.parametrize("make", [minimal_app, rich_app])
def test_valid_apps_pass_the_schema_and_the_models(make):
    data = make()
    assert check_app(data) == []
    app = AppDef.model_validate(data)
    assert app.model_dump(mode="json", by_alias=True, exclude_unset=True) == data


def test_rich_app_uses_every_field_type():
    used = {f["type"] for form in rich_app()["forms"] for f in form["fields"]}
    assert used == set(FIELD_TYPES)


def test_a_dumped_model_passes_the_schema():
    dumped = AppDef.model_validate(rich_app()).model_dump(mode="json", by_alias=True)
    assert check_app(dumped) == []


def test_reserved_words_are_left_to_code():
    app = changed(minimal_app(), "/forms/0/name", "select")
    assert "select" in RESERVED
    assert check_app(app) == []


# -- bad definitions -----------------------------------------------------------------------

@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.id)
def test_bad_definition_problems(bad):
    assert check_app(bad.data) == bad.problems


@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.id)
def test_model_and_schema_agree(bad):
    """The model refuses whatever the schema refuses, except for the samples listed above."""
    assert check_app(bad.data), "the schema should refuse this sample"
    if bad.id in SCHEMA_ONLY or bad.id in MODEL_GAPS:
        reason = SCHEMA_ONLY.get(bad.id) or MODEL_GAPS[bad.id]
        assert not pydantic_refuses(bad.data), (
            f"pydantic now refuses {bad.id!r} ({reason}): remove it from the schema-only lists"
        )
    else:
        assert pydantic_refuses(bad.data)


def test_schema_only_lists_name_real_samples():
    ids = {b.id for b in BAD}
    assert set(SCHEMA_ONLY) <= ids
    assert set(MODEL_GAPS) <= ids


def test_every_problem_is_reported_at_once_in_path_order():
    app = minimal_app()
    fields = app["forms"][0]["fields"]
    fields.extend({"name": f"f{i}", "type": "text", "label": label(f"字段{i}")} for i in range(1, 11))
    fields[10]["type"] = "strin"
    fields[2]["name"] = "Bad Name"
    app["forms"].append({"name": "order", "label": label("订单"), "fields": [], "colour": "red"})
    app["label"] = "客户管理"
    assert [(p.path, p.code) for p in check_app(app)] == [
        ("/forms/0/fields/2/name", "pattern"),
        ("/forms/0/fields/10/type", "enum"),
        ("/forms/1/colour", "additionalProperties"),
        ("/forms/1/fields", "minItems"),
        ("/label", "type"),
    ]


def test_problems_render_for_the_api():
    [problem] = check_app(with_field(type="selet", options=[]))
    assert problem.as_dict() == {
        "path": "/forms/0/fields/1/type", "code": "enum", "message": "未知的字段类型“selet”",
        "suggestion": "您是不是想写“select”？",
    }


# -- one form ------------------------------------------------------------------------------

def test_check_form_prefixes_paths():
    form = with_field(type="relation")["forms"][0]
    assert check_form(form) == [Problem("/fields/1", "缺少必填项“target”", "required")]
    assert check_form(form, base_path="/forms/3") == [
        Problem("/forms/3/fields/1", "缺少必填项“target”", "required"),
    ]


def test_check_form_accepts_the_rich_forms():
    for form in rich_app()["forms"]:
        assert check_form(form) == []
        FormDef.model_validate(form)


def test_check_form_refuses_a_non_object_once():
    assert check_form("customer", base_path="/forms/0") == [
        Problem("/forms/0", "应为对象，现在是文本", "type"),
    ]


def test_form_schema_is_standalone():
    schema = json.loads(json.dumps(form_schema()))  # no Python objects, no outside references
    Draft202012Validator.check_schema(schema)
    assert schema["$ref"] == "#/$defs/form"
    assert schema["$defs"] == app_schema()["$defs"]
    validator = Draft202012Validator(schema)
    assert validator.is_valid(rich_app()["forms"][0])
    assert not validator.is_valid(with_field(type="select")["forms"][0])


# -- the schema says what the models say ---------------------------------------------------

def test_schema_is_a_valid_draft_2020_12_schema():
    schema = app_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://formwork.dev/schema/app.schema.json"
    assert app_schema() is schema  # loaded once


MODELS = {
    "label": LabelDef, "option": OptionDef, "field": FieldDef, "validation_rule": ValidationRuleDef,
    "index": IndexDef, "section": SectionDef, "layout": LayoutDef, "form": FormDef,
    "menu_item": MenuItemDef, "app": AppDef, "archived_field": ArchivedFieldDef,
}


@pytest.mark.parametrize("def_name", MODELS)
def test_properties_match_the_model(def_name):
    model, spec = MODELS[def_name], app_schema()["$defs"][def_name]
    keys = {f.alias or name for name, f in model.model_fields.items()}
    required = {f.alias or name for name, f in model.model_fields.items() if f.is_required()}
    assert set(spec["properties"]) == keys
    assert set(spec.get("required", [])) == required
    assert (spec["additionalProperties"] is False) == (model.model_config.get("extra") == "forbid")


def _walk(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, (*path, i))


def test_names_use_the_identifier_pattern():
    defs = app_schema()["$defs"]
    with_pattern = {
        (path[0], path[2]) for path, node in _walk(defs) if "pattern" in node and path[-2:-1] == ("properties",)
    } - {("app", "color")}  # a hex colour, not a name
    assert with_pattern == {
        ("app", "name"), ("form", "name"), ("form", "table"), ("field", "name"), ("field", "column"), ("role", "name"),
    }
    for def_name, prop in with_pattern:
        assert defs[def_name]["properties"][prop]["pattern"] == NAME_PATTERN


def test_type_enums():
    props = app_schema()["$defs"]["field"]["properties"]
    assert props["type"]["enum"] == FIELD_TYPES
    assert props["result_type"]["enum"] == [*RESULT_TYPES, None]


def test_type_enum_matches_the_field_type_registry():
    assert set(app_schema()["$defs"]["field"]["properties"]["type"]["enum"]) == set(REGISTERED_TYPES)
    assert set(RESULT_TYPES) <= set(REGISTERED_TYPES)


def test_every_property_has_a_chinese_description():
    chinese = re.compile(r"[\u4e00-\u9fff]")
    for def_name, spec in app_schema()["$defs"].items():
        assert chinese.search(spec["description"]), def_name
        for prop, prop_spec in spec.get("properties", {}).items():
            assert chinese.search(prop_spec.get("description", "")), f"{def_name}.{prop}"
