"""Schema-migration planning: what publishing a new form version changes, and how values convert.

Pure: given the published form and the proposed one, `plan_form` says what changes for the
user (added, renamed, converted, archived, restored…) and what the database must do (columns,
tables, indexes). Nothing is ever dropped here: a removed field is archived with its column,
and a conversion writes a new column and archives the old one, so every change can be undone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import Column, Index, MetaData, Table
from sqlalchemy.dialects import postgresql

from .bundle import free_column
from .definitions import ArchivedFieldDef, FieldDef, FormDef
from .fieldtypes import field_type
from .fieldtypes.labels import type_label
from .messages import FieldInvalid, message
from .tables import to_table

# Types whose values can't be carried into another type (nor another type's into them).
UNCONVERTIBLE = frozenset({"subform", "attachment", "auto_number", "formula"})
LINKS = frozenset({"relation", "user", "department"})
CHECKED = frozenset({"convert", "narrow", "options_removed"})  # changes whose values may not survive


@dataclass(frozen=True)
class Change:
    """One change a user reads in the plan. `check` means existing rows must be looked at."""

    kind: str  # add_form, add_field, rename, convert, options_removed, narrow, widen, remove_field,
    #            restore_field, unsupported, index_added, index_removed, properties
    form: str
    summary: str
    field: str | None = None
    subform: str | None = None
    old: FieldDef | None = None
    new: FieldDef | None = None
    check: bool = False  # rows must be converted/checked: values may not fit the new definition
    moves: bool = False  # values are written to a new column and the old one archived
    blocking: bool = False


@dataclass
class SchemaOps:
    """What the database must do, as SQLAlchemy objects of the new metadata."""

    tables: list[Table] = field(default_factory=list)  # new tables (a new form, a new subform)
    columns: list[tuple[Table, Column]] = field(default_factory=list)
    retype: list[tuple[Table, Column, Any]] = field(default_factory=list)  # (table, new column, old type)
    indexes: list[Index] = field(default_factory=list)
    dropped_indexes: list[tuple[str, str]] = field(default_factory=list)  # (table, index name)


@dataclass
class FormPlan:
    form: FormDef  # the definition to store: new columns for conversions, archive entries added
    changes: list[Change]
    old: FormDef | None = None


def sql_text(f: FieldDef) -> str:
    """The field's column type as PostgreSQL spells it: two fields with equal text store alike."""
    return str(field_type(f.type).sql_type(f).compile(dialect=postgresql.dialect()))


def converter(old: FieldDef, new: FieldDef) -> Callable[[Any], tuple[Any, str | None]] | None:
    """A function from a stored old value to (stored new value, problem or None); None if impossible.

    A problem means the value is lost or changed: it could not convert (new value None), or
    it was rounded or cut to fit (new value set). The problem text says what happened.
    """
    if old.type in UNCONVERTIBLE or new.type in UNCONVERTIBLE:
        if not (old.type == new.type and old.type in {"auto_number", "attachment"}):
            return None
    if (old.type in LINKS or new.type in LINKS) and (old.type != new.type or old.target != new.target):
        return None
    source, target = field_type(old.type), field_type(new.type)

    def convert(value: Any) -> tuple[Any, str | None]:
        if value is None:
            return None, None
        plain = source.to_json(source.from_db(value, old), old)
        if plain in (None, "", []):
            return None, None
        last: FieldInvalid | None = None
        for candidate in _candidates(plain, old, new):
            try:
                result = target.coerce(candidate, new)
                if result is not None:
                    target.check(result, new)
            except FieldInvalid as exc:
                last = exc
                continue
            if result is None:
                continue
            changed = _changed(plain, target.to_json(result, new))
            return target.to_db(result, new), (f"将变为 {target.display(result, new)}" if changed else None)
        reason = message(last.code, "zh-CN", **last.params) if last else "无法转换"
        return None, f"无法转换（{reason}），将清空"
    return convert


def _candidates(plain: Any, old: FieldDef, new: FieldDef) -> list[Any]:
    out = [plain]
    if isinstance(plain, list) and new.type not in {"multiselect", "attachment"}:
        out.append("、".join(map(str, plain)))
    elif not isinstance(plain, (str, list)):
        out.append(str(plain))
    if old.type == "multiselect" and new.type == "multiselect":
        kept = [v for v in plain if any(o.value == v for o in new.options)]
        out = [kept] if kept else []
    return out


def _changed(before: Any, after: Any) -> bool:
    """Whether a converted value means something else: a number rounded, an option dropped.
    A new spelling of the same value ("1,200" → 1200) is no change."""
    try:
        return Decimal(str(before)) != Decimal(str(after))
    except ArithmeticError:
        pass
    if isinstance(before, list) and isinstance(after, list):
        return before != after
    return False


