"""Read and check an app bundle: meta-schema, typed model, then the checks that need the whole app."""
from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
from pydantic import ValidationError

from .compiler import expression_names
from .definitions import AppDef, FieldDef, FormDef
from .errors import Collector, DefinitionError, Problem
from .expressions import Expression, compile_expression
from .fieldtypes import FIELD_TYPES
from .fieldtypes.computed import pattern_problem
from .identifiers import SYSTEM_COLUMNS, did_you_mean, name_problem
from .messages import FieldInvalid, message
from .metaschema import check_app
from .tables import ROW_COLUMNS, default_table_name

LINKED_FORM_FIELD_TYPES = {"relation"}


def read_bundle_dir(path: Path) -> dict:
    """A bundle folder (app.json, forms/*.json, flows/*.json, demo.json) as one JSON document."""
    data = json.loads((path / "app.json").read_text(encoding="utf-8"))
    forms = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((path / "forms").glob("*.json"))}
    order = [m["form"] for m in data.get("menu", []) if m.get("form") in forms]
    data["forms"] = [forms[n] for n in order] + [forms[n] for n in forms if n not in order]
    flows = sorted((path / "flows").glob("*.json"))
    if flows:
        data["flows"] = [json.loads(p.read_text(encoding="utf-8")) for p in flows]
    demo = path / "demo.json"
    if demo.exists():
        data["demo"] = json.loads(demo.read_text(encoding="utf-8"))
    return data


def parse_app(data: object, previous: AppDef | None = None) -> AppDef:
    """The checked, storage-assigned AppDef for `data`, or DefinitionError with every problem.

    With `previous` (the published app), fields keep the columns they had there."""
    problems = check_app(data)
    if problems:
        raise DefinitionError(problems + _raw_name_problems(data, {p.path for p in problems}))
    try:
        app = AppDef.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError([Problem("/" + "/".join(map(str, e["loc"])), e["msg"], e["type"]) for e in exc.errors()]) from None
    check_semantics(app)
    return assign_storage(app, previous)


def _raw_name_problems(data: object, reported: set[str]) -> list[Problem]:
    """Name checks on the raw JSON, so reserved and duplicate names come with the schema errors."""
    c = Collector()

    def names(items, path, what):
        if not isinstance(items, list):
            return
        seen = set()
        for i, item in enumerate(items):
            name = item.get("name") if isinstance(item, dict) else None
            at = f"{path}/{i}/name"
            if isinstance(name, str) and at not in reported and (why := name_problem(name)):
                c.add(at, why, "name")
            if isinstance(name, str) and name in seen:
                c.add(at, f"{what}名称“{name}”重复", "duplicate")
            seen.add(name)
            if isinstance(item, dict) and "fields" in item:
                names(item["fields"], f"{path}/{i}/fields", "字段")
    if isinstance(data, dict):
        names(data.get("forms"), "/forms", "表单")
    return c.problems


def check_semantics(app: AppDef) -> None:
    c = Collector()
    if (why := name_problem(app.name)):
        c.add("/name", why, "name")
    forms = {f.name: f for f in app.forms}
    _duplicates(c, [f.name for f in app.forms], "/forms", "表单")
    for i, form in enumerate(app.forms):
        _check_form(c, form, f"/forms/{i}", forms)
    for i, item in enumerate(app.menu):
        if item.form not in forms:
            c.add(f"/menu/{i}/form", f"菜单引用的表单“{item.form}”不存在", "unknown_form", did_you_mean(item.form, forms))
    _check_roles(c, app, forms)
    c.raise_definition_error()


NEEDS_READ = ("update", "delete", "export", "transfer")


def _check_roles(c: Collector, app: AppDef, forms: dict[str, FormDef]) -> None:
    """Role names, and that every permission names a real form and real fields of it."""
    _duplicates(c, [r.name for r in app.roles], "/roles", "角色")
    for i, role in enumerate(app.roles):
        path = f"/roles/{i}"
        if (why := name_problem(role.name)):
            c.add(f"{path}/name", why, "name")
        seen: set[str] = set()
        for j, perm in enumerate(role.permissions):
            at = f"{path}/permissions/{j}"
            form = forms.get(perm.form)
            if form is None:
                c.add(f"{at}/form", f"权限引用的表单“{perm.form}”不存在", "unknown_form", did_you_mean(perm.form, forms))
                continue
            if perm.form in seen:
                c.add(f"{at}/form", f"角色“{role.name}”对表单“{perm.form}”的权限重复", "duplicate")
            seen.add(perm.form)
            wanting = [a for a in perm.actions if a in NEEDS_READ]
            if wanting and "read" not in perm.actions:
                c.add(f"{at}/actions", f"有“{'、'.join(wanting)}”权限时必须同时有查看（read）权限", "needs_read")
            names = {f.name for f in form.fields}
            for name in perm.fields:
                if name not in names:
                    c.add(f"{at}/fields/{name}", f"字段限制引用的字段“{name}”不存在于表单“{perm.form}”", "unknown_field",
                          did_you_mean(name, names))


