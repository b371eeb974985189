"""The audit row of a create lists every field that holds a value, exactly as the general diff would."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from form_engine.bundle import parse_app
from runtime import systables
from runtime.clock import now_precise
from runtime.database import write
from runtime.definition_store import install_app
from runtime.records import Actor, RecordContext, create_record
from runtime.records.audit import _diff

APP = {
    "name": "kit", "label": {"zh-CN": "样例"},
    "forms": [
        {"name": "maker", "label": {"zh-CN": "厂商"},
         "fields": [{"name": "title", "type": "text", "label": {"zh-CN": "名称"}}]},
        {"name": "purchase", "label": {"zh-CN": "订单"}, "fields": [
            {"name": "title", "type": "text", "label": {"zh-CN": "名称"}, "required": True},
            {"name": "note", "type": "textarea", "label": {"zh-CN": "备注"}},
            {"name": "qty", "type": "integer", "label": {"zh-CN": "数量"}},
            {"name": "price", "type": "decimal", "label": {"zh-CN": "单价"}, "precision": 12, "scale": 2},
            {"name": "rate", "type": "percent", "label": {"zh-CN": "折扣"}},
            {"name": "due", "type": "date", "label": {"zh-CN": "交期"}},
            {"name": "at", "type": "datetime", "label": {"zh-CN": "时间"}},
            {"name": "paid", "type": "boolean", "label": {"zh-CN": "已付"}},
            {"name": "kind", "type": "select", "label": {"zh-CN": "类型"}, "default": "a",
             "options": [{"value": "a", "label": {"zh-CN": "甲"}}, {"value": "b", "label": {"zh-CN": "乙"}}]},
            {"name": "tags", "type": "multiselect", "label": {"zh-CN": "标签"},
             "options": [{"value": "x", "label": {"zh-CN": "X"}}, {"value": "y", "label": {"zh-CN": "Y"}}]},
            {"name": "maker", "type": "relation", "label": {"zh-CN": "厂商"}, "target": "maker"},
            {"name": "buyer", "type": "user", "label": {"zh-CN": "采购"}},
            {"name": "total", "type": "formula", "label": {"zh-CN": "金额"}, "result_type": "decimal",
             "expression": "qty * price"},
            {"name": "lines", "type": "subform", "label": {"zh-CN": "明细"}, "fields": [
                {"name": "item", "type": "text", "label": {"zh-CN": "品名"}},
                {"name": "n", "type": "integer", "label": {"zh-CN": "数"}, "default": 1}]},
        ]},
    ],
}


@pytest.fixture
def kit(engine, settings, tmp_path):
    systables.metadata.create_all(engine)
    with write(engine) as conn:
        compiled = install_app(conn, parse_app(APP), tz=settings.timezone)

    def create(form: str, data: dict) -> dict:
        with write(engine) as conn:
            ctx = RecordContext(conn=conn, app=compiled, actor=Actor(id=1, username="u", full_name="用户", is_admin=True),
                                now=now_precise(settings.timezone), data_dir=Path(tmp_path))
            return create_record(ctx, compiled.forms[form], data)
    return compiled, create


def logged(engine, record_id: int) -> dict:
    a = systables.audit
    with engine.connect() as conn:
        row = conn.execute(select(a.c.changes).where(a.c.form == "purchase", a.c.record_id == record_id)).one()
    return orjson.loads(row.changes)


@pytest.mark.parametrize("data", [
    {"title": "空的"},
    {"title": "全的", "note": "n", "qty": 3, "price": "2.50", "rate": "12.5", "due": "2026-01-02",
     "at": "2026-01-02T08:00:00+00:00", "paid": False, "kind": "b", "tags": ["x", "y"],
     "lines": [{"item": "螺丝", "n": 2}, {"item": "垫片"}]},
    {"title": "零", "note": "", "qty": 0, "price": "0", "paid": True, "tags": [], "lines": []},
])
def test_a_create_is_logged_as_the_general_diff_logs_it(kit, engine, data):
    compiled, create = kit
    maker = create("maker", {"title": "甲厂"})
    record = create("purchase", {**data, "maker": maker["id"]} if len(data) > 1 else data)
    form = compiled.forms["purchase"]
    general = _diff(form, {"(anything)": None}, record)  # a non-empty `before` takes the general loop
    assert _diff(form, {}, record) == general
    assert logged(engine, record["id"]) == orjson.loads(orjson.dumps(general, default=str))
    assert general["owner_id"] == [None, 1] and general["kind"] == [None, data.get("kind", "a")]
    assert ("note" in general) == bool(data.get("note")) and ("lines" in general) == bool(data.get("lines"))
    if data.get("lines"):  # rows: from no rows to these; row ids are left out of a diff (shown as None)
        assert general["lines"] == [[], [{"id": None, "item": "螺丝", "n": 2}, {"id": None, "item": "垫片", "n": 1}]]
