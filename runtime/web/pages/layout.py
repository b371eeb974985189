"""A form's layout as sections of field names: the defined sections, else one section of all fields."""
from __future__ import annotations

from dataclasses import dataclass

from form_engine.compiler import CompiledForm


@dataclass
class SectionSpec:
    title: str | None
    columns: int
    fields: list[str]


def sections(form: CompiledForm, lang: str, *, default_title: str) -> list[SectionSpec]:
    """Every field appears once: fields the layout leaves out go into a last section."""
    layout = form.form.layout
    names = [f.name for f in form.form.fields]
    if layout is None or not layout.sections:
        return [SectionSpec(default_title, 2, names)]
    out, placed = [], set()
    for s in layout.sections:
        chosen = [n for n in s.fields if n in form.fields and n not in placed]
        placed.update(chosen)
        if chosen:
            out.append(SectionSpec(s.title.text(lang) if s.title else None, s.columns, chosen))
    rest = [n for n in names if n not in placed]
    if rest:
        out.append(SectionSpec(None, 2, rest))
    return out


WIDE = ("subform", "textarea", "attachment", "multiselect")


def is_wide(form: CompiledForm, name: str) -> bool:
    """Fields that take a whole row of the grid."""
    return form.fields[name].type in WIDE
