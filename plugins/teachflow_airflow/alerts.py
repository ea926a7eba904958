"""Alerts to the city's data team through an Airflow notifier, and the SMTP settings for e-mail.

``DataTeamNotifier`` is an Airflow ``BaseNotifier``: the DAGs hang it on ``on_failure_callback``
(a failed task; a quarantined file's task fails with :class:`AlertedFailure`, whose words the
e-mail carries) and call it for submissions that became missing past their due day
(``daily_digest``). It e-mails ``TEACHFLOW_ALERT_EMAIL`` (comma separated) over SMTP: the
``smtp_default`` Airflow connection (host, port, login, password; extra ``from_email``,
``starttls``), else ``TEACHFLOW_SMTP_HOST``/``_PORT``/``_FROM``. Without an address or SMTP the
alert is only logged: a notifier must never fail the task it reports on.
"""

from __future__ import annotations

import logging
import os

from airflow.sdk.bases.notifier import BaseNotifier
from airflow.sdk.exceptions import AirflowFailException

from teachflow.mail import SmtpSettings, send_mail, smtp_from_env

SMTP_CONN_ID = "smtp_default"

log = logging.getLogger(__name__)


def smtp_settings() -> SmtpSettings | None:
    """SMTP from the ``smtp_default`` connection if it is defined, else from the environment."""
    from airflow.sdk import BaseHook

    try:
        conn = BaseHook.get_connection(SMTP_CONN_ID)
    except Exception:  # not defined (AirflowNotFoundException): the environment decides
        return smtp_from_env()
    extra = conn.extra_dejson or {}
    return SmtpSettings(
        host=conn.host or "localhost",
        port=int(conn.port or 25),
        sender=extra.get("from_email") or os.environ.get("TEACHFLOW_SMTP_FROM") or "teachflow@localhost",
        user=conn.login or None,
        password=conn.password or None,
        starttls=str(extra.get("starttls", "")).lower() in ("1", "true", "yes"),
    )


def alert_addresses() -> list[str]:
    return [a.strip() for a in os.environ.get("TEACHFLOW_ALERT_EMAIL", "").split(",") if a.strip()]


class AlertedFailure(AirflowFailException):
    """A task failure that says itself what the data team is told (subject and body).

    The task raises it instead of sending its own alert: the DAG's ``on_failure_callback``
    (:class:`DataTeamNotifier`) then sends **one** e-mail with these words. Sending an alert and
    then failing the task sent two (a quarantined file's, then the generic "任务失败").
    """

    def __init__(self, subject: str, body: str) -> None:
        super().__init__(body)
        self.subject = subject
        self.body = body


class DataTeamNotifier(BaseNotifier):
    """E-mail the data team: "what happened" as subject and body, with the task's coordinates."""

    template_fields = ("subject", "body")

    def __init__(self, subject: str = "", body: str = "") -> None:
        super().__init__()
        self.subject = subject
        self.body = body

    def notify(self, context) -> None:
        ti = context.get("ti") or context.get("task_instance")
        where = ""
        if ti is not None:
            where = f"{ti.dag_id}.{ti.task_id}[{getattr(ti, 'map_index', -1)}] run {ti.run_id}"
        failure = context.get("exception")
        told = failure if isinstance(failure, AlertedFailure) else None
        subject = self.subject or (told.subject if told else f"【teachflow 告警】任务失败 {where}")
        body = self.body or (
            told.body if told else f"任务失败：{where}\n异常：{failure or ''}\n请查看 Airflow 的任务日志。"
        )
        to = alert_addresses()
        smtp = smtp_settings()
        log.warning("data team alert: %s", subject)
        if not to or smtp is None:
            log.warning("no TEACHFLOW_ALERT_EMAIL or SMTP configured: alert logged only")
            return
        try:
            send_mail(smtp, to, subject, body + (f"\n\n{where}" if where and where not in body else ""))
        except OSError as err:
            log.error("could not e-mail the alert: %s", err)


def on_failure() -> list[DataTeamNotifier]:
    """The DAGs' ``on_failure_callback``."""
    return [DataTeamNotifier()]
