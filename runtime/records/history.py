"""A record's change history as one viewer may see it: hidden fields left out, masked ones masked."""
from __future__ import annotations

from dataclasses import dataclass

from form_engine.compiler import CompiledForm

from .audit import Entry, entries
from .context import RecordContext
from .read import SYSTEM_LINKS, load_record
from .references import display_maps
from .rights import access_of, allowed, mask, read_owners, shows

LINK_TYPES = ("relation", "user", "department")


@dataclass
class Change:
    field: str
    label: str
    old: object  # as the API shows values; links as {"id", "display"}
    new: object


@dataclass
class HistoryEntry:
    entry: Entry
    changes: list[Change]


def record_history(ctx: RecordContext, form: CompiledForm, record_id: int, *, limit: int = 100) -> list[HistoryEntry]:
    """Newest first. A record the actor may not read is "not found", like everywhere else."""
    access = allowed(ctx, form, "read")
    load_record(ctx, form, record_id, owners=read_owners(ctx, access))  # 404 outside scope
    rows = entries(ctx.conn, app=form.app, form=form.name, record_id=record_id, limit=limit)
    return viewed(ctx, form, rows)


def viewed(ctx: RecordContext, form: CompiledForm, rows: list[Entry]) -> list[HistoryEntry]:
    access = access_of(ctx, form)
    owner = SYSTEM_LINKS[0]
    links = [f for f in form.form.fields if f.type in LINK_TYPES]
    link_names = {f.name for f in links} | {owner.name}
    ids = [{name: v} for e in rows for name, pair in e.changes.items() if name in link_names
           for v in pair if v is not None]
    names = display_maps(ctx, links + [owner], ids) if ids else {}
    out = []
    for e in rows:
        changes = []
        for name, (old, new) in e.changes.items():
            if name == "owner_id":
                f = owner
            else:
                f = form.fields.get(name)
                if f is None or shows(access, form, name) is None:
                    continue
            if f.type in LINK_TYPES:
                old, new = (_link(v, names.get(name, {})) for v in (old, new))
            elif shows(access, form, name) == "masked":
                old, new = mask(form, name, old), mask(form, name, new)
            changes.append(Change(name, f.label.text(ctx.lang), old, new))
        out.append(HistoryEntry(e, changes))
    return out


def _link(value, names: dict):
    return None if value is None else {"id": value, "display": names.get(value, "")}
