"""What the designer reads: published apps and forms as JSON, versions, and a draft checked in its app.

A draft form is always checked inside its app (the published app with this one form replaced), so
relations, menus and roles that name it are checked too; problems come back with JSON pointers
relative to the form ("/fields/2/label") when they are in it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import tzinfo

from sqlalchemy import Connection, MetaData, func, select

from form_engine.bundle import parse_app
from form_engine.compiler import CompiledForm, compile_form
from form_engine.definitions import AppDef, FormDef
from form_engine.errors import DefinitionError, NotFound, Problem
from runtime import systables
from runtime.definition_store import published_app


def dump(model) -> dict:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def app_json(conn: Connection, app: str) -> dict:
    """The app as published now, forms included, in the definition format."""
    return dump(published_app(conn, app))


def form_draft_body(form: FormDef) -> dict:
    """A published form as the designer edits it: archived fields stay with the published version."""
    body = dump(form)
    body.pop("archived", None)
    return body


def form_version(conn: Connection, app: str, form: str) -> int | None:
    d = systables.definition
    return conn.execute(select(func.max(d.c.version)).where(
        d.c.app == app, d.c.kind == "form", d.c.name == form, d.c.status == "published")).scalar()


def with_form(app: dict, form: dict) -> dict:
    """`app` with `form` replacing the form of the same name, or added after the others."""
    forms = list(app.get("forms") or [])
    at = next((i for i, f in enumerate(forms) if f.get("name") == form.get("name")), None)
    if at is None:
        forms.append(form)
    else:
        forms[at] = form
    return {**app, "forms": forms}


@dataclass(frozen=True)
class DraftProblem:
    """One problem of a draft: where in the form (field, property), or elsewhere in the app."""

    path: str  # JSON pointer relative to the form, or to the app when `in_form` is False
    message: str
    in_form: bool
    field: int | None = None  # index in fields
    child: int | None = None  # index in the subform's fields
    prop: str | None = None  # the property of the field, e.g. "label"

    def as_json(self) -> dict:
        return {"path": self.path, "message": self.message, "in_form": self.in_form, "field": self.field,
                "child": self.child, "prop": self.prop}


_FIELD = re.compile(r"^/fields/(\d+)(?:/fields/(\d+))?(?:/([a-z_]+))?")


def place(problem: Problem, form_index: int) -> DraftProblem:
    prefix = f"/forms/{form_index}"
    if problem.path != prefix and not problem.path.startswith(prefix + "/"):
        return DraftProblem(problem.path, problem.message, False)
    rel = problem.path[len(prefix):] or "/"
    m = _FIELD.match(rel)
    if m is None:
        return DraftProblem(rel, problem.message, True)
    return DraftProblem(rel, problem.message, True, int(m.group(1)),
                        int(m.group(2)) if m.group(2) is not None else None, m.group(3))


def check_draft(conn: Connection, app: str, form: dict) -> tuple[AppDef | None, list[DraftProblem]]:
    """The published app with the draft form, parsed (columns assigned as publishing would), or
    every problem, placed on the form where it is in it."""
    previous = published_app(conn, app)
    proposed = with_form(dump(previous), form)
    index = next(i for i, f in enumerate(proposed["forms"]) if f is form)
    try:
        return parse_app(proposed, previous), []
    except DefinitionError as exc:
        return None, [place(p, index) for p in exc.problems]


def compile_draft(parsed: AppDef, form_name: str, tz: tzinfo) -> CompiledForm:
    """The draft form compiled on its own metadata: nothing touches the database."""
    try:
        form = parsed.form(form_name)
    except KeyError:
        raise NotFound(f"表单“{form_name}”不存在") from None
    return compile_form(parsed.name, form, MetaData(), tz)
