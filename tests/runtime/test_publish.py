"""Publishing a changed app: the plan read from the data, and what each change does to the rows.

Every test runs on SQLite and, with FORMWORK_TEST_DATABASE_URL, on PostgreSQL. Records are
written and read through the HTTP API, so a test also sees the running app pick up each version.
"""
from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from form_engine.errors import DefinitionError
from runtime import systables
from runtime.auth.users import create_token, create_user
from runtime.clock import now
from runtime.database import read, write
from runtime.definition_store import published_app
from runtime.publish import (LossNotAccepted, PublishBlocked, PublishFailed, app_without_form, plan_publish, publish,
                             purge_archived)

L = lambda zh: {"zh-CN": zh}  # noqa: E731

SHOP = {
    "name": "shop", "label": L("小店"),
    "forms": [
        {"name": "client", "label": L("客户"), "title_field": "name", "fields": [
            {"name": "name", "type": "text", "label": L("名称"), "required": True},
            {"name": "code", "type": "text", "label": L("编码")},
            {"name": "level", "type": "select", "label": L("等级"), "options": [
                {"value": "a", "label": L("重要")}, {"value": "b", "label": L("普通")}, {"value": "c", "label": L("一般")}]},
            {"name": "credit", "type": "decimal", "label": L("信用额度"), "precision": 12, "scale": 2},
            {"name": "items", "type": "subform", "label": L("联系人"), "fields": [
                {"name": "who", "type": "text", "label": L("姓名")},
            ]},
        ]},
    ],
}


@pytest.fixture
def shop(engine, settings):
    systables.create_all(engine)
    with write(engine) as conn:
        admin = create_user(conn, username="admin", password="pw-123456-admin", full_name="管理员",
                            now=now(settings.timezone), is_admin=True)
    publish(engine, "shop", SHOP, tz=settings.timezone, user_id=admin)
    return admin


@pytest.fixture
def api(shop, engine, settings):
    from runtime.web.app import create_app
    with write(engine) as conn:
        token = create_token(conn, user_id=shop, name="t", now=now(settings.timezone))
    application = create_app(settings)
    with TestClient(application, headers={"Authorization": f"Bearer {token}"}) as c:
        yield c
    application.state.formwork.engine.dispose()


def url(record_id=None) -> str:
    return "/api/v1/apps/shop/forms/client/records" + (f"/{record_id}" if record_id else "")


def add(api, **data) -> int:
    r = api.post(url(), json={"name": "客户", **data})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def current(engine) -> dict:
    with read(engine) as conn:
        return published_app(conn, "shop").model_dump(mode="json", by_alias=True, exclude_none=True)


def edit(engine, change) -> dict:
    """The published app as the designer sends it back (columns included), changed by `change(fields)`."""
    data = copy.deepcopy(current(engine))
    change(data["forms"][0]["fields"])
    return data


def field(fields, name) -> dict:
    return next(f for f in fields if f["name"] == name)


def do(engine, settings, proposed, **kw):
    return publish(engine, "shop", proposed, tz=settings.timezone, user_id=None, **kw)


def plan(engine, settings, proposed):
    with read(engine) as conn:
        return plan_publish(conn, "shop", proposed, tz=settings.timezone)


def columns(engine, table="shop_client") -> set[str]:
    with read(engine) as conn:
        return {c["name"] for c in inspect(conn).get_columns(table)}


def versions(engine) -> list[int]:
    d = systables.definition
    with read(engine) as conn:
        return [v for (v,) in conn.execute(select(d.c.version).where(d.c.kind == "form", d.c.name == "client")
                                           .order_by(d.c.version))]


def test_publishing_a_new_app_creates_it(shop, engine):
    assert "shop_client" in inspect(engine).get_table_names()
    assert versions(engine) == [1]


def test_adding_a_field_adds_a_column_and_the_app_uses_it_at_once(api, engine, settings):
    rid = add(api, code="C1")
    proposed = edit(engine, lambda fs: fs.append({"name": "city", "type": "text", "label": L("城市")}))
    p = plan(engine, settings, proposed)
    assert [s.kind for s in p.steps] == ["add_field"] and "城市" in p.steps[0].summary and not p.lossy
    do(engine, settings, proposed)
    assert "city" in columns(engine)
    assert api.patch(url(rid), json={"city": "杭州", "version": 1}).status_code == 200
    assert api.get(url(rid)).json()["city"] == "杭州"
    assert versions(engine) == [1, 2]


def test_renaming_keeps_the_column_and_the_data(api, engine, settings):
    rid = add(api, code="C-7")
    before = columns(engine)
    proposed = edit(engine, lambda fs: field(fs, "code").update(name="client_code"))
    p = plan(engine, settings, proposed)
    assert [s.kind for s in p.steps] == ["rename"] and "code" in p.steps[0].summary
    do(engine, settings, proposed)
    assert columns(engine) == before
    got = api.get(url(rid)).json()
    assert got["client_code"] == "C-7" and "code" not in got


