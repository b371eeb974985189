"""The CRM's permission matrix over HTTP: for each role, each form and each action, on the API and
on the pages, allowed or refused exactly as app_templates/crm/app.json defines it."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from runtime import systables
from runtime.auth.users import create_token
from runtime.clock import now
from runtime.database import read, write

# one demo user per role (app_templates/crm/demo.json)
PEOPLE = {"sales": "wangqiang", "sales_manager": "lina", "sales_director": "zhangwei", "service": "sunli",
          "finance": "maxiaoyan", "admin": "xuming"}


@pytest.fixture
def demo(engine, settings):
    from runtime.install import init_database
    return init_database(engine, settings, template="crm", demo=True)


def expected(app_def, role: str, form: str) -> set[str]:
    r = next(r for r in app_def.roles if r.name == role)
    if r.all_forms:
        return {"create", "read", "update", "delete", "transfer"}
    perm = next((p for p in r.permissions if p.form == form), None)
    return set(perm.actions) if perm else set()


def test_every_role_form_and_action_on_api_and_pages(demo, engine, settings):
    from runtime.web.app import create_app
    from tests.pages.conftest import sign_in
    app = create_app(settings)
    registry = app.state.formwork.registry
    crm = registry.app("crm")
    tz = settings.timezone
    u = systables.user
    with write(engine) as conn:
        ids = {name: conn.execute(select(u.c.id).where(u.c.username == name)).scalar_one() for name in PEOPLE.values()}
        admin_token = create_token(conn, user_id=conn.execute(select(u.c.id).where(u.c.username == "admin")).scalar_one(),
                                   name="t", now=now(tz))
        tokens = {name: create_token(conn, user_id=uid, name="t", now=now(tz)) for name, uid in ids.items()}
    admin = TestClient(app, headers={"Authorization": f"Bearer {admin_token}"})
    base = "/api/v1/apps/crm/forms"
    # for each person and form, one record they own (the admin transfers one to them)
    owned: dict[tuple[str, str], dict] = {}
    for form in crm.forms:
        items = admin.get(f"{base}/{form}/records", params={"limit": len(PEOPLE)}).json()["items"]
        assert len(items) == len(PEOPLE), form
        for (role, name), item in zip(PEOPLE.items(), items):
            resp = admin.post(f"{base}/{form}/records/{item['id']}/transfer", json={"owner_id": ids[name]})
            assert resp.status_code == 200, resp.text
            owned[(name, form)] = resp.json()
    refused = []
    for role, name in PEOPLE.items():
        api = TestClient(app, headers={"Authorization": f"Bearer {tokens[name]}"})
        browser = TestClient(app)
        sign_in(browser, demo.demo_password, username=name)
        for form in crm.forms:
            want = expected(crm.definition, role, form)
            rec = owned[(name, form)]
            url = f"{base}/{form}/records"
            page = f"/apps/crm/{form}"
            checks = {
                ("read", "api list"): api.get(url).status_code,
                ("read", "api get"): api.get(f"{url}/{rec['id']}").status_code,
                ("read", "page list"): browser.get(page).status_code,
                ("read", "page detail"): browser.get(f"{page}/{rec['id']}").status_code,
                ("create", "api"): api.post(url, json={}).status_code,
                ("create", "page"): browser.get(f"{page}/new").status_code,
                ("update", "api"): api.patch(f"{url}/{rec['id']}", json={"version": rec["version"]}).status_code,
                ("update", "page"): browser.get(f"{page}/{rec['id']}/edit").status_code,
                ("transfer", "api"): api.post(f"{url}/{rec['id']}/transfer", json={"owner_id": ids[name]}).status_code,
                ("transfer", "page"): browser.get(f"{page}/{rec['id']}/transfer").status_code,
            }
            checks[("delete", "api")] = api.delete(f"{url}/{rec['id']}").status_code
            for (action, path), status in checks.items():
                ok = status in (200, 201, 422) if action == "create" else status == 200
                if ok != (action in want) or (not ok and status not in (403,)):
                    refused.append((role, form, action, path, status, sorted(want)))
            if "delete" in want:
                assert api.post(f"{url}/{rec['id']}/restore").status_code == 200
        api.close()
        browser.close()
    admin.close()
    app.state.formwork.engine.dispose()
    assert refused == []
