"""The fw_ system tables: definitions, drafts, users, departments, roles, sessions, tokens, sequences, files,
audit, notifications, the outbox, and approval flow instances, tasks, cc's and delegations."""
from __future__ import annotations

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, String,
                        Table, Text, UniqueConstraint, text)

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

# A designer's work in progress: one draft per app + kind + name, shared by every admin.
# `revision` grows by one on every save; a save naming an older revision is a conflict.
draft = Table(
    "fw_draft", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("app", String(40), nullable=False),
    Column("kind", String(20), nullable=False),  # form (later flow, rule, report)
    Column("name", String(40), nullable=False),
    Column("body", Text, nullable=False),  # JSON
    Column("revision", Integer, nullable=False),
    Column("base_version", Integer, nullable=True),  # the published version it started from; None: new
    Column("updated_by", ID, nullable=True),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("app", "kind", "name", name="uq_fw_draft_name"),
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
    Column("last_failed_at", DateTime, nullable=True),
    Column("locked_until", DateTime, nullable=True),
    Column("must_change_password", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_login_at", DateTime, nullable=True),
)

user_role = Table(
    "fw_user_role", metadata,
    Column("user_id", ID, ForeignKey("fw_user.id", ondelete="CASCADE"), primary_key=True),
    Column("app", String(40), primary_key=True),
    Column("role", String(40), primary_key=True),
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
    # the record field the file is attached to: downloads are checked against that record
    Column("app", String(40), nullable=True),
    Column("form", String(40), nullable=True),
    Column("record_id", ID, nullable=True),
    Column("field", String(40), nullable=True),
)

audit = Table(
    "fw_audit", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("user_id", ID, nullable=True),  # None: the system (CLI, demo data)
    Column("user_name", String(100), nullable=False),
    Column("via", String(20), nullable=False),  # page, api, import, rule, flow, cli, system
    Column("app", String(40), nullable=False),
    Column("form", String(40), nullable=False),
    Column("record_id", ID, nullable=False),
    Column("action", String(20), nullable=False),  # create, update, delete, restore, transfer
    Column("changes", Text, nullable=True),  # JSON {field: [old, new]}, values as the API shows them
)

Index("ix_fw_definition_lookup", definition.c.app, definition.c.kind, definition.c.status)
Index("ix_fw_session_user", session.c.user_id)
Index("ix_fw_token_user", token.c.user_id)
Index("ix_fw_user_department", user.c.department_id)
Index("ix_fw_audit_record", audit.c.app, audit.c.form, audit.c.record_id, audit.c.id)
Index("ix_fw_audit_user", audit.c.user_id, audit.c.id)
Index("ix_fw_audit_at", audit.c.at)

# In-app notifications (the inbox badge) and the outbox of slow work (email) delivered after commit.
notification = Table(
    "fw_notification", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_id", ID, nullable=False),
    Column("kind", String(32), nullable=False),  # task, result, urge, cc, mention...
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=True),
    Column("link", String(300), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("read_at", DateTime, nullable=True),
)
Index("ix_fw_notification_user", notification.c.user_id, notification.c.read_at, notification.c.id)

outbox = Table(
    "fw_outbox", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # email
    Column("payload", Text, nullable=False),  # JSON
    Column("status", String(16), nullable=False),  # pending, sent, failed
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("lease_until", DateTime, nullable=True),  # a worker holds it until then
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime, nullable=True),
)
Index("ix_fw_outbox_due", outbox.c.status, outbox.c.next_attempt_at)

# Approval flows: one instance per submission of a record (its whole state as JSON, `revision`
# guarding concurrent actions), its tasks as rows for the inboxes, cc's, and delegations.
flow_instance = Table(
    "fw_flow_instance", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("app", String(40), nullable=False),
    Column("form", String(40), nullable=False),
    Column("record_id", ID, nullable=False),
    Column("flow", String(40), nullable=False),
    Column("version", Integer, nullable=False),  # the flow version it runs on, to the end
    Column("status", String(16), nullable=False),  # running, returned, approved, rejected, withdrawn
    Column("submitter_id", ID, nullable=False),
    Column("state", Text, nullable=False),  # flow_engine's FlowInstance as JSON
    Column("revision", Integer, nullable=False),
    Column("next_deadline", DateTime, nullable=True),  # when the scheduler next has something to do
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
)
Index("ix_fw_flow_instance_record", flow_instance.c.app, flow_instance.c.form, flow_instance.c.record_id,
      flow_instance.c.id)
Index("ix_fw_flow_instance_submitter", flow_instance.c.submitter_id, flow_instance.c.id)
Index("ix_fw_flow_instance_deadline", flow_instance.c.next_deadline)

flow_task = Table(
    "fw_flow_task", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("instance_id", ID, ForeignKey("fw_flow_instance.id"), nullable=False),
    Column("task_no", Integer, nullable=False),  # the task's id inside the instance state
    Column("node", String(40), nullable=False),
    Column("user_id", ID, nullable=False),
    Column("on_behalf_of", ID, nullable=True),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("closed_at", DateTime, nullable=True),
    UniqueConstraint("instance_id", "task_no", name="uq_fw_flow_task_no"),
)
Index("ix_fw_flow_task_user", flow_task.c.user_id, flow_task.c.status, flow_task.c.id)

flow_cc = Table(
    "fw_flow_cc", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("instance_id", ID, ForeignKey("fw_flow_instance.id"), nullable=False),
    Column("user_id", ID, nullable=False),
    Column("node", String(40), nullable=False),
    Column("created_at", DateTime, nullable=False),
)
Index("ix_fw_flow_cc_user", flow_cc.c.user_id, flow_cc.c.id)

delegation = Table(
    "fw_delegation", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_id", ID, nullable=False, unique=True),  # whose tasks
    Column("delegate_id", ID, nullable=False),  # go to whom
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# Audit rows can't be changed or removed, whatever the connection: the database refuses it.
AUDIT_GUARDS = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS fw_audit_no_update BEFORE UPDATE ON fw_audit "
        "BEGIN SELECT RAISE(ABORT, 'fw_audit rows are append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS fw_audit_no_delete BEFORE DELETE ON fw_audit "
        "BEGIN SELECT RAISE(ABORT, 'fw_audit rows are append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION fw_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'fw_audit rows are append-only'; END $$",
        "DROP TRIGGER IF EXISTS fw_audit_append_only ON fw_audit",
        "CREATE TRIGGER fw_audit_append_only BEFORE UPDATE OR DELETE ON fw_audit "
        "FOR EACH ROW EXECUTE FUNCTION fw_audit_append_only()",
    ],
}


def create_all(engine) -> None:
    """Create the system tables (those missing) and the audit log's append-only guard."""
    metadata.create_all(engine)
    with engine.begin() as conn:
        for statement in AUDIT_GUARDS.get(conn.dialect.name, []):
            conn.exec_driver_sql(statement)
