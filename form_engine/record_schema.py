"""A form's JSON Schema for API consumers (records as answered, and as sent)."""
from __future__ import annotations

from .compiler import CompiledForm
from .definitions import FieldDef
from .fieldtypes import field_type

LINK = {"type": ["object", "null"], "properties": {"id": {"type": "integer"}, "display": {"type": "string"}}}


def _field_schema(f: FieldDef, *, for_input: bool, lang: str) -> dict:
    ft = field_type(f.type)
    if f.type == "subform":
        schema = {"type": "array", "items": fields_schema(f.fields, for_input=for_input, lang=lang, rows=True)}
    elif f.type in ("relation", "user", "department"):
        schema = {"type": ["integer", "null"], "minimum": 1} if for_input else dict(LINK)
    else:
        schema = ft.json_schema(f)
        if schema.get("type") and not f.required:
            t = schema["type"]
            schema["type"] = [*t, "null"] if isinstance(t, list) else [t, "null"]
        if schema.get("enum") is not None and not f.required:
            schema["enum"] = [*schema["enum"], None]
    schema["title"] = f.label.text(lang)
    if f.help:
        schema["description"] = f.help.text(lang)
    if f.max_length and f.type in ("text", "textarea"):
        schema["maxLength"] = f.max_length
    if f.type in ("integer", "decimal", "percent"):
        if f.min is not None:
            schema["minimum"] = f.min
        if f.max is not None:
            schema["maximum"] = f.max
    if not ft.writable:
        schema["readOnly"] = True
    return schema


def fields_schema(fields, *, for_input: bool, lang: str, rows: bool = False) -> dict:
    props, required = {}, []
    if rows:
        props["id"] = {"type": ["integer", "null"], "description": "明细行 ID（更新时保留原行）"}
    for f in fields:
        if for_input and not field_type(f.type).writable:
            continue
        props[f.name] = _field_schema(f, for_input=for_input, lang=lang)
        if f.required and for_input and not f.visible_when:
            required.append(f.name)
    schema = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


SYSTEM = {
    "id": {"type": "integer", "readOnly": True},
    "version": {"type": "integer", "readOnly": True, "description": "乐观锁版本号，更新时原样带回"},
    "created_at": {"type": "string", "format": "date-time", "readOnly": True},
    "updated_at": {"type": "string", "format": "date-time", "readOnly": True},
    "created_by": LINK, "owner_id": LINK, "department_id": LINK,
    "flow_status": {"type": ["string", "null"], "readOnly": True},
}


def record_schema(form: CompiledForm, *, for_input: bool = False, lang: str = "zh-CN") -> dict:
    schema = fields_schema(form.form.fields, for_input=for_input, lang=lang)
    if not for_input:
        schema["properties"] = {**SYSTEM, **schema["properties"]}
        schema["required"] = ["id", "version"]
    schema["title"] = form.label.text(lang)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
