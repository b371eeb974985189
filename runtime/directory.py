"""Users, departments and role membership as an administrator manages them.

Plain functions on a Connection, run in the caller's transaction; every change calls
`bump_access`, so each process reloads who may do what.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

from sqlalchemy import Connection, delete, func, or_, select, update

from form_engine.definitions import AppDef
from form_engine.errors import Forbidden, FormworkError, NotFound, Problem, RecordInvalid

from . import systables
from .access import bump_access, department_subtree
from .auth.passwords import new_password
from .auth.users import create_user as insert_user
from .auth.users import end_sessions
from .auth.users import reset_password as new_one_time_password
from .definition_store import load_published

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{1,31}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_u, _d, _ur = systables.user, systables.department, systables.user_role


class DepartmentNotEmpty(FormworkError):
    status = 409
    title = "部门不能删除"


@dataclass(frozen=True)
class UserRow:
    """One user as the admin pages list it: department name and roles included."""

    id: int
    username: str
    full_name: str
    email: str | None
    department_id: int | None
    department: str | None
    is_admin: bool
    is_active: bool
    must_change_password: bool
    last_login_at: datetime | None
    roles: frozenset[tuple[str, str]]  # (app, role)


@dataclass(frozen=True)
class NewPassword:
    """A one-time password, shown to the admin once and never stored in clear."""

    user_id: int
    username: str
    password: str


# -- users ---------------------------------------------------------------------------------


def list_users(conn: Connection, *, q: str = "", user_id: int | None = None) -> list[UserRow]:
    """Users by username; `q` matches username, name or email. Two queries whatever the count."""
    query = (select(_u, _d.c.name.label("department")).outerjoin(_d, _d.c.id == _u.c.department_id)
             .order_by(_u.c.username))
    if q.strip():
        query = query.where(or_(*(c.icontains(q.strip(), autoescape=True) for c in (_u.c.username, _u.c.full_name,
                                                                                 _u.c.email))))
    if user_id is not None:
        query = query.where(_u.c.id == user_id)
    rows = conn.execute(query).all()
    roles: dict[int, set[tuple[str, str]]] = {}
    ids = [r.id for r in rows]
    if ids:
        for uid, app, role in conn.execute(select(_ur.c.user_id, _ur.c.app, _ur.c.role).where(_ur.c.user_id.in_(ids))):
            roles.setdefault(uid, set()).add((app, role))
    return [UserRow(r.id, r.username, r.full_name, r.email, r.department_id, r.department, bool(r.is_admin),
                    bool(r.is_active), bool(r.must_change_password), r.last_login_at, frozenset(roles.get(r.id, ())))
            for r in rows]


def get_user(conn: Connection, user_id: int) -> UserRow:
    found = list_users(conn, user_id=user_id)
    if not found:
        raise NotFound("用户不存在")
    return found[0]


def create_user(conn: Connection, *, username: str, full_name: str, email: str | None, department_id: int | None,
                is_admin: bool, roles: Iterable[tuple[str, str]], apps: Mapping[str, AppDef],
                now: datetime) -> NewPassword:
    """A new user with a one-time password that must be changed at the first sign-in."""
    username = username.strip()
    problems = _profile_problems(conn, full_name=full_name, email=email, department_id=department_id)
    if not USERNAME.fullmatch(username):
        problems.insert(0, Problem("username", "用户名只能使用英文字母、数字、下划线、点和短横线，2～32 个字符，"
                                               "以字母或数字开头", "pattern"))
    elif conn.execute(select(_u.c.id).where(func.lower(_u.c.username) == username.lower())).first():
        problems.insert(0, Problem("username", f"用户名“{username}”已被占用", "unique"))
    roles = set(roles)
    problems += _role_problems(roles, apps)
    if problems:
        raise RecordInvalid(problems)
    password = new_password()
    user_id = insert_user(conn, username=username, password=password, full_name=full_name.strip(), now=now,
                          is_admin=is_admin, department_id=department_id, email=(email or "").strip() or None,
                          must_change_password=True)
    if roles:
        conn.execute(_ur.insert(), [{"user_id": user_id, "app": a, "role": r} for a, r in sorted(roles)])
    bump_access(conn)
    return NewPassword(user_id, username, password)


def update_user(conn: Connection, user_id: int, *, actor_id: int, full_name: str, email: str | None,
                department_id: int | None, is_admin: bool, roles: Iterable[tuple[str, str]],
                apps: Mapping[str, AppDef]) -> None:
    """Change a user's profile, admin flag and roles in every app of `apps`."""
    current = get_user(conn, user_id)
    problems = _profile_problems(conn, full_name=full_name, email=email, department_id=department_id)
    if user_id == actor_id and current.is_admin and not is_admin:
        problems.append(Problem("is_admin", "不能取消自己的系统管理员身份，请让另一位管理员操作", "self"))
    roles = set(roles)
    problems += _role_problems(roles, apps)
    if problems:
        raise RecordInvalid(problems)
    conn.execute(update(_u).where(_u.c.id == user_id).values(
        full_name=full_name.strip(), email=(email or "").strip() or None, department_id=department_id, is_admin=is_admin))
    for app in apps.values():
        _replace_roles(conn, user_id, app.name, {r for a, r in roles if a == app.name})
    bump_access(conn)


