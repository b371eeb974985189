"""Setting up a database: system tables, an app from a template, the first admin, demo data."""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

from sqlalchemy import Engine, inspect, select

from form_engine.bundle import parse_app, read_bundle_dir
from form_engine.errors import FormworkError

from . import systables
from .apps import AppRegistry
from .auth.passwords import new_password
from .auth.users import create_user
from .clock import now, now_precise
from .database import write
from .definition_store import install_app
from .records import Actor, RecordContext, create_record
from .settings import Settings

ADMIN = "admin"


class AlreadyInitialized(FormworkError):
    status = 409
    title = "已初始化"


def template_dir(name: str) -> Path:
    root = Path(str(resources.files("app_templates")))
    path = root / name
    if not (path / "app.json").is_file():
        known = sorted(p.name for p in root.iterdir() if (p / "app.json").is_file())
        raise FormworkError(f"没有名为“{name}”的应用模板；可用的模板：{'、'.join(known)}")
    return path


@dataclass
class InitResult:
    admin_password: str | None
    demo_counts: dict[str, int]


def init_database(engine: Engine, settings: Settings, *, template: str, demo: bool,
                  progress: Callable[[str, int, int], None] | None = None) -> InitResult:
    """Create system tables, install `template` as an app, create the admin (once) and demo data."""
    bundle = read_bundle_dir(template_dir(template))
    app = parse_app(bundle)
    systables.metadata.create_all(engine)
    tz = settings.timezone
    password = None
    with write(engine) as conn:
        if "fw_user" in inspect(conn).get_table_names() and conn.execute(
                select(systables.definition.c.id).where(systables.definition.c.app == app.name)).first():
            where = (f"删除数据目录 {settings.data_dir}" if settings.is_sqlite else "换一个空数据库（FORMWORK_DATABASE_URL）")
            raise AlreadyInitialized(f"数据库中已经安装了应用“{app.name}”；如需重来，请{where}后再初始化")
        admin = conn.execute(select(systables.user.c.id).where(systables.user.c.username == ADMIN)).scalar()
        if admin is None:
            password = new_password()
            admin = create_user(conn, username=ADMIN, password=password, full_name="系统管理员", now=now(tz), is_admin=True)
        install_app(conn, app, tz=tz, user_id=admin)
    counts = {}
    if demo and app.demo:
        counts = load_demo(engine, settings, app.name, app.demo, progress=progress)
    return InitResult(password, counts)


def load_demo(engine: Engine, settings: Settings, app_name: str, spec: dict,
              progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Generate demo data through the record service, acting as the demo users."""
    from .demo.generator import generate

    registry = AppRegistry(tz=settings.timezone)
    registry.load(engine)
    compiled = registry.app(app_name)
    tz = settings.timezone
    with write(engine) as conn:
        departments: dict[str, int] = {}
        actors: dict[str, Actor] = {}

        def create_department(d: dict) -> None:
            parent = departments.get(d.get("parent") or "")
            departments[d["name"]] = conn.execute(systables.department.insert().values(
                name=d["name"], parent_id=parent, created_at=now(tz)).returning(systables.department.c.id)).scalar_one()

        def create_user_(u: dict) -> None:
            dept = departments.get(u.get("department") or "")
            uid = create_user(conn, username=u["username"], password=u.get("password") or new_password(),
                              full_name=u["full_name"], now=now(tz), department_id=dept, email=u.get("email"))
            actors[u["username"]] = Actor(id=uid, username=u["username"], full_name=u["full_name"], department_id=dept)

        def create(form: str, data: dict, username: str) -> int:
            ctx = RecordContext(conn=conn, app=compiled, actor=actors[username], now=now_precise(tz),
                                data_dir=settings.data_dir)
            return create_record(ctx, compiled.forms[form], data)["id"]

        return generate(spec, forms=compiled.definition.forms, create_record=create, create_user=create_user_, create_department=create_department,
                        today=now(tz).date(), progress=progress)
