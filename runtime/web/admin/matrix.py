"""One role's permission matrix: forms × actions, record scopes and field rules, to and from a posted form.

A role travels as its JSON definition (a dict), so what was posted can be shown again as it was
when the definition check refuses it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from form_engine.bundle import NEEDS_READ
from form_engine.compiler import CompiledApp
from form_engine.definitions import ACTIONS, RoleDef
from form_engine.errors import Problem

from ...access import ACTION_LABELS
from ..pages.i18n import translate

SCOPE_LABELS = {"own": "本人", "department": "本部门", "department_tree": "本部门及下级", "all": "全部"}
FIELD_RULES = {"": "不限", "hidden": "隐藏", "readonly": "只读", "masked": "脱敏"}
PART_LABELS = {"label": "角色名称", "name": "角色标识", "description": "说明", "all_forms": "全部权限"}


@dataclass
class FieldRule:
    name: str
    label: str
    value: str  # "" (no limit), hidden, readonly or masked


@dataclass
class MatrixRow:
    """One form's line of the matrix, with the limits on its fields and the problems found in it."""

    form: str
    label: str
    actions: dict[str, bool]
    read_scope: str
    write_scope: str
    fields: list[FieldRule]
    errors: list[str] = field(default_factory=list)

    @property
    def limited(self) -> int:
        return sum(1 for f in self.fields if f.value)


def role_json(role: RoleDef) -> dict:
    return role.model_dump(mode="json", by_alias=True, exclude_none=True)


def matrix(app: CompiledApp, role: dict, errors: dict[str, list[str]], lang: str) -> list[MatrixRow]:
    """A row per form of the app, in the app's form order, filled in from `role`."""
    perms = {p.get("form"): p for p in role.get("permissions", []) if isinstance(p, dict)}
    rows = []
    for name, form in app.forms.items():
        perm = perms.get(name, {})
        actions = set(perm.get("actions", ()))
        rules = perm.get("fields", {})
        rows.append(MatrixRow(
            name, form.label.text(lang), {a: a in actions for a in ACTIONS},
            perm.get("read_scope", "own"), perm.get("write_scope", "own"),
            [FieldRule(f.name, f.label.text(lang), rules.get(f.name, "")) for f in form.form.fields],
            errors.get(f"form:{name}", [])))
    return rows


def role_from_post(app: CompiledApp, role: dict, posted) -> dict:
    """`role` with the label, description, all_forms and permissions the matrix form posted."""
    out = {"name": role["name"], "label": {**role.get("label", {}), "zh-CN": str(posted.get("label") or "").strip()}}
    description = {**role.get("description", {}), "zh-CN": str(posted.get("description") or "").strip()}
    if description["zh-CN"]:
        out["description"] = description
    if posted.get("all_forms") == "1":
        out["all_forms"] = True
    permissions = []
    for name, form in app.forms.items():
        chosen = set(posted.getlist(f"{name}:actions"))
        actions = [a for a in ACTIONS if a in chosen]
        if not actions:
            continue
        rules = {f.name: value for f in form.form.fields if (value := str(posted.get(f"{name}:field:{f.name}") or ""))}
        permissions.append({"form": name, "actions": actions,
                            "read_scope": str(posted.get(f"{name}:read_scope") or "own"),
                            "write_scope": str(posted.get(f"{name}:write_scope") or "own"), "fields": rules})
    out["permissions"] = permissions
    return out


def place_problems(app: CompiledApp, role: dict, index: int, problems: list[Problem],
                   lang: str) -> tuple[dict[str, list[str]], list[str]]:
    """Problems of the role at `index`, keyed by the part they belong to ("label", "form:customer"…),
    and one summary line per problem saying where it is."""
    by_part: dict[str, list[str]] = {}
    lines = []
    perms = role.get("permissions", [])
    for p in problems:
        parts = p.path.strip("/").split("/")
        if parts[:2] != ["roles", str(index)] or len(parts) < 3:
            lines.append(f"{p.path}：{p.message}")
            continue
        rest = parts[2:]
        if rest[0] == "permissions" and len(rest) > 1 and rest[1].isdigit() and int(rest[1]) < len(perms):
            perm = perms[int(rest[1])]
            form = app.forms.get(perm["form"])
            where = form.label.text(lang) if form else perm["form"]
            message = _needs_read(perm, lang) if p.code == "needs_read" else p.message
            if len(rest) > 3 and rest[2] == "fields" and form and rest[3] in form.fields:
                where += " · " + form.fields[rest[3]].label.text(lang)
            by_part.setdefault(f"form:{perm['form']}", []).append(message)
        else:
            where = translate(PART_LABELS.get(rest[0], rest[0]), lang)
            message = p.message
            by_part.setdefault(rest[0], []).append(message)
        lines.append(f"{where}：{message}")
    return by_part, lines


def _needs_read(perm: dict, lang: str) -> str:
    wanting = "、".join(translate(ACTION_LABELS[a], lang) for a in perm["actions"] if a in NEEDS_READ)
    return translate("勾选了“{actions}”时，必须同时勾选“查看”", lang, actions=wanting)