def set_roles(conn: Connection, user_id: int, app: AppDef, roles: Iterable[str]) -> None:
    """The user's roles in `app`, replacing the ones it had there."""
    get_user(conn, user_id)
    wanted = set(roles)
    problems = _role_problems({(app.name, r) for r in wanted}, {app.name: app})
    if problems:
        raise RecordInvalid(problems)
    _replace_roles(conn, user_id, app.name, wanted)
    bump_access(conn)


def grant_roles(conn: Connection, user_id: int, roles: Iterable[tuple[str, str]]) -> None:
    """Add (app, role) pairs to the user's roles, each checked against the app's published roles."""
    wanted: dict[str, set[str]] = {}
    for app_name, role in roles:
        wanted.setdefault(app_name, set()).add(role)
    if not wanted:
        return
    apps = {a.name: a for a in load_published(conn)}
    problems = _role_problems({(a, r) for a, rs in wanted.items() for r in rs}, apps)
    if problems:
        raise RecordInvalid(problems)
    for app_name, new in wanted.items():
        have = set(conn.execute(select(_ur.c.role).where(_ur.c.user_id == user_id, _ur.c.app == app_name)).scalars())
        _replace_roles(conn, user_id, app_name, have | new)
    bump_access(conn)


def set_active(conn: Connection, user_id: int, active: bool, *, actor_id: int) -> None:
    """Enable or disable a user; disabling signs them out everywhere (tokens check is_active)."""
    get_user(conn, user_id)
    if user_id == actor_id and not active:
        raise Forbidden("不能停用自己的账号")
    conn.execute(update(_u).where(_u.c.id == user_id).values(is_active=active))
    if not active:
        end_sessions(conn, user_id)
    bump_access(conn)


def reset_password(conn: Connection, user_id: int, *, actor_id: int) -> NewPassword:
    """A new one-time password; the user's sessions end and the next sign-in must change it."""
    user = get_user(conn, user_id)
    if user_id == actor_id:
        raise Forbidden("不能在这里重置自己的密码")
    password = new_one_time_password(conn, user_id=user_id)
    bump_access(conn)
    return NewPassword(user_id, user.username, password)


def role_counts(conn: Connection, app: str) -> dict[str, int]:
    """How many users have each role of `app`."""
    query = select(_ur.c.role, func.count()).where(_ur.c.app == app).group_by(_ur.c.role)
    return {role: n for role, n in conn.execute(query)}


def _profile_problems(conn: Connection, *, full_name: str, email: str | None, department_id: int | None) -> list[Problem]:
    problems = []
    if not full_name.strip():
        problems.append(Problem("full_name", "请填写姓名", "required"))
    elif len(full_name.strip()) > 100:
        problems.append(Problem("full_name", "姓名最多 100 个字", "max_length"))
    email = (email or "").strip()
    if email and (len(email) > 254 or not EMAIL.fullmatch(email)):
        problems.append(Problem("email", "邮箱格式不正确，例如 zhangsan@example.com", "email"))
    if department_id is not None and not _department_exists(conn, department_id):
        problems.append(Problem("department_id", "所选部门不存在，请刷新页面后重新选择", "unknown"))
    return problems


def _role_problems(roles: set[tuple[str, str]], apps: Mapping[str, AppDef]) -> list[Problem]:
    problems = []
    for app_name, role in sorted(roles):
        app = apps.get(app_name)
        if app is None:
            problems.append(Problem("roles", f"应用“{app_name}”不存在", "unknown_app"))
        elif role not in {r.name for r in app.roles}:
            problems.append(Problem("roles", f"应用“{app.label.zh}”中没有角色“{role}”", "unknown_role"))
    return problems


def _replace_roles(conn: Connection, user_id: int, app: str, roles: set[str]) -> None:
    conn.execute(delete(_ur).where(_ur.c.user_id == user_id, _ur.c.app == app))
    if roles:
        conn.execute(_ur.insert(), [{"user_id": user_id, "app": app, "role": r} for r in sorted(roles)])


# -- departments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentNode:
    """A department in tree order: depth for indenting, its manager's name and its member count."""

    id: int
    name: str
    parent_id: int | None
    manager_id: int | None
    manager: str | None
    members: int
    children: int
    depth: int
    path: str  # "总部 / 销售一部"


