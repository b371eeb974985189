"""What each field is at a node — hidden, visible or editable — with the defaults filled in.

At the start node the submitter fills the record: unlisted fields are editable. At an approval
node unlisted fields are visible. Computed fields are never editable.
"""
from __future__ import annotations

from form_engine.definitions import FormDef
from form_engine.fieldtypes import FIELD_TYPES

from .definitions import FieldAccess, FlowDef
from .graph import walk


def field_access(flow: FlowDef, node_id: str, form: FormDef) -> dict[str, FieldAccess]:
    """Every field of `form` and what the person at `node_id` may do with it."""
    node = next(p.node for p in walk(flow.nodes) if p.key == node_id)
    given = getattr(node, "fields", {})
    default: FieldAccess = "editable" if node.type == "start" else "visible"
    out: dict[str, FieldAccess] = {}
    for f in form.fields:
        access = given.get(f.name, default)
        out[f.name] = "visible" if access == "editable" and not FIELD_TYPES[f.type].writable else access
    return out
