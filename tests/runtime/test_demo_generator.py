"""The CRM template's definitions and the generic demo-data generator that fills them."""
from __future__ import annotations

import ast
import copy
import json
import re
import sys
from datetime import date
from pathlib import Path

import pytest

from form_engine.identifiers import SYSTEM_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the project is not installed into the venv yet
    sys.path.insert(0, str(ROOT))

from form_engine.definitions import AppDef, FormDef  # noqa: E402
from form_engine.errors import DefinitionError  # noqa: E402
from form_engine.identifiers import name_problem  # noqa: E402
from runtime.demo.generator import generate  # noqa: E402

CRM = ROOT / "app_templates" / "crm"
TODAY = date(2026, 11, 22)
FUNCTIONS = {
    "today", "now", "date", "days_between", "add_days", "add_hours", "year", "month", "day", "len",
    "round", "abs", "min", "max", "sum", "sum_field", "count", "contains", "starts_with", "concat",
    "upper", "lower", "is_empty", "coalesce", "switch", "int", "decimal", "text",
}
SYSTEM_NAMES = {"created_at", "updated_at"}


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


APP = load(CRM / "app.json")
FORMS = {item["form"]: load(CRM / "forms" / f"{item['form']}.json") for item in APP["menu"]}
SPEC = load(CRM / "demo.json")
ROLES = [r["name"] for r in APP["roles"]]
TEAMS = {"华东一组", "华东二组", "华南一组"}


