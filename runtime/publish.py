"""Publishing: the one way a published app changes. Plan, check the rows, migrate, keep the version.

`plan_publish` reads the data to say what the change would do (rows that wouldn't convert,
duplicates a new unique rule would meet) and changes nothing. `publish` applies a plan:

- Without conversions everything happens in one transaction: DDL, the new definition rows
  and the access stamp that makes every process reload. It fully applies or fully doesn't.
- A conversion writes converted values into a new column and archives the old one. The new
  column is added first and filled in batches while the app keeps serving (nothing reads it
  yet); the last transaction blocks writers to the table, converts the rows written in the
  meantime, runs the rest of the DDL and stores the definition. If anything fails, the new
  columns are dropped again: the old schema and every value stay as they were.
"""
from __future__ import annotations

from dataclasses import dataclass, field as member
from datetime import timedelta, tzinfo
from typing import Any, Callable

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, Engine, MetaData, Table, and_, func, inspect, or_, select, text, update
from sqlalchemy.exc import DBAPIError

from form_engine.bundle import parse_app
from form_engine.definitions import AppDef, FormDef
from form_engine.errors import DefinitionError, FormworkError, NotFound, Problem
from form_engine.migration import Change, FormPlan, converter, plan_form, schema_ops
from form_engine.tables import to_table

from . import systables
from .access import bump_access
from .clock import now
from .database import read, write
from .flows.definitions import check_flows
from .definition_store import app_body, body_text, install_app, published_app, removed_forms

EXAMPLES = 5
BATCH = 5000
Progress = Callable[[str, int, int], None]


class LossNotAccepted(FormworkError):
    status = 409
    title = "需要确认数据变化"

    def __init__(self, plan: PublishPlan):
        rows = sum(s.affected or 0 for s in plan.steps if s.lossy)
        super().__init__(f"这次发布会改变或清空 {rows} 条已有数据（旧值会归档保留），请确认后再发布", plan=plan.as_json())
        self.plan = plan


class PublishBlocked(FormworkError):
    status = 409
    title = "无法发布"

    def __init__(self, plan: PublishPlan):
        reasons = "；".join(s.consequence or s.summary for s in plan.steps if s.blocking)
        super().__init__(f"无法发布：{reasons}", plan=plan.as_json())
        self.plan = plan


class PublishFailed(FormworkError):
    status = 409
    title = "发布失败"


@dataclass
class Step:
    """One line of the plan as users read it, with what the rows say about it."""

    kind: str
    form: str
    summary: str
    field: str | None = None
    lossy: bool = False
    blocking: bool = False
    affected: int | None = None  # rows that would lose or change a value (or collide)
    examples: list[dict] = member(default_factory=list)  # {"id", "value", "problem"}
    consequence: str | None = None

    def as_json(self) -> dict:
        return {"kind": self.kind, "form": self.form, "field": self.field, "summary": self.summary,
                "lossy": self.lossy, "blocking": self.blocking, "affected": self.affected,
                "examples": self.examples, "consequence": self.consequence}


@dataclass
class PublishPlan:
    app: str
    creating: bool
    definition: AppDef  # what will be stored
    steps: list[Step] = member(default_factory=list)
    forms: dict[str, FormPlan] = member(default_factory=dict)  # changed forms only
    versions: dict[str, int] = member(default_factory=dict)  # the version each changed form gets
    removed: dict[str, int] = member(default_factory=dict)  # forms taken out of the app → their "removed" version
    flows: dict[str, int] = member(default_factory=dict)  # new or changed flows → their new version
    removed_flows: dict[str, int] = member(default_factory=dict)
    app_changed: bool = False
    previous: AppDef | None = None  # the app as published before

    @property
    def lossy(self) -> bool:
        return any(s.lossy for s in self.steps)

    @property
    def blocked(self) -> bool:
        return any(s.blocking for s in self.steps)

    @property
    def empty(self) -> bool:
        return not (self.creating or self.forms or self.removed or self.flows or self.removed_flows or self.app_changed)

    def as_json(self) -> dict:
        return {"app": self.app, "creating": self.creating, "lossy": self.lossy, "blocked": self.blocked,
                "empty": self.empty, "steps": [s.as_json() for s in self.steps],
                "versions": self.versions}