def _to_integer(fs):
    field(fs, "code").update(type="integer")


def test_text_to_integer_with_non_convertible_rows_is_refused_then_confirmed(api, engine, settings):
    good, bad, empty = add(api, code="1,200"), add(api, code="A-01"), add(api)
    proposed = edit(engine, _to_integer)
    p = plan(engine, settings, proposed)
    step = next(s for s in p.steps if s.kind == "convert")
    assert step.lossy and step.affected == 1
    assert step.examples == [{"id": bad, "value": "A-01", "problem": step.examples[0]["problem"]}]
    assert "整数" in step.examples[0]["problem"] or "无法转换" in step.examples[0]["problem"]
    before = columns(engine)
    with pytest.raises(LossNotAccepted) as refused:
        do(engine, settings, proposed)
    assert refused.value.plan.lossy
    assert columns(engine) == before and versions(engine) == [1]  # nothing changed
    assert api.get(url(bad)).json()["code"] == "A-01"

    do(engine, settings, proposed, accept_loss=True)
    assert api.get(url(good)).json()["code"] == 1200
    assert api.get(url(bad)).json()["code"] is None
    assert api.get(url(empty)).json()["code"] is None
    form = current(engine)["forms"][0]
    archived = form["archived"]
    assert [(a["field"]["name"], a["field"]["type"], a["reason"]) for a in archived] == [("code", "text", "converted")]
    assert field(form["fields"], "code")["column"] != archived[0]["field"]["column"]
    with read(engine) as conn:  # the old values are still there, in the archived column
        old_col = archived[0]["field"]["column"]
        assert conn.execute(text(f"select {old_col} from shop_client where id = :i"), {"i": bad}).scalar() == "A-01"


def test_convertible_text_to_integer_needs_no_confirmation(api, engine, settings):
    rid = add(api, code="42")
    proposed = edit(engine, _to_integer)
    assert not plan(engine, settings, proposed).lossy
    do(engine, settings, proposed)
    assert api.get(url(rid)).json()["code"] == 42
    r = api.patch(url(rid), json={"code": "abc", "version": 1})
    assert r.status_code == 422  # the new type validates from now on


def test_restoring_an_archived_field_brings_back_its_values(api, engine, settings):
    rid = add(api, code="A-01")
    do(engine, settings, edit(engine, _to_integer), accept_loss=True)
    archived = current(engine)["forms"][0]["archived"][0]["field"]

    def restore(fs):
        fs.append({**archived, "name": "old_code", "label": L("旧编码")})
    p = plan(engine, settings, edit(engine, restore))
    assert [s.kind for s in p.steps][:1] == ["restore_field"]
    do(engine, settings, edit(engine, restore))
    got = api.get(url(rid)).json()
    assert got["old_code"] == "A-01" and got["code"] is None
    assert current(engine)["forms"][0].get("archived", []) == []


def test_decimal_scale_reduced_counts_values_that_round(api, engine, settings):
    exact, rounds = add(api, credit="100.50"), add(api, credit="100.55")
    proposed = edit(engine, lambda fs: field(fs, "credit").update(scale=1))
    step = next(s for s in plan(engine, settings, proposed).steps if s.kind == "narrow")
    assert step.lossy and step.affected == 1 and step.examples[0]["id"] == rounds
    with pytest.raises(LossNotAccepted):
        do(engine, settings, proposed)
    assert api.get(url(rounds)).json()["credit"] == "100.55"
    do(engine, settings, proposed, accept_loss=True)
    assert api.get(url(exact)).json()["credit"] == "100.5"
    assert api.get(url(rounds)).json()["credit"] == "100.6"


def test_decimal_precision_raised_is_not_a_loss(api, engine, settings):
    rid = add(api, credit="100.55")
    proposed = edit(engine, lambda fs: field(fs, "credit").update(precision=16))
    p = plan(engine, settings, proposed)
    assert [s.kind for s in p.steps] == ["widen"] and not p.lossy
    do(engine, settings, proposed)
    assert api.get(url(rid)).json()["credit"] == "100.55"


def test_removing_a_select_option_still_in_use_is_listed(api, engine, settings):
    used, other = add(api, level="c"), add(api, level="a")

    def drop_c(fs):
        field(fs, "level")["options"] = [o for o in field(fs, "level")["options"] if o["value"] != "c"]
    step = next(s for s in plan(engine, settings, edit(engine, drop_c)).steps if s.kind == "options_removed")
    assert "一般" in step.summary and step.affected == 1 and step.examples[0]["id"] == used
    with pytest.raises(LossNotAccepted):
        do(engine, settings, edit(engine, drop_c))
    do(engine, settings, edit(engine, drop_c), accept_loss=True)
    assert api.get(url(used)).json()["level"] is None
    assert api.get(url(other)).json()["level"] == "a"


