"""What a user-chosen name (app, form, field, column) may look like before it reaches SQL."""
from __future__ import annotations

import difflib
import re

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
_NAME = re.compile(NAME_PATTERN)

SYSTEM_COLUMNS = (
    "id", "created_at", "updated_at", "created_by", "owner_id", "department_id",
    "version", "deleted_at", "flow_status",
)

# SQL keywords of SQLite and PostgreSQL that would need quoting everywhere, plus names that
# clash with our own URLs and system columns.
RESERVED = frozenset(SYSTEM_COLUMNS) | frozenset("""
abort action add after all alter always analyze and as asc attach autoincrement before begin
between by cascade case cast check collate column commit conflict constraint create cross
current current_date current_time current_timestamp current_user database default deferrable
deferred delete desc detach distinct do drop each else end escape except exclude exclusive
exists explain fail filter first following for foreign from full generated glob group groups
having if ignore immediate in index indexed initially inner insert instead intersect into is
isnull join key last left like limit match materialized natural no not nothing notnull null
nulls of offset on or order others outer over partition plan pragma preceding primary query
raise range recursive references regexp reindex release rename replace restrict returning
right rollback row rows savepoint select set table temp temporary then ties to transaction
trigger unbounded union unique update user using vacuum values view virtual when where window
with without analyse array asymmetric both current_catalog current_role current_schema
fetch grant leading localtime localtimestamp only placing session_user some symmetric
trailing variadic authorization binary concurrently freeze ilike lateral similar verbose
records schema new deleted restore
""".split())


def name_problem(name: object) -> str | None:
    """Return why `name` can't be used as an identifier, or None when it can."""
    if not isinstance(name, str) or not _NAME.match(name):
        return "名称只能用小写英文字母开头，后接小写字母、数字或下划线，最长 40 个字符"
    if name in RESERVED:
        return f"“{name}”是系统保留字，请换一个名称"
    return None


def did_you_mean(name: str, known) -> str | None:
    """A close match among `known`, phrased for an error message."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"您是不是想写“{close[0]}”？" if close else None
