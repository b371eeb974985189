"""用 Python 标准库调用 Formwork API：按游标翻页读取全部记录，新建一条记录，带版本号修改它。

用法：
    FORMWORK_URL=http://localhost:8000 FORMWORK_TOKEN=fw_... python3 docs/examples/api_client.py
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request

BASE = os.environ.get("FORMWORK_URL", "http://localhost:8000").rstrip("/")
TOKEN = os.environ["FORMWORK_TOKEN"]


def call(method: str, path: str, body: dict | None = None, **params) -> dict:
    url = BASE + path + ("?" + urllib.parse.urlencode(params) if params else "")
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            return json.load(response)
    except urllib.error.HTTPError as err:  # 错误是 application/problem+json
        problem = json.load(err)
        details = "; ".join(f"{e['path']}: {e['message']}" for e in problem.get("errors", []))
        raise SystemExit(f"{err.code} {problem['title']}：{details or problem['detail']}") from None


def all_records(app: str, form: str, **filters):
    """逐页读取：每页最多 500 条，用上一页返回的 next 作为 cursor，直到 next 为 null。"""
    cursor = None
    while True:
        params = {"limit": 500, **filters, **({"cursor": cursor} if cursor else {})}
        page = call("GET", f"/api/v1/apps/{app}/forms/{form}/records", **params)
        yield from page["items"]
        cursor = page["next"]
        if not cursor:
            return


if __name__ == "__main__":
    key_accounts = list(all_records("crm", "customer", level="key"))
    print(f"重点客户 {len(key_accounts)} 家，例如：{key_accounts[0]['name']}")

    base = "/api/v1/apps/crm/forms/lead/records"
    lead = call("POST", base, {"name": "王经理", "company": "宁波示例机械有限公司", "mobile": "13900001111"})
    print(f"新建线索 id={lead['id']} version={lead['version']} status={lead['status']}")

    lead = call("PATCH", f"{base}/{lead['id']}", {"version": lead["version"], "status": "following"})
    print(f"修改后 version={lead['version']} status={lead['status']}")
