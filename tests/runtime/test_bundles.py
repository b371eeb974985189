"""formwork export-app / import-app, run as an administrator runs them: round trip, plans, lossy changes, bad files."""
from __future__ import annotations

import copy
import json
import os

import pytest
from sqlalchemy import inspect, select, text

from runtime import systables
from runtime.bundles import export_app
from runtime.database import make_engine, read
from tests.conftest import fresh_database
from tests.runtime.api_helpers import customer, url
from tests.runtime.test_cli import run


@pytest.fixture
def other_database_url(tmp_path):
    """A second, empty database (a SQLite file, or another PostgreSQL schema) to import into."""
    yield from fresh_database(tmp_path, "other")


@pytest.fixture
def env(crm, settings, database_url) -> dict:
    return {**os.environ, "FORMWORK_DATA_DIR": str(settings.data_dir), "FORMWORK_DATABASE_URL": database_url}


def snapshot(engine) -> dict:
    """What an import must leave alone when it refuses: the definitions and the customer table."""
    with read(engine) as conn:
        d = systables.definition
        definitions = conn.execute(select(d.c.app, d.c.kind, d.c.name, d.c.version, d.c.checksum).order_by(d.c.id)).all()
        columns = sorted(c["name"] for c in inspect(conn).get_columns("crm_customer"))
        rows = conn.execute(text("SELECT * FROM crm_customer ORDER BY id")).all()
    return {"definitions": definitions, "columns": columns, "rows": rows}


def bundle_of(engine) -> dict:
    with read(engine) as conn:
        return export_app(conn, "crm")


def form_of(bundle: dict, name: str) -> dict:
    return next(f for f in bundle["forms"] if f["name"] == name)


def field_of(form: dict, name: str) -> dict:
    return next(f for f in form["fields"] if f["name"] == name)


def test_export_then_import_into_a_fresh_database_gives_the_same_app(env, tmp_path, other_database_url):
    exported = run(["export-app", "crm"], env).stdout
    bundle = json.loads(exported)
    assert "demo" not in bundle and exported.startswith('{\n  "schema_version": 1,\n  "name": "crm"')
    assert [f["name"] for f in bundle["forms"]][:2] == ["customer", "contact"]  # menu order
    assert field_of(form_of(bundle, "customer"), "name")["column"] == "name"
    assert form_of(bundle, "customer")["table"] == "crm_customer"
    path = tmp_path / "crm.json"
    path.write_text(exported, encoding="utf-8")

    other = {**env, "FORMWORK_DATA_DIR": str(tmp_path / "other"), "FORMWORK_DATABASE_URL": other_database_url}
    plan = run(["import-app", str(path)], other)  # an empty database: not even system tables yet
    assert "新建应用“客户管理”" in plan.stdout and "新建表单“客户”" in plan.stdout
    assert "没有做任何修改" in plan.stdout
    engine = make_engine(other_database_url)
    try:
        with engine.connect() as conn:
            assert not inspect(conn).has_table("fw_definition")
        done = run(["import-app", str(path), "--yes"], other)
        assert "已导入应用“crm”" in done.stdout
        assert run(["export-app", "crm"], other).stdout == exported
        with engine.connect() as conn:
            assert inspect(conn).has_table("crm_contract__items")
        again = run(["import-app", str(path)], other)
        assert "没有需要修改的地方" in again.stdout
    finally:
        engine.dispose()


