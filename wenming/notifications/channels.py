"""Sending over the external channels: e-mail, SMS, WeCom and DingTalk group robots.

Each ``send_*`` takes the rendered text and raises :class:`SendError` (with the reason that
is recorded on the attempt) or any other exception on failure; returning means the remote side
accepted the message.

Robot formats (their published webhook APIs):

- 企业微信 group robot: ``POST <webhook url>`` with
  ``{"msgtype": "markdown", "markdown": {"content": "..."}}``; content at most 4096 bytes
  of UTF-8. Answer ``{"errcode": 0, "errmsg": "ok"}``; any other errcode is a failure.
- 钉钉 custom robot: ``POST <webhook url>`` with
  ``{"msgtype": "markdown", "markdown": {"title": "...", "text": "..."}}``. With 加签 the URL
  also carries ``timestamp`` (milliseconds) and ``sign`` = URL-encoded Base64 of
  HMAC-SHA256(key=secret, msg="<timestamp>\\n<secret>"). Same errcode answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage

from . import conf, sms

WECOM_MAX_BYTES = 4096
DINGTALK_MAX_BYTES = 18000


class SendError(Exception):
    """The channel refused or could not take the message; ``str()`` is the reason."""


def _truncate_utf8(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def markdown(subject: str, body: str, url: str) -> str:
    """The robot text: a heading, the body quoted line by line, and the link."""
    lines = [f"### {subject}", ""]
    lines += [f"> {line}" if line.strip() else ">" for line in body.splitlines()]
    if url:
        lines += ["", f"[{url}]({url})"]
    return "\n".join(lines)


def send_email(address: str, subject: str, body: str, url: str) -> None:
    text = body + (f"\n\n{url}\n" if url else "\n")
    EmailMessage(
        subject=subject,
        body=text,
        from_email=getattr(settings, "DEFAULT_FROM_EMAIL", None),
        to=[address],
    ).send(fail_silently=False)


def send_sms(phone: str, subject: str, body: str, url: str) -> None:
    text = f"【{conf.office_name()}】{subject}"
    sms.get_backend().send(phone, text)


def _post_json(url: str, payload: dict) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=conf.http_timeout()) as response:  # noqa: S310 - configured robot URL
            raw = response.read(65536)
    except urllib.error.HTTPError as e:
        raise SendError(f"HTTP {e.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        raise SendError(f"connection failed: {getattr(e, 'reason', e)}") from None
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        raise SendError("the robot did not answer with JSON") from None
    if not isinstance(answer, dict) or answer.get("errcode", 0) != 0:
        errcode = answer.get("errcode") if isinstance(answer, dict) else None
        errmsg = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        raise SendError(f"errcode {errcode}: {errmsg}"[:300])


def wecom_payload(subject: str, body: str, url: str) -> dict:
    return {
        "msgtype": "markdown",
        "markdown": {"content": _truncate_utf8(markdown(subject, body, url), WECOM_MAX_BYTES)},
    }


def dingtalk_payload(subject: str, body: str, url: str) -> dict:
    return {
        "msgtype": "markdown",
        "markdown": {
            "title": subject[:100],
            "text": _truncate_utf8(markdown(subject, body, url), DINGTALK_MAX_BYTES),
        },
    }


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The webhook URL with DingTalk's ``timestamp`` and ``sign`` added (加签)."""
    if not secret:
        return url
    ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"


def send_wecom(url: str, subject: str, body: str, link: str) -> None:
    _post_json(url, wecom_payload(subject, body, link))


def send_dingtalk(url: str, secret: str, subject: str, body: str, link: str) -> None:
    _post_json(dingtalk_signed_url(url, secret), dingtalk_payload(subject, body, link))
