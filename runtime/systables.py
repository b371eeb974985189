"""The fw_ system tables: definitions, users, departments, sessions, tokens, sequences, files."""
from __future__ import annotations

from sqlalchemy import (Boolean, Column, DateTime, ForeignKey, Index, Integer, MetaData, String,
                        Table, Text, UniqueConstraint)

from form_engine.tables import ID

metadata = MetaData()

definition = Table(
    "fw_definition", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("app", String(40), nullable=False),
    Column("kind", String(20), nullable=False),  # app, form (later flow, rule, report)
    Column("name", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(20), nullable=False),  # draft, published, archived
    Column("body", Text, nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("created_by", ID, nullable=True),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("app", "kind", "name", "version", name="uq_fw_definition_version"),
)

department = Table(
    "fw_department", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("parent_id", ID, ForeignKey("fw_department.id"), nullable=True),
    Column("manager_id", ID, nullable=True),
    Column("created_at", DateTime, nullable=False),
)

user = Table(
    "fw_user", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("full_name", String(100), nullable=False),
    Column("email", String(254), nullable=True),
    Column("password_hash", String(255), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("department_id", ID, ForeignKey("fw_department.id"), nullable=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_login_at", DateTime, nullable=True),
)

session = Table(
    "fw_session", metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the random session key
    Column("user_id", ID, ForeignKey("fw_user.id", ondelete="CASCADE"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

token = Table(
    "fw_token", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_id", ID, ForeignKey("fw_user.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(12), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=True),
    Column("last_used_at", DateTime, nullable=True),
    Column("revoked_at", DateTime, nullable=True),
)

sequence = Table(
    "fw_sequence", metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Integer, nullable=False),
)

file = Table(
    "fw_file", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_by", ID, nullable=True),
    Column("created_at", DateTime, nullable=False),
)

Index("ix_fw_definition_lookup", definition.c.app, definition.c.kind, definition.c.status)
Index("ix_fw_session_user", session.c.user_id)