def _label(f: FieldDef) -> str:
    return f"“{f.label.zh}”"


def _field_changes(form: str, old: FieldDef, new: FieldDef, subform: str | None) -> list[Change]:
    """What happens to one field present before and after (matched by its column)."""
    at = {"form": form, "field": new.name, "subform": subform, "old": old, "new": new}
    out = []
    if old.name != new.name:
        out.append(Change("rename", summary=f"字段{_label(new)}的接口名称由 {old.name} 改为 {new.name}（数据不动）", **at))
    if old.type in {"subform"} and new.type == "subform":
        return out
    type_changed = old.type != new.type or (old.type == "formula" and old.result_type != new.result_type)
    removed = [o for o in old.options if all(n.value != o.value for n in new.options)]
    if type_changed:
        if converter(old, new) is None:
            out.append(Change("unsupported", blocking=True, summary=(
                f"字段{_label(new)}不能由“{type_label(old.type)}”直接改为“{type_label(new.type)}”；"
                "请新建一个字段，需要时把旧字段删除（旧数据会保留）"), **at))
            return out
        moves = sql_text(old) != sql_text(new)
        out.append(Change("convert", check=True, moves=moves, summary=(
            f"字段{_label(new)}由“{type_label(old.type)}”改为“{type_label(new.type)}”，已有数据逐条转换"), **at))
        return out
    if sql_text(old) != sql_text(new):
        narrow = _narrower(old, new)
        out.append(Change("narrow" if narrow else "widen", check=narrow, moves=False, summary=(
            f"字段{_label(new)}的{'长度或精度缩小' if narrow else '长度或精度放大'}" +
            ("，已有数据逐条检查" if narrow else "")), **at))
    if removed and old.type in {"select", "multiselect"}:
        names = "、".join(o.label.zh for o in removed)
        out.append(Change("options_removed", check=True, summary=f"字段{_label(new)}删除了选项：{names}", **at))
    if not out and old != new.model_copy(update={"name": old.name}):
        out.append(Change("properties", summary=f"字段{_label(new)}的属性有修改", **at))
    return out


def _narrower(old: FieldDef, new: FieldDef) -> bool:
    if old.type in {"decimal", "percent"}:
        t = field_type(old.type)
        (p0, s0), (p1, s1) = t.digits(old), t.digits(new)
        return s1 < s0 or p1 - s1 < p0 - s0
    if old.max_length is not None or new.max_length is not None:
        t = field_type(old.type)
        default = getattr(t, "max_default", 255)
        return (new.max_length or default) < (old.max_length or default)
    return True


def _by_column(fields, archived) -> dict[str, tuple[FieldDef, bool]]:
    out = {a.col: (a, True) for a in archived}
    out.update({f.col: (f, False) for f in fields})
    return out


def plan_form(old: FormDef | None, new: FormDef, *, version: int, at: str,
              lossless: frozenset[str] | str = frozenset(), occupied: frozenset[str] = frozenset()) -> FormPlan:
    """The changes from `old` to `new` (both storage-assigned) and the definition to store.

    `lossless` names the columns (or "subform.column") whose checked change lost no value:
    those change in place; every other conversion moves to a new column. "all" plans as if
    every check passed: the first pass, which says what to check. Archived fields of
    `old` carry over unless `new` restores them. A new column avoids `occupied` (the columns
    the database has, which may include one left by an interrupted publish).
    """
    if old is None:
        return FormPlan(new, [Change("add_form", form=new.name, summary=f"新建表单“{new.label.zh}”")])
    changes: list[Change] = []
    archived = [a for a in old.archived]
    fields = _plan_fields(new.name, old.fields, new.fields, old, None, version, at, lossless, changes, archived,
                          set(occupied))
    final = new.model_copy(update={"fields": tuple(fields), "archived": tuple(archived)})
    changes += _index_changes(old, final)
    if not changes and old.model_copy(update={"archived": ()}) != new.model_copy(update={"archived": ()}):
        changes.append(Change("properties", form=new.name, summary=f"表单“{new.label.zh}”的设置有修改（不涉及数据）"))
    return FormPlan(final, changes, old)


