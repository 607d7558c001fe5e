"""SMS adapters. A real gateway (阿里云短信, 腾讯云短信 …) is a class with the same ``send``
named in ``WENMING_SMS_BACKEND``; the default only logs, as no gateway account exists in the
embedded setup."""

from __future__ import annotations

import logging
from typing import Protocol

from django.utils.module_loading import import_string

from . import conf

log = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Send ``text`` to the mainland mobile number ``phone`` (11 digits); raise on
        failure (the message of the exception is recorded as the reason)."""


class LoggingSmsBackend:
    """Writes the message to the log (logger ``wenming.notifications.sms``) instead."""

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)


class MemorySmsBackend:
    """Keeps messages in ``MemorySmsBackend.outbox`` as ``(phone, text)`` (tests)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def get_backend() -> SmsBackend:
    return import_string(conf.sms_backend_path())()
