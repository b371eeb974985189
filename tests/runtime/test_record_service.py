"""The record service on a small non-CRM app: composite unique indexes, defaults, datetimes."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from form_engine.bundle import parse_app
from form_engine.errors import RecordInvalid
from runtime import systables
from runtime.clock import now_precise
from runtime.database import write
from runtime.definition_store import install_app
from runtime.records import Actor, ListQuery, RecordContext, create_record, list_records

APP = {
    "name": "booking", "label": {"zh-CN": "会议室预订"},
    "forms": [{
        "name": "reservation", "label": {"zh-CN": "预订"},
        "indexes": [{"fields": ["room", "seat_no"], "unique": True}],
        "fields": [
            {"name": "room", "type": "text", "label": {"zh-CN": "会议室"}, "required": True},
            {"name": "seat_no", "type": "integer", "label": {"zh-CN": "座位号"}, "required": True},
            {"name": "booked_at", "type": "datetime", "label": {"zh-CN": "预订时间"}, "default_expression": "now()"},
            {"name": "due", "type": "datetime", "label": {"zh-CN": "到期"}},
            {"name": "overdue", "type": "formula", "label": {"zh-CN": "已过期"}, "result_type": "boolean",
             "expression": "not is_empty(due) and due < now()"},
            {"name": "guests", "type": "subform", "label": {"zh-CN": "来宾"}, "fields": [
                {"name": "guest", "type": "text", "label": {"zh-CN": "姓名"}},
                {"name": "count", "type": "integer", "label": {"zh-CN": "人数"}, "default": 1, "required": True}]},
        ]}],
}


@pytest.fixture
def booking(engine, settings, tmp_path):
    systables.metadata.create_all(engine)
    with write(engine) as conn:
        compiled = install_app(conn, parse_app(APP), tz=settings.timezone)

    def run(fn, *args, **kw):
        with write(engine) as conn:
            ctx = RecordContext(conn=conn, app=compiled, actor=Actor(id=1, username="u", full_name="用户", is_admin=True),
                                now=now_precise(settings.timezone), data_dir=Path(tmp_path))
            return fn(ctx, compiled.forms["reservation"], *args, **kw)
    return run


def test_composite_unique_index_is_a_field_error(booking, engine):
    booking(create_record, {"room": "A101", "seat_no": 3})
    booking(create_record, {"room": "A101", "seat_no": 4})
    with pytest.raises(RecordInvalid) as exc:
        booking(create_record, {"room": "A101", "seat_no": 3})
    assert [(p.path, p.code) for p in exc.value.problems] == [("seat_no", "unique")]
    assert "A101 + 3" in exc.value.problems[0].message
    assert booking(list_records, ListQuery()).total == 2


def test_now_default_and_formula_use_wall_time(booking, settings):
    before = datetime.now(settings.timezone).replace(tzinfo=None, microsecond=0)
    made = booking(create_record, {"room": "B", "seat_no": 1, "due": "2020-01-01T08:00:00+00:00"})
    assert made["booked_at"].tzinfo is None and abs((made["booked_at"] - before).total_seconds()) < 5
    assert made["due"] == datetime(2020, 1, 1, 16, 0)  # 08:00 UTC is 16:00 in Shanghai
    assert made["overdue"] is True
    page = booking(list_records, ListQuery())
    assert page.items[0]["booked_at"] == made["booked_at"].isoformat(timespec="seconds")


def test_rows_sent_without_a_field_get_its_default(booking):
    made = booking(create_record, {"room": "C", "seat_no": 1, "guests": [{"guest": "王芳"}, {"guest": "李雷", "count": 3}]})
    assert [r["count"] for r in made["guests"]] == [1, 3]


@pytest.mark.parametrize("ext, kind, accept, ok", [
    (".pdf", "application/pdf", (".pdf",), True),
    (".PDF", "application/pdf", (".pdf",), False),  # the caller lower-cases the extension
    (".png", "image/png", ("image/*",), True),
    (".exe", "application/octet-stream", ("image/*", ".pdf"), False),
    (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("application/pdf",), False),
])
def test_accept_rules_like_the_html_attribute(ext, kind, accept, ok):
    from runtime.records.files import accepted
    assert accepted(ext, kind, accept) is ok
