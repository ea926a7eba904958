"""Sending a plain-text e-mail (the daily digest, the data team's alerts) with the standard library.

SMTP settings come from the caller: inside Airflow from the ``smtp_default`` connection
(``plugins/teachflow_airflow/alerts.py``), elsewhere from ``TEACHFLOW_SMTP_HOST`` and friends
(:func:`smtp_from_env`). No SMTP host: nothing is sent (the digest is still written and shown).
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

_ATTACHMENT_TYPES = {
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".csv": ("text", "csv"),
}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    sender: str = "teachflow@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout: float = 30.0


def smtp_from_env(env: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """``TEACHFLOW_SMTP_HOST`` (+ ``_PORT``, ``_FROM``, ``_USER``, ``_PASSWORD``, ``_STARTTLS``); None if unset."""
    env = os.environ if env is None else env
    host = env.get("TEACHFLOW_SMTP_HOST")
    if not host:
        return None
    return SmtpSettings(
        host=host,
        port=int(env.get("TEACHFLOW_SMTP_PORT") or 25),
        sender=env.get("TEACHFLOW_SMTP_FROM") or "teachflow@localhost",
        user=env.get("TEACHFLOW_SMTP_USER") or None,
        password=env.get("TEACHFLOW_SMTP_PASSWORD") or None,
        starttls=(env.get("TEACHFLOW_SMTP_STARTTLS") or "").lower() in ("1", "true", "yes"),
    )


def send_mail(smtp: SmtpSettings, to: Sequence[str], subject: str, body: str, attachments: Sequence[Path] = ()) -> None:
    """Send one UTF-8 plain-text message to ``to``, with files attached (raises on an SMTP error)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = smtp.sender
    message["To"] = ", ".join(to)
    message.set_content(body, charset="utf-8")
    for path in attachments:
        kind = _ATTACHMENT_TYPES.get(path.suffix.lower(), ("application", "octet-stream"))
        message.add_attachment(path.read_bytes(), maintype=kind[0], subtype=kind[1], filename=path.name)
    client_class = smtplib.SMTP_SSL if smtp.ssl else smtplib.SMTP
    with client_class(smtp.host, smtp.port, timeout=smtp.timeout) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.user:
            client.login(smtp.user, smtp.password or "")
        client.send_message(message)
