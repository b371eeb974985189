"""Fills an app with demo data by interpreting its demo spec; knows no form by name.

Spec (an app's `demo.json`)::

    {"seed": 20261122,
     "departments": [{"name": "总部", "manager": "wangjianguo"},   # parents before children;
                     {"name": "华东销售部", "parent": "总部"}, ...], # passed to create_department as is
     "users": [{"username": "zhangwei", "full_name": "张伟", "department": "华东销售部",
                "roles": ["sales_director"]}, ...],                # roles: names of the app's roles
     "forms": [                                           # generated in this order
       {"form": "customer", "count": 200,
        "owner": {"departments": ["华东一组"]},             # or {"users": [...]}, or
                                                          # {"from_field": "customer"}: the owner
                                                          # of the record that field refers to
        "records": [{...}, ...],                          # optional literal values for the first
                                                          # records; count defaults to their number
        "fields": {"name": {"gen": "company", "unique": true}, ...}}]}

Departments are created first, then users; a department's `manager` is set once its user
exists (set_manager). Then the records, form by form.

Fields are generated in the order written, so a generator may use the fields before it.
A *path* names such a field, or reaches through a `ref`/`copy`-linked record:
"customer.name", "contract.sign_date". In subform rows a path looks in the row first, then
in the parent record.

Keys every generator understands: `gen` (required); `optional` (probability of null);
`when` ({"field": path, "in": [...]} | {"field": path, "not_in": [...]} |
{"field": path, "empty": bool} — null unless it holds); `unique` (retry until the value is
new for this field); `fallback` (another generator spec, used when this one yields null).

Generators (`registry.GENERATORS`; extensions register the same way):

- int {min, max, log}; decimal {min, max, places=2, step, log} → "12800.00"
- date {from, to (days), base_field (default today), until (null if later than today+until),
  weekdays}; datetime {…same, hours: [9, 18]}
- bool {prob}; const {value}; pick {values, weights}; cycle {values} (n-th value for record n)
- option {weights: {value: w}, values} — one of the field's select options (from the form
  definitions passed in, or `values`); options {min, max} — several, for multiselect
- text {template | templates: [...] | templates: {value: [...], "*": [...]} with by: path,
  vars: {name: [...]}} — placeholders {n}, {var}, {path}, with a format spec: {customer.name:.4};
  a var keeps its value across the fields of one record, so a title and a description agree
- copy {field: path, ratio: [...], weights, places} — the same value (and link), or times a ratio
- person, mobile, landline {city_field}, email {name_field, domain_field}, url {name_field},
  province, city {province_field}, address {city_field},
  company {city_field, province_field, industry_field}
- ref {form, match: {their_field: our_path}, filter: {their_field: [values]}, distinct}
  — the id of a record created earlier, or null when none qualifies
- rows {min, max, fields: {...}, unique_by} — a list of subform row dicts

Each record is sent as a plain dict; null values are left out so the form's defaults apply.
"""
from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from form_engine.definitions import FormDef
from form_engine.errors import DefinitionError, Problem
from runtime.demo import basic, chinese, links  # noqa: F401  (register the built-in generators)
from runtime.demo.registry import GENERATORS
from runtime.demo.spec import check_spec

CreateRecord = Callable[[str, dict, str], int]


@dataclass
class Scope:
    """The values generated so far for one record or subform row, and where its refs point."""

    values: dict[str, Any]
    links: dict[str, tuple[str, int]] = field(default_factory=dict)
    parent: Scope | None = None
    n: int = 1
    chosen: dict[str, Any] = field(default_factory=dict)  # text `vars` picked for this record


@dataclass(frozen=True)
class Slot:
    """The field being filled: form, field path (subform first) and JSON pointer into the spec."""

    form: str
    path: tuple[str, ...]
    pointer: str

    @property
    def name(self) -> str:
        return self.path[-1]

    def child(self, name: str) -> Slot:
        return Slot(self.form, (*self.path, name), f"{self.pointer}/fields/{name}")


@dataclass(frozen=True)
class Created:
    """A record already created: its id, owner and the values it was generated with."""

    id: int
    owner: str
    values: dict[str, Any]
    links: dict[str, tuple[str, int]]


def _problem(pointer: str, message: str) -> DefinitionError:
    return DefinitionError([Problem(pointer, message)])


