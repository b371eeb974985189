"""The app list, creating apps and forms, app properties and the menu — all published through runtime.publish."""
from __future__ import annotations

import json
import re

from builder_helpers import designer_data, put_draft
from sqlalchemy import select

from runtime import systables
from runtime.database import read


def _app_versions(engine, app: str) -> int:
    d = systables.definition
    with read(engine) as conn:
        return len(conn.execute(select(d.c.id).where(d.c.app == app, d.c.kind == "app")).all())


def test_the_app_list_shows_a_card_per_app(web, html):
    doc = html(web.client.get("/builder").text)
    card = doc.by_id("app-cards").find("a", class_="app-card")
    assert card.attrs["href"] == "/builder/apps/crm"
    assert "客户管理" in card.text and "9 个表单" in card.text


def test_creating_an_app_then_a_form_then_publishing_it(web, html, engine):
    made = web.post("/builder/apps", {"label": "项目管理", "label_en": "Projects", "name": "xiangmu", "icon": "📁",
                                      "color": "#722ed1"})
    assert made.status_code == 303, made.text
    assert made.headers["location"] == "/builder/apps/xiangmu"
    page = html(web.client.get("/builder/apps/xiangmu").text)
    assert "这个应用还没有表单" in page.by_id("forms").text
    created = web.post("/builder/apps/xiangmu/forms", {"label": "项目任务", "name": ""})
    assert created.status_code == 303
    assert created.headers["location"] == "/builder/apps/xiangmu/forms/xiangmu_renwu"
    data = designer_data(web, "xiangmu", "xiangmu_renwu")
    assert data["revision"] == 1 and data["version"] is None
    assert "未发布" in html(web.client.get("/builder/apps/xiangmu").text).by_id("forms").text
    publish = "/builder/apps/xiangmu/forms/xiangmu_renwu/publish"
    assert web.client.get(publish).status_code == 200
    assert web.post(publish, {"revision": "1"}).status_code == 303
    assert web.client.get("/apps/xiangmu/xiangmu_renwu").status_code == 200
    nav = html(web.client.get("/apps/xiangmu").text)
    assert "项目任务" in nav.by_id("sidebar").text


def test_bad_app_input_is_refused_and_nothing_is_created(web, html, engine):
    bad = web.post("/builder/apps", {"label": "", "name": "Bad Name", "color": "red"})
    assert bad.status_code == 422
    doc = html(bad.text)
    assert doc.by_id("err-label").text and doc.by_id("err-name").text and doc.by_id("err-color").text
    taken = web.post("/builder/apps", {"label": "又一个客户管理", "name": "crm"})
    assert taken.status_code == 422 and "已被使用" in html(taken.text).by_id("err-name").text
    reserved = web.post("/builder/apps", {"label": "x", "name": "select"})
    assert reserved.status_code == 422
    assert _app_versions(engine, "select") == 0 and _app_versions(engine, "crm") == 1


def test_bad_form_input_is_refused(web, html, engine):
    empty = web.post("/builder/apps/crm/forms", {"label": ""})
    assert empty.status_code == 422 and html(empty.text).by_id("err-label").text
    taken = web.post("/builder/apps/crm/forms", {"label": "客户", "name": "customer"})
    assert taken.status_code == 422 and "已被使用" in html(taken.text).by_id("err-name").text
    with read(engine) as conn:
        assert conn.execute(select(systables.draft.c.id)).all() == []
    assert web.post("/builder/apps/nope/forms", {"label": "x"}).status_code == 404


def test_a_new_forms_name_is_suggested_from_its_label(web):
    done = web.post("/builder/apps/crm/forms", {"label": "客户拜访"})
    assert done.headers["location"] == "/builder/apps/crm/forms/kehu_baifang"
    again = web.post("/builder/apps/crm/forms", {"label": "客户拜访"})
    assert again.headers["location"] == "/builder/apps/crm/forms/kehu_baifang_2"


def test_saving_app_properties_publishes_a_new_app_version(web, html, engine):
    done = web.post("/builder/apps/crm", {"label": "客户关系", "label_en": "CRM", "icon": "🤝", "color": "#13c2c2",
                                          "description": "", "description_en": ""})
    assert done.status_code == 303, done.text
    assert _app_versions(engine, "crm") == 2
    card = html(web.client.get("/builder").text).by_id("app-cards")
    assert "客户关系" in card.text and "🤝" in card.text
    bad = web.post("/builder/apps/crm", {"label": "", "color": "#12"})
    assert bad.status_code == 422 and _app_versions(engine, "crm") == 2


def test_the_menu_designer_saves_groups_and_order(web, html, engine):
    groups = [{"label": {"zh-CN": "常用", "en": "Daily"}, "forms": ["follow_up", "customer"]},
              {"label": None, "forms": ["product"]}]
    done = web.post("/builder/apps/crm/menu", {"menu": json.dumps(groups)})
    assert done.status_code == 303, done.text
    nav = html(web.client.get("/apps/crm").text).by_id("sidebar")
    links = [a.text for a in nav.find_all("a", class_="side-link")]
    assert links[:3] == ["跟进记录", "客户", "产品"]
    assert "常用" in nav.text


def test_bad_menus_are_refused_and_change_nothing(web, html, engine):
    for raw in ("not json", json.dumps({"a": 1}), json.dumps([{"forms": ["nope"]}]),
                json.dumps([{"forms": ["customer", "customer"]}]), json.dumps([{"label": {"en": "X"}, "forms": []}])):
        refused = web.post("/builder/apps/crm/menu", {"menu": raw})
        assert refused.status_code == 422, raw
        assert html(refused.text).by_id("menu-errors").text
    assert _app_versions(engine, "crm") == 1


def test_a_draft_of_a_new_form_can_be_deleted(web, engine):
    web.post("/builder/apps/crm/forms", {"label": "客户拜访"})
    data = designer_data(web, "crm", "kehu_baifang")
    assert put_draft(web, "/builder/apps/crm/forms/kehu_baifang/draft", data["revision"], data["body"]).status_code == 200
    gone = web.post("/builder/apps/crm/forms/kehu_baifang/draft/discard")
    assert gone.headers["location"] == "/builder/apps/crm"
    assert web.client.get("/builder/apps/crm/forms/kehu_baifang").status_code == 404


def test_the_designer_speaks_english_too(web, html):
    doc = html(web.client.get("/builder?lang=en").text)
    assert "App designer" in doc.find("h1").text
    designer = web.client.get("/builder/apps/crm/forms/product?lang=en").text
    assert "Publish…" in designer
    texts = json.loads(re.search(r'id="designer-text">(.*?)</script>', designer, re.S).group(1))
    assert texts["已自动保存 {time}"] == "Saved automatically at {time}"
