"""The JSON meta-schema of flow definitions, and reading a flow from JSON into a FlowDef.

`schema/flow.schema.json` says what `definitions.py` says, for users and tools. Problems are
explained by form_engine's meta-schema reader, so flows and forms speak with one voice.
"""
from __future__ import annotations

import functools
import json
from importlib import resources

from jsonschema import Draft202012Validator
from pydantic import ValidationError

from form_engine.errors import DefinitionError, Problem
from form_engine.metaschema import explain_schema_errors  # one explainer for every meta-schema

from .definitions import FlowDef


@functools.cache
def flow_schema() -> dict:
    """The flow meta-schema, loaded once from package data; shared, so don't mutate it."""
    text = resources.files(__package__).joinpath("schema", "flow.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(flow_schema())


def check_flow_json(data: object, *, base_path: str = "") -> list[Problem]:
    """Every problem the meta-schema finds in a flow definition, sorted by path."""
    return explain_schema_errors(_validator(), data, base_path=base_path)


def parse_flow(data: object) -> FlowDef:
    """The typed FlowDef for `data`, or DefinitionError listing every meta-schema problem."""
    problems = check_flow_json(data)
    if problems:
        raise DefinitionError(problems)
    try:
        return FlowDef.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError([Problem("/" + "/".join(map(str, e["loc"])), e["msg"], e["type"])
                               for e in exc.errors()]) from None
