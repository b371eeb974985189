"""Field types: what each accepts from JSON, HTML forms and Excel cells, what it refuses, and how it shows values."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from form_engine.definitions import FieldDef
from form_engine.fieldtypes import FIELD_TYPES, field_type
from form_engine.fieldtypes.base import EMPTY
from form_engine.messages import FieldInvalid, message
from form_engine.validation import InputModel

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPTIONS = (
    {"value": "vip", "label": {"zh-CN": "重点客户", "en": "Key account"}},
    {"value": "normal", "label": {"zh-CN": "普通客户", "en": "Regular"}},
    {"value": "1", "label": {"zh-CN": "一级"}},
)
ALL_TYPES = {
    "text", "textarea", "integer", "decimal", "percent", "date", "datetime", "boolean", "select",
    "multiselect", "phone", "email", "url", "id_card", "relation", "subform", "user", "department",
    "attachment", "auto_number", "formula",
}
# GB 11643: weights of the first 17 digits and the check character for (sum mod 11).
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def fdef(type_: str, **kw) -> FieldDef:
    if type_ in ("select", "multiselect"):
        kw.setdefault("options", OPTIONS)
    return FieldDef(name="x", type=type_, label={"zh-CN": "字段", "en": "Field"}, **kw)


def accept(type_: str, value, how: str = "coerce", **kw):
    """The stored value for `value`: coerced, then checked, the way the input model does it."""
    ft, f = field_type(type_), fdef(type_, **kw)
    out = getattr(ft, how)(value, f)
    if out not in EMPTY:
        ft.check(out, f)
    return out


def refuse(type_: str, value, how: str = "coerce", **kw) -> FieldInvalid:
    with pytest.raises(FieldInvalid) as caught:
        accept(type_, value, how, **kw)
    return caught.value


def zh(exc: FieldInvalid) -> str:
    return message(exc.code, "zh-CN", **exc.params)


def with_check_digit(first17: str) -> str:
    return first17 + ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def validate(field: FieldDef, value, lang: str = "zh-CN", from_form: bool = False):
    """One field through a compiled input model: (value, [(code, message)])."""
    model = InputModel.build("t", (field,), SHANGHAI)
    values, problems = model.validate({field.name: value}, lang=lang, from_form=from_form)
    return values.get(field.name), [(p.code, p.message) for p in problems]


# The registry

def test_every_builtin_type_is_registered_under_its_name():
    assert set(FIELD_TYPES) == ALL_TYPES
    for name in ALL_TYPES:
        assert field_type(name).name == name
    with pytest.raises(KeyError):
        field_type("strin")


@pytest.mark.parametrize("type_", sorted(ALL_TYPES - {"subform", "auto_number", "formula", "boolean"}))
def test_empty_input_is_stored_as_empty(type_):
    assert accept(type_, None) is None
    assert accept(type_, "") in (None, [])
    assert accept(type_, [], "coerce_form") is None
    assert accept(type_, None, "coerce_cell") is None


def test_computed_types_take_no_input_and_subforms_have_no_column():
    assert not field_type("auto_number").writable and not field_type("formula").writable
    assert field_type("subform").stored is False
    assert all(field_type(t).stored for t in ALL_TYPES - {"subform"})


# Text

@pytest.mark.parametrize("type_", ["text", "textarea"])
def test_text_is_trimmed_and_blank_is_empty(type_):
    assert accept(type_, "  北京分公司 ") == "北京分公司"
    assert accept(type_, "   ") is None
    assert accept(type_, [" 上海 "], "coerce_form") == "上海"
    assert accept(type_, ["  "], "coerce_form") is None
    assert accept(type_, 42) == "42"


def test_text_refuses_what_is_not_text():
    for value in (True, [1], {"a": 1}):
        assert refuse("text", value).code == "text"
    assert zh(refuse("text", True)) == "请输入文字"


def test_text_from_a_spreadsheet_number_drops_the_float_point():
    assert accept("text", 20261122.0, "coerce_cell") == "20261122"
    assert accept("text", 3.5, "coerce_cell") == "3.5"
    assert accept("text", " 张三 ", "coerce_cell") == "张三"


def test_text_length_limits():
    assert accept("text", "abc", min_length=3, max_length=3) == "abc"
    short = refuse("text", "ab", min_length=3)
    assert (short.code, zh(short)) == ("min_length", "至少需要 3 个字")
    long = refuse("text", "abcd", max_length=3)
    assert (long.code, zh(long)) == ("max_length", "最多 3 个字")
    assert message(long.code, "en", **long.params) == "At most 3 characters"
    # without max_length a text is a VARCHAR(255); a textarea holds much more
    assert refuse("text", "字" * 256).params == {"max_length": 255}
    assert accept("textarea", "字" * 5000) == "字" * 5000


def test_pattern_with_its_own_message_in_both_languages():
    f = FieldDef(name="code", type="text", label={"zh-CN": "编码"}, pattern=r"[A-Z]{2}\d{4}",
                 pattern_message={"zh-CN": "编码应为两个大写字母加四位数字", "en": "Two capitals and four digits"})
    assert validate(f, "AB1234") == ("AB1234", [])
    assert validate(f, "ab1234") == (None, [("pattern", "编码应为两个大写字母加四位数字")])
    assert validate(f, "AB123", lang="en") == (None, [("pattern", "Two capitals and four digits")])
    # the pattern must match the whole value, not a part of it
    assert validate(f, "XAB12345")[1] == [("pattern", "编码应为两个大写字母加四位数字")]


def test_pattern_without_a_message_says_wrong_format():
    f = FieldDef(name="code", type="text", label={"zh-CN": "编码"}, pattern=r"\d+")
    assert validate(f, "12a") == (None, [("pattern", "格式不正确")])
    assert validate(f, "12a", lang="en") == (None, [("pattern", "Wrong format")])


# Integer

@pytest.mark.parametrize("value, expected", [
    (12, 12), (-3, -3), (12.0, 12), (Decimal("7"), 7), ("1,234", 1234), (" 56 ", 56), ("+5", 5), ("", None),
])
def test_integer_accepts(value, expected):
    assert accept("integer", value) == expected


@pytest.mark.parametrize("value", ["12.5", "abc", "1e3", True, False, 12.5, [1], float("inf"), Decimal("Infinity")])
def test_integer_refuses(value):
    assert refuse("integer", value).code == "integer"


def test_integer_from_form_and_cell():
    assert accept("integer", ["1,234"], "coerce_form") == 1234
    assert accept("integer", ["1", "2"], "coerce_form") == 2  # the last value posted wins
    assert accept("integer", 12.0, "coerce_cell") == 12
    assert refuse("integer", 12.5, "coerce_cell").code == "integer"
    assert zh(refuse("integer", "12.5")) == "请输入整数"


def test_integer_range():
    assert accept("integer", 1, min=1, max=10) == 1
    assert accept("integer", 10, min=1, max=10) == 10
    low, high = refuse("integer", 0, min=1), refuse("integer", "11", max=10)
    assert (low.code, zh(low)) == ("min", "不能小于 1")
    assert (high.code, zh(high)) == ("max", "不能大于 10")
    assert message(high.code, "en", **high.params) == "Must be at most 10"
    assert refuse("integer", 2**63).code == "max"  # beyond a BIGINT


# Decimal and percent

def test_decimal_is_exact():
    total = sum((accept("decimal", v) for v in ("0.1", "0.2", 0.1)), Decimal(0))
    assert total == Decimal("0.4")
    assert accept("decimal", 0.1) == Decimal("0.10")  # a float becomes the number it prints as
    assert accept("decimal", 0.1, "coerce_cell") == Decimal("0.10")
    assert isinstance(accept("decimal", 3), Decimal)


@pytest.mark.parametrize("value, kw, expected", [
    ("1234.5", {}, "1234.50"),
    ("1.005", {}, "1.01"),  # half up, as people round money
    ("-0.005", {}, "-0.01"),
    ("2.5", {"scale": 0}, "3"),
    ("3.14159", {"scale": 4}, "3.1416"),
    ("¥1,234.50", {}, "1234.50"),
    ("￥1,234.50", {}, "1234.50"),  # the full-width yen sign a Chinese keyboard types
    ("1，234", {}, "1234.00"),
    ("1e3", {}, "1000.00"),
    (Decimal("1E+2"), {}, "100.00"),
])
def test_decimal_is_quantized_to_its_scale(value, kw, expected):
    out = accept("decimal", value, **kw)
    assert out == Decimal(expected) and str(out) == expected


@pytest.mark.parametrize("value", ["12abc", "abc", "1.2.3", "NaN", "Infinity", True, [1], {"a": 1}])
def test_decimal_refuses_what_is_not_a_number(value):
    refused = refuse("decimal", value)
    assert (refused.code, zh(refused)) == ("decimal", "请输入数字")


def test_decimal_refuses_too_many_digits():
    refused = refuse("decimal", "12345.6", precision=6, scale=2)
    assert refused.code == "digits"
    assert zh(refused) == "数字位数过多：最多 4 位整数、2 位小数"
    assert accept("decimal", "9999.99", precision=6, scale=2) == Decimal("9999.99")
    # rounding that carries into one more whole digit is refused too
    assert refuse("decimal", "9999.995", precision=6, scale=2).code == "digits"
    # a huge number is refused, not a crash of the decimal context
    assert refuse("decimal", "1e30").code == "digits"
    assert refuse("decimal", 10**40).code == "digits"
    assert accept("decimal", "123456789012.34", precision=14, scale=2) == Decimal("123456789012.34")


def test_decimal_range():
    assert accept("decimal", "0.5", min=0.5) == Decimal("0.50")
    low = refuse("decimal", "0.49", min=0.5)
    assert (low.code, zh(low)) == ("min", "不能小于 0.5")
    assert refuse("decimal", "-1", min=0).code == "min"
    assert refuse("decimal", "100.01", max=100).params == {"max": "100"}


def test_decimal_from_form_and_json_out():
    ft, f = field_type("decimal"), fdef("decimal")
    assert accept("decimal", ["1,234.5"], "coerce_form") == Decimal("1234.50")
    assert ft.to_json(Decimal("1234.50"), f) == "1234.50"  # a string, so no client turns it into a float
    assert ft.from_db(1234.5, f) == Decimal("1234.50")


def test_percent():
    assert accept("percent", "12.5%") == Decimal("12.50")
    assert accept("percent", 12.5) == Decimal("12.50")
    assert accept("percent", "100") == Decimal("100.00")
    assert refuse("percent", "多少").code == "decimal"
    ft, f = field_type("percent"), fdef("percent")
    assert ft.display(Decimal("12.50"), f) == "12.5%"
    assert ft.display(Decimal("100.00"), f) == "100%"


# Dates and times

@pytest.mark.parametrize("value", ["2026-11-22", "2026/11/22", "2026.11.22", "2026年11月22日", "20261122", " 2026-11-22 ",
                                   date(2026, 11, 22), datetime(2026, 11, 22, 18, 30)])
def test_date_accepts(value):
    assert accept("date", value) == date(2026, 11, 22)


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13-01", "22/11/2026", "明天", "abc", 45000, True])
def test_date_refuses(value):
    refused = refuse("date", value)
    assert (refused.code, zh(refused)) == ("date", "请输入有效日期，如 2026-11-22")


def test_date_from_form_and_cell():
    assert accept("date", ["2026/11/22"], "coerce_form") == date(2026, 11, 22)
    assert accept("date", datetime(2026, 11, 22), "coerce_cell") == date(2026, 11, 22)
    ft, f = field_type("date"), fdef("date")
    assert ft.to_json(date(2026, 11, 22), f) == "2026-11-22"
    assert ft.from_db("2026-11-22", f) == date(2026, 11, 22)


@pytest.mark.parametrize("value, expected", [
    ("2026-11-22 14:30", datetime(2026, 11, 22, 14, 30)),
    ("2026-11-22T14:30:15", datetime(2026, 11, 22, 14, 30, 15)),
    ("2026/11/22 14:30", datetime(2026, 11, 22, 14, 30)),
    ("2026-11-22", datetime(2026, 11, 22)),
    (datetime(2026, 11, 22, 9, 0), datetime(2026, 11, 22, 9, 0)),
    (date(2026, 11, 22), datetime(2026, 11, 22)),
])
def test_datetime_accepts(value, expected):
    assert accept("datetime", value) == expected


@pytest.mark.parametrize("value", ["2026-13-01 10:00", "下午三点", "abc", 1.5])
def test_datetime_refuses(value):
    assert refuse("datetime", value).code == "datetime"


def test_aware_datetimes_become_shanghai_wall_time_in_the_compiled_model():
    f = FieldDef(name="at", type="datetime", label={"zh-CN": "时间"})
    assert validate(f, "2026-11-22T06:30:00Z") == (datetime(2026, 11, 22, 14, 30), [])
    assert validate(f, "2026-11-22T14:30:00+08:00") == (datetime(2026, 11, 22, 14, 30), [])
    assert validate(f, datetime(2026, 11, 22, 23, 0, tzinfo=timezone(timedelta(hours=-5)))) == (datetime(2026, 11, 23, 12, 0), [])
    assert validate(f, ["2026-11-22T14:30"], from_form=True) == (datetime(2026, 11, 22, 14, 30), [])  # datetime-local
    assert validate(f, "abc")[1] == [("datetime", "请输入有效时间，如 2026-11-22 14:30")]


def test_datetime_display_and_json():
    ft, f = field_type("datetime"), fdef("datetime")
    value = datetime(2026, 11, 22, 14, 30, 15)
    assert ft.display(value, f) == "2026-11-22 14:30"
    assert ft.to_json(value, f) == "2026-11-22T14:30:15"
    assert ft.form_value(value, f) == "2026-11-22T14:30"


# Boolean

@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), ("是", True), ("否", False), ("true", True), ("TRUE", True), ("false", False),
    ("1", True), ("0", False), (1, True), (0, False), ("yes", True), ("no", False), ("√", True), (None, None),
])
def test_boolean_accepts(value, expected):
    assert accept("boolean", value) == expected


@pytest.mark.parametrize("value", ["maybe", "2", 2, -1, [True]])
def test_boolean_refuses(value):
    refused = refuse("boolean", value)
    assert (refused.code, zh(refused)) == ("boolean", "请选择是或否")


def test_boolean_from_a_checkbox_and_a_cell():
    assert accept("boolean", ["0", "1"], "coerce_form") is True  # hidden "0" then the checked box
    assert accept("boolean", ["0"], "coerce_form") is False
    assert accept("boolean", [], "coerce_form") is False  # an unchecked box sends nothing
    assert accept("boolean", True, "coerce_cell") is True
    assert accept("boolean", 1.0, "coerce_cell") is True  # a spreadsheet's 1
    assert accept("boolean", 0.0, "coerce_cell") is False
    assert accept("boolean", "是", "coerce_cell") is True


def test_boolean_display():
    ft, f = field_type("boolean"), fdef("boolean")
    assert (ft.display(True, f), ft.display(False, f)) == ("是", "否")
    assert (ft.display(True, f, "en"), ft.display(False, f, "en")) == ("Yes", "No")
    assert ft.display(None, f) == ""


# Select and multiselect

@pytest.mark.parametrize("value", ["vip", " vip ", "重点客户", "Key account"])
def test_select_accepts_a_value_or_a_label(value):
    assert accept("select", value) == "vip"


def test_select_accepts_numbers_for_numeric_option_values():
    assert accept("select", 1) == "1"
    assert accept("select", "一级") == "1"
    assert accept("select", 1.0, "coerce_cell") == "1"
    assert accept("select", ["normal"], "coerce_form") == "normal"


@pytest.mark.parametrize("value", ["gold", "VIP", True, 2.5, ["vip"]])
def test_select_refuses_unknown_options(value):
    assert refuse("select", value).code == "option"


def test_select_message_names_the_value():
    refused = refuse("select", " gold ")
    assert zh(refused) == "“gold”不在可选项中"
    assert message(refused.code, "en", **refused.params) == "“gold” is not one of the options"


def test_select_display_and_schema():
    ft, f = field_type("select"), fdef("select")
    assert ft.display("vip", f) == "重点客户"
    assert ft.display("vip", f, "en") == "Key account"
    assert ft.display("1", f, "en") == "一级"  # no English label: the Chinese one
    assert ft.display(None, f) == ""
    assert ft.json_schema(f) == {"type": "string", "enum": ["vip", "normal", "1"]}


@pytest.mark.parametrize("value, expected", [
    (["vip", "normal"], ["vip", "normal"]),
    (["normal", "vip", "normal", "普通客户"], ["normal", "vip"]),  # duplicates dropped, first order kept
    ("vip,normal", ["vip", "normal"]),
    ("重点客户， 普通客户", ["vip", "normal"]),
    ("重点客户、普通客户", ["vip", "normal"]),  # as `display` joins them, so an export re-imports
    ("vip,,", ["vip"]),
    (("vip",), ["vip"]),
    ("vip", ["vip"]),
])
def test_multiselect_accepts_a_list_or_a_comma_string(value, expected):
    assert accept("multiselect", value) == expected


def test_multiselect_keeps_a_label_that_contains_a_comma():
    options = ({"value": "deposit", "label": {"zh-CN": "预付30%，验收后付70%"}}, {"value": "full", "label": {"zh-CN": "全款"}})
    assert accept("multiselect", "预付30%，验收后付70%", options=options) == ["deposit"]
    assert accept("multiselect", ["全款", "预付30%，验收后付70%"], options=options) == ["full", "deposit"]


def test_multiselect_refuses():
    assert refuse("multiselect", ["vip", "gold"]).params == {"value": "gold"}
    assert refuse("multiselect", 5).code == "options"
    assert refuse("multiselect", {"vip": True}).code == "options"


def test_multiselect_form_storage_and_display():
    ft, f = field_type("multiselect"), fdef("multiselect")
    assert accept("multiselect", ["vip", "", "normal"], "coerce_form") == ["vip", "normal"]
    assert accept("multiselect", [""], "coerce_form") is None
    stored = ft.to_db(["vip", "normal"], f)
    assert stored == '["vip", "normal"]' and ft.from_db(stored, f) == ["vip", "normal"]
    assert ft.display(["vip", "normal"], f) == "重点客户、普通客户"
    assert ft.display(["vip", "normal"], f, "en") == "Key account、Regular"
    assert accept("multiselect", ft.display(["vip", "normal"], f)) == ["vip", "normal"]


# Phone, email, url

@pytest.mark.parametrize("value, stored", [
    ("13812345678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("19912345678", "19912345678"),
    ("010-12345678", "010-12345678"),
    ("0571-8888888", "0571-8888888"),
    ("(010)12345678", "01012345678"),
    ("021-12345678-801", "021-12345678-801"),  # with an extension
])
def test_phone_accepts(value, stored):
    assert accept("phone", value) == stored


@pytest.mark.parametrize("value", ["123", "12812345678", "1381234567", "138123456789", "10086", "abc", "+1 415 555 0100"])
def test_phone_refuses(value):
    refused = refuse("phone", value)
    assert refused.code == "phone"
    assert zh(refused).startswith("请输入有效的手机号")


def test_phone_from_a_spreadsheet_number():
    assert accept("phone", 13812345678.0, "coerce_cell") == "13812345678"
    assert accept("phone", 13812345678, "coerce_cell") == "13812345678"


def test_email():
    assert accept("email", " Zhang.San@Example.COM ") == "zhang.san@example.com"
    for value in ("abc", "a@b", "a b@c.com", "@example.com", "a@@b.com"):
        refused = refuse("email", value)
        assert (refused.code, zh(refused)) == ("email", "邮箱格式不正确，应形如 name@example.com")


def test_url():
    assert accept("url", "https://www.example.com/a?b=1") == "https://www.example.com/a?b=1"
    assert accept("url", "HTTP://example.com") == "HTTP://example.com"
    for value in ("www.x.com", "javascript:alert(1)", "ftp://x.com", "http://", "https:// x.com"):
        refused = refuse("url", value)
        assert (refused.code, zh(refused)) == ("url", "网址格式不正确，应以 http:// 或 https:// 开头")


# Resident ID number (GB 11643)

def test_id_card_with_a_correct_check_digit():
    number = with_check_digit("11010519491231002")
    assert number == "11010519491231002X"
    assert accept("id_card", number) == number
    assert accept("id_card", number.lower()) == number  # a lowercase x is the same number
    other = with_check_digit("44030419900307271")
    assert accept("id_card", f" {other} ") == other


def test_id_card_refusals_each_with_its_reason():
    good = with_check_digit("11010519491231002")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    cases = {
        wrong: ("id_card_checksum", "身份证号校验位不正确，请核对"),
        good[:17]: ("id_card_format", "身份证号应为 18 位，最后一位可以是 X"),
        good + "1": ("max_length", "最多 18 个字"),
        "11010519491231002Y": ("id_card_format", "身份证号应为 18 位，最后一位可以是 X"),
        with_check_digit("11010519490231002"): ("id_card_birth", "身份证号中的出生日期无效"),
        with_check_digit("11010518991231002"): ("id_card_birth", "身份证号中的出生日期无效"),
        with_check_digit(f"110105{date.today().year + 1}0101002"): ("id_card_birth", "身份证号中的出生日期无效"),
    }
    for value, (code, text) in cases.items():
        refused = refuse("id_card", value)
        assert (refused.code, zh(refused)) == (code, text), value


# Links: relation, user, department

@pytest.mark.parametrize("type_", ["relation", "user", "department"])
@pytest.mark.parametrize("value", [12, "12", " 12 ", {"id": 12}, {"id": "12"}, 12.0])
def test_links_accept_an_id(type_, value):
    assert accept(type_, value) == 12


@pytest.mark.parametrize("type_", ["relation", "user", "department"])
@pytest.mark.parametrize("value", [0, -1, "x", "0", True, False, 12.5, float("inf"), float("nan"), 2**63, {"id": None}, [12]])
def test_links_refuse_what_is_not_an_id(type_, value):
    assert refuse(type_, value).code == type_


def test_link_messages_and_form_and_cell_input():
    assert zh(refuse("relation", "x")) == "关联的记录不存在（ID x）"
    assert zh(refuse("user", 0)) == "用户不存在（ID 0）"
    assert zh(refuse("department", -1)) == "部门不存在（ID -1）"
    assert accept("relation", ["7"], "coerce_form") == 7
    assert accept("user", 7.0, "coerce_cell") == 7


# Attachments

def test_attachment_ids():
    assert accept("attachment", "f1") == ["f1"]
    assert accept("attachment", {"id": "f1", "name": "合同.pdf", "size": 10}) == ["f1"]
    assert accept("attachment", [" f1 ", {"id": "f2"}]) == ["f1", "f2"]
    assert accept("attachment", ["f1", "", "f2"], "coerce_form") == ["f1", "f2"]
    for value in ([1], 5, [{"name": "x.pdf"}], ["  "]):
        assert refuse("attachment", value).code == "file"


def test_attachment_storage_and_display():
    ft, f = field_type("attachment"), fdef("attachment")
    files = [{"id": "f1", "name": "合同.pdf"}, {"id": "f2", "name": "发票.jpg"}]
    assert ft.from_db(ft.to_db(files, f), f) == files
    assert ft.display(files, f) == "合同.pdf、发票.jpg"


# Display of numbers

def test_number_display_groups_thousands():
    assert field_type("decimal").display(Decimal("1234567.5"), fdef("decimal")) == "1,234,567.50"
    assert field_type("decimal").display(Decimal("-0.5"), fdef("decimal", scale=3)) == "-0.500"
    assert field_type("integer").display(1234567, fdef("integer")) == "1,234,567"
    assert field_type("integer").display(None, fdef("integer")) == ""


def test_formula_behaves_like_its_result_type():
    ft = field_type("formula")
    money = fdef("formula", expression="1", result_type="decimal", scale=2)
    assert ft.coerce("12.345", money) == Decimal("12.35")
    assert ft.display(Decimal("1234.5"), money) == "1,234.50"
    assert ft.to_json(Decimal("1.50"), money) == "1.50"
    flag = fdef("formula", expression="1", result_type="boolean")
    assert ft.display(True, flag, "en") == "Yes"
    assert ft.coerce(5, fdef("formula", expression="1")) == "5"  # no result_type: text
