"""Diffing two versions of a form: fields matched by column, so a new name is a rename."""
from __future__ import annotations

from form_engine.definitions import FormDef
from runtime.versions import diff_forms


def form(*fields: dict, **extra) -> FormDef:
    return FormDef.model_validate({"name": "customer", "label": {"zh-CN": "客户"}, "fields": list(fields), **extra})


def text(name: str, column: str | None = None, **kw) -> dict:
    return {"name": name, "type": "text", "label": {"zh-CN": kw.pop("zh", name)}, "column": column or name, **kw}


LEVEL = {"name": "level", "type": "select", "label": {"zh-CN": "级别"}, "column": "level",
         "options": [{"value": "a", "label": {"zh-CN": "甲"}}, {"value": "b", "label": {"zh-CN": "乙"}}]}


def test_first_version_is_the_initial_one():
    diff = diff_forms(None, form(text("name")), new_version=1)
    assert diff.summary() == "初始版本" and diff.as_json()["from"] is None


def test_added_removed_renamed_and_changed_fields():
    old = form(text("name", zh="名称"), text("city", zh="城市"), text("memo", zh="备注"), LEVEL)
    level = {**LEVEL, "required": True, "options": [LEVEL["options"][0], {"value": "c", "label": {"zh-CN": "丙"}}]}
    new = form(text("title", "name", zh="名称"), text("city", zh="所在城市"), level, text("phone", zh="电话"))
    diff = diff_forms(old, new, old_version=1, new_version=2)
    kinds = {(f.kind, f.name) for f in diff.fields}
    assert kinds == {("renamed", "title"), ("changed", "city"), ("changed", "level"), ("added", "phone"),
                     ("removed", "memo")}
    renamed = next(f for f in diff.fields if f.kind == "renamed")
    assert renamed.old_name == "name" and renamed.column == "name" and renamed.changes == ()
    level_change = next(f for f in diff.fields if f.name == "level")
    assert [c.prop for c in level_change.changes] == ["required", "options"]
    assert level_change.changes[1].detail == "新增选项“丙”；删除选项“乙”"
    assert level_change.changes[0].detail == "否 → 是"
    city = next(f for f in diff.fields if f.name == "city")
    assert city.changes[0].detail == "城市 → 所在城市"
    assert diff.summary() == ("新增字段：电话；删除字段：备注；改名：name → title；"
                              "修改字段：所在城市（显示名）、级别（必填、选项）")


def test_a_type_change_on_the_same_column_is_a_change_and_subform_rows_are_compared():
    items = {"name": "items", "type": "subform", "label": {"zh-CN": "明细"}, "column": "items",
             "fields": [text("item"), {"name": "qty", "type": "integer", "label": {"zh-CN": "数量"}, "column": "qty"}]}
    new_items = {**items, "fields": [text("product", "item"), {"name": "qty", "type": "decimal", "label": {"zh-CN": "数量"},
                                                              "column": "qty", "scale": 1}]}
    diff = diff_forms(form(text("code"), items), form(text("code"), new_items), old_version=3, new_version=4)
    assert [(f.kind, f.path) for f in diff.fields] == [("renamed", "items.product"), ("changed", "items.qty")]
    qty = diff.fields[1]
    assert {c.prop: (c.old, c.new) for c in qty.changes} == {"type": ("integer", "decimal"), "scale": (None, 1)}


def test_form_level_changes_and_no_change():
    old = form(text("name"))
    assert diff_forms(old, old, old_version=1, new_version=2).summary() == "没有变化"
    new = form(text("name"), label={"zh-CN": "顾客"},
               rules=[{"expression": "len(name) > 1", "message": {"zh-CN": "太短"}}])
    diff = diff_forms(old, new, old_version=1, new_version=2)
    assert [c.prop for c in diff.form] == ["label", "rules"]
    assert diff.summary() == "修改表单：表单名称、校验规则"


def test_a_conversion_into_a_new_column_is_one_changed_field():
    old = form(text("code"), text("city", zh="城市"))
    new = FormDef.model_validate({**form(text("code"), {"name": "city", "type": "integer", "label": {"zh-CN": "城市"},
                                                        "column": "city_2"}).model_dump(by_alias=True),
                                  "archived": [{"field": text("city", zh="城市"), "reason": "converted", "version": 2,
                                                "at": "2026-11-22T10:00:00"}]})
    diff = diff_forms(old, new, old_version=1, new_version=2)
    assert [(f.kind, f.name, f.column, f.archived) for f in diff.fields] == [("changed", "city", "city_2", True)]
    assert [(c.prop, c.old, c.new) for c in diff.fields[0].changes] == [("type", "text", "integer"),
                                                                      ("column", "city", "city_2")]
    assert diff.summary() == "修改字段：城市（类型、数据列）"
