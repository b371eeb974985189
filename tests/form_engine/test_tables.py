"""A form as SQL tables: system columns, one column per field, child tables, indexes, DDL on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import MetaData, create_engine, delete, event, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateIndex, CreateTable

from form_engine.bundle import parse_app
from form_engine.compiler import compile_app
from form_engine.definitions import AppDef, FormDef
from form_engine.fieldtypes import field_type
from form_engine.identifiers import SYSTEM_COLUMNS
from form_engine.tables import FormTables, ix, to_table

PG_MAX = 63


def label(zh: str) -> dict:
    return {"zh-CN": zh}


def fld(name: str, type_: str, **kw) -> dict:
    return {"name": name, "type": type_, "label": label(name), **kw}


SALE = [
    fld("title", "text", max_length=100, unique=True),
    fld("note", "textarea"),
    fld("qty", "integer"),
    fld("amount", "decimal", precision=14, scale=2),
    fld("rate", "percent"),
    fld("signed_on", "date"),
    fld("visited_at", "datetime"),
    fld("paid", "boolean"),
    fld("kind", "select", options=[{"value": "a", "label": label("甲")}]),
    fld("tags", "multiselect", options=[{"value": "a", "label": label("甲")}]),
    fld("phone", "phone"),
    fld("email", "email"),
    fld("site", "url"),
    fld("idno", "id_card"),
    fld("customer", "relation", target="customer"),
    fld("owner", "user"),  # a natural name for 负责人; its index must not clash with owner_id's
    fld("dept", "department"),
    fld("files", "attachment"),
    fld("sale_no", "auto_number", number_pattern="XS{seq:4}"),
    fld("subject", "text", column="legacy_subject"),
    fld("items", "subform", fields=[
        fld("product", "relation", target="customer"),
        fld("quantity", "integer"),
        fld("unit_price", "decimal", precision=14, scale=2),
        fld("line_total", "formula", expression="quantity * unit_price", result_type="decimal"),
    ]),
    fld("total", "formula", expression='sum_field(items, "line_total")', result_type="decimal"),
]


def shop_app() -> AppDef:
    return parse_app({"name": "shop", "label": label("商店"), "forms": [
        {"name": "customer", "label": label("客户"), "fields": [fld("name", "text")]},
        {"name": "sale", "label": label("销售"), "fields": SALE, "indexes": [
            {"fields": ["kind", "signed_on"]}, {"fields": ["customer", "title"], "unique": True}]},
    ]})


@pytest.fixture(scope="module")
def app() -> AppDef:
    return shop_app()


@pytest.fixture
def sale(app) -> FormTables:
    return to_table(app.name, app.form("sale"), MetaData())


def ddl(table, dialect) -> str:
    return str(CreateTable(table).compile(dialect=dialect))


def index_sql(table, dialect) -> dict[str, str]:
    return {i.name: str(CreateIndex(i).compile(dialect=dialect)) for i in table.indexes}


# Columns

def test_system_columns_come_first(sale):
    main = sale.main
    assert main.name == "shop_sale"
    assert [c.name for c in main.columns][:9] == list(SYSTEM_COLUMNS) == [
        "id", "created_at", "updated_at", "created_by", "owner_id", "department_id", "version", "deleted_at", "flow_status"]
    assert [c.name for c in main.primary_key] == ["id"]
    assert not main.c.created_at.nullable and not main.c.updated_at.nullable and not main.c.version.nullable
    assert main.c.deleted_at.nullable and main.c.owner_id.nullable and main.c.flow_status.nullable
    assert main.info == {"app": "shop", "form": "sale"}


def test_one_column_per_stored_field_named_by_its_column(app, sale):
    form = app.form("sale")
    stored = [f for f in form.fields if field_type(f.type).stored]
    fields = [c for c in sale.main.columns if c.name not in SYSTEM_COLUMNS]
    assert [c.name for c in fields] == [f.column for f in stored]
    assert "items" not in sale.main.c  # a subform is a child table, not a column
    assert sale.main.c.legacy_subject.info == {"field": "subject"}
    assert all(c.nullable for c in fields)  # required is checked by validation, so drafts and imports can be partial
    assert {c.info["field"] for c in fields} == {f.name for f in stored}


def test_a_child_table_per_subform(sale):
    assert set(sale.children) == {"items"}
    child = sale.children["items"]
    assert child.name == "shop_sale__items"
    assert [c.name for c in child.columns] == ["id", "parent_id", "position", "product", "quantity", "unit_price", "line_total"]
    (fk,) = child.c.parent_id.foreign_keys
    assert fk.column is sale.main.c.id and fk.ondelete == "CASCADE"
    assert not child.c.parent_id.nullable and not child.c.position.nullable
    assert child.info == {"subform": "items"}


def test_an_explicit_table_name_is_used():
    app = parse_app({"name": "shop", "label": label("商店"), "forms": [
        {"name": "customer", "label": label("客户"), "table": "legacy_clients", "fields": [fld("name", "text")]}]})
    assert to_table("shop", app.form("customer"), MetaData()).main.name == "legacy_clients"


def test_the_compiled_form_carries_its_tables(app):
    compiled = compile_app(app, tz=None)
    assert compiled.forms["sale"].tables.main.name == "shop_sale"
    assert set(compiled.metadata.tables) == {"shop_customer", "shop_sale", "shop_sale__items"}


# Indexes

def test_indexes(sale):
    indexes = {i.name: ([c.name for c in i.columns], i.unique) for i in sale.main.indexes}
    assert indexes == {
        "ix_shop_sale_updated_at": (["updated_at", "id"], False),  # the default list order, keyset-paginated
        "ix_shop_sale_owner_id": (["owner_id"], False),
        "ix_shop_sale_bin": (["updated_at", "id"], False),
        "ix_shop_sale_customer": (["customer"], False),
        "ix_shop_sale_owner": (["owner"], False),
        "ix_shop_sale_dept": (["dept"], False),
        "uq_shop_sale_title": (["title"], True),
        "uq_shop_sale_sale_no": (["sale_no"], True),
        "ix_shop_sale_0": (["kind", "signed_on"], False),
        "uq_shop_sale_1": (["customer", "title"], True),
    }
    child = {i.name: [c.name for c in i.columns] for i in sale.children["items"].indexes}
    assert child == {"ix_shop_sale__items_parent_id": ["parent_id", "position"], "ix_shop_sale__items_product": ["product"]}


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_unique_indexes_ignore_the_recycle_bin(sale, dialect):
    sql = index_sql(sale.main, dialect)
    assert sql["uq_shop_sale_title"] == "CREATE UNIQUE INDEX uq_shop_sale_title ON shop_sale (title) WHERE deleted_at IS NULL"
    assert sql["uq_shop_sale_1"] == "CREATE UNIQUE INDEX uq_shop_sale_1 ON shop_sale (customer, title) WHERE deleted_at IS NULL"
    assert sql["ix_shop_sale_updated_at"] == "CREATE INDEX ix_shop_sale_updated_at ON shop_sale (updated_at, id)"


# DDL text

def test_sqlite_ddl(sale):
    sql = ddl(sale.main, sqlite.dialect())
    for line in ("id INTEGER NOT NULL", "created_at DATETIME NOT NULL", "version INTEGER DEFAULT 1 NOT NULL",
                 "flow_status VARCHAR(32)", "title VARCHAR(100)", "note TEXT", "qty INTEGER", "amount NUMERIC(14, 2)",
                 "rate NUMERIC(9, 2)", "signed_on DATE", "visited_at DATETIME", "paid BOOLEAN", "kind VARCHAR(64)",
                 "tags TEXT", "phone VARCHAR(32)", "email VARCHAR(254)", "site VARCHAR(2048)", "idno VARCHAR(18)",
                 "customer INTEGER", "owner INTEGER", "dept INTEGER", "files TEXT", "sale_no VARCHAR(64)",
                 "legacy_subject VARCHAR(255)", "total NUMERIC(18, 2)", "PRIMARY KEY (id)"):
        assert f"\t{line}" in sql, line
    child = ddl(sale.children["items"], sqlite.dialect())
    assert "FOREIGN KEY(parent_id) REFERENCES shop_sale (id) ON DELETE CASCADE" in child
    assert "\tunit_price NUMERIC(14, 2)" in child and "\tline_total NUMERIC(18, 2)" in child


def test_postgresql_ddl(sale):
    sql = ddl(sale.main, postgresql.dialect())
    for line in ("id BIGSERIAL NOT NULL", "created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL", "created_by BIGINT",
                 "owner_id BIGINT", "version INTEGER DEFAULT 1 NOT NULL", "qty BIGINT", "amount NUMERIC(14, 2)",
                 "visited_at TIMESTAMP WITHOUT TIME ZONE", "paid BOOLEAN", "customer BIGINT", "title VARCHAR(100)",
                 "note TEXT"):
        assert f"\t{line}" in sql, line
    child = ddl(sale.children["items"], postgresql.dialect())
    assert "\tparent_id BIGINT NOT NULL" in child and "\tposition INTEGER NOT NULL" in child
    assert "FOREIGN KEY(parent_id) REFERENCES shop_sale (id) ON DELETE CASCADE" in child


# Long names

def long_app(form_name: str, fields: list[str]) -> AppDef:
    return parse_app({"name": "warehouse_and_logistics_management_app", "label": label("仓储"), "forms": [
        {"name": form_name, "label": label("单据"), "fields": [
            *(fld(name, "relation", target=form_name, unique=True) for name in fields),
            fld("lines", "subform", fields=[fld(name, "relation", target=form_name) for name in fields]),
        ]}]})


LONG_FORM = "inbound_shipment_receiving_inspection_"
LONG_FIELDS = ["responsible_supplier_contact_person_a", "responsible_supplier_contact_person_b"]


def names_of(tables: FormTables) -> list[str]:
    out = []
    for table in (tables.main, *tables.children.values()):
        out += [table.name, *sorted(i.name for i in table.indexes)]
    return out


def test_names_longer_than_postgresql_allows_are_shortened_deterministically():
    app = long_app(LONG_FORM, LONG_FIELDS)
    first = to_table(app.name, app.forms[0], MetaData())
    names = names_of(first)
    assert all(len(n) <= PG_MAX for n in names), [n for n in names if len(n) > PG_MAX]
    assert len(set(names)) == len(names)  # two fields sharing a long prefix still get distinct indexes
    assert len(first.main.name) <= 40
    again = long_app(LONG_FORM, LONG_FIELDS)
    assert names_of(to_table(again.name, again.forms[0], MetaData())) == names
    for table in (first.main, *first.children.values()):
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            assert all(len(n) <= PG_MAX for n in re.findall(r"\b\w+\b", ddl(table, dialect)))


def test_ix_keeps_short_names_and_hashes_long_ones():
    assert ix("ix", "shop_sale", "customer") == "ix_shop_sale_customer"
    long_a, long_b = ix("ix", "t" * 40, "c" * 40 + "a"), ix("ix", "t" * 40, "c" * 40 + "b")
    assert len(long_a) == len(long_b) == 60 and long_a != long_b
    assert long_a == ix("ix", "t" * 40, "c" * 40 + "a")


# On a real database

def create(url: str, app: AppDef):
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA foreign_keys=ON"))
    metadata = MetaData()
    tables = {f.name: to_table(app.name, f, metadata) for f in app.forms}
    metadata.create_all(engine)
    return engine, tables


def row_values(form: FormDef, values: dict) -> dict:
    """Values by column, converted the way the record service stores them."""
    fields = form.field_map()
    return {fields[k].col: field_type(fields[k].type).to_db(v, fields[k]) for k, v in values.items()}


def test_tables_are_created_and_hold_a_record(database_url, app):
    engine, tables = create(database_url, app)
    sale, form = tables["sale"], app.form("sale")
    now = datetime(2026, 11, 22, 14, 30)
    system = {"created_at": now, "updated_at": now, "owner_id": 1}
    values = {"title": "首单", "qty": 3, "amount": Decimal("123456789012.34"), "rate": Decimal("12.50"),
              "signed_on": date(2026, 11, 22), "visited_at": now, "paid": True, "kind": "a", "tags": ["a"],
              "owner": 1, "sale_no": "XS0001", "subject": "旧字段", "files": ["f1"]}
    with engine.begin() as conn:
        customer_id = conn.execute(insert(tables["customer"].main).values(**system, name="客户甲")).inserted_primary_key[0]
        sale_id = conn.execute(insert(sale.main).values(
            **system, **row_values(form, {**values, "customer": customer_id}))).inserted_primary_key[0]
        items = form.field("items")
        conn.execute(insert(sale.children["items"]), [
            {"parent_id": sale_id, "position": i, **row_values(FormDef(name="r", label=label("行"), fields=items.fields), row)}
            for i, row in enumerate([{"product": customer_id, "quantity": 2, "unit_price": Decimal("0.10")},
                                     {"product": customer_id, "quantity": 1, "unit_price": Decimal("0.20")}])])
    with engine.connect() as conn:
        stored = conn.execute(select(sale.main).where(sale.main.c.id == sale_id)).mappings().one()
        rows = conn.execute(select(sale.children["items"]).order_by(sale.children["items"].c.position)).mappings().all()
    assert stored["version"] == 1 and stored["deleted_at"] is None and stored["flow_status"] is None
    assert stored["amount"] == Decimal("123456789012.34")
    assert stored["rate"] == Decimal("12.50")
    assert stored["signed_on"] == date(2026, 11, 22) and stored["visited_at"] == now
    assert stored["paid"] is True and stored["legacy_subject"] == "旧字段"
    assert field_type("multiselect").from_db(stored["tags"], form.field("tags")) == ["a"]
    assert [r["unit_price"] for r in rows] == [Decimal("0.10"), Decimal("0.20")]
    assert sum(r["unit_price"] * r["quantity"] for r in rows) == Decimal("0.40")
    engine.dispose()


def test_unique_values_are_enforced_outside_the_recycle_bin(database_url, app):
    engine, tables = create(database_url, app)
    main = tables["sale"].main
    now = datetime(2026, 11, 22, 14, 30)
    with engine.begin() as conn:
        first = conn.execute(insert(main).values(created_at=now, updated_at=now, title="唯一")).inserted_primary_key[0]
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(main).values(created_at=now, updated_at=now, title="唯一"))
    with engine.begin() as conn:
        conn.execute(update(main).where(main.c.id == first).values(deleted_at=now))
        conn.execute(insert(main).values(created_at=now, updated_at=now, title="唯一"))
        assert conn.execute(select(func.count()).select_from(main).where(main.c.title == "唯一")).scalar() == 2
    engine.dispose()


def test_rows_go_with_their_record(database_url, app):
    engine, tables = create(database_url, app)
    main, child = tables["sale"].main, tables["sale"].children["items"]
    now = datetime(2026, 11, 22, 14, 30)
    with engine.begin() as conn:
        sale_id = conn.execute(insert(main).values(created_at=now, updated_at=now)).inserted_primary_key[0]
        conn.execute(insert(child).values(parent_id=sale_id, position=0, quantity=1))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(child).values(parent_id=sale_id + 100, position=0))
    with engine.begin() as conn:
        conn.execute(delete(main).where(main.c.id == sale_id))
        assert conn.execute(select(func.count()).select_from(child)).scalar() == 0
    engine.dispose()


def test_long_names_create_on_a_real_database(database_url):
    app = long_app(LONG_FORM, LONG_FIELDS)
    engine, tables = create(database_url, app)
    (form_tables,) = tables.values()
    with engine.begin() as conn:
        now = datetime(2026, 11, 22)
        record_id = conn.execute(insert(form_tables.main).values(created_at=now, updated_at=now)).inserted_primary_key[0]
        conn.execute(insert(form_tables.children["lines"]).values(parent_id=record_id, position=0))
    engine.dispose()
