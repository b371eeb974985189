"""What each field type is called in the designer's palette and in migration plans (zh-CN, en)."""
from __future__ import annotations

TYPE_LABELS: dict[str, tuple[str, str]] = {
    "text": ("单行文本", "Text"),
    "textarea": ("多行文本", "Long text"),
    "integer": ("整数", "Integer"),
    "decimal": ("金额/小数", "Decimal"),
    "percent": ("百分比", "Percent"),
    "date": ("日期", "Date"),
    "datetime": ("日期时间", "Date and time"),
    "boolean": ("是/否", "Yes/No"),
    "select": ("单选", "Select"),
    "multiselect": ("多选", "Multi-select"),
    "phone": ("手机/电话", "Phone"),
    "email": ("邮箱", "Email"),
    "url": ("网址", "URL"),
    "id_card": ("身份证号", "ID card"),
    "relation": ("关联记录", "Relation"),
    "subform": ("子表单", "Subform"),
    "user": ("成员", "User"),
    "department": ("部门", "Department"),
    "attachment": ("附件", "Attachment"),
    "auto_number": ("自动编号", "Auto number"),
    "formula": ("公式", "Formula"),
}


def type_label(name: str, lang: str = "zh-CN") -> str:
    zh, en = TYPE_LABELS.get(name, (name, name))
    return en if lang == "en" else zh