def test_a_changed_bundle_shows_the_plan_and_changes_nothing_without_yes(env, client, engine, tmp_path):
    made = customer(client, "杭州云帆科技有限公司", address="文三路 90 号", remark="老客户")
    bundle = bundle_of(engine)
    form = form_of(bundle, "customer")
    field_of(form, "address")["name"] = "street"  # same column: a rename, no data moves
    form["fields"] = [f for f in form["fields"] if f["name"] != "remark"]
    form["fields"].append({"name": "employees", "type": "integer", "label": {"zh-CN": "员工人数"}})
    for section in form["layout"]["sections"]:
        section["fields"] = [{"address": "street"}.get(n, n) for n in section["fields"] if n != "remark"]
    for role in bundle["roles"]:
        for perm in role.get("permissions", []):
            perm.get("fields", {}).pop("remark", None)
    path = tmp_path / "crm.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    before = snapshot(engine)

    proc = run(["import-app", str(path)], env)
    assert "接口名称由 address 改为 street（数据不动）" in proc.stdout
    assert "新增字段“员工人数”（整数）" in proc.stdout
    assert "删除字段“备注”：字段归档，数据保留" in proc.stdout
    assert "没有做任何修改" in proc.stdout
    assert snapshot(engine) == before

    run(["import-app", str(path), "--yes"], env)
    got = client.get(url("customer", made["id"])).json()
    assert got["street"] == "文三路 90 号" and got["employees"] is None and "remark" not in got
    assert "没有需要修改的地方" in run(["import-app", str(path)], env).stdout


def test_a_lossy_import_is_refused_without_accept_loss(env, client, engine, tmp_path):
    customer(client, "甲公司", region_city="杭州")
    ok = customer(client, "乙公司", region_city="571")
    bundle = bundle_of(engine)
    city = field_of(form_of(bundle, "customer"), "region_city")
    city["type"] = "integer"
    for key in ("max_length", "searchable"):
        city.pop(key, None)
    path = tmp_path / "crm.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    before = snapshot(engine)

    plan = run(["import-app", str(path)], env)
    assert "【会丢失数据】" in plan.stdout and "涉及 1 条记录" in plan.stdout and "“杭州”" in plan.stdout
    assert "--accept-loss" in plan.stdout
    refused = run(["import-app", str(path), "--yes"], env, ok=False)
    assert refused.returncode == 1 and "没有做任何修改" in refused.stderr
    assert snapshot(engine) == before

    run(["import-app", str(path), "--yes", "--accept-loss"], env)
    assert client.get(url("customer", ok["id"])).json()["region_city"] == 571
    with read(engine) as conn:  # the old text values are kept in an archived column
        archived = form_of(export_app(conn, "crm"), "customer")
        assert "archived" not in archived  # never exported
        rows = conn.execute(text("SELECT region_city FROM crm_customer ORDER BY id")).scalars().all()
    assert rows == ["杭州", "571"]


def test_bad_files_list_every_problem_with_its_pointer_and_change_nothing(env, engine, tmp_path):
    before = snapshot(engine)
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "crm",\n "forms": [}', encoding="utf-8")
    proc = run(["import-app", str(broken)], env, ok=False)
    assert proc.returncode == 1 and "不是有效的 JSON：第 2 行第 12 列附近" in proc.stderr

    bundle = bundle_of(engine)
    bad = copy.deepcopy(bundle)
    form = form_of(bad, "customer")
    field_of(form, "level")["type"] = "selct"
    field_of(form, "phone")["lable"] = {"zh-CN": "电话"}
    bad["menu"][0]["form"] = "customers"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    proc = run(["import-app", str(path), "--yes", "--accept-loss"], env, ok=False)
    assert proc.returncode == 1
    assert "/forms/0/fields/1/type: 未知的字段类型“selct”（您是不是想写“select”？）" in proc.stderr
    assert "/forms/0/fields/5/lable: 不认识的属性“lable”" in proc.stderr
    assert snapshot(engine) == before

    bad = copy.deepcopy(bundle)
    bad["menu"][0]["form"] = "customers"
    field_of(form_of(bad, "contact"), "customer")["target"] = "custmer"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    proc = run(["import-app", str(path), "--yes"], env, ok=False)
    assert "/menu/0/form: 菜单引用的表单“customers”不存在" in proc.stderr
    assert "/target: 关联的表单“custmer”不存在" in proc.stderr
    assert snapshot(engine) == before
    missing = run(["import-app", str(tmp_path / "nope.json")], env, ok=False)
    assert missing.returncode == 1 and "不存在" in missing.stderr


def test_export_of_an_unknown_app_fails(env):
    proc = run(["export-app", "crmm"], env, ok=False)
    assert proc.returncode == 1 and "应用“crmm”不存在" in proc.stderr
