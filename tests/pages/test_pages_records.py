"""List, detail, create, edit, delete, recycle bin and restore, through the pages as a browser posts them."""
from __future__ import annotations

import re


def test_customer_from_empty_list_to_recycle_bin_and_back(web, html, records):
    empty = html(web.client.get("/apps/crm/customer").text)
    assert "还没有客户，点击“新建”添加第一条" in empty.by_id("list-results").text

    form = html(web.client.get("/apps/crm/customer/new").text)
    assert form.find("select", name="level").find("option", selected="").attrs["value"] == "normal"  # the default
    assert form.find("form", id="record-form").find("input", name="csrf_token") is not None

    created = web.post("/apps/crm/customer/new", {"name": "杭州云栖科技有限公司", "level": "key", "industry": "it",
                                                   "tags": ["", "high_value", "listed"], "phone": "0571-88886666"})
    assert created.status_code == 303
    detail_url = created.headers["location"]
    record_id = int(detail_url.rsplit("/", 1)[1])
    assert detail_url == f"/apps/crm/customer/{record_id}"

    detail = html(web.client.get(detail_url).text)
    assert "已保存" in detail.by_id("flashes").text
    assert detail.find("h1").text == "杭州云栖科技有限公司"
    assert "重点客户" in detail.text and "高价值" in detail.text and "上市公司" in detail.text
    system = detail.find("dl", class_="sys").text
    assert "系统管理员" in system and "版本 1" in system

    listing = html(web.client.get("/apps/crm/customer").text)
    row = listing.find("tr", class_="row-link")
    assert row.attrs["data-href"] == detail_url
    tag = row.find("span", class_="tag")
    assert tag.text == "重点客户" and "#fa8c16" in tag.attrs["style"]
    assert "共 1 条" in listing.text

    edit = html(web.client.get(f"{detail_url}/edit").text)
    assert edit.find("input", name="name").attrs["value"] == "杭州云栖科技有限公司"
    assert edit.find("input", name="version").attrs["value"] == "1"
    checked = [i.attrs["value"] for i in edit.find_all("input", name="tags") if "checked" in i.attrs]
    assert checked == ["high_value", "listed"]
    updated = web.post(f"{detail_url}/edit", {"version": "1", "name": "杭州云栖科技股份有限公司", "level": "strategic",
                                               "tags": [""], "phone": "0571-88886666"})
    assert updated.status_code == 303 and updated.headers["location"] == detail_url
    saved = records.get("customer", record_id)
    assert saved["name"] == "杭州云栖科技股份有限公司" and saved["tags"] is None and saved["version"] == 2
    assert saved["industry"] == "it"  # fields that were not posted keep their value

    deleted = web.post(f"{detail_url}/delete", {"version": "2"})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/apps/crm/customer"
    after = html(web.client.get("/apps/crm/customer").text)
    assert "已删除，可在回收站中恢复" in after.by_id("flashes").text
    assert records.count("customer") == 0
    assert web.client.get(detail_url).status_code == 404

    trash = html(web.client.get("/apps/crm/customer/trash").text)
    assert "杭州云栖科技股份有限公司" in trash.by_id("list-results").text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", trash.by_id("list-results").text)
    restored = web.post(f"{detail_url}/restore")
    assert restored.status_code == 303 and restored.headers["location"] == detail_url
    assert "已恢复" in web.client.get(detail_url).text
    assert records.count("customer") == 1


def test_delete_and_restore_by_htmx_redirect_with_hx_redirect(web, records):
    record_id = records.create("customer", {"name": "苏州恒泰机械有限公司"})
    answer = web.htmx(f"/apps/crm/customer/{record_id}/delete", {"version": "1"})
    assert answer.status_code == 204 and answer.headers["HX-Redirect"] == "/apps/crm/customer"
    answer = web.htmx(f"/apps/crm/customer/{record_id}/restore", {})
    assert answer.headers["HX-Redirect"] == f"/apps/crm/customer/{record_id}"


def test_restore_refuses_a_name_taken_in_the_meantime(web, html, records):
    first = records.create("customer", {"name": "南京瑞达物流有限公司"})
    web.post(f"/apps/crm/customer/{first}/delete")
    records.create("customer", {"name": "南京瑞达物流有限公司"})
    answer = web.post(f"/apps/crm/customer/{first}/restore")
    assert answer.headers["location"] == "/apps/crm/customer/trash"
    flash = html(web.client.get("/apps/crm/customer/trash").text).by_id("flashes")
    assert "无法恢复" in flash.text and "客户名称" in flash.text and "已存在" in flash.text
    assert records.count("customer") == 1


