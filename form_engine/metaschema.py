"""The JSON meta-schema of app and form definitions, and its errors as zh-CN problems.

`schema/app.schema.json` says what `definitions.py` says, for users and tools, plus the rules a
model can't state by itself (a select needs options, a relation needs a target, ...).
Reserved words are not in the schema: `identifiers.name_problem` checks them in code.
"""
from __future__ import annotations

import functools
import json
from importlib import resources

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from .errors import Problem
from .identifiers import NAME_PATTERN, did_you_mean, name_problem

FORM_SCHEMA_ID = "https://formwork.dev/schema/form.schema.json"

_TYPE_NAMES = {
    "string": "文本",
    "integer": "整数",
    "number": "数字",
    "boolean": "是/否（true/false）",
    "array": "列表",
    "object": "对象",
    "null": "空值",
}
_ENUM_SUBJECTS = {"type": "字段类型", "result_type": "结果类型"}
_NO_SUBFORM_IN_SUBFORM = {"const": "subform"}


@functools.cache
def app_schema() -> dict:
    """The app meta-schema, loaded once from package data; shared, so don't mutate it."""
    text = resources.files(__package__).joinpath("schema", "app.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def form_schema() -> dict:
    """A standalone schema for one form: the app schema's form definition and its `$defs`."""
    app = app_schema()
    form = app["$defs"]["form"]
    return {
        "$schema": app["$schema"],
        "$id": FORM_SCHEMA_ID,
        "title": form["title"],
        "description": form["description"],
        "$ref": "#/$defs/form",
        "$defs": app["$defs"],
    }


@functools.cache
def _app_validator() -> Draft202012Validator:
    return Draft202012Validator(app_schema())


@functools.cache
def _form_validator() -> Draft202012Validator:
    return Draft202012Validator(form_schema())


def check_app(data: object) -> list[Problem]:
    """Every problem the meta-schema finds in an app definition, sorted by path."""
    return explain_schema_errors(_app_validator(), data, base_path="")


def check_form(data: object, *, base_path: str = "") -> list[Problem]:
    """Every problem in one form definition; `base_path` prefixes each path (e.g. "/forms/2")."""
    return explain_schema_errors(_form_validator(), data, base_path=base_path)


def explain_schema_errors(validator: Draft202012Validator, data: object, *, base_path: str) -> list[Problem]:
    if not isinstance(data, dict):
        return [Problem(base_path, _type_message(["object"], data), "type")]
    errors = list(validator.iter_errors(data))
    # A value of the wrong type gets one message, not one per keyword (`type` and `enum`).
    mistyped = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    found: list[tuple[tuple, Problem]] = []
    for error in errors:
        if error.validator == "type" or tuple(error.absolute_path) not in mistyped:
            found.extend(_explain(error, base_path))
    unique = dict.fromkeys(found)
    return [problem for _, problem in sorted(unique, key=lambda pair: _path_key(pair[0]))]


def _explain(error: ValidationError, base_path: str) -> list[tuple[tuple, Problem]]:
    """One error as (path, problem) pairs; an unknown-properties error gives one per property."""
    error = _most_specific(error)
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        out = []
        for extra in error.instance:
            if extra not in allowed:
                where = (*path, extra)
                out.append((where, Problem(
                    base_path + _pointer(where), f"不认识的属性“{extra}”", "additionalProperties",
                    did_you_mean(str(extra), allowed),
                )))
        return out
    code, message, suggestion = _describe(error)
    return [(path, Problem(base_path + _pointer(path), message, code, suggestion))]


def _most_specific(error: ValidationError) -> ValidationError:
    # anyOf/oneOf only say "no alternative fits"; the sub-error of the alternative that matches
    # the value's type says why. best_match stops at the parent when it can't choose.
    if error.validator in ("anyOf", "oneOf") and error.context:
        return best_match([error])
    return error


def _describe(error: ValidationError) -> tuple[str, str, str | None]:
    """(code, zh-CN message, suggestion) for one error."""
    keyword, value, rule = error.validator, error.instance, error.validator_value
    key = error.absolute_path[-1] if error.absolute_path else None
    if keyword == "required":
        missing = next((p for p in rule if error.message == f"{p!r} is a required property"), None)
        missing = missing or next(p for p in rule if p not in value)
        return keyword, f"缺少必填项“{missing}”", None
    if keyword == "type":
        return keyword, _type_message(rule, value), None
    if keyword == "enum":
        choices = [c for c in rule if isinstance(c, str)]
        suggestion = did_you_mean(value, choices) if isinstance(value, str) else None
        subject = _ENUM_SUBJECTS.get(key) if isinstance(key, str) else None
        if subject:
            return keyword, f"未知的{subject}“{value}”", suggestion
        return keyword, f"“{value}”不是可选的值，可选：{'、'.join(choices)}", suggestion
    if keyword == "pattern":
        if rule == NAME_PATTERN:
            return keyword, name_problem(value) or "名称格式不正确", None
        return keyword, "格式不正确", None
    if keyword == "minItems":
        return keyword, f"至少需要 {rule} 项", None
    if keyword == "minLength":
        return keyword, "不能为空" if rule == 1 else f"至少需要 {rule} 个字符", None
    if keyword == "minimum":
        return keyword, f"不能小于 {rule}", None
    if keyword == "maximum":
        return keyword, f"不能大于 {rule}", None
    if keyword == "not" and rule == _NO_SUBFORM_IN_SUBFORM:
        return keyword, "子表单里不能再放子表单", None
    if keyword in ("anyOf", "oneOf"):
        alternatives = error.context
        if alternatives and all(e.validator == "type" and not e.relative_path for e in alternatives):
            expected = [t for e in alternatives for t in _as_list(e.validator_value)]
            return "type", _type_message(expected, value), None
    return keyword, "填写的内容不符合要求", None


def _type_message(expected, value: object) -> str:
    names = [_TYPE_NAMES[t] for t in _as_list(expected) if t != "null"] or [_TYPE_NAMES["null"]]
    return f"应为{'或'.join(dict.fromkeys(names))}，现在是{_kind(value)}"


def _kind(value: object) -> str:
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return _TYPE_NAMES["boolean"]
    if isinstance(value, int):
        return "整数"
    if isinstance(value, float):
        return "数字"
    if isinstance(value, str):
        return "文本"
    if isinstance(value, (list, tuple)):
        return "列表"
    if isinstance(value, dict):
        return "对象"
    return type(value).__name__


def _as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _pointer(path: tuple) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _path_key(path: tuple) -> tuple:
    # Array indexes sort as numbers, so /fields/2 comes before /fields/10.
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in path)