class Run:
    """The state of one generation: the random source and the records created so far."""

    def __init__(self, *, rng: random.Random, today: date, options: dict[tuple[str, ...], list[str]]):
        self.rng = rng
        self.today = today
        self.options = options
        self.records: dict[str, list[Created]] = {}
        self.by_id: dict[str, dict[int, Created]] = {}
        self.used: dict[tuple[str, ...], set[int]] = {}
        self.seen: dict[tuple[str, ...], set[str]] = {}

    def new_scope(self, *, parent: Scope | None = None, n: int = 1, values: dict | None = None) -> Scope:
        return Scope(values or {}, parent=parent, n=n)

    def add(self, form: str, record: Created) -> None:
        self.records.setdefault(form, []).append(record)
        self.by_id.setdefault(form, {})[record.id] = record

    def fill(self, fields: Mapping[str, dict], scope: Scope, slot: Slot) -> None:
        for name, spec in fields.items():
            if name not in scope.values:
                scope.values[name] = self.value(spec, scope, slot.child(name))

    def value(self, spec: dict, scope: Scope, slot: Slot) -> Any:
        if "when" in spec and not self._holds(spec["when"], scope, slot):
            return None
        if "optional" in spec and self.rng.random() < float(spec["optional"]):
            return None
        for _ in range(100 if spec.get("unique") else 1):
            try:
                value = GENERATORS[spec["gen"]](self, scope, spec, slot)
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                raise _problem(slot.pointer, f"生成器“{spec['gen']}”的参数有误：{exc!r}") from exc
            if value is None and "fallback" in spec:
                value = self.value(spec["fallback"], scope, slot)
            if value is None or not spec.get("unique"):
                return value
            seen = self.seen.setdefault((slot.form, *slot.path), set())
            if repr(value) not in seen:
                seen.add(repr(value))
                return value
        raise _problem(slot.pointer, "连续 100 次生成了重复的值，请扩大取值范围")

    def _holds(self, when: Mapping, scope: Scope, slot: Slot) -> bool:
        value = self.resolve(scope, when["field"], slot)
        if "in" in when and value not in when["in"]:
            return False
        if "not_in" in when and value in when["not_in"]:
            return False
        if "empty" in when and (value in (None, "", [])) != bool(when["empty"]):
            return False
        return True

    def lookup(self, scope: Scope, path: str, slot: Slot) -> tuple[Any, tuple[str, int] | None]:
        """The value at `path` and, when it is a ref, the (form, id) it points to."""
        head, _, rest = path.partition(".")
        holder: Scope | None = scope
        while holder is not None and head not in holder.values:
            holder = holder.parent
        if holder is None:
            raise _problem(slot.pointer, f"“{path}”用到的字段“{head}”还没有生成（字段按书写顺序生成）")
        value, link = holder.values[head], holder.links.get(head)
        if not rest:
            return value, link
        if value is None:
            return None, None
        if link is None:
            raise _problem(slot.pointer, f"“{head}”不是 ref 生成的关联字段，不能继续取“{rest}”")
        target = self.by_id[link[0]][link[1]]
        return self.lookup(Scope(target.values, target.links), rest, slot)

    def resolve(self, scope: Scope, path: str, slot: Slot) -> Any:
        return self.lookup(scope, path, slot)[0]

    def option_values(self, spec: Mapping, slot: Slot) -> list:
        if "values" in spec:
            return list(spec["values"])
        try:
            return self.options[(slot.form, *slot.path)]
        except KeyError:
            raise _problem(slot.pointer, "找不到该字段的选项：请传入表单定义或在生成器里给出 values") from None

    @staticmethod
    def clean(values: Mapping[str, Any]) -> dict[str, Any]:
        """A copy without nulls, as sent to the record service."""
        return {k: copy.deepcopy(v) for k, v in values.items() if v is not None}


def _form_defs(forms: Iterable[FormDef | Mapping] | None) -> dict[str, FormDef]:
    defs = (f if isinstance(f, FormDef) else FormDef.model_validate(f) for f in forms or ())
    return {f.name: f for f in defs}


def _options(forms: Mapping[str, FormDef]) -> dict[tuple[str, ...], list[str]]:
    out: dict[tuple[str, ...], list[str]] = {}
    for form in forms.values():
        for f in form.fields:
            if f.options:
                out[(form.name, f.name)] = [o.value for o in f.options]
            for child in f.fields:
                if child.options:
                    out[(form.name, f.name, child.name)] = [o.value for o in child.options]
    return out


def _owner(run: Run, rule: Mapping, scope: Scope, slot: Slot, users: list[Mapping]) -> str:
    if "from_field" in rule:
        _, link = run.lookup(scope, rule["from_field"], slot)
        if link is not None:
            return run.by_id[link[0]][link[1]].owner
    pool = [u for u in users if u.get("department") in rule["departments"]] if "departments" in rule else users
    if "users" in rule:
        pool = [u for u in pool if u["username"] in rule["users"]]
    return run.rng.choice(pool or users)["username"]


def generate(spec: Mapping, *, create_record: CreateRecord, create_user: Callable[[dict], None],
             create_department: Callable[[dict], None], today: date,
             set_manager: Callable[[str, str], None] | None = None,
             progress: Callable[[str, int, int], None] | None = None,
             forms: Iterable[FormDef | Mapping] | None = None,
             roles: Iterable[str] | None = None) -> dict[str, int]:
    """Create the spec's departments, users and records; return how many records per form.

    `forms` (FormDefs or their JSON) supply select options and let the spec be checked
    against the real field names; `roles` (the app's role names) let users' roles be checked.
    `set_manager(department, username)` is called for each department with a manager, after
    the users exist. Same spec and `today` → the same calls, in the same order.
    """
    defs = _form_defs(forms)
    check_spec(spec, defs, roles=None if roles is None else set(roles))
    run = Run(rng=random.Random(spec["seed"]), today=today, options=_options(defs))
    departments = [dict(d) for d in spec.get("departments", [])]
    for department in departments:
        create_department(dict(department))
    users = [dict(u) for u in spec["users"]]
    for user in users:
        create_user(dict(user))
    for department in departments:
        if department.get("manager") and set_manager is not None:
            set_manager(department["name"], department["manager"])
    counts: dict[str, int] = {}
    for i, form_spec in enumerate(spec["forms"]):
        form, literal = form_spec["form"], form_spec.get("records", [])
        total = form_spec.get("count", len(literal))
        slot = Slot(form, (), f"/forms/{i}")
        for n in range(1, total + 1):
            scope = run.new_scope(n=n, values=copy.deepcopy(literal[n - 1]) if n <= len(literal) else None)
            run.fill(form_spec.get("fields", {}), scope, slot)
            owner = _owner(run, form_spec.get("owner", {}), scope, slot, users)
            record_id = create_record(form, run.clean(scope.values), owner)
            run.add(form, Created(record_id, owner, scope.values, scope.links))
            counts[form] = counts.get(form, 0) + 1
            if progress is not None:
                progress(form, n, total)
    return counts
