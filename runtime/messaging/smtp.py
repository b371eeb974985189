"""SMTP from one URL (FORMWORK_SMTP_URL): smtp://user:password@host:587?from=crm@example.com&starttls=1.

`smtps://` connects with TLS from the start (port 465 by default). The password never appears
in a repr, a log line or an error message.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from form_engine.errors import FormworkError


class MailSettingsInvalid(FormworkError):
    title = "邮件设置有误"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    sender_name: str = "Formwork"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False  # TLS from the first byte (smtps://)
    starttls: bool = False
    timeout: float = 20

    def describe(self) -> str:
        """For logs and pages: where mail goes, without the password."""
        user = f"{self.username}@" if self.username else ""
        return f"{'smtps' if self.tls else 'smtp'}://{user}{self.host}:{self.port}"


def smtp_settings(url: str | None) -> SmtpSettings | None:
    """The settings in `url`, None when mail is off (no URL); MailSettingsInvalid says what is wrong."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise MailSettingsInvalid("FORMWORK_SMTP_URL 应以 smtp:// 或 smtps:// 开头")
    if not parts.hostname:
        raise MailSettingsInvalid("FORMWORK_SMTP_URL 中缺少邮件服务器地址")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    username = unquote(parts.username) if parts.username else None
    sender = query.get("from") or (username if username and "@" in username else None)
    if not sender or "@" not in sender:
        raise MailSettingsInvalid("FORMWORK_SMTP_URL 中缺少发件人地址，请加上 ?from=名称@域名")
    tls = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if tls else 25)
    except ValueError:
        raise MailSettingsInvalid("FORMWORK_SMTP_URL 中的端口号无效") from None
    return SmtpSettings(host=parts.hostname, port=port, sender=sender, sender_name=query.get("name", "Formwork"),
                        username=username, password=unquote(parts.password) if parts.password else None,
                        tls=tls, starttls=query.get("starttls", "0") in ("1", "true", "yes"))


def build_message(settings: SmtpSettings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((settings.sender_name, settings.sender))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1])
    message.set_content(body)
    return message


def send(settings: SmtpSettings, message: EmailMessage) -> None:
    """Deliver one message; raises OSError / smtplib.SMTPException on failure."""
    context = ssl.create_default_context()
    if settings.tls:
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        if settings.starttls:
            client.starttls(context=context)
        if settings.username and settings.password:
            client.login(settings.username, settings.password)
        client.send_message(message)