def test_removing_an_unused_option_changes_in_place(api, engine, settings):
    add(api, level="a")
    before = columns(engine)

    def drop_c(fs):
        field(fs, "level")["options"] = [o for o in field(fs, "level")["options"] if o["value"] != "c"]
    assert not plan(engine, settings, edit(engine, drop_c)).lossy
    do(engine, settings, edit(engine, drop_c))
    assert columns(engine) == before and not current(engine)["forms"][0].get("archived")


def test_removed_field_is_archived_and_restorable(api, engine, settings):
    rid = add(api, code="K-9")
    proposed = edit(engine, lambda fs: fs.remove(field(fs, "code")))
    p = plan(engine, settings, proposed)
    assert [s.kind for s in p.steps] == ["remove_field"] and not p.lossy
    do(engine, settings, proposed)
    assert "code" in columns(engine)
    assert "code" not in api.get(url(rid)).json()
    r = api.get(url(), params={"filter": "code:eq:K-9"})
    assert r.status_code == 400  # an archived field can't be queried

    archived = current(engine)["forms"][0]["archived"][0]["field"]
    do(engine, settings, edit(engine, lambda fs: fs.append(archived)))
    assert api.get(url(rid)).json()["code"] == "K-9"


def test_a_new_field_never_takes_an_archived_column(api, engine, settings):
    rid = add(api, code="K-9")
    do(engine, settings, edit(engine, lambda fs: fs.remove(field(fs, "code"))))
    do(engine, settings, edit(engine, lambda fs: fs.append({"name": "code", "type": "integer", "label": L("新编码")})))
    form = current(engine)["forms"][0]
    assert field(form["fields"], "code")["column"] != "code"
    assert api.get(url(rid)).json()["code"] is None


def test_purging_an_archived_field_drops_its_column(api, engine, settings):
    add(api, code="K-9")
    do(engine, settings, edit(engine, lambda fs: fs.remove(field(fs, "code"))))
    purge_archived(engine, "shop", "client", "code", tz=settings.timezone, user_id=None)
    assert "code" not in columns(engine)
    assert not current(engine)["forms"][0].get("archived")


def test_subform_field_added(api, engine, settings):
    rid = add(api, items=[{"who": "张三"}])
    proposed = edit(engine, lambda fs: field(fs, "items")["fields"].append(
        {"name": "phone", "type": "phone", "label": L("电话")}))
    assert [s.kind for s in plan(engine, settings, proposed).steps] == ["add_field"]
    do(engine, settings, proposed)
    rows = api.get(url(rid)).json()["items"]
    assert rows[0]["who"] == "张三" and rows[0]["phone"] is None


def test_relation_added_gets_its_index(api, engine, settings):
    proposed = edit(engine, lambda fs: fs.append(
        {"name": "parent", "type": "relation", "target": "client", "label": L("上级客户")}))
    do(engine, settings, proposed)
    col = field(current(engine)["forms"][0]["fields"], "parent")["column"]
    indexed = [i for i in inspect(engine).get_indexes("shop_client") if i["column_names"] == [col]]
    assert indexed
    a = add(api)
    assert api.get(url(add(api, parent=a))).json()["parent"]["id"] == a


def test_unique_over_duplicates_is_refused_and_names_the_rows(api, engine, settings):
    first, second, single = add(api, code="X"), add(api, code="X"), add(api, code="Y")

    def unique(fs):
        field(fs, "code")["unique"] = True
        fs.append({"name": "city", "type": "text", "label": L("城市")})
    p = plan(engine, settings, edit(engine, unique))
    step = next(s for s in p.steps if s.kind == "duplicates")
    assert step.blocking and step.affected == 2 and {e["id"] for e in step.examples} == {first, second}
    before = columns(engine)
    with pytest.raises(PublishBlocked) as refused:
        do(engine, settings, edit(engine, unique), accept_loss=True)
    assert "重复" in refused.value.detail
    assert columns(engine) == before and versions(engine) == [1]


def test_a_publish_failing_half_way_changes_nothing(api, engine, settings, monkeypatch):
    """The duplicates appear between the check and the DDL: the index fails, the transaction rolls back."""
    first, second = add(api, code="X"), add(api, code="X")
    import runtime.publish as pub
    monkeypatch.setattr(pub, "_unique_checks", lambda *a, **k: [])  # as if the rows came in after the check

    def unique(fs):
        fs.append({"name": "city", "type": "text", "label": L("城市")})
        field(fs, "code")["unique"] = True
    before = columns(engine)
    with pytest.raises(PublishFailed) as failed:
        do(engine, settings, edit(engine, unique))
    assert f"记录 {first}" in failed.value.detail and f"记录 {second}" in failed.value.detail
    assert columns(engine) == before and versions(engine) == [1]
    assert api.get(url(first)).json()["code"] == "X"


