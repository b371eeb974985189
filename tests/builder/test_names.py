"""API names suggested from labels: pinyin for Chinese, always a valid identifier, unique in the form."""
from __future__ import annotations

import pytest

from builder.names import suggest_name
from form_engine.identifiers import name_problem


@pytest.mark.parametrize("label, name", [
    ("客户名称", "kehu_mingcheng"),
    ("手机号码", "shouji_haoma"),
    ("下次跟进日期", "xiaci_genjin_riqi"),
    ("合同金额（元）", "hetong_jine_yuan"),
    ("联系人姓名", "lianxi_ren_xingming"),
    ("是否VIP客户", "shifou_vip_kehu"),
    ("Order Date", "order_date"),
])
def test_labels_become_pinyin_words_joined_by_underscores(label, name):
    assert suggest_name(label) == name


@pytest.mark.parametrize("label", ["", "！！", "2024年", "order", "用户" * 40, "Ünïcödé", "id", "_x_"])
def test_the_suggestion_is_always_a_valid_identifier(label):
    name = suggest_name(label)
    assert name_problem(name) is None, (label, name)


def test_a_name_taken_in_the_form_gets_a_number():
    assert suggest_name("手机", ["shouji"]) == "shouji_2"
    assert suggest_name("手机", ["shouji", "shouji_2"]) == "shouji_3"
    assert suggest_name("order") == "order_2"  # a reserved word is never suggested


def test_the_suggestion_endpoint(web):
    found = web.client.get("/builder/suggest-name", params={"label": "客户名称", "taken": ["kehu_mingcheng"]})
    assert found.status_code == 200
    assert found.json() == {"name": "kehu_mingcheng_2"}
    assert web.client.get("/builder/suggest-name", params={"label": "x", "fallback": "Bad!"}).status_code == 400