# ---------------------------------------------------------------- planning

def _previous(conn: Connection, app_name: str) -> AppDef | None:
    try:
        return published_app(conn, app_name)
    except NotFound:
        return None


def _versions_of(conn: Connection, app_name: str, kind: str) -> dict[str, int]:
    d = systables.definition
    rows = conn.execute(select(d.c.name, func.max(d.c.version)).where(d.c.app == app_name, d.c.kind == kind)
                        .group_by(d.c.name))
    return dict(rows.all())


def _form_versions(conn: Connection, app_name: str) -> dict[str, int]:
    return _versions_of(conn, app_name, "form")


def _as_dict(proposed: dict | AppDef) -> dict:
    if isinstance(proposed, AppDef):
        return proposed.model_dump(mode="json", by_alias=True, exclude_none=True)
    return proposed


def plan_publish(conn: Connection, app_name: str, proposed: dict | AppDef, *, tz: tzinfo) -> PublishPlan:
    """What publishing `proposed` as app `app_name` would do; changes nothing.

    Raises DefinitionError (every problem with its JSON pointer) when the definition is bad.
    """
    data = _as_dict(proposed)
    if isinstance(data, dict) and data.get("name") != app_name:
        raise DefinitionError([Problem("/name", f"应用名应为“{app_name}”，定义里是“{data.get('name')}”", "name")])
    previous = _previous(conn, app_name)
    removed = removed_forms(conn, app_name) if previous else {}
    # Storage follows every form the app ever had: a form put back gets its old table and columns.
    app = parse_app(data, previous and previous.model_copy(update={"forms": (*previous.forms, *removed.values())}))
    check_flows(conn, app)
    if previous is None:
        plan = PublishPlan(app_name, True, app, app_changed=True)
        plan.steps.append(Step("add_app", app_name, f"新建应用“{app.label.zh}”"))
        plan.steps += [Step("add_form", f.name, f"新建表单“{f.label.zh}”（{len(f.fields)} 个字段）") for f in app.forms]
        plan.steps += [Step("add_flow", f["form"], f"新建审批流程“{f['label']['zh-CN']}”") for f in app.flows]
        return plan
    plan = PublishPlan(app_name, False, app, previous=previous)
    versions = _form_versions(conn, app_name)
    at = now(tz).isoformat(timespec="seconds")
    before = {f.name: f for f in previous.forms}
    forms = []
    for form in app.forms:
        old = before.get(form.name) or removed.get(form.name)
        version = versions.get(form.name, 0) + 1
        final, checks = _plan_form(conn, app_name, old, form, version, at)
        forms.append(final.form)
        if form.name in removed:
            plan.steps.append(Step("restore_form", form.name, f"恢复已删除的表单“{form.label.zh}”，原有数据随之恢复"))
        elif old is not None and final.form == old:
            continue
        plan.forms[form.name] = final
        plan.versions[form.name] = version
        plan.steps += [_step(c, checks.get(_id(c))) for c in final.changes if c.kind != "add_form" or not old]
        plan.steps += _unique_checks(conn, app_name, old, final.form)
    for name, old in before.items():
        if name not in {f.name for f in app.forms}:
            plan.removed[name] = versions.get(name, 0) + 1
            plan.steps.append(Step("remove_form", name, f"删除表单“{old.label.zh}”：表单从应用中移除，数据表和数据都保留，"
                                                        "以后用同样的表单名重新加入即可恢复"))
    _plan_flows(conn, plan, previous, app)
    plan.definition = app.model_copy(update={"forms": tuple(forms)})
    plan.app_changed = app_body(plan.definition) != app_body(previous)
    if plan.app_changed:
        plan.steps.append(Step("app", app_name, "应用的名称、图标、菜单或角色有修改（不涉及数据）"))
    return plan