def test_a_failed_conversion_drops_its_new_column(api, engine, settings, monkeypatch):
    rid = add(api, code="12")
    import runtime.publish as pub

    def boom(*a, **k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(pub, "_store", boom)
    before = columns(engine)
    with pytest.raises(RuntimeError):
        do(engine, settings, edit(engine, _to_integer))
    assert columns(engine) == before and versions(engine) == [1]
    assert api.get(url(rid)).json()["code"] == "12"


def test_bad_definitions_list_every_problem_and_change_nothing(shop, engine, settings):
    def bad(fs):
        fs.append({"name": "Bad Name", "type": "text", "label": L("坏")})
        fs.append({"name": "x", "type": "nope", "label": L("类型")})
    with pytest.raises(DefinitionError) as refused:
        do(engine, settings, edit(engine, bad))
    paths = {p.path for p in refused.value.problems}
    assert "/forms/0/fields/5/name" in paths and "/forms/0/fields/6/type" in paths
    assert versions(engine) == [1]


def test_unsupported_conversion_is_blocked(shop, engine, settings):
    proposed = edit(engine, lambda fs: field(fs, "code").update(type="attachment"))
    p = plan(engine, settings, proposed)
    assert p.blocked and "新建一个字段" in next(s for s in p.steps if s.blocking).summary
    with pytest.raises(PublishBlocked):
        do(engine, settings, proposed, accept_loss=True)


def test_removing_a_form_keeps_its_table_and_putting_it_back_restores_it(api, engine, settings):
    rid = add(api, code="K-1")
    with read(engine) as conn:
        without = app_without_form(conn, "shop", "client")
    p = plan(engine, settings, without)
    assert p.steps[0].kind == "remove_form" and not p.lossy and not p.blocked
    do(engine, settings, without)
    assert "shop_client" in inspect(engine).get_table_names()
    assert api.get(url(rid)).status_code == 404

    back = {**without, "forms": [{"name": "client", "label": L("客户"), "fields": [
        {"name": "name", "type": "text", "label": L("名称")}, {"name": "code", "type": "text", "label": L("编码")}]}]}
    p = plan(engine, settings, back)
    assert p.steps[0].kind == "restore_form"
    do(engine, settings, back)
    got = api.get(url(rid)).json()
    assert got["code"] == "K-1" and got["name"] == "客户"
    assert versions(engine) == [1, 2, 3]


def test_a_form_other_forms_link_to_cannot_be_removed(shop, engine, settings):
    data = copy.deepcopy(current(engine))
    data["forms"].append({"name": "deal", "label": L("订单"), "fields": [
        {"name": "client", "type": "relation", "target": "client", "label": L("客户")}]})
    do(engine, settings, data)
    with read(engine) as conn:
        without = app_without_form(conn, "shop", "client")
    with pytest.raises(DefinitionError) as refused:
        do(engine, settings, without)
    assert any(p.path.startswith("/forms/0/fields/0") for p in refused.value.problems)


def test_nothing_changed_publishes_nothing(shop, engine, settings):
    p = do(engine, settings, current(engine))
    assert p.empty and versions(engine) == [1]


def test_app_name_must_match(shop, engine, settings):
    with pytest.raises(DefinitionError):
        do(engine, settings, {**current(engine), "name": "other"})


def test_rows_written_while_a_conversion_runs_are_converted_too(api, engine, settings, monkeypatch):
    """The app keeps serving the old version during the batches; the last step converts what it wrote."""
    changed = add(api, code="1")
    import runtime.publish as pub
    batches = pub._backfill
    written = {}

    def meanwhile(*a, **k):
        lost = batches(*a, **k)
        written["new"] = add(api, code="77")  # still the old version: code is text
        assert api.patch(url(changed), json={"code": "5", "version": 1}).status_code == 200
        return lost
    monkeypatch.setattr(pub, "_backfill", meanwhile)
    do(engine, settings, edit(engine, _to_integer))
    assert api.get(url(written["new"])).json()["code"] == 77
    assert api.get(url(changed)).json()["code"] == 5


def test_a_value_that_cannot_convert_written_meanwhile_stops_an_unconfirmed_publish(api, engine, settings, monkeypatch):
    add(api, code="1")
    import runtime.publish as pub
    batches = pub._backfill

    def meanwhile(*a, **k):
        lost = batches(*a, **k)
        add(api, code="not a number")
        return lost
    monkeypatch.setattr(pub, "_backfill", meanwhile)
    before = columns(engine)
    with pytest.raises(LossNotAccepted):
        do(engine, settings, edit(engine, _to_integer))
    assert columns(engine) == before and versions(engine) == [1]