def _plan_fields(form: str, old_fields, new_fields, old_form: FormDef, subform: str | None, version: int, at: str,
                 lossless, changes: list[Change], archived: list[ArchivedFieldDef],
                 occupied: set[str]) -> list[FieldDef]:
    before = _by_column(old_fields, [a.field for a in old_form.archived if a.subform == subform])
    taken = set(before) | {f.col for f in new_fields} | (occupied if subform is None else set())
    kept = {f.col for f in new_fields}
    out = []
    for f in new_fields:
        prev, was_archived = before.get(f.col, (None, False))
        if prev is None:
            changes.append(Change("add_field", form=form, field=f.name, subform=subform, new=f,
                                  summary=f"新增字段{_label(f)}（{type_label(f.type)}）"))
            out.append(f)
            continue
        if was_archived:
            archived[:] = [a for a in archived if not (a.subform == subform and a.field.col == f.col)]
            changes.append(Change("restore_field", form=form, field=f.name, subform=subform, old=prev, new=f,
                                  summary=f"恢复已归档的字段{_label(f)}，原有数据随之恢复"))
        if f.type == "subform" and prev.type == "subform":
            f = f.model_copy(update={"fields": tuple(_plan_fields(form, prev.fields, f.fields, old_form, f.col,
                                                                  version, at, lossless, changes, archived, set()))})
        found = _field_changes(form, prev, f, subform)
        key = f"{subform}.{f.col}" if subform else f.col
        if any(c.kind in CHECKED and (c.moves or (lossless != "all" and key not in lossless)) for c in found):
            new_col = free_column(f.name, taken)
            taken.add(new_col)
            archived.append(ArchivedFieldDef(field=prev, subform=subform, reason="converted", version=version, at=at))
            f = f.model_copy(update={"column": new_col})
            found = [_moved(c) if c.kind in CHECKED else c for c in found]
        changes.extend(found)
        out.append(f)
    for col, (prev, was_archived) in before.items():
        if col not in kept and not was_archived:
            archived.append(ArchivedFieldDef(field=prev, subform=subform, reason="removed", version=version, at=at))
            changes.append(Change("remove_field", form=form, field=prev.name, subform=subform, old=prev, summary=(
                f"删除字段{_label(prev)}：字段归档，数据保留在原来的列中，可随时恢复")))
    return out


def _moved(c: Change) -> Change:
    return Change(c.kind, c.form, c.summary + "；旧值保留在归档列中，可以恢复", c.field, c.subform, c.old, c.new,
                  check=True, moves=True, blocking=c.blocking)


def _index_changes(old: FormDef, new: FormDef) -> list[Change]:
    ops = schema_ops("_", old, new)
    out = []
    for idx in ops.indexes:
        if idx.table.name in {t.name for t in ops.tables}:
            continue
        cols = "、".join(_column_label(new, c.name) for c in idx.columns)
        kind = "唯一索引" if idx.unique else "索引"
        out.append(Change("index_added", form=new.name, summary=f"为 {cols} 新建{kind}"))
    for _table, name in ops.dropped_indexes:
        out.append(Change("index_removed", form=new.name, summary=f"删除索引 {name}"))
    return out


def _column_label(form: FormDef, column: str) -> str:
    for f in form.fields:
        if f.col == column:
            return f.label.zh
        for c in f.fields:
            if c.col == column:
                return c.label.zh
    return column


def schema_ops(app: str, old: FormDef | None, new: FormDef) -> SchemaOps:
    """The DDL from old's tables to new's: compares the two forms' SQLAlchemy metadata."""
    new_meta = MetaData()
    after = to_table(app, new, new_meta)
    ops = SchemaOps()
    if old is None:
        ops.tables = list(new_meta.sorted_tables)
        return ops
    old_meta = MetaData()
    to_table(app, old, old_meta)
    old_tables = old_meta.tables
    for table in new_meta.sorted_tables:
        prev = old_tables.get(table.name)
        if prev is None:
            ops.tables.append(table)
            continue
        for column in table.columns:
            if column.name not in prev.c:
                ops.columns.append((table, column))
            elif _pg(column.type) != _pg(prev.c[column.name].type):
                ops.retype.append((table, column, prev.c[column.name].type))
        old_ix = {i.name: i for i in prev.indexes}
        new_ix = {i.name: i for i in table.indexes}
        for name, idx in new_ix.items():
            if name not in old_ix or _ix_key(old_ix[name]) != _ix_key(idx):
                ops.indexes.append(idx)
        for name, idx in old_ix.items():
            if name not in new_ix or _ix_key(new_ix[name]) != _ix_key(idx):
                ops.dropped_indexes.append((table.name, name))
    _ = after
    return ops


def _pg(sql_type) -> str:
    return str(sql_type.compile(dialect=postgresql.dialect()))


def _ix_key(idx: Index) -> tuple:
    return (tuple(c.name for c in idx.columns), bool(idx.unique))
