"""Sending one mail through Flask-Mailman (MAIL_* settings), counted and logged.

Called from deferred jobs (`project.common.jobs`), never in a request: a
failure raises after being counted, so RQ retries it, or the in-process
runner logs it.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_mailman import EmailMessage

from project.common.metrics import MAILS_FAILED, MAILS_SENT
from project.extensions import mail

log = logging.getLogger(__name__)


def send_mail(*, kind: str, to: str, subject: str, body: str) -> None:
    # Our own connection, closed even when sending fails (the SMTP backend
    # leaves it open then).
    connection = mail.get_connection()
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[to],
        connection=connection,
    )
    try:
        connection.open()
        message.send()
    except Exception:
        MAILS_FAILED.labels(kind=kind).inc()
        log.warning("sending a %s mail failed", kind, exc_info=True)
        raise
    finally:
        connection.close()
    MAILS_SENT.labels(kind=kind).inc()
