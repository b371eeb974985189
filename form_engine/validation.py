"""Record validation: a pydantic model compiled per form version coerces and checks input.

`InputModel.validate` returns coerced values and every problem at once; record-level checks
(required after visibility, formulas, form rules) live in `compiler.CompiledForm`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, ValidationError, create_model
from pydantic_core import PydanticCustomError

from .definitions import FieldDef
from .errors import Problem
from .fieldtypes import FieldType, field_type
from .fieldtypes.base import EMPTY
from .identifiers import SYSTEM_COLUMNS
from .messages import FieldInvalid, message


def wall_time(value: Any, tz: tzinfo) -> Any:
    """Datetimes are stored as naive wall time of the app timezone."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(tz).replace(tzinfo=None)
    return value


def _validator(ft: FieldType, f: FieldDef, tz: tzinfo, from_form: bool):
    coerce = ft.coerce_form if from_form else ft.coerce
    check = None if type(ft).check is FieldType.check else ft.check  # the base class checks nothing

    def run(value):
        try:
            if from_form and not isinstance(value, list):
                value = [value] if value is not None else []
            out = coerce(value, f)
            if check is not None and out not in EMPTY:
                check(out, f)
            return wall_time(out, tz)
        except FieldInvalid as exc:
            raise PydanticCustomError(exc.code, exc.code, {"fw": exc}) from None
    return run


@dataclass(frozen=True)
class InputModel:
    """Coerces user input for a list of fields; a subform field nests its row model."""

    fields: dict[str, FieldDef]
    model: type
    form_model: type
    rows: dict[str, "InputModel"]
    plain: frozenset[str] = frozenset()  # the fields the models coerce: writable, not subforms

    @classmethod
    def build(cls, name: str, fields: tuple[FieldDef, ...], tz: tzinfo) -> "InputModel":
        plain = [f for f in fields if f.type != "subform" and field_type(f.type).writable]
        rows = {f.name: cls.build(f"{name}_{f.name}", f.fields, tz) for f in fields if f.type == "subform"}

        def make(from_form: bool):
            spec = {f.name: (Annotated[Any, BeforeValidator(_validator(field_type(f.type), f, tz, from_form))], None)
                    for f in plain}
            return create_model(f"{name}_{'form' if from_form else 'json'}",
                                __config__=ConfigDict(extra="ignore"), **spec)
        return cls({f.name: f for f in fields}, make(False), make(True), rows, frozenset(f.name for f in plain))

    def validate(self, data: dict, *, lang: str, from_form: bool = False, prefix: str = "") -> tuple[dict, list[Problem]]:
        problems: list[Problem] = []
        plain: dict[str, Any] = {}
        out: dict[str, Any] = {}
        for key, value in data.items():
            if key in self.plain:  # the usual case, decided once per form version
                plain[key] = value
                continue
            f = self.fields.get(key)
            path = f"{prefix}{key}"
            if f is None:
                code = "system" if key in SYSTEM_COLUMNS else "unknown_field"
                problems.append(Problem(path, message(code, lang, name=key), code))
            elif not field_type(f.type).writable:
                problems.append(Problem(path, message("computed", lang), "computed"))
            elif f.type == "subform":
                out[key] = self._rows(key, value, lang, from_form, f"{path}.", problems)
            else:
                plain[key] = value
        model = self.form_model if from_form else self.model
        try:
            parsed = model.model_validate(plain)
            out.update({k: getattr(parsed, k) for k in plain})
        except ValidationError as exc:
            bad = set()
            for err in exc.errors():
                key = str(err["loc"][0])
                bad.add(key)
                problems.append(_problem(f"{prefix}{key}", err, self.fields[key], lang))
            if len(bad) < len(plain):
                parsed = model.model_validate({k: v for k, v in plain.items() if k not in bad})
                out.update({k: getattr(parsed, k) for k in plain if k not in bad})
        return out, problems

    def _rows(self, key, value, lang, from_form, prefix, problems) -> list[dict] | None:
        rows_model = self.rows[key]
        if value in (None, ""):
            return []
        if not isinstance(value, list):
            problems.append(Problem(prefix[:-1], message("rows", lang), "rows"))
            return None
        rows = []
        for i, row in enumerate(value):
            if not isinstance(row, dict):
                problems.append(Problem(f"{prefix}{i}", message("row", lang), "row"))
                continue
            row = dict(row)
            row_id = row.pop("id", None)
            values, row_problems = rows_model.validate(row, lang=lang, from_form=from_form, prefix=f"{prefix}{i}.")
            problems.extend(row_problems)
            if row_id is not None:
                values["id"] = row_id
            rows.append(values)
        return rows


def _problem(path: str, err: dict, f: FieldDef, lang: str) -> Problem:
    exc = (err.get("ctx") or {}).get("fw")
    if not isinstance(exc, FieldInvalid):
        return Problem(path, message("text", lang), "invalid")
    custom = exc.params.get("custom")
    if exc.code == "pattern" and custom is not None:
        return Problem(path, custom.text(lang), "pattern")
    params = {k: v for k, v in exc.params.items() if k != "custom"}
    return Problem(path, message(exc.code, lang, **params), exc.code)
