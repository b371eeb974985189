"""Validation messages a business user reads, in zh-CN (default) and English."""
from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("此项为必填", "This field is required"),
    "text": ("请输入文字", "Enter text"),
    "integer": ("请输入整数", "Enter a whole number"),
    "decimal": ("请输入数字", "Enter a number"),
    "digits": ("数字位数过多：最多 {whole} 位整数、{scale} 位小数", "Too many digits: at most {whole} before and {scale} after the point"),
    "date": ("请输入有效日期，如 2026-11-22", "Enter a valid date such as 2026-11-22"),
    "datetime": ("请输入有效时间，如 2026-11-22 14:30", "Enter a valid date and time such as 2026-11-22 14:30"),
    "boolean": ("请选择是或否", "Choose yes or no"),
    "option": ("“{value}”不在可选项中", "“{value}” is not one of the options"),
    "options": ("请选择一项或多项", "Choose one or more options"),
    "phone": ("请输入有效的手机号（11 位，以 1 开头）、带区号的座机号（如 010-12345678）或 400 电话",
              "Enter a valid mainland mobile (11 digits starting with 1), a landline with area code or a 400 number"),
    "email": ("邮箱格式不正确，应形如 name@example.com", "Enter an email address like name@example.com"),
    "url": ("网址格式不正确，应以 http:// 或 https:// 开头", "Enter a web address starting with http:// or https://"),
    "id_card_format": ("身份证号应为 18 位，最后一位可以是 X", "An ID number has 18 characters; the last may be X"),
    "id_card_birth": ("身份证号中的出生日期无效", "The birth date inside the ID number is not valid"),
    "id_card_checksum": ("身份证号校验位不正确，请核对", "The ID number's check digit is wrong"),
    "min": ("不能小于 {min}", "Must be at least {min}"),
    "max": ("不能大于 {max}", "Must be at most {max}"),
    "min_length": ("至少需要 {min_length} 个字", "Needs at least {min_length} characters"),
    "max_length": ("最多 {max_length} 个字", "At most {max_length} characters"),
    "pattern": ("格式不正确", "Wrong format"),
    "unique": ("“{value}”已存在，不能重复", "“{value}” already exists"),
    "relation": ("关联的记录不存在（ID {value}）", "The linked record does not exist (ID {value})"),
    "user": ("用户不存在（ID {value}）", "No such user (ID {value})"),
    "department": ("部门不存在（ID {value}）", "No such department (ID {value})"),
    "file": ("附件不存在或已失效（{value}）", "The attachment does not exist ({value})"),
    "file_type": ("不支持的文件类型“{ext}”，可上传：{accept}", "File type “{ext}” is not allowed; allowed: {accept}"),
    "file_size": ("文件过大：{size_mb} MB，最大 {max_mb} MB", "File too large: {size_mb} MB, at most {max_mb} MB"),
    "computed": ("此项由系统自动生成，不能填写", "This field is filled in by the system"),
    "unknown_field": ("表单中没有字段“{name}”", "The form has no field “{name}”"),
    "rows": ("明细应为行的列表", "Line items must be a list of rows"),
    "row": ("明细行应为对象", "Each line item must be an object"),
    "expression": ("计算失败：{error}", "Calculation failed: {error}"),
    "system": ("系统字段“{name}”不能直接修改", "System field “{name}” can't be set directly"),
}


def message(code: str, lang: str = "zh-CN", **params) -> str:
    zh, en = MESSAGES.get(code, ("{error}", "{error}"))
    template = en if lang == "en" else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


class FieldInvalid(ValueError):
    """Raised by a field type when a value can't be accepted; carries a message code."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params
