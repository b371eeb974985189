"""Shared fixtures: a real database per test (SQLite file, or a PostgreSQL schema), the CRM
installed through the same code path as `formwork init`, an HTTP client signed in by token."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from runtime.settings import Settings

PG_URL = os.environ.get("FORMWORK_TEST_DATABASE_URL")


def fresh_database(tmp_path: Path, name: str = "formwork"):
    """Yield the URL of a fresh, empty database: a SQLite file, or a new schema in the PostgreSQL
    test database (dropped afterwards)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path):
    """A fresh, empty database for the test."""
    yield from fresh_database(tmp_path)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data", secret_key="test-secret-key",
                    timezone=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def engine(settings):
    from runtime.database import make_engine
    eng = make_engine(settings.database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def crm(engine, settings):
    """The CRM template installed (no demo data); returns the admin's one-time password."""
    from runtime.install import init_database
    return init_database(engine, settings, template="crm", demo=False).admin_password


@pytest.fixture
def app(crm, settings):
    from runtime.web.app import create_app
    application = create_app(settings)
    yield application
    application.state.formwork.engine.dispose()


@pytest.fixture
def token(crm, engine, settings) -> str:
    from runtime.auth.users import create_token, user_id_by_name
    from runtime.clock import now
    from runtime.database import write
    with write(engine) as conn:
        return create_token(conn, user_id=user_id_by_name(conn, "admin"), name="tests", now=now(settings.timezone))


@pytest.fixture
def client(app, token):
    """An HTTP client (in-process) that sends the admin's API token."""
    from fastapi.testclient import TestClient
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


@pytest.fixture
def anon(app):
    from fastapi.testclient import TestClient
    with TestClient(app) as c:
        yield c
