"""A published form compiled once: tables, input model, expressions in dependency order."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

import networkx as nx
from sqlalchemy import MetaData

from .definitions import AppDef, FieldDef, FormDef, ValidationRuleDef
from .errors import Problem
from .expressions import Expression, ExpressionFailed, compile_expression
from .fieldtypes import FieldType, field_type
from .fieldtypes.base import EMPTY
from .identifiers import SYSTEM_COLUMNS
from .messages import message
from .tables import FormTables, to_table
from .validation import InputModel, wall_time


def expression_names(fields: tuple[FieldDef, ...]) -> set[str]:
    return {f.name for f in fields} | set(SYSTEM_COLUMNS)


def formula_order(fields: tuple[FieldDef, ...], path: str = "") -> list[tuple[FieldDef, Expression]]:
    """Formulas of `fields` compiled and sorted so each runs after the formulas it reads."""
    names = expression_names(fields)
    compiled = {f.name: compile_expression(f.expression or "", names=names, path=f"{path}/{f.name}/expression")
                for f in fields if f.type == "formula"}
    graph = nx.DiGraph()
    graph.add_nodes_from(compiled)
    for name, expr in compiled.items():
        graph.add_edges_from((dep, name) for dep in expr.names if dep in compiled)
    return [(next(f for f in fields if f.name == n), compiled[n]) for n in nx.topological_sort(graph)]


@dataclass(frozen=True)
class CompiledForm:
    """Everything a request needs about one form version, built once and shared."""

    app: str
    form: FormDef
    tables: FormTables
    inputs: InputModel
    tz: tzinfo
    fields: dict[str, FieldDef] = field(default_factory=dict)
    types: dict[str, FieldType] = field(default_factory=dict)
    formulas: list = field(default_factory=list)
    row_formulas: dict[str, list] = field(default_factory=dict)
    visible: dict[str, Expression] = field(default_factory=dict)
    row_visible: dict[str, dict[str, Expression]] = field(default_factory=dict)  # subform → row field → rule
    readonly: dict[str, Expression] = field(default_factory=dict)
    defaults: dict[str, Expression] = field(default_factory=dict)
    row_defaults: dict[str, dict[str, Expression]] = field(default_factory=dict)
    rules: list[tuple[ValidationRuleDef, Expression]] = field(default_factory=list)
    plans: dict = field(default_factory=dict, compare=False, repr=False)  # runtime's per-projection caches
    # Per-record work decided once: which fields have defaults, which need a "required" check.
    _stored: tuple[FieldDef, ...] = field(default=(), repr=False, compare=False)
    _subforms: tuple[FieldDef, ...] = field(default=(), repr=False, compare=False)
    _default_plan: tuple = field(default=(), repr=False, compare=False)  # (field, expression or None)
    _required_plan: tuple = field(default=(), repr=False, compare=False)  # (field, required?, visible_when)

    @property
    def name(self) -> str:
        return self.form.name

    @property
    def label(self):
        return self.form.label

    @property
    def title_field(self) -> str:
        if self.form.title_field:
            return self.form.title_field
        return next((f.name for f in self.form.fields if f.type in ("text", "auto_number")), "id")

    def stored_fields(self) -> list[FieldDef]:
        return list(self._stored)

    def subforms(self) -> list[FieldDef]:
        return list(self._subforms)

    @property
    def attachments(self) -> list[str]:
        return [f.name for f in self.form.fields if f.type == "attachment"]

    def default_values(self, context: dict) -> dict[str, Any]:
        """Defaults for a new record: literals and expressions such as today()."""
        out = {}
        for f, expr in self._default_plan:
            out[f.name] = self.coerce(f, expr.evaluate(context, tz=self.tz) if expr is not None else f.default)
        return out

    def row_default_values(self, subform: str, context: dict) -> dict[str, Any]:
        """Defaults for a new row of a subform."""
        return self._defaults(self.fields[subform].fields, self.row_defaults.get(subform, {}), context)

    def _defaults(self, fields, expressions: dict[str, Expression], context: dict) -> dict[str, Any]:
        out = {}
        for f in fields:
            if f.name in expressions:
                out[f.name] = self.coerce(f, expressions[f.name].evaluate(context, tz=self.tz))
            elif f.default is not None:
                out[f.name] = self.coerce(f, f.default)
        return out

    def coerce(self, f: FieldDef, value: Any) -> Any:
        """A computed value (default, formula) in its stored form: datetimes as wall time."""
        return wall_time(field_type(f.type).coerce(value, f), self.tz)

    def is_visible(self, name: str, values: dict) -> bool:
        expr = self.visible.get(name)
        return True if expr is None else bool(_safe(expr, values, self.tz))

    def is_readonly(self, name: str, values: dict) -> bool:
        expr = self.readonly.get(name)
        return False if expr is None else bool(_safe(expr, values, self.tz))

    def compute(self, record: dict, lang: str) -> list[Problem]:
        """Fill formula fields in place (rows first, then the record); problems if one fails."""
        problems: list[Problem] = []
        for sub, formulas in self.row_formulas.items():
            for i, row in enumerate(record.get(sub) or []):
                self._run(formulas, row, {**record, **row}, f"{sub}.{i}.", lang, problems)
        self._run(self.formulas, record, record, "", lang, problems)
        return problems

    def _run(self, formulas, target, context, prefix, lang, problems):
        for f, expr in formulas:
            try:
                value = expr.evaluate(context, tz=self.tz)
                target[f.name] = context[f.name] = self.coerce(f, value)
            except Exception as exc:  # a formula must never lose the user's input
                target[f.name] = context[f.name] = None
                problems.append(Problem(f"{prefix}{f.name}", message("expression", lang, error=_reason(exc)), "expression"))

    def check_record(self, record: dict, lang: str) -> list[Problem]:
        """Required fields that are visible (top level and rows) and form-level rules."""
        problems = []
        for f, required, shown_when in self._required_plan:
            if required and record.get(f.name) in EMPTY and (shown_when is None or _safe(shown_when, record, self.tz)):
                problems.append(Problem(f.name, message("required", lang), "required"))
            if f.type == "subform":
                visible = self.row_visible.get(f.name, {})
                for i, row in enumerate(record.get(f.name) or []):
                    for c in f.fields:
                        shown = c.name not in visible or bool(_safe(visible[c.name], row, self.tz))
                        if c.required and field_type(c.type).writable and row.get(c.name) in EMPTY and shown:
                            problems.append(Problem(f"{f.name}.{i}.{c.name}", message("required", lang), "required"))
        for rule, expr in self.rules:
            try:
                ok = expr.evaluate(record, tz=self.tz)
            except ExpressionFailed:
                ok = False
            if ok is False:
                problems.append(Problem(rule.field or "", rule.message.text(lang), "rule"))
        return problems


def _safe(expr: Expression, values: dict, tz) -> Any:
    try:
        return expr.evaluate(values, tz=tz)
    except ExpressionFailed:
        return None


def _reason(exc: Exception) -> str:
    return getattr(exc, "detail", None) or str(exc)


def compile_form(app: str, form: FormDef, metadata: MetaData, tz: tzinfo) -> CompiledForm:
    names = expression_names(form.fields)
    base = f"/forms/{form.name}/fields"

    def expr(source, path):
        return compile_expression(source, names=names, path=path)
    visible = {f.name: expr(f.visible_when, f"{base}/{f.name}/visible_when") for f in form.fields if f.visible_when}
    defaults = {f.name: expr(f.default_expression, f"{base}/{f.name}/default_expression")
                for f in form.fields if f.default_expression}
    must_fill = {f.name for f in form.fields if f.required and field_type(f.type).writable}
    return CompiledForm(
        app=app, form=form, tables=to_table(app, form, metadata),
        inputs=InputModel.build(f"{app}_{form.name}", form.fields, tz), tz=tz,
        fields=form.field_map(), types={f.name: field_type(f.type) for f in form.fields},
        formulas=formula_order(form.fields, base),
        row_formulas={f.name: formula_order(f.fields, f"{base}/{f.name}/fields") for f in form.fields if f.type == "subform"},
        visible=visible,
        row_visible={f.name: {c.name: compile_expression(c.visible_when, names=expression_names(f.fields),
                                                         path=f"{base}/{f.name}/fields/{c.name}/visible_when")
                              for c in f.fields if c.visible_when}
                     for f in form.fields if f.type == "subform"},
        readonly={f.name: expr(f.readonly_when, f"{base}/{f.name}/readonly_when") for f in form.fields if f.readonly_when},
        defaults=defaults,
        row_defaults={f.name: {c.name: compile_expression(c.default_expression, names=expression_names(f.fields),
                                                          path=f"{base}/{f.name}/fields/{c.name}/default_expression")
                               for c in f.fields if c.default_expression}
                      for f in form.fields if f.type == "subform"},
        rules=[(r, expr(r.expression, f"/forms/{form.name}/rules/{i}")) for i, r in enumerate(form.rules)],
        _stored=tuple(f for f in form.fields if field_type(f.type).stored),
        _subforms=tuple(f for f in form.fields if f.type == "subform"),
        _default_plan=tuple((f, defaults.get(f.name)) for f in form.fields
                            if f.name in defaults or f.default is not None),
        _required_plan=tuple((f, f.name in must_fill, visible.get(f.name)) for f in form.fields
                             if f.name in must_fill or f.type == "subform"),
    )


@dataclass(frozen=True)
class CompiledApp:
    definition: AppDef
    metadata: MetaData
    forms: dict[str, CompiledForm]
    access_cache: dict = field(default_factory=dict, compare=False, repr=False)  # runtime.access fills it

    @property
    def name(self) -> str:
        return self.definition.name


_compiled: OrderedDict[tuple[str, str], CompiledApp] = OrderedDict()
_compiled_lock = threading.Lock()
KEEP_COMPILED = 8  # app versions kept compiled per process


def compile_app(app: AppDef, tz: tzinfo) -> CompiledApp:
    """The app compiled for `tz`: tables, validation models, expressions and plans per form.

    Compiling builds a pydantic model and SQLAlchemy tables per form (about 10 ms a form), and one
    process meets the same definition several times (installing, publishing, loading, every
    registry that syncs), so an identical definition is compiled once and its CompiledApp (with
    the caches runtime keeps on it) is shared. A changed definition is a different key.
    """
    key = (app.model_dump_json(), str(tz))
    with _compiled_lock:
        found = _compiled.get(key)
        if found is not None:
            _compiled.move_to_end(key)
            return found
    metadata = MetaData()
    compiled = CompiledApp(app, metadata, {f.name: compile_form(app.name, f, metadata, tz) for f in app.forms})
    with _compiled_lock:
        compiled = _compiled.setdefault(key, compiled)  # two threads compiling at once keep the first
        while len(_compiled) > KEEP_COMPILED:
            _compiled.popitem(last=False)
    return compiled