def _duplicates(c: Collector, names: list[str], path: str, what: str) -> None:
    seen = set()
    for i, name in enumerate(names):
        if name in seen:
            c.add(f"{path}/{i}/name", f"{what}名称“{name}”重复", "duplicate")
        seen.add(name)


def _check_form(c: Collector, form: FormDef, path: str, forms: dict[str, FormDef]) -> None:
    if (why := name_problem(form.name)):
        c.add(f"{path}/name", why, "name")
    _check_fields(c, form.fields, f"{path}/fields", forms)
    names = {f.name for f in form.fields}
    if form.title_field and form.title_field not in names:
        c.add(f"{path}/title_field", f"标题字段“{form.title_field}”不存在", "unknown_field", did_you_mean(form.title_field, names))
    for i, idx in enumerate(form.indexes):
        for j, name in enumerate(idx.fields):
            if name not in names and name not in SYSTEM_COLUMNS:
                c.add(f"{path}/indexes/{i}/fields/{j}", f"索引中的字段“{name}”不存在", "unknown_field", did_you_mean(name, names))
    if form.layout:
        for s, section in enumerate(form.layout.sections):
            for j, name in enumerate(section.fields):
                if name not in names:
                    c.add(f"{path}/layout/sections/{s}/fields/{j}", f"布局中的字段“{name}”不存在", "unknown_field",
                          did_you_mean(name, names))
    sort = form.default_sort.lstrip("-")
    if sort not in names and sort not in SYSTEM_COLUMNS:
        c.add(f"{path}/default_sort", f"默认排序字段“{sort}”不存在", "unknown_field", did_you_mean(sort, names))
    expr_names = expression_names(form.fields)
    for i, rule in enumerate(form.rules):
        _expression(c, rule.expression, expr_names, f"{path}/rules/{i}/expression")


def _check_fields(c: Collector, fields: tuple[FieldDef, ...], path: str, forms: dict[str, FormDef],
                  row: bool = False) -> None:
    _duplicates(c, [f.name for f in fields], path, "字段")
    # Only columns given explicitly can clash: assign_storage picks a free one for the others.
    columns: set[str] = set()
    for i, f in enumerate(fields):
        if f.column and f.column in columns:
            c.add(f"{path}/{i}/column", f"列名称“{f.column}”重复", "duplicate")
        columns.add(f.column)
    names = expression_names(fields)
    formulas: dict[str, tuple[int, Expression]] = {}
    for i, f in enumerate(fields):
        at = f"{path}/{i}"
        if (why := name_problem(f.name)):
            c.add(f"{at}/name", why, "name")
        if f.column and (why := name_problem(f.column)):
            c.add(f"{at}/column", why, "name")
        for key in ("name", "column"):
            if row and getattr(f, key) in ROW_COLUMNS and not name_problem(getattr(f, key)):
                c.add(f"{at}/{key}", f"“{getattr(f, key)}”是明细行的系统字段，请换一个名称", "name")
        if f.type not in FIELD_TYPES:
            c.add(f"{at}/type", f"未知的字段类型“{f.type}”", "unknown_type", did_you_mean(f.type, FIELD_TYPES))
        if f.type in LINKED_FORM_FIELD_TYPES:
            target = forms.get(f.target or "")
            if target is None:
                c.add(f"{at}/target", f"关联的表单“{f.target}”不存在", "unknown_form", did_you_mean(f.target or "", forms))
            elif f.display_field and f.display_field not in {t.name for t in target.fields}:
                c.add(f"{at}/display_field", f"表单“{target.name}”中没有字段“{f.display_field}”", "unknown_field",
                      did_you_mean(f.display_field, [t.name for t in target.fields]))
        if f.type == "subform":
            _check_fields(c, f.fields, f"{at}/fields", forms, row=True)
        if f.type in ("select", "multiselect"):
            _duplicates(c, [o.value for o in f.options], f"{at}/options", "选项值")
        if f.type == "auto_number" and (why := pattern_problem(f.number_pattern or "")):
            c.add(f"{at}/number_pattern", why, "number_pattern")
        if f.pattern:
            try:
                re.compile(f.pattern)
            except re.error:
                c.add(f"{at}/pattern", "格式规则（正则表达式）写法有误", "pattern")
        if f.min is not None and f.max is not None and f.min > f.max:
            c.add(f"{at}/min", "最小值不能大于最大值", "range")
        if f.min_length is not None and f.max_length is not None and f.min_length > f.max_length:
            c.add(f"{at}/min_length", "最少字数不能大于最多字数", "range")
        if f.default is not None and f.type in FIELD_TYPES:
            _check_default(c, f, f"{at}/default")
        if f.type == "formula" and f.result_type in ("formula", "subform"):
            c.add(f"{at}/result_type", "公式结果类型无效", "result_type")
        for key in ("visible_when", "readonly_when", "default_expression"):
            if getattr(f, key):
                _expression(c, getattr(f, key), names, f"{at}/{key}")
        if f.type == "formula" and (expr := _expression(c, f.expression or "", names, f"{at}/expression")):
            formulas[f.name] = (i, expr)
    _formula_cycles(c, formulas, path)


