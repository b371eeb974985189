"""Fixtures for page tests: signing in through the real login form, and a live server + browser."""
from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Session:
    client: object
    csrf: str

    def post(self, url: str, data=None, **kwargs):
        """A form post as the browser sends it, csrf_token included; `data` may be pairs (repeated names)."""
        return self.client.post(url, data=form_body([*pairs(data), ("csrf_token", self.csrf)]),
                                follow_redirects=False, **kwargs)

    def htmx(self, url: str, data=None, **kwargs):
        """A post as htmx sends it: the CSRF token in the header that <body hx-headers> sets."""
        headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.client.post(url, data=form_body(pairs(data)) if data is not None else None, headers=headers,
                                follow_redirects=False, **kwargs)


def pairs(data) -> list[tuple[str, str]]:
    return list(data.items()) if isinstance(data, dict) else list(data or [])


def form_body(items: list[tuple[str, str]]) -> dict[str, list[str]]:
    body: dict[str, list[str]] = {}
    for key, value in items:
        values = value if isinstance(value, list) else [value]
        body.setdefault(key, []).extend(str(v) for v in values)
    return body


def sign_in(client, password: str, username: str = "admin") -> Session:
    page = client.get("/login")
    assert page.status_code == 200
    done = client.post("/login", data={"username": username, "password": password, "next": "/"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    home = client.get("/apps/crm")
    return Session(client, CSRF.search(home.text).group(1))


@pytest.fixture
def web(anon, crm) -> Session:
    """A browser-like client signed in as the admin, with the page's CSRF token."""
    return sign_in(anon, crm)


@pytest.fixture
def live_server(app):
    """The app served by uvicorn on a free port in a background thread."""
    import uvicorn
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


class Node:
    """One element of a parsed page: enough of a DOM to assert on what a user would see."""

    def __init__(self, tag: str, attrs: dict, parent: "Node | None" = None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    @property
    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def find_all(self, tag: str | None = None, **attrs) -> list["Node"]:
        def match(n: Node) -> bool:
            if tag and n.tag != tag:
                return False
            for key, want in attrs.items():
                key = key.rstrip("_").replace("_", "-")
                have = n.attrs.get(key)
                if key == "class":
                    if have is None or want not in have.split():
                        return False
                elif have != want:
                    return False
            return True
        return [n for n in self.walk() if match(n)]

    def find(self, tag: str | None = None, **attrs) -> "Node | None":
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def by_id(self, id_: str) -> "Node":
        found = self.find(id=id_)
        assert found is not None, f"no element with id {id_!r}"
        return found


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def parse_html(text: str) -> Node:
    from html.parser import HTMLParser

    root = Node("#root", {})

    class Builder(HTMLParser):
        current = root

        def handle_starttag(self, tag, attrs):
            node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
            self.current.children.append(node)
            if tag not in VOID:
                self.current = node

        def handle_startendtag(self, tag, attrs):
            self.current.children.append(Node(tag, {k: (v or "") for k, v in attrs}, self.current))

        def handle_endtag(self, tag):
            node = self.current
            while node is not root and node.tag != tag:
                node = node.parent
            if node is not root:
                self.current = node.parent

        def handle_data(self, data):
            self.current.children.append(data)

    Builder(convert_charrefs=True).feed(text)
    return root


@pytest.fixture
def html():
    """Parse a page's HTML into Nodes (find, find_all, by_id, text)."""
    return parse_html


class Records:
    """Direct use of the record service, to set up data and to check what was (not) written."""

    def __init__(self, app):
        self.state = app.state.formwork

    def _ctx(self, conn):
        from sqlalchemy import select

        from runtime import systables
        from runtime.auth.users import actor_of
        from runtime.clock import now_precise
        from runtime.records import RecordContext
        admin = conn.execute(select(systables.user).where(systables.user.c.username == "admin")).first()
        return RecordContext(conn=conn, app=self.state.registry.app("crm"), actor=actor_of(admin),
                             now=now_precise(self.state.settings.timezone), data_dir=self.state.settings.data_dir)

    def create(self, form: str, data: dict) -> int:
        from runtime.database import write
        from runtime.records import create_record
        with write(self.state.engine) as conn:
            return create_record(self._ctx(conn), self.state.registry.form("crm", form), data)["id"]

    def get(self, form: str, record_id: int) -> dict:
        from runtime.database import read
        from runtime.records import load_record
        with read(self.state.engine) as conn:
            return load_record(self._ctx(conn), self.state.registry.form("crm", form), record_id)

    def count(self, form: str, **filters) -> int:
        from runtime.database import read
        from runtime.records import ListQuery, list_records
        compiled = self.state.registry.form("crm", form)
        with read(self.state.engine) as conn:
            query = ListQuery.from_params([(k, str(v)) for k, v in filters.items()], compiled)
            return list_records(self._ctx(conn), compiled, query).total


@pytest.fixture
def records(app) -> Records:
    return Records(app)
