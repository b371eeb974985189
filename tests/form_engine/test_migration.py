"""Migration planning without a database: how values convert, what each change is called."""
from __future__ import annotations

from decimal import Decimal

import pytest

from form_engine.definitions import FieldDef, FormDef, LabelDef
from form_engine.fieldtypes import FIELD_TYPES
from form_engine.fieldtypes.labels import TYPE_LABELS
from form_engine.migration import converter, plan_form

L = LabelDef(**{"zh-CN": "字段"})


def f(type_: str, **kw) -> FieldDef:
    return FieldDef(name=kw.pop("name", "x"), type=type_, label=L, column=kw.pop("column", "x"), **kw)


def form(*fields: FieldDef) -> FormDef:
    return FormDef(name="t", label=L, fields=fields, table="app_t")


def test_every_field_type_has_a_palette_label():
    assert set(TYPE_LABELS) == set(FIELD_TYPES)


@pytest.mark.parametrize("old, new, value, expected, lost", [
    (f("text"), f("integer"), "1,200", 1200, False),
    (f("text"), f("integer"), "A-01", None, True),
    (f("text"), f("decimal"), "￥1,200.5", Decimal("1200.50"), False),
    (f("integer"), f("text"), 42, "42", False),
    (f("decimal", scale=2), f("decimal", scale=1), Decimal("1.25"), Decimal("1.3"), True),
    (f("decimal", scale=2), f("decimal", scale=1), Decimal("1.20"), Decimal("1.2"), False),
    (f("text"), f("phone"), "138 1234 5678", "13812345678", False),
    (f("text"), f("phone"), "12345", None, True),
    (f("text"), f("date"), "2026-03-01", None, False),
])
def test_converter(old, new, value, expected, lost):
    convert = converter(old, new)
    result, problem = convert(value)
    if new.type != "date":
        assert result == expected
    assert bool(problem) == lost


def test_links_and_files_do_not_convert():
    assert converter(f("relation", target="a"), f("relation", target="b")) is None
    assert converter(f("text"), f("attachment")) is None
    assert converter(f("subform"), f("text")) is None


def test_plan_names_each_change():
    old = form(f("text", name="a", column="a"), f("text", name="b", column="b"), f("text", name="c", column="c"))
    new = form(f("text", name="a2", column="a"), f("integer", name="b", column="b"), f("text", name="d"))
    plan = plan_form(old, new.model_copy(update={"fields": (*new.fields[:2], f("text", name="d", column="d"))}),
                     version=2, at="2026-11-22T10:00:00")
    kinds = [c.kind for c in plan.changes]
    assert kinds == ["rename", "convert", "add_field", "remove_field"]
    b = next(x for x in plan.form.fields if x.name == "b")
    assert b.column != "b"  # converted values go to a new column
    assert [(a.field.name, a.reason, a.version) for a in plan.form.archived] == [("b", "converted", 2), ("c", "removed", 2)]
