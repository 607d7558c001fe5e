"""Fixtures of the notification tests: eager Celery, a real local webhook receiver (an HTTP
server on 127.0.0.1 in a thread), an in-memory SMS backend, and helpers to move a case."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import TIETA, at
from wenming.cases import services as case_services
from wenming.celery import app as celery_app
from wenming.notifications.models import UnitChannel
from wenming.notifications.sms import MemorySmsBackend


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process, whatever REDIS_URL says (the worker test changes this)."""
    old = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = old


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.WENMING_BASE_URL = "https://wm.example.cn"
    settings.WENMING_OFFICE_NAME = "测试市创城办"
    settings.WENMING_ESCALATION_NUMBER_PREFIX = "测创城督"
    settings.WENMING_SMS_BACKEND = "wenming.notifications.sms.MemorySmsBackend"
    MemorySmsBackend.outbox = []
    return settings


class Receiver:
    """A webhook receiver: records each POST (path, query, JSON) and answers from
    ``responses`` (status, JSON body) in turn, then ``{"errcode": 0, "errmsg": "ok"}``."""

    def __init__(self):
        self.requests: list[dict] = []
        self.responses: list[tuple[int, dict]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                with receiver.lock:
                    receiver.requests.append(
                        {
                            "path": parts.path,
                            "query": parse_qs(parts.query),
                            "json": json.loads(raw or b"null"),
                            "content_type": self.headers.get("Content-Type"),
                        }
                    )
                    status, body = (
                        receiver.responses.pop(0)
                        if receiver.responses
                        else (200, {"errcode": 0, "errmsg": "ok"})
                    )
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def robot(world, receiver):
    """The sanitation unit's WeCom group robot, pointing at the local receiver."""
    return UnitChannel.objects.create(
        unit=world.sanitation,
        kind="wecom",
        name="环卫处工作群",
        url=f"{receiver.url}/cgi-bin/webhook/send?key=k1",
    )


@pytest.fixture
def emails(cast):
    """Give the cast e-mail addresses."""
    for name in ("office", "handler", "other_handler", "leader"):
        user = getattr(cast, name)
        user.email = f"{name}@example.cn"
        user.save(update_fields=["email"])
    return cast


def new_case(world, cast, **kw):
    args = {
        "title": "铁塔社区垃圾桶满溢未清运",
        "category_id": world.category.pk,
        "lat": TIETA[0],
        "lon": TIETA[1],
        "address": "东昌府区古楼街道铁塔社区",
    }
    args.update(kw)
    return case_services.case_report(cast.inspector, **args)


@pytest.fixture
def dispatched(world, cast, clock, django_capture_on_commit_callbacks):
    """A function: report and dispatch a case at 2021-03-05 15:00 (deadline Monday 10:00),
    running the on-commit notification work."""

    def make(**kw):
        clock.set(at("2021-03-05 14:00"))
        case = new_case(world, cast, **kw)
        clock.set(at("2021-03-05 15:00"))
        with django_capture_on_commit_callbacks(execute=True):
            case = case_services.case_dispatch(cast.office, case.pk, note="请尽快处理")
        return case

    return make
