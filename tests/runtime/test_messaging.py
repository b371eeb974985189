"""Notifications and email: the outbox delivers through a real SMTP server (aiosmtpd), once,
after commit, with retries; the SMTP URL is checked and its password never shown."""
from __future__ import annotations

import socket
from dataclasses import replace
from datetime import datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from runtime import systables
from runtime.auth.users import create_user
from runtime.database import read, write
from runtime.messaging.notifications import Note, mark_read, notify, recent, unread_count
from runtime.messaging.outbox import RETRY_WAITS, claim, deliver_due
from runtime.messaging.smtp import MailSettingsInvalid, smtp_settings
from runtime.scheduler import Scheduler

T0 = datetime(2026, 11, 22, 9, 0, 0)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{port}?from=crm@example.com&name=CRM"
    yield inbox
    controller.stop()


@pytest.fixture
def people(engine):
    systables.create_all(engine)
    with write(engine) as conn:
        made = {name: create_user(conn, username=name, password="pw-123456-x", full_name=full, now=T0, email=mail)
                for name, full, mail in (("li", "李雷", "li@example.com"), ("han", "韩梅梅", None),
                                         ("wang", "王芳", "wang@example.com"))}
        conn.execute(systables.user.update().where(systables.user.c.id == made["wang"]).values(is_active=False))
    return made


def subject_of(envelope) -> str:
    return str(make_header(decode_header(message_from_bytes(envelope.content)["Subject"])))


def outbox_rows(engine):
    with read(engine) as conn:
        return conn.execute(select(systables.outbox).order_by(systables.outbox.c.id)).all()


def test_notify_fills_the_inbox_and_mails_active_users_with_an_address(engine, people, smtp):
    with write(engine) as conn:
        notify(conn, [people["li"], people["han"], people["wang"], people["li"]],
               Note("task", "待审批：合同 HT-202611-0001", "张三提交了合同，请审批。", "/tasks/1"), now=T0, email=True)
    with read(engine) as conn:
        assert unread_count(conn, people["li"]) == 1 and unread_count(conn, people["han"]) == 1
        assert recent(conn, people["li"])[0].title == "待审批：合同 HT-202611-0001"
    assert len(outbox_rows(engine)) == 1  # han has no address, wang is disabled, li once

    report = deliver_due(engine, smtp_settings(smtp.url), lambda: T0)
    assert report.sent == 1
    [mail] = smtp.messages
    assert mail.rcpt_tos == ["li@example.com"] and subject_of(mail) == "待审批：合同 HT-202611-0001"
    assert "张三提交了合同" in message_from_bytes(mail.content).get_payload(decode=True).decode()
    assert outbox_rows(engine)[0].status == "sent"
    assert deliver_due(engine, smtp_settings(smtp.url), lambda: T0).sent == 0  # never twice


def test_nothing_is_queued_when_the_transaction_rolls_back(engine, people):
    with pytest.raises(RuntimeError):
        with write(engine) as conn:
            notify(conn, [people["li"]], Note("task", "x"), now=T0, email=True)
            raise RuntimeError("the change failed")
    assert outbox_rows(engine) == []


def test_a_claimed_message_is_not_claimed_again(engine, people):
    with write(engine) as conn:
        notify(conn, [people["li"]], Note("task", "x"), now=T0, email=True)
    assert len(claim(engine, T0)) == 1
    assert claim(engine, T0) == []  # another worker at the same moment gets nothing
    assert len(claim(engine, T0 + timedelta(minutes=6))) == 1  # the first worker died: the lease ran out


def test_unreachable_server_retries_with_growing_waits_then_gives_up(engine, people, smtp):
    settings = replace(smtp_settings(smtp.url), port=free_port(), timeout=2)  # nobody listens there
    with write(engine) as conn:
        notify(conn, [people["li"]], Note("task", "x"), now=T0, email=True)
    at = T0
    for wait in RETRY_WAITS:
        report = deliver_due(engine, settings, lambda: at)
        assert report.retrying == 1
        row = outbox_rows(engine)[0]
        assert row.status == "pending" and row.next_attempt_at == at + wait and "Connection" in row.last_error
        assert deliver_due(engine, settings, lambda: at).retrying == 0  # not due yet
        at = at + wait
    assert deliver_due(engine, settings, lambda: at).failed == 1
    assert outbox_rows(engine)[0].status == "failed"


def test_mail_waits_while_smtp_is_not_configured(engine, people, smtp):
    with write(engine) as conn:
        notify(conn, [people["li"]], Note("task", "x"), now=T0, email=True)
    assert deliver_due(engine, None, lambda: T0).sent == 0
    assert outbox_rows(engine)[0].status == "pending"
    assert deliver_due(engine, smtp_settings(smtp.url), lambda: T0).sent == 1


def test_the_scheduler_delivers(engine, people, smtp, settings):
    with write(engine) as conn:
        notify(conn, [people["li"]], Note("result", "合同已通过"), now=datetime.now(), email=True)
    Scheduler(engine, replace(settings, smtp_url=smtp.url)).run_once()
    assert [subject_of(m) for m in smtp.messages] == ["合同已通过"]


def test_mark_read_touches_only_the_users_own(engine, people):
    with write(engine) as conn:
        notify(conn, [people["li"], people["han"]], Note("cc", "抄送：合同"), now=T0, email=False)
        theirs = [r.id for r in recent(conn, people["han"])]
        assert mark_read(conn, people["li"], theirs, now=T0) == 0
        assert mark_read(conn, people["li"], None, now=T0) == 1
        assert unread_count(conn, people["han"]) == 1 and unread_count(conn, people["li"]) == 0
    assert outbox_rows(engine) == []


@pytest.mark.parametrize("url, problem", [
    ("http://mail.example.com", "smtp://"),
    ("smtp://mail.example.com", "发件人"),
    ("smtp://:25?from=a@b.cn", "服务器地址"),
    ("smtp://mail.example.com:99999?from=a@b.cn", "端口"),
])
def test_bad_smtp_urls_say_what_is_wrong(url, problem):
    with pytest.raises(MailSettingsInvalid) as bad:
        smtp_settings(url)
    assert problem in bad.value.detail


def test_smtp_password_is_never_shown():
    s = smtp_settings("smtps://crm%40example.com:s3cret-pw@smtp.example.com?starttls=0")
    assert s.tls and s.port == 465 and s.sender == "crm@example.com" and s.password == "s3cret-pw"
    assert "s3cret" not in repr(s) and "s3cret" not in s.describe()
    assert smtp_settings(None) is None and smtp_settings("") is None
