"""Designer tests reuse the page tests' fixtures: signing in, the live server and the browser."""
from __future__ import annotations

import pytest

from tests.pages.conftest import (Session, browser, html, live_server, page, parse_html, records,  # noqa: F401
                                  sign_in, web)


@pytest.fixture
def second(app, crm, engine, settings) -> Session:
    """A second admin, signed in on their own client."""
    from fastapi.testclient import TestClient

    from runtime.auth.users import create_user
    from runtime.clock import now
    from runtime.database import write
    with write(engine) as conn:
        create_user(conn, username="lisi", password="Lisi-pass-2024!", full_name="李四", now=now(settings.timezone),
                    is_admin=True)
    with TestClient(app) as client:
        yield sign_in(client, "Lisi-pass-2024!", username="lisi")
