"""Starting the app: it refuses clearly when the npm-installed browser libraries are missing."""
from __future__ import annotations

import pytest


def test_missing_front_end_libraries_stop_the_start(crm, settings, tmp_path, monkeypatch):
    from runtime.web.app import create_app
    from runtime.web.assets import AssetsMissing
    monkeypatch.setenv("FORMWORK_NODE_MODULES", str(tmp_path / "empty"))
    with pytest.raises(AssetsMissing) as exc:
        create_app(settings)
    assert "npm ci" in str(exc.value) and "htmx.min.js" in str(exc.value)


def test_vendor_files_and_api_docs_are_served_locally(client):
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
    assert client.get("/static/vendor/swagger-ui.css").headers["content-type"].startswith("text/css")
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/vendor/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/static/vendor/../../pyproject.toml").status_code == 404
