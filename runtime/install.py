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
from .access import bump_access
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


@dataclass(frozen=True)
class DemoUser:
    """A demo account as `formwork init --demo` lists it."""

    username: str
    full_name: str
    department: str | None
    manager: bool                   # manages its department
    roles: tuple[str, ...]          # role names in the app
    role_labels: tuple[str, ...]    # the same roles as users see them


@dataclass
class Demo:
    """What load_demo made: records per form, and the accounts with their one shared password."""

    counts: dict[str, int]
    password: str
    users: tuple[DemoUser, ...]


@dataclass
class InitResult:
    admin_password: str | None
    demo_counts: dict[str, int]
    demo_password: str | None = None       # shared by every demo user
    demo_users: tuple[DemoUser, ...] = ()


def init_database(engine: Engine, settings: Settings, *, template: str, demo: bool,
                  progress: Callable[[str, int, int], None] | None = None) -> InitResult:
    """Create system tables, install `template` as an app, create the admin (once) and demo data."""
    bundle = read_bundle_dir(template_dir(template))
    app = parse_app(bundle)
    systables.create_all(engine)
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
    if demo and app.demo:
        made = load_demo(engine, settings, app.name, app.demo, progress=progress)
        return InitResult(password, made.counts, made.password, made.users)
    return InitResult(password, {})


def load_demo(engine: Engine, settings: Settings, app_name: str, spec: dict,
              progress: Callable[[str, int, int], None] | None = None) -> Demo:
    """Generate the demo organisation (departments, managers, users with roles) and the demo records.

    Records go through the record service as the system would write them: an administrator
    actor, so the demo user's own roles don't limit what is generated, with the demo user as
    the actor's id, so that user owns the record; `via="system"` in the audit log.
    """
    from .demo.generator import generate

    registry = AppRegistry(tz=settings.timezone)
    registry.load(engine)
    compiled = registry.app(app_name)
    labels = {r.name: r.label.zh for r in compiled.definition.roles}
    tz = settings.timezone
    password = new_password()
    d = systables.department
    with write(engine) as conn:
        departments: dict[str, int] = {}
        managers: set[tuple[str, str]] = set()  # (department, username)
        actors: dict[str, Actor] = {}
        users: list[dict] = []

        def create_department(spec_: dict) -> None:
            parent = departments.get(spec_.get("parent") or "")
            departments[spec_["name"]] = conn.execute(d.insert().values(
                name=spec_["name"], parent_id=parent, created_at=now(tz)).returning(d.c.id)).scalar_one()

        def create_user_(spec_: dict) -> None:
            dept = departments.get(spec_.get("department") or "")
            uid = create_user(conn, username=spec_["username"], password=password, full_name=spec_["full_name"],
                              now=now(tz), department_id=dept, email=spec_.get("email"))
            for role in dict.fromkeys(spec_.get("roles", [])):
                conn.execute(systables.user_role.insert().values(user_id=uid, app=app_name, role=role))
            actors[spec_["username"]] = Actor(id=uid, username=spec_["username"], full_name=spec_["full_name"],
                                              department_id=dept, is_admin=True)
            users.append(spec_)

        def set_manager(department: str, username: str) -> None:
            conn.execute(d.update().where(d.c.id == departments[department]).values(manager_id=actors[username].id))
            managers.add((department, username))

        def create(form: str, data: dict, username: str) -> int:
            ctx = RecordContext(conn=conn, app=compiled, actor=actors[username], now=now_precise(tz),
                                data_dir=settings.data_dir, via="system")
            return create_record(ctx, compiled.forms[form], data)["id"]

        counts = generate(spec, forms=compiled.definition.forms, roles=labels, create_record=create,
                          create_user=create_user_, create_department=create_department, set_manager=set_manager,
                          today=now(tz).date(), progress=progress)
        bump_access(conn)
    listed = tuple(DemoUser(username=s["username"], full_name=s["full_name"], department=s.get("department"),
                            manager=(s.get("department"), s["username"]) in managers,
                            roles=tuple(s.get("roles", ())), role_labels=tuple(labels[r] for r in s.get("roles", ())))
                   for s in users)
    return Demo(counts, password, listed)
