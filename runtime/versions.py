"""Published versions of a form: list them, diff two of them, restore an old one as a new publish.

Every publish of a form stores a new fw_definition row (kind "form") and keeps the old ones.
Fields are matched across versions by their `column` (fixed when a field is first created), so a
field whose name changed is a rename, not a removal plus an addition.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import Connection, Engine, select

from form_engine.definitions import FieldDef, FormDef
from form_engine.errors import NotFound

from . import systables
from .database import read
from .publish import PublishPlan, app_with_form, plan_publish, publish

# What users call each property of a field, in the order a change list shows them.
FIELD_PROPS = {
    "label": "显示名", "type": "类型", "required": "必填", "unique": "不能重复", "default": "默认值",
    "default_expression": "默认值公式", "min": "最小值", "max": "最大值", "min_length": "最少字数",
    "max_length": "最多字数", "pattern": "格式规则", "pattern_message": "格式提示", "options": "选项",
    "visible_when": "显示条件", "readonly_when": "只读条件", "help": "说明", "placeholder": "输入提示",
    "precision": "总位数", "scale": "小数位数", "target": "关联表单", "display_field": "显示字段",
    "max_size_mb": "文件大小上限", "accept": "文件类型", "multiple": "允许多个文件",
    "number_pattern": "编号规则", "expression": "公式", "result_type": "结果类型", "in_list": "在列表中显示",
    "searchable": "参与搜索",
}
FORM_PROPS = {
    "label": "表单名称", "icon": "图标", "title_field": "标题字段", "rules": "校验规则", "indexes": "索引",
    "layout": "页面布局", "default_sort": "默认排序",
}


@dataclass(frozen=True)
class Change:
    """One property that differs between two versions: its old and new value as stored."""

    prop: str
    label: str  # what users call the property
    old: Any
    new: Any

    @property
    def old_text(self) -> str:
        return _show(self.old)

    @property
    def new_text(self) -> str:
        return _show(self.new)

    @property
    def detail(self) -> str:
        """A zh-CN description of the change, e.g. 新增选项“vip”；删除选项“normal”."""
        if self.prop == "options":
            return _options_detail(self.old or [], self.new or [])
        return f"{_show(self.old)} → {_show(self.new)}"

    def as_json(self) -> dict:
        return {"prop": self.prop, "label": self.label, "old": self.old, "new": self.new, "detail": self.detail}


@dataclass(frozen=True)
class FieldDiff:
    """A field that was added, removed, renamed or changed; `subform` names the subform it is in."""

    kind: str  # added, removed, renamed, changed
    name: str  # its name in the newer version (the older one when removed)
    label: str
    column: str
    subform: str | None = None
    old_name: str | None = None  # when renamed
    changes: tuple[Change, ...] = ()
    archived: bool = False  # removed, and its column (with the data) is kept as an archived field

    @property
    def path(self) -> str:
        return f"{self.subform}.{self.name}" if self.subform else self.name

    def as_json(self) -> dict:
        return {"kind": self.kind, "name": self.name, "label": self.label, "column": self.column,
                "subform": self.subform, "old_name": self.old_name, "archived": self.archived,
                "changes": [c.as_json() for c in self.changes]}


@dataclass(frozen=True)
class FormDiff:
    """What changed in a form from version `old` to version `new`."""

    old: int | None
    new: int
    fields: tuple[FieldDiff, ...] = ()
    form: tuple[Change, ...] = ()  # form-level properties: label, rules, indexes, layout, ...

    @property
    def empty(self) -> bool:
        return not self.fields and not self.form

    def of_kind(self, kind: str) -> list[FieldDiff]:
        return [f for f in self.fields if f.kind == kind]

    def summary(self) -> str:
        """One zh-CN line, e.g. 新增字段：手机；改名：name → title；修改字段：客户级别（选项）."""
        if self.old is None:
            return "初始版本"
        parts = []
        if added := self.of_kind("added"):
            parts.append("新增字段：" + "、".join(f.label for f in added))
        if removed := self.of_kind("removed"):
            parts.append("删除字段：" + "、".join(f.label + ("（已归档）" if f.archived else "") for f in removed))
        if renamed := self.of_kind("renamed"):
            parts.append("改名：" + "、".join(f"{f.old_name} → {f.name}" for f in renamed))
        if changed := self.of_kind("changed"):
            parts.append("修改字段：" + "、".join(f"{f.label}（{'、'.join(c.label for c in f.changes)}）" for f in changed))
        if self.form:
            parts.append("修改表单：" + "、".join(c.label for c in self.form))
        return "；".join(parts) or "没有变化"

    def as_json(self) -> dict:
        return {"from": self.old, "to": self.new, "summary": self.summary(),
                "fields": [f.as_json() for f in self.fields], "form": [c.as_json() for c in self.form]}


@dataclass(frozen=True)
class FormVersion:
    """One published version of a form: who published it, when, and what it changed."""

    version: int
    created_at: datetime
    user_id: int | None
    user_name: str | None
    diff: FormDiff
    current: bool = False
    body: dict = field(default_factory=dict, repr=False, compare=False)

    def as_json(self) -> dict:
        return {"version": self.version, "created_at": self.created_at.isoformat(timespec="seconds"),
                "created_by": {"id": self.user_id, "display": self.user_name} if self.user_id is not None else None,
                "current": self.current, "summary": self.diff.summary()}


def list_versions(conn: Connection, app: str, form: str) -> list[FormVersion]:
    """Every published version of a form, newest first, each with its changes against the one before."""
    d, u = systables.definition, systables.user
    rows = conn.execute(
        select(d.c.version, d.c.body, d.c.created_at, d.c.created_by, u.c.full_name)
        .outerjoin(u, u.c.id == d.c.created_by)
        .where(d.c.app == app, d.c.kind == "form", d.c.name == form, d.c.status == "published")
        .order_by(d.c.version)).all()
    if not rows:
        raise NotFound(f"表单“{form}”没有已发布的版本" if _app_exists(conn, app) else f"应用“{app}”不存在")
    out, previous = [], None
    for row in rows:
        body = json.loads(row.body)
        current = FormDef.model_validate(body)
        out.append(FormVersion(row.version, row.created_at, row.created_by, row.full_name,
                               diff_forms(previous, current, old_version=out[-1].version if out else None,
                                          new_version=row.version),
                               current=row is rows[-1], body=body))
        previous = current
    return out[::-1]


def version_body(conn: Connection, app: str, form: str, version: int) -> dict:
    """The stored definition of one published version of a form."""
    d = systables.definition
    body = conn.execute(select(d.c.body).where(d.c.app == app, d.c.kind == "form", d.c.name == form,
                                               d.c.version == version, d.c.status == "published")).scalar()
    if body is None:
        raise NotFound(f"表单“{form}”没有版本 {version}")
    return json.loads(body)


def diff_versions(conn: Connection, app: str, form: str, old: int, new: int) -> FormDiff:
    return diff_forms(FormDef.model_validate(version_body(conn, app, form, old)),
                      FormDef.model_validate(version_body(conn, app, form, new)), old_version=old, new_version=new)


def diff_forms(old: FormDef | None, new: FormDef, *, old_version: int | None = None, new_version: int = 0) -> FormDiff:
    """Fields added, removed, renamed and changed (matched by column), and form-level changes."""
    if old is None:
        return FormDiff(None, new_version)
    archived = {(a.subform, a.field.col) for a in new.archived}
    fields = _field_diffs(old.fields, new.fields, None, None, archived)
    form = tuple(Change(prop, label, _dump(getattr(old, prop)), _dump(getattr(new, prop)))
                 for prop, label in FORM_PROPS.items() if _dump(getattr(old, prop)) != _dump(getattr(new, prop)))
    return FormDiff(old_version, new_version, tuple(fields), form)


def _field_diffs(old: tuple[FieldDef, ...], new: tuple[FieldDef, ...], subform: str | None,
                 subform_col: str | None, archived: set[tuple[str | None, str]]) -> list[FieldDiff]:
    before = {f.col: f for f in old}
    after = {f.col: f for f in new}
    out = []
    for f in new:
        was = before.get(f.col)
        if was is None:
            out.append(FieldDiff("added", f.name, f.label.zh, f.col, subform))
            continue
        changes = _field_changes(was, f)
        if was.name != f.name:
            out.append(FieldDiff("renamed", f.name, f.label.zh, f.col, subform, was.name, changes))
        elif changes:
            out.append(FieldDiff("changed", f.name, f.label.zh, f.col, subform, changes=changes))
        if f.type == "subform" and was.type == "subform":
            out.extend(_field_diffs(was.fields, f.fields, f.name, f.col, archived))
    for f in old:
        if f.col not in after:
            out.append(FieldDiff("removed", f.name, f.label.zh, f.col, subform, archived=(subform_col, f.col) in archived))
    return _conversions(out, before, after)


def _conversions(diffs: list[FieldDiff], before: dict[str, FieldDef], after: dict[str, FieldDef]) -> list[FieldDiff]:
    """A field removed and one added under the same name is one field converted into a new column
    (the old column archived): show it as changed, its column among the changes."""
    removed = {d.name: d for d in diffs if d.kind == "removed"}
    out = []
    for d in diffs:
        if d.kind == "added" and d.name in removed:
            was, now = before[removed[d.name].column], after[d.column]
            changes = (*_field_changes(was, now), Change("column", "数据列", was.col, now.col))
            out.append(FieldDiff("changed", d.name, d.label, d.column, d.subform, changes=changes,
                                 archived=removed[d.name].archived))
        elif not (d.kind == "removed" and any(a.kind == "added" and a.name == d.name for a in diffs)):
            out.append(d)
    return out


def _field_changes(old: FieldDef, new: FieldDef) -> tuple[Change, ...]:
    a, b = _dump(old), _dump(new)
    return tuple(Change(prop, label, a.get(prop), b.get(prop)) for prop, label in FIELD_PROPS.items()
                 if a.get(prop) != b.get(prop))


def _dump(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, tuple):
        return [_dump(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True,
                                exclude={"fields"} if isinstance(value, FieldDef) else None)
    return value


def _options_detail(old: list[dict], new: list[dict]) -> str:
    before = {o["value"]: o for o in old}
    after = {o["value"]: o for o in new}
    parts = []
    if added := [v for v in after if v not in before]:
        parts.append("新增选项" + "、".join(f"“{_label(after[v])}”" for v in added))
    if removed := [v for v in before if v not in after]:
        parts.append("删除选项" + "、".join(f"“{_label(before[v])}”" for v in removed))
    if relabelled := [v for v in after if v in before and before[v] != after[v]]:
        parts.append("修改选项" + "、".join(f"“{_label(after[v])}”" for v in relabelled))
    if not parts and list(before) != list(after):
        parts.append("调整了选项顺序")
    return "；".join(parts)


def _label(option: dict) -> str:
    return (option.get("label") or {}).get("zh-CN") or option["value"]


def _show(value: Any) -> str:
    if value is None:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict) and "zh-CN" in value:
        return str(value["zh-CN"])
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _app_exists(conn: Connection, app: str) -> bool:
    d = systables.definition
    return conn.execute(select(d.c.id).where(d.c.app == app, d.c.kind == "app").limit(1)).first() is not None


def restore_proposal(conn: Connection, app: str, form: str, version: int) -> dict:
    """The published app with `form` put back as it was in `version`: what a restore publishes.

    Archived fields are left out: the publish carries the current ones over, and an old field
    whose column is archived now comes back with its data.
    """
    body = version_body(conn, app, form, version)
    body.pop("archived", None)
    return app_with_form(conn, app, body)


def plan_restore(conn: Connection, app: str, form: str, version: int, *, tz: tzinfo) -> PublishPlan:
    """The publish plan a restore would run; changes nothing."""
    return plan_publish(conn, app, restore_proposal(conn, app, form, version), tz=tz)


def restore_version(engine: Engine, app: str, form: str, version: int, *, tz: tzinfo, user_id: int | None,
                    accept_loss: bool = False) -> PublishPlan:
    """Publish `version` of the form again as a new version, through the same plan as any publish.

    Raises LossNotAccepted when the plan is lossy and `accept_loss` is False (nothing changed).
    """
    with read(engine) as conn:
        proposed = restore_proposal(conn, app, form, version)
    return publish(engine, app, proposed, tz=tz, user_id=user_id, accept_loss=accept_loss)