def _plan_flows(conn: Connection, plan: PublishPlan, previous: AppDef, app: AppDef) -> None:
    """New and changed flows get a new version (running approvals finish on theirs); removed ones are marked."""
    before = {f["name"]: f for f in previous.flows}
    after = {f["name"]: f for f in app.flows}
    versions = _versions_of(conn, plan.app, "flow")
    for name, flow in after.items():
        label = flow["label"]["zh-CN"]
        if name not in before:
            plan.flows[name] = versions.get(name, 0) + 1
            plan.steps.append(Step("add_flow", flow["form"], f"新建审批流程“{label}”"))
        elif before[name] != flow:
            plan.flows[name] = versions.get(name, 0) + 1
            plan.steps.append(Step("change_flow", flow["form"], f"审批流程“{label}”发布第 {plan.flows[name]} 版："
                                                               "新提交的审批按新版本走，进行中的按原版本走完"))
    for name, flow in before.items():
        if name not in after:
            plan.removed_flows[name] = versions.get(name, 0) + 1
            plan.steps.append(Step("remove_flow", flow["form"], f"删除审批流程“{flow['label']['zh-CN']}”："
                                                               "不能再提交，进行中的审批照常走完"))


def _plan_form(conn: Connection, app_name: str, old: FormDef | None, form: FormDef, version: int,
               at: str) -> tuple[FormPlan, dict]:
    """Plan one form in two passes: the first says which rows to check; the checks say which
    changes lose nothing and may stay in place; the second pass plans with that knowledge."""
    occupied = _columns_in_db(conn, app_name, old) if old else frozenset()
    first = plan_form(old, form, version=version, at=at, lossless="all", occupied=occupied)
    checks = {_id(c): _check(conn, app_name, old, c) for c in first.changes if c.check and old}
    if not checks:
        return first, checks
    lossless = frozenset(_key(c) for c in first.changes if c.check and not c.moves and not checks[_id(c)][0])
    return plan_form(old, form, version=version, at=at, lossless=lossless, occupied=occupied), checks


def _id(c: Change) -> tuple:
    return (c.kind, c.subform, c.field)


def _key(c: Change) -> str:
    col = c.old.col if c.old else ""
    return f"{c.subform}.{col}" if c.subform else col


def _step(c: Change, result) -> Step:
    step = Step(c.kind, c.form, c.summary, field=c.field, blocking=c.blocking)
    if c.blocking:
        step.consequence = c.summary
    if result is not None:
        problems, examples = result
        step.affected, step.examples = problems, examples
        step.lossy = problems > 0
        if step.lossy:
            step.consequence = (f"{problems} 条记录的“{c.new.label.zh}”会被清空或改变；"
                                f"旧值保留在归档列中，可以在设计器里恢复")
    return step


def _columns_in_db(conn: Connection, app_name: str, form: FormDef) -> frozenset[str]:
    """Columns the form's tables have in the database: a conversion's new column avoids them all,
    including one left behind by an interrupted publish."""
    insp = inspect(conn)
    tables = to_table(app_name, form, MetaData())
    names = set()
    for table in (tables.main, *tables.children.values()):
        if insp.has_table(table.name):
            names |= {c["name"] for c in insp.get_columns(table.name)}
    return frozenset(names)


def _source(app_name: str, old: FormDef, c: Change) -> tuple[Table, Any, Any]:
    """The table, the record-id column and the value column that hold `c`'s old values."""
    tables = to_table(app_name, old, MetaData())
    if c.subform:
        child = _child(tables, old, c.subform)
        return child, child.c.parent_id, child.c[c.old.col]
    return tables.main, tables.main.c.id, tables.main.c[c.old.col]


def _child(tables, old: FormDef, subform_col: str) -> Table:
    for f in (*old.fields, *(a.field for a in old.archived if a.subform is None)):
        if f.type == "subform" and f.col == subform_col:
            for t in tables.main.metadata.tables.values():
                if t.info.get("subform") == f.name:
                    return t
    raise KeyError(subform_col)


def _check(conn: Connection, app_name: str, old: FormDef, c: Change) -> tuple[int, list[dict]]:
    """How many stored values `c` would lose or change, and a few examples."""
    convert = converter(c.old, c.new)
    table, record_id, column = _source(app_name, old, c)
    problems, examples = 0, []
    rows = conn.execute(select(record_id, column).where(column.isnot(None)).order_by(record_id)
                        .execution_options(yield_per=BATCH))
    for rid, value in rows:
        _, problem = convert(value)
        if problem:
            problems += 1
            if len(examples) < EXAMPLES:
                examples.append({"id": rid, "value": _shown(value), "problem": problem})
    return problems, examples


