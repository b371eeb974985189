"""Shared fixtures: a real database per test (a SQLite file; on PostgreSQL a schema, or a database
cloned from the installed CRM), the CRM installed through the same code path as `formwork init`,
an HTTP client signed in by token."""
from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from runtime.settings import Settings

PG_URL = os.environ.get("FORMWORK_TEST_DATABASE_URL")
# argon2's cheapest profile for the users the tests create and sign in (see runtime/auth/passwords.py);
# set before anything imports it, and inherited by the CLI and server subprocesses the tests start.
os.environ["FORMWORK_TEST_CHEAP_PASSWORD_HASHES"] = "1"


def fresh_database(tmp_path: Path, name: str = "formwork"):
    """Yield the URL of a fresh, empty database: a SQLite file, or a new schema in the PostgreSQL
    test database (dropped afterwards)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    _pg_admin(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def database_url(request, tmp_path: Path):
    """A fresh database for the test: empty, or a copy of the installed CRM when the test uses `crm`."""
    if "crm" in request.fixturenames and not hasattr(request.module, "crm"):  # not a module's own `crm`
        yield from crm_database(tmp_path, request.getfixturevalue("crm_template"))
    else:
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


@dataclass(frozen=True)
class Template:
    url: str
    path: Path | None  # the SQLite file; None on PostgreSQL, where `url` names the template database
    admin_password: str


@pytest.fixture(scope="session")
def crm_template(tmp_path_factory) -> Iterator[Template]:
    """The CRM installed once per test process by `init_database`, exactly as `formwork init` does.

    Each test that uses `crm` gets its own copy (a file copy on SQLite, a database cloned from
    this one on PostgreSQL): installing the template for every test was most of the suite's time.
    """
    from runtime.database import make_engine
    from runtime.install import init_database
    path, name = None, None
    if PG_URL:
        name = f"fwtpl_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
    else:
        path = tmp_path_factory.mktemp("crm-template") / "formwork.db"
        url = f"sqlite:///{path}"
    settings = Settings(database_url=url, data_dir=path.parent / "data" if path else Path("unused"),
                        secret_key="test-secret-key", timezone=ZoneInfo("Asia/Shanghai"))
    engine = make_engine(url)
    password = init_database(engine, settings, template="crm", demo=False).admin_password
    if path:
        with engine.connect() as conn:  # everything into the main file, so a copy of it is the whole database
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()  # a database is cloned only while nobody is connected to it
    yield Template(url, path, password)
    if name:
        _pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)')


def crm_database(tmp_path: Path, template: Template):
    """Yield the URL of a copy of the installed CRM (dropped afterwards on PostgreSQL)."""
    if template.path is not None:
        target = tmp_path / "formwork.db"
        shutil.copy2(template.path, target)  # keeps the owner-only mode the database file is made with
        yield f"sqlite:///{target}"
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template.url).database}"')
    yield _pg_url(name)
    _pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)')


def _pg_url(database: str) -> str:
    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


_admin_engine = None


def _pg_admin(statement: str) -> None:
    global _admin_engine
    if _admin_engine is None:
        _admin_engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with _admin_engine.connect() as conn:
        conn.execute(text(statement))


@pytest.fixture
def crm(database_url, crm_template) -> str:
    """The CRM template installed (no demo data); returns the admin's one-time password."""
    return crm_template.admin_password


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
