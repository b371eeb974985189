"""The detail page: sections, system info and the related lists of records that link here."""
from __future__ import annotations


def test_customer_detail_lists_its_contacts(web, html, records):
    customer = records.create("customer", {"name": "上海浦江医疗器械有限公司", "level": "strategic"})
    other = records.create("customer", {"name": "别家公司"})
    records.create("contact", {"name": "李娜", "customer": customer, "title": "采购经理", "mobile": "13800138000"})
    records.create("contact", {"name": "周杰", "customer": customer, "key_decision_maker": True})
    records.create("contact", {"name": "不相关", "customer": other})
    page = html(web.client.get(f"/apps/crm/customer/{customer}").text)

    panel = page.by_id("related-contact-customer")
    names = [r.find("a").text for r in panel.find_all("tr", class_="row-link")]
    assert sorted(names) == ["周杰", "李娜"]
    assert "不相关" not in panel.text and "采购经理" in panel.text
    tab = page.find("label", for_="tab-contact-customer")
    assert "联系人" in tab.text and tab.find("span", class_="count").text == "2"
    links = {a.text: a.attrs["href"] for a in panel.find_all("a", class_="btn")}
    assert links["查看全部"] == f"/apps/crm/contact?customer={customer}"
    assert links["＋ 新建"] == f"/apps/crm/contact/new?customer={customer}"
    # every form with a relation to customer has a panel, the follow-up's three links included
    keys = {p.attrs["id"] for p in page.find_all("div", class_="tab-panel")}
    assert {"related-contact-customer", "related-opportunity-customer", "related-contract-customer",
            "related-follow_up-customer", "related-service_ticket-customer"} <= keys

    filtered = html(web.client.get(links["查看全部"]).text)
    assert sorted(r.find("a").text for r in filtered.find_all("tr", class_="row-link")) == ["周杰", "李娜"]
    chip = filtered.find("a", class_="chip")
    assert chip.text.startswith("所属客户：上海浦江医疗器械有限公司") and chip.attrs["href"] == "/apps/crm/contact"
    assert filtered.find("input", type="hidden", name="customer").attrs["value"] == str(customer)
    assert filtered.find("a", class_="btn-primary").attrs["href"] == f"/apps/crm/contact/new?customer={customer}"


def test_detail_shows_sections_links_and_system_info(web, html, records):
    customer = records.create("customer", {"name": "天津港联物流有限公司", "website": "https://tjgl.example.cn",
                                           "region_city": "天津", "remark": "第一行\n第二行"})
    contact = records.create("contact", {"name": "赵敏", "customer": customer, "key_decision_maker": True})
    page = html(web.client.get(f"/apps/crm/contact/{contact}").text)
    titles = [s.text for s in page.find_all("h2", class_="section-title")]
    assert titles[:3] == ["基本信息", "联系方式", "其他"] and "系统信息" in titles
    link = page.find("a", href=f"/apps/crm/customer/{customer}")
    assert link.text == "天津港联物流有限公司"
    assert "是" in page.text
    system = {kv.find("dt").text: kv.find("dd").text for kv in page.find("dl", class_="sys").find_all("div")}
    assert system["负责人"] == "系统管理员" and system["创建人"] == "系统管理员" and system["版本"] == "1"
    assert len(system["创建时间"]) == 16 and system["更新时间"]
    crumbs = [a.text for a in page.find("nav", class_="crumbs").find_all("a")]
    assert crumbs == ["客户管理", "联系人"]
    delete = page.find("button", class_="btn-danger")
    assert delete.attrs["hx-post"] == f"/apps/crm/contact/{contact}/delete" and "回收站" in delete.attrs["hx-confirm"]
    site = html(web.client.get(f"/apps/crm/customer/{customer}").text).find("a", href="https://tjgl.example.cn")
    assert site.attrs["rel"] == "noopener noreferrer"