class Recorder:
    """Collects every call the generator makes, handing out ids per form like a database would."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.records: dict[str, dict[int, tuple[dict, str]]] = {}
        self.order: list[tuple[str, int]] = []

    def create_department(self, data):
        self.calls.append(("department", data))

    def create_user(self, data):
        self.calls.append(("user", data))

    def set_manager(self, department, username):
        self.calls.append(("manager", department, username))

    def create_record(self, form, data, username):
        stored = self.records.setdefault(form, {})
        record_id = len(stored) + 1
        stored[record_id] = (copy.deepcopy(data), username)
        self.order.append((form, record_id))
        self.calls.append(("record", form, copy.deepcopy(data), username))
        return record_id

    def run(self, spec=SPEC, today=TODAY):
        return generate(spec, create_record=self.create_record, create_user=self.create_user,
                        create_department=self.create_department, set_manager=self.set_manager, today=today,
                        forms=FORMS.values(), roles=ROLES)


@pytest.fixture(scope="module")
def demo() -> Recorder:
    recorder = Recorder()
    recorder.counts = recorder.run()
    return recorder


def data_of(demo: Recorder, form: str) -> list[dict]:
    return [data for data, _ in demo.records[form].values()]


def spec_fields(form: str) -> dict:
    return next(f for f in SPEC["forms"] if f["form"] == form)["fields"]


# -- definitions ---------------------------------------------------------------------------

def test_every_form_file_is_in_the_menu_and_the_app_validates():
    files = {p.stem for p in (CRM / "forms").glob("*.json")}
    assert files == set(FORMS)
    assert set(FORMS) == {"customer", "contact", "lead", "opportunity", "follow_up", "contract",
                          "payment", "product", "service_ticket"}
    for name, form in FORMS.items():
        assert FormDef.model_validate(form).name == name
    app = AppDef.model_validate({**APP, "forms": list(FORMS.values()), "demo": SPEC})
    assert app.name == "crm" and app.label.en == "CRM"
    assert [f.name for f in app.forms] == [m.form for m in app.menu]


def test_names_are_allowed_identifiers_and_installer_fields_are_left_out():
    assert name_problem(APP["name"]) is None
    for form in FORMS.values():
        assert name_problem(form["name"]) is None, form["name"]
        assert "table" not in form
        for field in form["fields"]:
            for f in [field, *field.get("fields", [])]:
                assert name_problem(f["name"]) is None, (form["name"], f["name"])
                assert "column" not in f


def labels_in(form: dict):
    yield form["name"], form["label"]
    for field in form["fields"]:
        for f in [field, *field.get("fields", [])]:
            yield f["name"], f["label"]
            for option in f.get("options", []):
                yield f"{f['name']}={option['value']}", option["label"]
            for key in ("help", "placeholder", "pattern_message"):
                if key in f:
                    yield f"{f['name']}.{key}", f[key]
    for section in form.get("layout", {}).get("sections", []):
        if "title" in section:
            yield "section", section["title"]
    for rule in form.get("rules", []):
        yield "rule", rule["message"]


@pytest.mark.parametrize("name", sorted(FORMS))
def test_form_is_complete(name):
    form = FormDef.model_validate(FORMS[name])
    fields = form.field_map()
    for where, label in labels_in(FORMS[name]):
        assert label.get("zh-CN") and label.get("en"), (name, where)
    laid_out = [f for section in form.layout.sections for f in section.fields]
    assert sorted(laid_out) == sorted(fields), "every field in exactly one section"
    assert form.title_field in fields
    assert 4 <= sum(f.in_list for f in form.fields) <= 7
    for index in form.indexes:
        assert set(index.fields) <= set(fields) | set(SYSTEM_COLUMNS)
    for field in [*form.fields, *(c for f in form.fields for c in f.fields)]:
        values = [o.value for o in field.options]
        assert len(values) == len(set(values))
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", v) for v in values), values
        if field.type in ("select", "multiselect"):
            assert values, field.name
        if field.type == "relation":
            target = FormDef.model_validate(FORMS[field.target])
            assert field.display_field in target.field_map()
        if field.type == "subform":
            assert field.fields and all(c.type != "subform" for c in field.fields)


def expressions(form: FormDef):
    """(expression, names it may use) for every expression in the form."""
    top = set(form.field_map()) | SYSTEM_NAMES
    for field in form.fields:
        for expr in (field.expression, field.visible_when, field.readonly_when, field.default_expression):
            if expr:
                yield expr, top
        for child in field.fields:
            for expr in (child.expression, child.visible_when, child.readonly_when, child.default_expression):
                if expr:
                    yield expr, {c.name for c in field.fields} | SYSTEM_NAMES
    for rule in form.rules:
        yield rule.expression, top


@pytest.mark.parametrize("name", sorted(FORMS))
def test_expressions_name_only_fields_and_library_functions(name):
    form = FormDef.model_validate(FORMS[name])
    for expr, names in expressions(form):
        tree = ast.parse(expr, mode="eval")
        called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        for node in ast.walk(tree):
            assert not isinstance(node, ast.Attribute), expr
            if isinstance(node, ast.Name):
                assert node.id in (FUNCTIONS if id(node) in called else names), (expr, node.id)


def test_demo_spec_names_fields_of_its_forms():
    for form_spec in SPEC["forms"]:
        fields = {f["name"]: f for f in FORMS[form_spec["form"]]["fields"]}
        for record in form_spec.get("records", []):
            assert set(record) <= set(fields)
        for name, gen in form_spec["fields"].items():
            assert name in fields, (form_spec["form"], name)
            if gen["gen"] == "rows":
                assert set(gen["fields"]) <= {c["name"] for c in fields[name]["fields"]}


# -- generated data ------------------------------------------------------------------------

def test_same_spec_and_day_make_identical_calls(demo):
    again = Recorder()
    again.run()
    assert again.calls == demo.calls
    other_day = Recorder()
    other_day.run(today=date(2026, 1, 1))
    assert other_day.calls != demo.calls


def test_departments_users_and_counts(demo):
    departments = {c[1]["name"]: c[1].get("parent") for c in demo.calls if c[0] == "department"}
    assert departments == {"总部": None, "华东销售部": "总部", "华南销售部": "总部", "客服部": "总部", "财务部": "总部",
                           "华东一组": "华东销售部", "华东二组": "华东销售部", "华南一组": "华南销售部"}
    users = [c[1] for c in demo.calls if c[0] == "user"]
    assert {u["department"] for u in users} == set(departments)
    managers = {c[1]: c[2] for c in demo.calls if c[0] == "manager"}
    assert set(managers) == set(departments), "every department has a manager"
    by_name = {u["username"]: u for u in users}
    assert all(by_name[m]["department"] == d for d, m in managers.items())
    assert {r for u in users for r in u["roles"]} == set(ROLES), "a demo user for every role"
    kinds = [c[0] for c in demo.calls]
    assert kinds.index("record") > max(i for i, k in enumerate(kinds) if k == "manager") > kinds.index("user")
    expected = {f["form"]: f.get("count", len(f.get("records", []))) for f in SPEC["forms"]}
    assert demo.counts == expected
    assert expected == {"product": 40, "customer": 200, "contact": 500, "lead": 150, "opportunity": 300,
                        "follow_up": 600, "contract": 150, "payment": 300, "service_ticket": 200}
    assert {form: len(records) for form, records in demo.records.items()} == expected
    usernames = {u["username"] for u in users}
    assert {owner for records in demo.records.values() for _, owner in records.values()} <= usernames
    reps = {u["username"] for u in users if u["department"] in TEAMS}
    assert {owner for _, owner in demo.records["customer"].values()} == reps, "customers spread over the teams' reps"
    assert {owner for _, owner in demo.records["lead"].values()} <= reps


def test_mobiles_are_valid(demo):
    mobiles = [d["mobile"] for form in ("contact", "lead") for d in data_of(demo, form)]
    assert len(mobiles) == 650
    assert all(re.fullmatch(r"1[3-9]\d{9}", m) for m in mobiles)
    phones = [d["phone"] for d in data_of(demo, "customer") if "phone" in d]
    pattern = FORMS["customer"]["fields"][[f["name"] for f in FORMS["customer"]["fields"]].index("phone")]["pattern"]
    assert phones and all(re.fullmatch(pattern, p) for p in phones)


def test_relations_point_at_records_created_before(demo):
    seen: dict[str, set[int]] = {}
    for form, record_id in demo.order:
        data, _ = demo.records[form][record_id]
        for field in FORMS[form]["fields"]:
            if field["type"] == "relation" and field["name"] in data:
                assert data[field["name"]] in seen.get(field["target"], set()), (form, field["name"])
            for row in data.get(field["name"], []) if field["type"] == "subform" else []:
                for child in field["fields"]:
                    if child["type"] == "relation":
                        assert row[child["name"]] in seen[child["target"]]
        seen.setdefault(form, set()).add(record_id)


def test_match_keeps_linked_records_on_the_same_customer(demo):
    opportunities = demo.records["opportunity"]
    contacts = demo.records["contact"]
    with_opportunity = [d for d in data_of(demo, "follow_up") if "opportunity" in d]
    assert 100 < len(with_opportunity) < 600
    for d in with_opportunity:
        assert opportunities[d["opportunity"]][0]["customer"] == d["customer"]
    for form in ("follow_up", "opportunity", "service_ticket"):
        for d in data_of(demo, form):
            if "contact" in d:
                assert contacts[d["contact"]][0]["customer"] == d["customer"]


def test_contracts_follow_won_opportunities_once(demo):
    opportunities = demo.records["opportunity"]
    linked = [d for d in data_of(demo, "contract") if "opportunity" in d]
    assert linked
    assert len({d["opportunity"] for d in linked}) == len(linked)
    for d in linked:
        opportunity = opportunities[d["opportunity"]][0]
        assert opportunity["stage"] == "won" and opportunity["customer"] == d["customer"]
    contracts = demo.records["contract"]
    for data, owner in demo.records["payment"].values():
        assert contracts[data["contract"]][1] == owner  # owner taken from the contract


def option_generators(fields: dict, definitions: list[dict], prefix=()):
    by_name = {f["name"]: f for f in definitions}
    for name, gen in fields.items():
        if gen["gen"] in ("option", "options"):
            yield (*prefix, name), gen["gen"], [o["value"] for o in by_name[name]["options"]]
        if gen["gen"] == "rows":
            yield from option_generators(gen["fields"], by_name[name]["fields"], (*prefix, name))


def test_option_values_come_from_the_form_definition(demo):
    checked = 0
    for form_spec in SPEC["forms"]:
        form = form_spec["form"]
        for path, gen, allowed in option_generators(form_spec["fields"], FORMS[form]["fields"]):
            values = [d[path[0]] for d in data_of(demo, form) if path[0] in d]
            assert values, (form, path)
            for value in values:
                assert (set(value) <= set(allowed)) if gen == "options" else (value in allowed), (form, path, value)
                checked += 1
    assert checked > 1000


def test_subform_rows_stay_in_range(demo):
    spec = spec_fields("contract")["items"]
    prices = {i: d["price"] for i, (d, _) in demo.records["product"].items()}
    for d in data_of(demo, "contract"):
        assert spec["min"] <= len(d["items"]) <= spec["max"]
        assert len({row["product"] for row in d["items"]}) == len(d["items"])
        for row in d["items"]:
            assert 1 <= row["quantity"] <= 20
            assert 0 < float(row["unit_price"]) <= float(prices[row["product"]])


def test_values_respect_conditions_and_definitions(demo):
    names = [d["name"] for d in data_of(demo, "customer")]
    assert len(set(names)) == len(names)
    assert all(n.endswith("公司") for n in names)
    for d in data_of(demo, "customer"):
        if d["region_province"] not in ("北京市", "上海市", "天津市", "重庆市"):
            assert d["region_city"] != d["region_province"]
    for d in data_of(demo, "opportunity"):
        assert ("lost_reason" in d) == (d["stage"] == "lost")
        assert re.fullmatch(r"\d+\.\d{2}", d["amount"])
    for d in data_of(demo, "service_ticket"):
        assert ("resolution" in d) == (d["status"] in ("pending_confirm", "closed"))
    for d in data_of(demo, "contract"):
        assert d["start_date"] <= d["end_date"] and d["sign_date"] <= TODAY.isoformat()
    for d in data_of(demo, "payment"):
        assert ("actual_amount" in d) == ("actual_date" in d) == ("method" in d)
        if "actual_date" in d:
            assert d["actual_date"] <= TODAY.isoformat()
    codes = [d["code"] for d in data_of(demo, "product")]
    assert codes[:2] == ["CP-0001", "CP-0002"] and len(set(codes)) == 40
    emails = [d["email"] for d in data_of(demo, "contact") if "email" in d]
    assert emails and all(re.fullmatch(r"[a-z0-9._-]+@[a-z0-9.-]+\.[a-z]+", e) for e in emails)


# -- spec problems ---------------------------------------------------------------------------

def bad_spec(change) -> DefinitionError:
    spec = copy.deepcopy(SPEC)
    change(spec)
    with pytest.raises(DefinitionError) as caught:
        Recorder().run(spec=spec)
    return caught.value


def test_unknown_generator_and_field_are_reported_with_pointers():
    def change(spec):
        spec["forms"][1]["fields"]["level"]["gen"] = "optoin"
        spec["forms"][1]["fields"]["industy"] = {"gen": "option"}

    error = bad_spec(change)
    problems = {p.path: p for p in error.problems}
    assert problems["/forms/1/fields/level/gen"].suggestion == "您是不是想写“option”？"
    assert "industy" in problems["/forms/1/fields/industy"].message
    assert problems["/forms/1/fields/industy"].suggestion == "您是不是想写“industry”？"


def test_ref_to_a_form_generated_later_is_refused():
    error = bad_spec(lambda spec: spec["forms"].insert(0, spec["forms"].pop(2)))  # contact first
    assert any(p.path == "/forms/0/fields/customer/form" for p in error.problems)


def test_organisation_problems_are_reported_with_pointers():
    def change(spec):
        spec["departments"][2]["parent"] = "华东销售"          # misspelt
        spec["departments"].append({"name": "华北销售部", "parent": "华北一组"})  # parent not before it
        spec["departments"][0]["manager"] = "wangjianguoo"
        spec["users"][4]["roles"] = ["sale"]

    problems = {p.path: p for p in bad_spec(change).problems}
    assert problems["/departments/2/parent"].suggestion == "您是不是想写“华东销售部”？"
    assert "华北一组" in problems["/departments/8/parent"].message
    assert problems["/departments/0/manager"].suggestion == "您是不是想写“wangjianguo”？"
    assert problems["/users/4/roles"].suggestion == "您是不是想写“sales”？"


def test_nothing_is_created_when_the_spec_is_wrong():
    recorder = Recorder()
    spec = copy.deepcopy(SPEC)
    spec["forms"][-1]["fields"]["priority"]["weights"]["critical"] = 1
    with pytest.raises(DefinitionError):
        recorder.run(spec=spec)
    assert recorder.calls == []


def test_progress_reports_each_form_to_its_total_and_owners_follow_their_customer(demo):
    reports: list[tuple[str, int, int]] = []
    recorder = Recorder()
    generate(SPEC, create_record=recorder.create_record, create_user=recorder.create_user,
             create_department=recorder.create_department, today=TODAY, forms=FORMS.values(),
             progress=lambda form, done, total: reports.append((form, done, total)))
    assert len(reports) == sum(demo.counts.values())
    last = {form: (done, total) for form, done, total in reports}
    assert last == {form: (n, n) for form, n in demo.counts.items()}
    customers = demo.records["customer"]
    for data, owner in demo.records["contact"].values():
        assert customers[data["customer"]][1] == owner
