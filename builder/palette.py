"""The designer's palette: every registered field type, grouped, named as migration plans name it."""
from __future__ import annotations

from dataclasses import dataclass

from form_engine.fieldtypes import FIELD_TYPES
from form_engine.fieldtypes.labels import TYPE_LABELS

# type: (group, icon). Types registered later (extensions) land in "其他".
KNOWN = {
    "text": ("基础", "T"), "textarea": ("基础", "¶"), "integer": ("基础", "#"), "decimal": ("基础", "¥"),
    "percent": ("基础", "%"), "date": ("基础", "▦"), "datetime": ("基础", "◷"), "boolean": ("基础", "☑"),
    "select": ("选择", "◉"), "multiselect": ("选择", "☰"),
    "phone": ("常用", "☏"), "email": ("常用", "@"), "url": ("常用", "↗"), "id_card": ("常用", "ID"),
    "relation": ("关联", "⇄"), "subform": ("关联", "▤"), "user": ("关联", "☺"), "department": ("关联", "⌂"),
    "attachment": ("高级", "⇪"), "auto_number": ("高级", "№"), "formula": ("高级", "ƒ"),
}
GROUPS = ("基础", "选择", "常用", "关联", "高级", "其他")
# The label a new field starts with, where the type's own name is not a good field label.
FIELD_LABELS = {"phone": ("手机", "Mobile"), "decimal": ("金额", "Amount"), "boolean": ("是否", "Yes/No"),
                "relation": ("关联记录", "Related record"), "subform": ("明细", "Line items")}


@dataclass(frozen=True)
class PaletteItem:
    type: str
    group: str
    label: str
    label_en: str
    icon: str
    writable: bool
    field_label: str
    field_label_en: str

    def as_json(self) -> dict:
        return {"type": self.type, "group": self.group, "label": self.label, "label_en": self.label_en,
                "icon": self.icon, "writable": self.writable,
                "field_label": {"zh-CN": self.field_label, "en": self.field_label_en}}


def palette() -> list[PaletteItem]:
    items = []
    order = list(FIELD_TYPES)
    for name, ft in FIELD_TYPES.items():
        group, icon = KNOWN.get(name, ("其他", "•"))
        zh, en = TYPE_LABELS.get(name, (name, name))
        fzh, fen = FIELD_LABELS.get(name, (zh, en))
        items.append(PaletteItem(name, group, zh, en, icon, ft.writable, fzh, fen))
    return sorted(items, key=lambda i: (GROUPS.index(i.group), list(KNOWN).index(i.type) if i.type in KNOWN
                                        else len(KNOWN) + order.index(i.type)))