def _shown(value: Any) -> Any:
    return value if isinstance(value, (int, str)) or value is None else str(value)


def _unique_checks(conn: Connection, app_name: str, old: FormDef | None, new: FormDef) -> list[Step]:
    """A new unique index over existing rows: name the values that repeat and the records holding them."""
    if old is None:
        return []
    steps = []
    ops = schema_ops(app_name, old, new)
    fresh = {t.name for t in ops.tables}
    for idx in ops.indexes:
        if not idx.unique or idx.table.name in fresh or any(c.name not in _columns_of(old, app_name, idx.table.name)
                                                            for c in idx.columns):
            continue
        table = to_table(app_name, old, MetaData()).main
        cols = [table.c[c.name] for c in idx.columns]
        live = and_(table.c.deleted_at.is_(None), *(c.isnot(None) for c in cols))
        dup = select(*cols, func.count().label("n")).where(live).group_by(*cols).having(func.count() > 1).subquery()
        total = conn.execute(select(func.coalesce(func.sum(dup.c.n), 0))).scalar() or 0
        if not total:
            continue
        pairs = conn.execute(select(table.c.id, *cols).where(live, *[c == dup.c[c.name] for c in cols])
                             .select_from(table.join(dup, and_(*[c == dup.c[c.name] for c in cols])))
                             .order_by(*cols, table.c.id).limit(EXAMPLES * 2)).all()
        labels = "、".join(_label_of(new, c.name) for c in cols)
        steps.append(Step("duplicates", new.name, f"{labels}改为不允许重复", blocking=True, affected=int(total),
                          examples=[{"id": r[0], "value": "，".join(_shown(v) or "" for v in r[1:]),
                                     "problem": "与其他记录重复"} for r in pairs],
                          consequence=f"已有 {int(total)} 条记录的{labels}重复，请先修改这些记录，再设为不允许重复"))
    return steps


def _columns_of(form: FormDef, app_name: str, table_name: str) -> set[str]:
    for t in to_table(app_name, form, MetaData()).main.metadata.tables.values():
        if t.name == table_name:
            return set(t.c.keys())
    return set()


def _label_of(form: FormDef, column: str) -> str:
    for f in form.fields:
        if f.col == column:
            return f"“{f.label.zh}”"
    return column


# ---------------------------------------------------------------- applying

def publish(engine: Engine, app_name: str, proposed: dict | AppDef, *, tz: tzinfo, user_id: int | None,
            accept_loss: bool = False, progress: Progress | None = None) -> PublishPlan:
    """Plan and apply. LossNotAccepted / PublishBlocked / PublishFailed leave everything as it was."""
    with write(engine) as conn:
        plan = plan_publish(conn, app_name, proposed, tz=tz)
        _refuse(plan, accept_loss)
        if plan.creating:
            install_app(conn, plan.definition, tz=tz, user_id=user_id)
            return plan
        if plan.empty:
            return plan
        moves = _moves(app_name, plan)
        if not moves:
            _apply(conn, plan, user_id, tz, set())
            return plan
        seen = _versions_seen(conn, app_name)
        _add_columns(conn, moves)
    try:
        marks = _marks(engine, moves)
        started = now(tz) - timedelta(seconds=1)
        lost = _backfill(engine, moves, progress)
        with write(engine) as conn:
            _hold_writers(conn, moves)
            if _versions_seen(conn, app_name) != seen:
                raise PublishFailed("发布期间有人发布了这个应用的新版本，这次发布没有进行；请刷新后重新发布")
            lost += _catch_up(conn, moves, marks, started)
            if lost and not accept_loss:
                raise LossNotAccepted(plan)
            _apply(conn, plan, user_id, tz, {(m.table.name, m.target.name) for m in moves})
    except BaseException:
        _drop_added(engine, moves)
        raise
    return plan


def _versions_seen(conn: Connection, app_name: str) -> int:
    d = systables.definition
    return conn.execute(select(func.max(d.c.id)).where(d.c.app == app_name)).scalar() or 0


