"""`init --demo` fills the CRM through the record service with consistent, realistic data."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_demo_data_through_the_record_service(engine, settings, tmp_path):
    from runtime.install import init_database
    from runtime.web.app import create_app
    result = init_database(engine, settings, template="crm", demo=True)
    counts = result.demo_counts
    assert counts["customer"] >= 150 and counts["contract"] >= 100 and counts["opportunity"] >= 250
    app = create_app(settings)
    with TestClient(app) as client:
        login = client.post("/login", data={"username": "admin", "password": result.admin_password}, follow_redirects=False)
        assert login.status_code in (302, 303)
        api = "/api/v1/apps/crm/forms"
        contracts = client.get(f"{api}/contract/records", params={"limit": 50}).json()
        assert contracts["total"] == counts["contract"]
        for c in contracts["items"]:
            assert re.fullmatch(r"HT-\d{6}-\d{4}", c["contract_no"])
            full = client.get(f"{api}/contract/records/{c['id']}").json()
            assert full["items"], "every demo contract has line items"
            assert sum(float(r["line_total"]) for r in full["items"]) == float(full["total_amount"])
        contacts = client.get(f"{api}/contact/records", params={"limit": 100}).json()["items"]
        assert all(re.fullmatch(r"1[3-9]\d{9}", c["mobile"]) for c in contacts if c["mobile"])
        owners = {c["owner_id"]["display"] for c in client.get(f"{api}/customer/records", params={"limit": 200}).json()["items"]}
        assert len(owners) > 3, "records are spread over several demo sales reps"
    app.state.formwork.engine.dispose()
