"""The CRM's roles and its demo organisation: checked definitions, the department tree, demo
accounts that sign in with the password `formwork init --demo` prints, and what each role reaches."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from form_engine.bundle import parse_app, read_bundle_dir
from form_engine.compiler import compile_app
from runtime.install import template_dir

FORMWORK = str(Path(sys.executable).with_name("formwork"))
ROLES = {"admin": "系统管理员", "general_manager": "总经理", "sales_director": "销售总监", "sales_manager": "销售主管",
         "sales": "销售", "service": "客服", "finance": "财务"}
SALES_FORMS = {"customer", "contact", "lead", "opportunity", "follow_up", "contract", "payment", "product"}


@pytest.fixture(scope="module")
def crm():
    from zoneinfo import ZoneInfo
    return compile_app(parse_app(read_bundle_dir(template_dir("crm"))), ZoneInfo("Asia/Shanghai"))


def access(app, roles: set[str], form: str):
    from runtime.access import form_access
    from runtime.records import Actor
    actor = Actor(id=1, username="u", full_name="u", roles=frozenset(("crm", r) for r in roles))
    return form_access(app, actor, app.forms[form])


def test_roles_pass_the_bundle_checks_and_have_both_labels(crm):
    roles = {r.name: r for r in crm.definition.roles}
    assert {n: r.label.zh for n, r in roles.items()} == ROLES
    for role in roles.values():
        assert role.label.en and role.description and role.description.zh and role.description.en
    assert roles["admin"].all_forms and not any(r.all_forms for n, r in roles.items() if n != "admin")


def test_the_matrix(crm):
    rep = {f: access(crm, {"sales"}, f) for f in crm.forms}
    assert {f for f, a in rep.items() if a.can("read")} == SALES_FORMS
    assert all(rep[f].read_scopes == {"own"} for f in SALES_FORMS - {"product"})
    assert not any(a.can(x) for a in rep.values() for x in ("delete", "export", "transfer"))
    assert not rep["contact"].masked("mobile") and rep["contact"].sees("mobile")
    assert "status" not in rep["contract"].writable and rep["contract"].sees("status")
    assert rep["payment"].actions == {"read"}

    lead = access(crm, {"sales_manager"}, "customer")
    assert lead.read_scopes == lead.write_scopes == {"department"} and lead.can("transfer") and not lead.can("delete")

    director = {f: access(crm, {"sales_director"}, f) for f in crm.forms}
    assert director["opportunity"].read_scopes == {"department_tree"}
    assert all(director[f].can(x) for f in ("customer", "lead", "opportunity") for x in ("delete", "export", "transfer"))
    assert not director["contract"].can("delete") and director["payment"].actions == {"read", "export"}
    assert not director["service_ticket"].can("read")

    service = {f: access(crm, {"service"}, f) for f in crm.forms}
    assert service["service_ticket"].read_scopes == service["service_ticket"].write_scopes == {"all"}
    assert service["customer"].actions == {"read"} and service["customer"].read_scopes == {"all"}
    assert not service["customer"].sees("remark")
    assert service["contact"].masked("mobile") and service["contact"].masked("wechat")
    assert not service["contact"].sees("birthday") and not service["opportunity"].can("read")

    finance = {f: access(crm, {"finance"}, f) for f in crm.forms}
    assert {f for f, a in finance.items() if a.can("read")} == {"payment", "contract", "customer", "product"}
    assert finance["payment"].actions >= {"create", "read", "update", "export"} and finance["payment"].read_scopes == {"all"}
    assert finance["contract"].read_scopes == {"all"} and not finance["contract"].can("update")
    assert finance["customer"].masked("phone") and finance["customer"].actions == {"read"}

    both = access(crm, {"sales", "finance"}, "customer")  # several roles: the union
    assert both.read_scopes == {"own", "all"} and not both.masked("phone")


def run_init(env: dict) -> str:
    cmd = [FORMWORK] if Path(FORMWORK).exists() else [sys.executable, "-m", "runtime.cli"]
    proc = subprocess.run([*cmd, "init", "--template", "crm", "--demo"], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_init_demo_creates_the_organisation_and_accounts_that_sign_in(tmp_path, database_url, settings):
    from fastapi.testclient import TestClient

    from runtime import systables
    from runtime.access import with_access
    from runtime.database import make_engine
    from runtime.records import Actor
    from runtime.settings import load_settings
    from runtime.web.app import create_app

    env = {**os.environ, "FORMWORK_DATA_DIR": str(settings.data_dir), "FORMWORK_DATABASE_URL": database_url}
    out = run_init(env)
    demo_password = re.search(r"演示账号密码：(\S+)", out).group(1)
    admin_password = re.search(r"管理员账号：admin\s+密码：(\S+)", out).group(1)
    assert demo_password != admin_password
    listed = {m.group(1): m.group(2).split("、")
              for m in re.finditer(r"^  ([a-z]+)\s+\S+\s+\S+\s+(\S+)$", out, re.M)}
    assert listed["zhangwei"] == ["销售总监"] and listed["wangjianguo"] == ["总经理", "销售总监", "财务"]
    assert re.search(r"^  lina\s+李娜\s+华东一组（负责人）\s+销售主管$", out, re.M), out

    engine = make_engine(database_url)
    d, u, ur = systables.department, systables.user, systables.user_role
    try:
        with engine.connect() as conn:
            names = dict(conn.execute(select(d.c.id, d.c.name)).all())
            tree = {n: names.get(p) for n, p in conn.execute(select(d.c.name, d.c.parent_id))}
            managers = dict(conn.execute(select(d.c.name, u.c.username).join(u, u.c.id == d.c.manager_id)).all())
            users = {r.username: r for r in conn.execute(select(u))}
            roles: dict[str, list[str]] = {}
            for username, app, role in conn.execute(
                    select(u.c.username, ur.c.app, ur.c.role).join(ur, ur.c.user_id == u.c.id).order_by(ur.c.role)):
                assert app == "crm"
                roles.setdefault(username, []).append(role)
            stamp = conn.execute(select(systables.sequence.c.value)
                                 .where(systables.sequence.c.key == "fw.access")).scalar()
            loaded = {name: with_access(conn, Actor(id=users[name].id, username=name, full_name="",
                                                    department_id=users[name].department_id), stamp)
                      for name in ("lina", "zhangwei", "wangjianguo")}
    finally:
        engine.dispose()
    assert tree == {"总部": None, "华东销售部": "总部", "华南销售部": "总部", "客服部": "总部", "财务部": "总部",
                    "华东一组": "华东销售部", "华东二组": "华东销售部", "华南一组": "华南销售部"}
    assert set(managers) == set(tree) and managers["华东销售部"] == "zhangwei" and managers["华东一组"] == "lina"
    assert all(names[users[m].department_id] == dept for dept, m in managers.items())
    demo_users = set(users) - {"admin"}
    assert demo_users == set(listed) == set(roles)
    assert {r for rs in roles.values() for r in rs} == set(ROLES)
    assert {n: sorted(ROLES[r] for r in rs) for n, rs in roles.items()} == {n: sorted(ls) for n, ls in listed.items()}
    assert not any(users[n].is_admin for n in demo_users)

    by_dept = lambda *depts: {users[n].id for n in demo_users if names[users[n].department_id] in depts}
    assert loaded["lina"].team == by_dept("华东一组")
    assert loaded["zhangwei"].tree == by_dept("华东销售部", "华东一组", "华东二组")
    assert loaded["wangjianguo"].tree == {users[n].id for n in demo_users}

    app = create_app(load_settings(env))
    try:
        with TestClient(app) as client:
            for name in sorted(demo_users):
                client.cookies.clear()
                resp = client.post("/login", data={"username": name, "password": demo_password}, follow_redirects=False)
                assert resp.status_code == 303, (name, resp.status_code)
            client.cookies.clear()
            wrong = client.post("/login", data={"username": "lina", "password": admin_password}, follow_redirects=False)
            assert wrong.status_code == 401
    finally:
        app.state.formwork.engine.dispose()