def _refuse(plan: PublishPlan, accept_loss: bool) -> None:
    if plan.blocked:
        raise PublishBlocked(plan)
    if plan.lossy and not accept_loss:
        raise LossNotAccepted(plan)


@dataclass
class Move:
    """One conversion: values of `source` (old column) converted into `target` (new column)."""

    table: Table  # the new version's table
    source: Any
    target: Any
    convert: Callable
    parent: Table | None  # the main table, for subform rows (their changes show in its updated_at)


def _moves(app_name: str, plan: PublishPlan) -> list[Move]:
    out = []
    for name, fp in plan.forms.items():
        if fp.old is None:
            continue
        tables = to_table(app_name, fp.form, MetaData())
        for c in fp.changes:
            if not c.moves:
                continue
            new_field = _field_in(fp.form, c)
            table = _child(tables, fp.form, c.subform) if c.subform else tables.main
            out.append(Move(table, table.c[c.old.col], table.c[new_field.col], converter(c.old, new_field),
                            tables.main if c.subform else None))
    return out


def _field_in(form: FormDef, c: Change):
    fields = form.fields
    if c.subform:
        fields = next(f.fields for f in form.fields if f.type == "subform" and f.col == c.subform)
    return next(f for f in fields if f.name == c.field)


def _ops(conn: Connection) -> Operations:
    return Operations(MigrationContext.configure(conn))


def _add_column(op: Operations, table: str, column: Column) -> None:
    """ADD COLUMN; on SQLite through alembic's batch mode, which uses the native ALTER for it (no copy)."""
    if op.get_context().dialect.name == "sqlite":
        with op.batch_alter_table(table, recreate="auto") as batch:
            batch.add_column(column)
    else:
        op.add_column(table, column)


def _add_columns(conn: Connection, moves: list[Move]) -> None:
    op = _ops(conn)
    for m in moves:
        _add_column(op, m.table.name, _detached(m.target))


def _detached(column) -> Column:
    """A copy of a field column for ALTER TABLE ADD COLUMN (field columns are all nullable, no default)."""
    return Column(column.name, column.type, nullable=True)


def _drop_added(engine: Engine, moves: list[Move]) -> None:
    """Undo phase one: the new columns go; the old ones were never touched."""
    with write(engine) as conn:
        op = _ops(conn)
        present = {}
        for m in moves:
            if m.table.name not in present:
                present[m.table.name] = {c["name"] for c in inspect(conn).get_columns(m.table.name)}
            if m.target.name in present[m.table.name]:
                op.drop_column(m.table.name, m.target.name)


def _marks(engine: Engine, moves: list[Move]) -> dict[str, int]:
    """The highest row id of each table before the batches start: rows above it are converted last."""
    with read(engine) as conn:
        return {m.table.name: conn.execute(select(func.coalesce(func.max(m.table.c.id), 0))).scalar() for m in moves}


def _convert_rows(conn: Connection, m: Move, rows) -> int:
    lost, values = 0, []
    for rid, value in rows:
        new, problem = m.convert(value)
        lost += 1 if problem else 0
        values.append({"_id": rid, "_v": new})
    if values:
        from sqlalchemy import bindparam
        conn.execute(update(m.table).where(m.table.c.id == bindparam("_id")).values({m.target.name: bindparam("_v")}),
                     values)
    return lost


def _backfill(engine: Engine, moves: list[Move], progress: Progress | None) -> int:
    """Convert every row in batches, each its own short transaction; the app keeps serving."""
    lost = 0
    for m in moves:
        with read(engine) as conn:
            total = conn.execute(select(func.count()).select_from(m.table).where(m.source.isnot(None))).scalar()
        done, last = 0, 0
        while True:
            with write(engine) as conn:
                rows = conn.execute(select(m.table.c.id, m.source).where(m.table.c.id > last, m.source.isnot(None))
                                    .order_by(m.table.c.id).limit(BATCH)).all()
                if not rows:
                    break
                lost += _convert_rows(conn, m, rows)
            last, done = rows[-1][0], done + len(rows)
            if progress:
                progress(f"{m.table.name}.{m.target.name}", done, total)
    return lost