def _check_default(c: Collector, f: FieldDef, path: str) -> None:
    """A literal default must be a value the field itself accepts."""
    ft = FIELD_TYPES[f.type]
    if not ft.writable or f.type in ("subform", "attachment"):
        c.add(path, "该类型的字段不能设置默认值", "default")
        return
    try:
        value = ft.coerce(f.default, f)
        if value not in (None, "", []):
            ft.check(value, f)
    except FieldInvalid as exc:
        c.add(path, "默认值无效：" + message(exc.code, **{k: v for k, v in exc.params.items() if k != "custom"}), "default")


def _expression(c: Collector, source: str, names: set[str], path: str) -> Expression | None:
    try:
        return compile_expression(source, names=names, path=path)
    except DefinitionError as exc:
        c.problems.extend(exc.problems)
        return None


def _formula_cycles(c: Collector, formulas: dict[str, tuple[int, Expression]], path: str) -> None:
    """One problem per group of formulas that read each other, at the first of them."""
    uses = nx.DiGraph()
    uses.add_nodes_from(formulas)
    uses.add_edges_from((name, dep) for name, (_, expr) in formulas.items() for dep in expr.names if dep in formulas)
    for group in nx.strongly_connected_components(uses):
        first = min(group, key=lambda name: formulas[name][0])
        if len(group) == 1 and not uses.has_edge(first, first):
            continue
        chain = [a for a, _ in nx.find_cycle(uses.subgraph(group), source=first)]
        c.add(f"{path}/{formulas[first][0]}/expression",
              f"公式之间存在循环引用：{' → '.join([*chain, chain[0]])}", "formula_cycle")


def assign_storage(app: AppDef, previous: AppDef | None = None) -> AppDef:
    """Fix each form's table and each field's column the first time they appear; keep them after."""
    forms = []
    for form in app.forms:
        old = _find(previous, form.name)
        table = form.table or (old.table if old else None) or default_table_name(app.name, form.name)
        archived: dict[str | None, set[str]] = {}
        for a in (*form.archived, *(old.archived if old else ())):
            archived.setdefault(a.subform, set()).add(a.field.col)
        forms.append(form.model_copy(update={"table": table, "fields": _columns(form.fields, old.fields if old else (),
                                                                                  archived)}))
    return app.model_copy(update={"forms": tuple(forms)})


def _columns(fields: tuple[FieldDef, ...], old_fields: tuple[FieldDef, ...],
             archived: dict[str | None, set[str]], subform: str | None = None) -> tuple[FieldDef, ...]:
    """Columns for `fields`: explicit ones kept, a known name keeps its column, a new field gets a
    free one — never the column of an archived field (`archived` by subform column), which still
    holds its data."""
    old = {f.name: f for f in old_fields}
    explicit = {f.column for f in fields if f.column}
    taken = explicit | {f.col for f in old_fields} | archived.get(subform, set())
    out = []
    for f in fields:
        update = {}
        col = f.column
        if not col:
            col = old[f.name].col if f.name in old else None
            if col is None or col in explicit:  # new, or its old column now belongs to a renamed field
                col = free_column(f.name, taken)
            taken.add(col)
            update["column"] = col
        if f.type == "subform":  # its rows live in their own table: columns are chosen there
            update["fields"] = _columns(f.fields, old[f.name].fields if f.name in old else (), archived, col)
        out.append(f.model_copy(update=update) if update else f)
    return tuple(out)


def free_column(name: str, taken: set[str]) -> str:
    """`name`, or `name_`, `name_2`, ... (within 40 characters) when it is taken."""
    candidate, n = name, 1
    while candidate in taken:
        suffix = "_" if n == 1 else f"_{n}"
        candidate, n = name[:40 - len(suffix)] + suffix, n + 1
    return candidate


def _find(app: AppDef | None, name: str) -> FormDef | None:
    if app is None:
        return None
    return next((f for f in app.forms if f.name == name), None)