def test_list_searches_filters_sorts_and_pages(web, html, records):
    for i in range(25):
        records.create("customer", {"name": f"测试客户{i:02d}", "level": "key" if i % 5 == 0 else "normal"})
    first = html(web.client.get("/apps/crm/customer").text)
    assert "共 25 条" in first.text
    assert len(first.find_all("tr", class_="row-link")) == 20
    pages = first.find("nav", class_="pager")
    assert [a.text for a in pages.find_all("a", class_="page")] == ["2"]
    assert pages.find("a", rel="next").attrs["href"] == "/apps/crm/customer?offset=20"

    second = html(web.client.get("/apps/crm/customer?offset=20").text)
    assert len(second.find_all("tr", class_="row-link")) == 5
    assert second.find("nav", class_="pager").find("span", class_="current").text == "2"

    keyed = html(web.client.get("/apps/crm/customer?q=&level=key&industry=").text)
    assert "共 5 条" in keyed.text
    assert keyed.find("select", name="level").find("option", selected="").attrs["value"] == "key"

    found = html(web.client.get("/apps/crm/customer?q=客户07").text)
    assert [r.find("a").text for r in found.find_all("tr", class_="row-link")] == ["测试客户07"]

    none = html(web.client.get("/apps/crm/customer?q=没有这个").text)
    assert "没有符合条件的记录" in none.by_id("list-results").text

    by_name = html(web.client.get("/apps/crm/customer?sort=name").text)
    names = [r.find("a").text for r in by_name.find_all("tr", class_="row-link")]
    assert names == sorted(names) and names[0] == "测试客户00"
    header = by_name.find("a", class_="sorted")
    assert header.find("span", class_="arrow").text == "↑" and header.attrs["href"].endswith("sort=-name")


def test_list_htmx_request_gets_only_the_results(web, records):
    records.create("customer", {"name": "成都天府软件有限公司"})
    answer = web.client.get("/apps/crm/customer?q=天府&level=", headers={"HX-Request": "true", "HX-Target": "list-results"})
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="list-results"') and "<html" not in answer.text
    assert "成都天府软件有限公司" in answer.text
    assert answer.headers["HX-Push-Url"] == "/apps/crm/customer?q=%E5%A4%A9%E5%BA%9C"


def test_deep_pages_go_on_by_cursor(web, html, records):
    for i in range(3):
        records.create("product", {"code": f"P-{i}", "name": f"产品{i}"})
    cursor = web.client.get("/api/v1/apps/crm/forms/product/records?sort=code&limit=1").json()["next"]
    page = html(web.client.get(f"/apps/crm/product?sort=code&cursor={cursor}").text)
    assert [r.find("a").text for r in page.find_all("tr", class_="row-link")] == ["P-1", "P-2"]
    assert page.find("nav", class_="pager").find("a").text == "第一页"


def test_pager_numbers_pages_then_switches_to_the_cursor():
    from runtime.records import Page
    from runtime.web.pages.listview import pager
    exact = pager("/l", [("offset", "100")], Page([], "abc", 400, True, []), "zh-CN")
    assert exact.total_text == "共 400 条"
    assert [n for n, _h, _c in exact.pages] == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert exact.next == "/l?offset=120" and exact.prev == "/l?offset=80"
    deep = pager("/l", [("offset", "9980")], Page([], "abc", 10_000, False, []), "zh-CN")
    assert deep.total_text == "共 10000+ 条"
    assert deep.next == "/l?cursor=abc"
    assert pager("/l", [], Page([], "abc", 10_000, False, []), "en").total_text == "10000+ records"


def test_user_text_is_escaped(web, records):
    record_id = records.create("customer", {"name": "<script>alert(1)</script>公司"})
    for url in (f"/apps/crm/customer/{record_id}", "/apps/crm/customer", f"/apps/crm/customer/{record_id}/edit"):
        text = web.client.get(url).text
        assert "<script>alert(1)</script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;公司" in text


def test_app_home_shows_a_card_per_form_with_counts(web, html, records):
    records.create("customer", {"name": "西安秦川电子有限公司"})
    assert web.client.get("/", follow_redirects=False).headers["location"] == "/apps/crm"
    home = html(web.client.get("/apps/crm").text)
    cards = {c.find("span", class_="form-card-title").text: c.find("strong").text
             for c in home.find_all("a", class_="form-card")}
    assert cards["客户"] == "1" and cards["合同"] == "0" and len(cards) == 9
    groups = [g.text for g in home.find("nav", class_="sidebar").find_all("div", class_="side-group-title")]
    assert groups == ["客户", "销售", "合同与回款", "服务", "基础数据"]


def test_date_filters_and_select_filters_on_the_contract_list(web, html, records):
    customer = records.create("customer", {"name": "福州闽江机电有限公司"})
    product = records.create("product", {"code": "X1", "name": "X1"})
    for title, day, status in [("一月合同", "2026-01-15", "draft"), ("三月合同", "2026-03-10", "active"),
                               ("五月合同", "2026-05-20", "active")]:
        records.create("contract", {"title": title, "customer": customer, "sign_date": day, "status": status,
                                    "items": [{"product": product, "quantity": 1, "unit_price": "10"}]})
    page = html(web.client.get("/apps/crm/contract?sign_date__gte=2026-02-01&sign_date__lte=2026-12-31&status=").text)
    titles = sorted(r.find_all("td")[1].text for r in page.find_all("tr", class_="row-link"))
    assert titles == ["三月合同", "五月合同"]
    assert page.find("input", name="sign_date__gte").attrs["value"] == "2026-02-01"
    active = html(web.client.get("/apps/crm/contract?status=active&sign_date__lte=2026-04-01").text)
    assert [r.find_all("td")[1].text for r in active.find_all("tr", class_="row-link")] == ["三月合同"]
    amount = active.find("tr", class_="row-link").find("td", class_="num")
    assert amount.text == "10.00"