def _hold_writers(conn: Connection, moves: list[Move]) -> None:
    """PostgreSQL: block writes (not reads) to the converted tables until this transaction ends.
    SQLite's write transaction already excludes every other writer."""
    if conn.dialect.name != "postgresql":
        return
    for name in dict.fromkeys(t.name for m in moves for t in (m.table, m.parent) if t is not None):
        conn.execute(text(f'LOCK TABLE "{name}" IN SHARE ROW EXCLUSIVE MODE'))  # name from our own metadata


def _catch_up(conn: Connection, moves: list[Move], marks: dict[str, int], started) -> int:
    """Convert again the rows written while the batches ran: new ones and changed ones."""
    lost = 0
    for m in moves:
        t = m.table
        if m.parent is None:
            changed = or_(t.c.id > marks[t.name], t.c.updated_at >= started)
        else:
            changed = or_(t.c.id > marks[t.name],
                          t.c.parent_id.in_(select(m.parent.c.id).where(m.parent.c.updated_at >= started)))
        rows = conn.execute(select(t.c.id, m.source).where(changed)).all()
        lost += _convert_rows(conn, m, rows)
    return lost


def _apply(conn: Connection, plan: PublishPlan, user_id: int | None, tz: tzinfo, added: set[tuple[str, str]]) -> None:
    """The DDL of every changed form, then its new definition rows and the stamp, in `conn`'s transaction."""
    op = _ops(conn)
    postgres = conn.dialect.name == "postgresql"
    for name, fp in plan.forms.items():
        ops = schema_ops(plan.app, fp.old, fp.form)
        for table in ops.tables:
            table.create(conn)
        fresh = {t.name for t in ops.tables}
        for table_name, index in ops.dropped_indexes:
            op.drop_index(index, table_name=table_name)
        existing = [i for i in ops.indexes if i.table.name not in fresh and
                    all((i.table.name, c.name) not in added and (i.table, c) not in ops.columns for c in i.columns)]
        for idx in existing:  # on existing columns first: PostgreSQL builds them under a lock readers pass
            _create_index(conn, idx, plan, fp)
        for table, column in ops.columns:
            if (table.name, column.name) not in added:
                _add_column(op, table.name, _detached(column))
        for table, column, old_type in ops.retype:
            if postgres:  # SQLite keeps any value in any column: its declared type needs no change
                op.alter_column(table.name, column.name, type_=column.type, existing_type=old_type,
                                postgresql_using=f'"{column.name}"::{column.type.compile(dialect=conn.dialect)}')
        for idx in ops.indexes:
            if idx.table.name not in fresh and idx not in existing:
                _create_index(conn, idx, plan, fp)
    _store(conn, plan, user_id, tz)


def _create_index(conn: Connection, idx, plan: PublishPlan, fp: FormPlan) -> None:
    savepoint = conn.begin_nested()
    try:
        idx.create(conn)
    except DBAPIError as exc:
        savepoint.rollback()
        if not idx.unique:
            raise
        raise PublishFailed(_collisions(conn, idx, fp.form)) from exc
    else:
        savepoint.commit()


def _collisions(conn: Connection, idx, form: FormDef) -> str:
    table = idx.table
    cols = [table.c[c.name] for c in idx.columns]
    live = and_(table.c.deleted_at.is_(None), *(c.isnot(None) for c in cols))
    dup = select(*cols).where(live).group_by(*cols).having(func.count() > 1).subquery()
    rows = conn.execute(select(table.c.id, *cols).select_from(table.join(dup, and_(*[c == dup.c[c.name] for c in cols])))
                        .where(live).order_by(*cols, table.c.id).limit(20)).all()
    labels = "、".join(_label_of(form, c.name) for c in cols)
    listed = "；".join(f"记录 {r[0]}：{'，'.join(str(v) for v in r[1:])}" for r in rows)
    return f"{labels}有重复值，不能设为不允许重复，发布没有进行，什么都没有改变。重复的记录：{listed}"