def department_tree(conn: Connection) -> list[DepartmentNode]:
    """Every department, parents before their children, siblings by name."""
    rows = conn.execute(select(_d.c.id, _d.c.name, _d.c.parent_id, _d.c.manager_id, _u.c.full_name)
                        .outerjoin(_u, _u.c.id == _d.c.manager_id).order_by(_d.c.name, _d.c.id)).all()
    counts = dict(conn.execute(select(_u.c.department_id, func.count()).where(_u.c.department_id.is_not(None))
                               .group_by(_u.c.department_id)).all())
    ids = {r.id for r in rows}
    children: dict[int | None, list] = {}
    for r in rows:
        children.setdefault(r.parent_id if r.parent_id in ids else None, []).append(r)
    out: list[DepartmentNode] = []
    placed: set[int] = set()

    def walk(parent: int | None, depth: int, path: str) -> None:
        for r in children.get(parent, []):
            if r.id in placed:
                continue
            placed.add(r.id)
            here = f"{path} / {r.name}" if path else r.name
            out.append(DepartmentNode(r.id, r.name, r.parent_id, r.manager_id, r.full_name, counts.get(r.id, 0),
                                      len(children.get(r.id, [])), depth, here))
            walk(r.id, depth + 1, here)

    walk(None, 0, "")
    return out


def get_department(conn: Connection, department_id: int) -> DepartmentNode:
    found = next((d for d in department_tree(conn) if d.id == department_id), None)
    if found is None:
        raise NotFound("部门不存在")
    return found


def create_department(conn: Connection, *, name: str, parent_id: int | None, now: datetime) -> int:
    problems = _name_problems(conn, name, parent_id, None)
    if parent_id is not None and not _department_exists(conn, parent_id):
        problems.append(Problem("parent_id", "所选上级部门不存在，请刷新页面后重新选择", "unknown"))
    if problems:
        raise RecordInvalid(problems)
    new_id = conn.execute(_d.insert().values(name=name.strip(), parent_id=parent_id, created_at=now)
                          .returning(_d.c.id)).scalar_one()
    bump_access(conn)
    return new_id


def rename_department(conn: Connection, department_id: int, name: str) -> None:
    current = get_department(conn, department_id)
    problems = _name_problems(conn, name, current.parent_id, department_id)
    if problems:
        raise RecordInvalid(problems)
    conn.execute(update(_d).where(_d.c.id == department_id).values(name=name.strip()))
    bump_access(conn)


def move_department(conn: Connection, department_id: int, parent_id: int | None) -> None:
    """Put a department under another one (None: top level); never under itself or its own sub-department."""
    current = get_department(conn, department_id)
    if parent_id == current.parent_id:
        return
    if parent_id is not None:
        if not _department_exists(conn, parent_id):
            raise RecordInvalid([Problem("parent_id", "所选上级部门不存在，请刷新页面后重新选择", "unknown")])
        if parent_id in department_subtree(conn, department_id):
            raise RecordInvalid([Problem("parent_id", f"不能把“{current.name}”移到它自己或它的下级部门之下", "cycle")])
    problems = _name_problems(conn, current.name, parent_id, department_id)
    if problems:
        raise RecordInvalid([Problem("parent_id", problems[0].message, problems[0].code)])
    conn.execute(update(_d).where(_d.c.id == department_id).values(parent_id=parent_id))
    bump_access(conn)


def set_manager(conn: Connection, department_id: int, user_id: int | None) -> None:
    """The department's manager: an active user, or nobody."""
    get_department(conn, department_id)
    if user_id is not None:
        active = conn.execute(select(_u.c.is_active).where(_u.c.id == user_id)).scalar()
        if not active:
            raise RecordInvalid([Problem("manager_id", "负责人必须是已启用的用户", "inactive")])
    conn.execute(update(_d).where(_d.c.id == department_id).values(manager_id=user_id))
    bump_access(conn)


def delete_department(conn: Connection, department_id: int) -> None:
    """Delete a department that has no sub-departments and no members."""
    current = get_department(conn, department_id)
    parts = []
    if current.children:
        parts.append(f"{current.children} 个下级部门")
    if current.members:
        parts.append(f"{current.members} 名成员")
    if parts:
        raise DepartmentNotEmpty(f"“{current.name}”下还有 {'和 '.join(parts)}，请先移走后再删除")
    conn.execute(delete(_d).where(_d.c.id == department_id))
    bump_access(conn)


def _department_exists(conn: Connection, department_id: int) -> bool:
    return conn.execute(select(_d.c.id).where(_d.c.id == department_id)).first() is not None


def _name_problems(conn: Connection, name: str, parent_id: int | None, self_id: int | None) -> list[Problem]:
    name = name.strip()
    if not name:
        return [Problem("name", "请填写部门名称", "required")]
    if len(name) > 100:
        return [Problem("name", "部门名称最多 100 个字", "max_length")]
    same = select(_d.c.id).where(_d.c.name == name,
                                 _d.c.parent_id.is_(None) if parent_id is None else _d.c.parent_id == parent_id)
    if self_id is not None:
        same = same.where(_d.c.id != self_id)
    if conn.execute(same).first():
        return [Problem("name", f"同一上级部门下已经有“{name}”了", "unique")]
    return []
