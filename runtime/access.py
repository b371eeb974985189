"""Permissions: what an actor may do with a form, which records it reaches, what it sees of each field.

Roles are defined in the app bundle; users get roles per app (fw_user_role). A user with several
roles gets the union, computed here once per (app version, set of roles, form) and used by the
record service on every path — so pages, API, related lists, display values, search, filters,
sorting and exports all get the same answer.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping

from sqlalchemy import Connection, literal_column, select, update

from form_engine.compiler import CompiledApp, CompiledForm
from form_engine.definitions import ACTIONS
from form_engine.errors import Forbidden

from . import systables

if TYPE_CHECKING:  # the record service imports this module
    from .records.context import Actor

FULL, MASKED = "full", "masked"
ACCESS_KEY = "fw.access"  # fw_sequence row bumped on every change to users, roles, departments or definitions
ACTION_LABELS = {"create": "新建", "read": "查看", "update": "修改", "delete": "删除", "export": "导出",
                 "import": "导入", "transfer": "转交"}


@dataclass(frozen=True)
class FormAccess:
    """One actor's rights on one form."""

    actions: frozenset[str]
    read_scopes: frozenset[str]
    write_scopes: frozenset[str]
    view: Mapping[str, str]  # field → FULL or MASKED; a field not here is hidden
    writable: frozenset[str]  # fields the actor may set
    everything: bool = False

    def can(self, action: str) -> bool:
        return action in self.actions

    def sees(self, name: str) -> bool:
        return name in self.view

    def masked(self, name: str) -> bool:
        return self.view.get(name) == MASKED

    @property
    def restricted(self) -> frozenset[str]:
        """Names of fields shown masked (cached per access, used as a plan key)."""
        return frozenset(n for n, how in self.view.items() if how == MASKED)


def form_access(app: CompiledApp, actor: Actor, form: CompiledForm) -> FormAccess:
    """The actor's rights on `form`, the union over its roles in `app`."""
    roles = actor.roles_in(app.name)
    key = (actor.is_admin, roles, form.name)
    found = app.access_cache.get(key)
    if found is None:
        found = app.access_cache[key] = _compute(app, actor.is_admin, roles, form)
    return found


def _compute(app: CompiledApp, is_admin: bool, roles: frozenset[str], form: CompiledForm) -> FormAccess:
    every = [f.name for f in form.form.fields]
    defs = [r for r in app.definition.roles if r.name in roles]
    if is_admin or any(r.all_forms for r in defs):
        return FormAccess(frozenset(ACTIONS), frozenset({"all"}), frozenset({"all"}),
                          MappingProxyType({n: FULL for n in every}), frozenset(every), everything=True)
    actions: set[str] = set()
    read_scopes: set[str] = set()
    write_scopes: set[str] = set()
    view: dict[str, str] = {}
    writable: set[str] = set()
    for role in defs:
        perm = next((p for p in role.permissions if p.form == form.name), None)
        if perm is None or "read" not in perm.actions and "create" not in perm.actions:
            continue
        actions.update(perm.actions)
        if "read" in perm.actions:
            read_scopes.add(perm.read_scope)
            for name in every:
                how = {"hidden": None, "masked": MASKED}.get(perm.fields.get(name), FULL)
                if how is not None and view.get(name) != FULL:
                    view[name] = how
        if {"update", "delete", "transfer"} & set(perm.actions):
            write_scopes.add(perm.write_scope)
        if {"create", "update"} & set(perm.actions):
            writable.update(n for n in every if n not in perm.fields)
    return FormAccess(frozenset(actions), frozenset(read_scopes), frozenset(write_scopes),
                      MappingProxyType(view), frozenset(writable))


def require(access: FormAccess, action: str, form: CompiledForm, lang: str = "zh-CN") -> None:
    """Refuse an action the actor's roles don't grant on the form."""
    if not access.can(action):
        label = form.label.text(lang)
        if lang == "en":
            raise Forbidden(f"You may not {action} {label} records")
        raise Forbidden(f"您没有{ACTION_LABELS[action]}“{label}”的权限，请联系管理员分配")


def scope_owners(actor: Actor, scopes: frozenset[str]) -> frozenset[int] | None:
    """The owners whose records `scopes` reach for this actor; None means every record."""
    if "all" in scopes:
        return None
    owners: set[int] = set()
    if scopes:
        owners.add(actor.id)
    if "department" in scopes:
        owners |= actor.team
    if "department_tree" in scopes:
        owners |= actor.tree
    return frozenset(owners)


def scope_condition(actor: Actor, scopes: frozenset[str], owner_column):
    """SQL for "the record is within scope", or None when the scope is everything."""
    owners = scope_owners(actor, scopes)
    if owners is None:
        return None
    if len(owners) == 1:
        (only,) = owners
        return owner_column == only
    return owners_in(owner_column, owners)


@lru_cache(maxsize=4096)
def owners_in(column, owners: frozenset[int]):
    """`column IN (1, 2, …)` with the ids written into the SQL: they are integers from our own
    tables, and one statement per set of owners is cached and run as is, where parameters would
    be expanded again on every execution."""
    return column.in_([literal_column(str(int(o))) for o in sorted(owners)])


# -- who the actor is: roles and teams, cached per user until something changes -------------

_loaded: dict[tuple, Actor] = {}


def access_stamp_query():
    """A scalar subquery: the counter that changes whenever users, roles or departments change."""
    seq = systables.sequence
    return select(seq.c.value).where(seq.c.key == ACCESS_KEY).scalar_subquery()


def bump_access(conn: Connection) -> None:
    """Call in the transaction that changes users, roles or departments: every process reloads them."""
    seq = systables.sequence
    done = conn.execute(update(seq).where(seq.c.key == ACCESS_KEY).values(value=seq.c.value + 1))
    if done.rowcount == 0:
        conn.execute(seq.insert().values(key=ACCESS_KEY, value=1))


def with_access(conn: Connection, actor: Actor, stamp: int | None) -> Actor:
    """The actor with its roles and its department's members, from cache while `stamp` holds."""
    key = (conn.engine, actor.id, stamp or 0)  # per database: ids and stamps repeat across databases
    found = _loaded.get(key)
    if found is not None and found.department_id == actor.department_id and found.is_admin == actor.is_admin:
        return found
    ur, u = systables.user_role, systables.user
    roles = frozenset((a, r) for a, r in conn.execute(select(ur.c.app, ur.c.role).where(ur.c.user_id == actor.id)))
    team: frozenset[int] = frozenset()
    tree: frozenset[int] = frozenset()
    if actor.department_id is not None:
        below = department_subtree(conn, actor.department_id)
        members = conn.execute(select(u.c.id, u.c.department_id).where(u.c.department_id.in_(below))).all()
        team = frozenset(i for i, d in members if d == actor.department_id)
        tree = frozenset(i for i, _d in members)
    loaded = replace(actor, roles=roles, team=team, tree=tree, stamp=stamp or 0)
    if len(_loaded) > 5000:
        _loaded.clear()
    _loaded[key] = loaded
    return loaded


def department_subtree(conn: Connection, root: int) -> list[int]:
    """`root` and every department below it."""
    d = systables.department
    children: dict[int | None, list[int]] = {}
    for i, parent in conn.execute(select(d.c.id, d.c.parent_id)):
        children.setdefault(parent, []).append(i)
    out, todo = [], [root]
    while todo:
        current = todo.pop()
        if current in out:
            continue
        out.append(current)
        todo.extend(children.get(current, []))
    return out
