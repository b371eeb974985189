"""Requests as designer.js sends them, and reading the data the designer page embeds."""
from __future__ import annotations

import json
import re

DATA = re.compile(r'<script type="application/json" id="designer-data">(.*?)</script>', re.S)


def put_draft(session, url: str, revision: int, body: dict):
    """An autosave: JSON, the CSRF token in the header."""
    return session.client.put(url, content=json.dumps({"revision": revision, "body": body}),
                              headers={"Content-Type": "application/json", "X-CSRF-Token": session.csrf})


def post_json(session, url: str, data: dict):
    return session.client.post(url, content=json.dumps(data),
                               headers={"Content-Type": "application/json", "X-CSRF-Token": session.csrf})


def designer_data(session, app: str, form: str) -> dict:
    page = session.client.get(f"/builder/apps/{app}/forms/{form}")
    assert page.status_code == 200, page.text
    return json.loads(DATA.search(page.text).group(1))
