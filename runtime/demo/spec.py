"""Checks a demo spec before anything is created, reporting every problem with its JSON pointer."""
from __future__ import annotations

from collections.abc import Mapping

from form_engine.definitions import FieldDef, FormDef
from form_engine.errors import Collector
from form_engine.identifiers import did_you_mean
from runtime.demo.registry import GENERATORS


def check_spec(spec: Mapping, forms: Mapping[str, FormDef], roles: set[str] | None = None) -> None:
    """Raise DefinitionError listing all problems; `forms` may be empty (field names unchecked),
    `roles` None (users' role names unchecked)."""
    c = Collector()
    if not isinstance(spec.get("seed"), int):
        c.add("/seed", "需要一个整数 seed，保证每次生成的数据相同")
    departments = [d.get("name") for d in spec.get("departments", [])]
    users = spec.get("users") or []
    if not users:
        c.add("/users", "至少需要一个演示用户")
    usernames = [u.get("username") for u in users]
    for i, dept in enumerate(spec.get("departments", [])):
        if departments.index(dept.get("name")) != i:
            c.add(f"/departments/{i}/name", f"部门“{dept.get('name')}”重复")
        parent = dept.get("parent")
        if parent is not None and parent not in departments[:i]:
            c.add(f"/departments/{i}/parent", f"上级部门“{parent}”必须写在本部门之前",
                  suggestion=did_you_mean(str(parent), departments[:i]))
        manager = dept.get("manager")
        if manager is not None and manager not in usernames:
            c.add(f"/departments/{i}/manager", f"没有用户“{manager}”", suggestion=did_you_mean(str(manager), usernames))
    for i, user in enumerate(users):
        if not user.get("username"):
            c.add(f"/users/{i}/username", "缺少 username")
        if departments and user.get("department") not in departments:
            c.add(f"/users/{i}/department", f"没有部门“{user.get('department')}”",
                  suggestion=did_you_mean(str(user.get("department")), departments))
        for role in user.get("roles", []):
            if roles is not None and role not in roles:
                c.add(f"/users/{i}/roles", f"应用中没有角色“{role}”", suggestion=did_you_mean(str(role), roles))
    done: list[str] = []
    for i, form_spec in enumerate(spec.get("forms") or []):
        pointer = f"/forms/{i}"
        name = form_spec.get("form")
        if forms and name not in forms:
            c.add(f"{pointer}/form", f"没有表单“{name}”", suggestion=did_you_mean(str(name), forms))
        count = form_spec.get("count", len(form_spec.get("records", [])))
        if not isinstance(count, int) or count < 0:
            c.add(f"{pointer}/count", "count 应为不小于 0 的整数")
        form_def = forms.get(name)
        defs = form_def.field_map() if form_def else None
        for j, record in enumerate(form_spec.get("records", [])):
            for field in record:
                if defs is not None and field not in defs:
                    c.add(f"{pointer}/records/{j}/{field}", f"表单“{name}”没有字段“{field}”",
                          suggestion=did_you_mean(field, defs))
        _check_fields(c, form_spec.get("fields", {}), defs, pointer, [*done, name], forms)
        owner = form_spec.get("owner", {})
        for dept in owner.get("departments", []):
            if dept not in departments:
                c.add(f"{pointer}/owner/departments", f"没有部门“{dept}”", suggestion=did_you_mean(dept, departments))
        for username in owner.get("users", []):
            if username not in usernames:
                c.add(f"{pointer}/owner/users", f"没有用户“{username}”", suggestion=did_you_mean(username, usernames))
        done.append(name)
    if not spec.get("forms"):
        c.add("/forms", "forms 不能为空")
    c.raise_definition_error()


def _check_fields(c: Collector, fields: Mapping, defs: dict[str, FieldDef] | None, pointer: str,
                  earlier: list[str], forms: Mapping[str, FormDef]) -> None:
    for name, gen_spec in fields.items():
        if defs is not None and name not in defs:
            c.add(f"{pointer}/fields/{name}", f"表单没有字段“{name}”", suggestion=did_you_mean(name, defs))
        _check_one(c, gen_spec, defs.get(name) if defs else None, f"{pointer}/fields/{name}", earlier, forms)


def _check_one(c: Collector, gen_spec, field: FieldDef | None, pointer: str,
               earlier: list[str], forms: Mapping[str, FormDef]) -> None:
    gen = gen_spec.get("gen") if isinstance(gen_spec, Mapping) else None
    if gen not in GENERATORS:
        c.add(f"{pointer}/gen", f"没有生成器“{gen}”", suggestion=did_you_mean(str(gen), GENERATORS))
        return
    if "when" in gen_spec and "field" not in gen_spec["when"]:
        c.add(f"{pointer}/when", "when 需要 field")
    if gen in ("option", "options") and "values" not in gen_spec:
        choices = [o.value for o in field.options] if field else None
        if field is not None and not choices:
            c.add(pointer, "该字段没有选项，请在生成器里给出 values")
        if not forms:
            c.add(pointer, "没有传入表单定义，请在生成器里给出 values")
        for value in gen_spec.get("weights", {}):
            if choices is not None and value not in choices:
                c.add(f"{pointer}/weights/{value}", f"没有选项“{value}”", suggestion=did_you_mean(value, choices))
    if gen == "ref":
        target = gen_spec.get("form")
        if target not in earlier:
            c.add(f"{pointer}/form", f"“{target}”必须在本表单之前（或就是本表单）生成，ref 才能引用它")
        if field is not None and field.type == "relation" and field.target != target:
            c.add(f"{pointer}/form", f"该关联字段指向“{field.target}”，不是“{target}”")
        if field is not None and field.type != "relation":
            c.add(pointer, "ref 只能用于关联字段")
    if gen == "rows":
        child_defs = {f.name: f for f in field.fields} if field is not None else None
        if field is not None and field.type != "subform":
            c.add(pointer, "rows 只能用于子表单字段")
        _check_fields(c, gen_spec.get("fields", {}), child_defs, pointer, earlier, forms)
    if "fallback" in gen_spec:
        _check_one(c, gen_spec["fallback"], field, f"{pointer}/fallback", earlier, forms)
