"""Flows of an app, checked and compiled: every publish runs `check_flows`, every action `compiled`."""
from __future__ import annotations

import json
from functools import lru_cache

from sqlalchemy import Connection, select

from flow_engine.compiled import CompiledFlow, compile_flow
from flow_engine.definitions import FlowDef
from flow_engine.metaschema import check_flow_json
from flow_engine.validate import check_flow
from form_engine.definitions import AppDef, FormDef
from form_engine.errors import Collector, DefinitionError, NotFound, Problem
from form_engine.identifiers import did_you_mean

from .. import systables


def check_flows(conn: Connection, app: AppDef) -> list[FlowDef]:
    """Every flow of `app` checked against its form, the app's roles and the users that exist.

    Raises DefinitionError with every problem, paths like /flows/0/nodes/2/approvers/0/role.
    """
    c = Collector()
    forms = {f.name: f for f in app.forms}
    roles = [r.name for r in app.roles]
    users = [u for (u,) in conn.execute(select(systables.user.c.username))]
    out, seen = [], set()
    for i, data in enumerate(app.flows):
        at = f"/flows/{i}"
        problems = check_flow_json(data, base_path=at)
        if problems:
            c.problems.extend(problems)
            continue
        flow = FlowDef.model_validate(data)
        if flow.name in seen:
            c.add(f"{at}/name", f"流程名“{flow.name}”重复", "duplicate")
        seen.add(flow.name)
        form = forms.get(flow.form)
        if form is None:
            c.add(f"{at}/form", f"流程绑定的表单“{flow.form}”不存在", "unknown_form", did_you_mean(flow.form, forms))
            continue
        c.problems.extend(Problem(at + p.path, p.message, p.code, p.suggestion)
                          for p in check_flow(flow, form, roles=roles, users=users))
        out.append(flow)
    c.raise_definition_error()
    return out


@lru_cache(maxsize=256)
def _compile(body: str, form_body: str, version: int) -> CompiledFlow:
    return compile_flow(FlowDef.model_validate(json.loads(body)), FormDef.model_validate(json.loads(form_body)),
                        version=version)


def compiled(conn: Connection, app: str, name: str, version: int | None = None) -> CompiledFlow:
    """A flow at `version` (default: the latest published), compiled once per version and form.
    Running instances keep their flow version; the record follows its form's latest version."""
    d = systables.definition
    query = select(d.c.version, d.c.body).where(d.c.app == app, d.c.kind == "flow", d.c.name == name,
                                                d.c.status == "published")
    query = query.where(d.c.version == version) if version else query.order_by(d.c.version.desc()).limit(1)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"审批流程“{name}”不存在")
    form = json.loads(row.body)["form"]
    form_row = conn.execute(select(d.c.body).where(d.c.app == app, d.c.kind == "form", d.c.name == form,
                                                   d.c.status == "published").order_by(d.c.version.desc()).limit(1)).first()
    if form_row is None:
        raise DefinitionError([Problem("/form", f"流程绑定的表单“{form}”不存在", "unknown_form")])
    return _compile(row.body, form_row.body, row.version)
