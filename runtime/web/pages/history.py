"""The "变更记录" panel of a detail page: who changed what, when, through which path."""
from __future__ import annotations

from dataclasses import dataclass

from form_engine.compiler import CompiledForm

from ...records.context import RecordContext
from ...records.history import record_history
from .i18n import translate

ACTIONS = {"create": "创建了记录", "update": "修改了", "delete": "删除了记录", "restore": "从回收站恢复了记录",
           "transfer": "转交了负责人"}
PATHS = {"page": "页面", "api": "API", "import": "导入", "rule": "规则", "flow": "流程", "cli": "命令行", "system": "系统"}


@dataclass
class HistoryLine:
    at: str
    who: str
    action: str
    via: str
    changes: list[tuple[str, str, str]]  # label, old, new as text


def _text(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, dict) and "id" in value:
        return value.get("display") or f"#{value['id']}"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return f"{len(value)} 行" if "name" not in value[0] else "、".join(str(v.get("name")) for v in value)
        return "、".join(str(v) for v in value)
    return str(value)


def history_items(ctx: RecordContext, form: CompiledForm, record_id: int) -> list[HistoryLine]:
    lang = ctx.lang
    out = []
    for item in record_history(ctx, form, record_id):
        e = item.entry
        changes = [(c.label, _text(c.old), _text(c.new)) for c in item.changes]
        if e.action == "create":
            changes = [(label, "", new) for label, _old, new in changes]
        out.append(HistoryLine(e.at.strftime("%Y-%m-%d %H:%M"), e.user_name, translate(ACTIONS.get(e.action, e.action), lang),
                               translate(PATHS.get(e.via, e.via), lang), changes))
    return out