def _store(conn: Connection, plan: PublishPlan, user_id: int | None, tz: tzinfo) -> None:
    d = systables.definition
    stamp = now(tz)
    dump = lambda form: form.model_dump(mode="json", by_alias=True, exclude_none=True)  # noqa: E731
    rows = [("form", name, version, "published", dump(plan.forms[name].form)) for name, version in plan.versions.items()]
    rows += [("form", name, version, "removed", dump(next(f for f in plan.previous.forms if f.name == name)))
             for name, version in plan.removed.items()]
    rows += [("flow", name, version, "published", next(f for f in plan.definition.flows if f["name"] == name))
             for name, version in plan.flows.items()]
    rows += [("flow", name, version, "removed", next(f for f in plan.previous.flows if f["name"] == name))
             for name, version in plan.removed_flows.items()]
    for kind, name, version, status, body in rows:
        text_, checksum = body_text(body)
        conn.execute(d.insert().values(app=plan.app, kind=kind, name=name, version=version, status=status,
                                       body=text_, checksum=checksum, created_by=user_id, created_at=stamp))
    if plan.app_changed:
        top = conn.execute(select(func.max(d.c.version)).where(d.c.app == plan.app, d.c.kind == "app")).scalar() or 0
        text_, checksum = body_text(app_body(plan.definition))
        conn.execute(d.insert().values(app=plan.app, kind="app", name=plan.app, version=top + 1, status="published",
                                       body=text_, checksum=checksum, created_by=user_id, created_at=stamp))
    bump_access(conn)  # every process reloads its apps on its next request


def app_with_form(conn: Connection, app_name: str, form: dict) -> dict:
    """The published app as a dict with `form` put in place of the form of the same name (or added)."""
    app = published_app(conn, app_name)
    data = app.model_dump(mode="json", by_alias=True, exclude_none=True)
    forms = [f for f in data["forms"]]
    for i, f in enumerate(forms):
        if f["name"] == form.get("name"):
            forms[i] = form
            break
    else:
        forms.append(form)
        data["menu"] = [*data.get("menu", []), {"form": form.get("name")}]
    data["forms"] = forms
    return data


def app_without_form(conn: Connection, app_name: str, form_name: str) -> dict:
    """The published app as a dict without `form_name`, its menu item and the roles' permissions on it."""
    data = published_app(conn, app_name).model_dump(mode="json", by_alias=True, exclude_none=True)
    data["forms"] = [f for f in data["forms"] if f["name"] != form_name]
    data["menu"] = [m for m in data.get("menu", []) if m["form"] != form_name]
    for role in data.get("roles", []):
        role["permissions"] = [p for p in role.get("permissions", []) if p["form"] != form_name]
    return data


def purge_archived(engine: Engine, app_name: str, form_name: str, column: str, *, subform: str | None = None,
                   tz: tzinfo, user_id: int | None) -> PublishPlan:
    """Delete an archived field for good: its column (or subform table) and the data in it."""
    with write(engine) as conn:
        app = published_app(conn, app_name)
        form = next((f for f in app.forms if f.name == form_name), None)
        if form is None:
            raise NotFound(f"表单“{form_name}”不存在")
        entry = next((a for a in form.archived if a.field.col == column and a.subform == subform), None)
        if entry is None:
            raise NotFound(f"表单“{form.label.zh}”中没有已归档的列“{column}”")
        new = form.model_copy(update={"archived": tuple(a for a in form.archived if a is not entry)})
        version = _form_versions(conn, app_name).get(form_name, 0) + 1
        plan = PublishPlan(app_name, False, app.model_copy(update={"forms": tuple(new if f.name == form_name else f
                                                                                  for f in app.forms)}))
        plan.forms[form_name] = FormPlan(new, [], form)
        plan.versions[form_name] = version
        plan.steps.append(Step("purge", form_name, f"彻底删除已归档的字段“{entry.field.label.zh}”及其数据",
                               field=entry.field.name, lossy=True, consequence="数据将被永久删除，无法恢复"))
        old_tables = to_table(app_name, form, MetaData())
        op = _ops(conn)
        if entry.field.type == "subform":
            _child(old_tables, form, entry.field.col).drop(conn)
        else:
            table = _child(old_tables, form, subform) if subform else old_tables.main
            for idx in list(table.indexes):
                if any(c.name == column for c in idx.columns):
                    op.drop_index(idx.name, table_name=table.name)
            op.drop_column(table.name, column)
        _store(conn, plan, user_id, tz)
    return plan
