"""A real Celery worker against the Redis on 127.0.0.1:6379: a dispatched case's notification
arrives in the unit's inbox and on the group robot exactly once, also when the worker is
killed (SIGKILL) in the middle of the task and started again.

Runs in ``make test``. Outside CI an unreachable Redis skips it (with the reason shown); in CI
(``CI=true``) it fails. Uses Redis database 5 and a queue of its own (so that test runs on the
same machine never take each other's tasks), and deletes that queue's keys afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import TIETA
from wenming.cases import services as case_services
from wenming.celery import app as celery_app
from wenming.notifications import tasks
from wenming.notifications.models import Delivery, DeliveryAttempt, Notification, UnitChannel

ROOT = Path(__file__).resolve().parents[2]
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 5


def _require_redis() -> None:
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2).close()
    except OSError as e:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {REDIS_HOST}:{REDIS_PORT} is unreachable in CI: {e}")
        pytest.skip(f"Redis at {REDIS_HOST}:{REDIS_PORT} is unreachable: {e}")


def _reset_pools() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker():
    """Point this process's Celery app at Redis (not eager) with a queue of its own."""
    _require_redis()
    import redis

    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
    queue = f"wm-test-{uuid.uuid4().hex[:12]}"
    conf = celery_app.conf
    saved = {
        k: conf[k]
        for k in ("broker_url", "task_always_eager", "task_default_queue", "broker_connection_retry_on_startup")
    }  # fmt: skip
    conf.update(
        broker_url=url,
        task_always_eager=False,
        task_default_queue=queue,
        broker_connection_retry_on_startup=False,
    )
    _reset_pools()
    yield {"url": url, "queue": queue}
    conf.update(saved)
    _reset_pools()
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    client.delete(queue, *client.keys(f"{queue}*"))
    client.close()


class Worker:
    """``celery -A wenming worker`` (solo pool) as a subprocess of this test."""

    def __init__(self, broker: dict, log_dir: Path):
        self.broker = broker
        self.log_dir = log_dir
        self.proc: subprocess.Popen | None = None
        self.runs = 0

    def start(self) -> None:
        self.runs += 1
        self.log = self.log_dir / f"worker-{self.runs}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "WENMING_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
            "WENMING_TEST_BROKER": self.broker["url"],
            "WENMING_TEST_QUEUE": self.broker["queue"],
            "PYTHONPATH": str(ROOT),
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "wenming",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                self.broker["queue"],
                "-n",
                f"{self.broker['queue']}-{self.runs}@localhost",
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.wait_for_log("ready.", 60)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_log(self, needle: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if self.proc.poll() is not None:
                raise AssertionError(f"the worker exited:\n{self.text()}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no {needle!r} from the worker in {timeout} s:\n{self.text()}"
                )
            time.sleep(0.1)

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def _wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class _Blocker:
    """Holds a lock from a separate connection so that the worker blocks mid-task: on
    PostgreSQL an EXCLUSIVE lock on the inbox table (the worker blocks writing the inbox row,
    after claiming the delivery); on SQLite the database write lock (the worker blocks at its
    first write)."""

    def __init__(self):
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            import psycopg

            params = connection.get_connection_params()
            self.conn = psycopg.connect(**params)
            self.conn.execute("LOCK TABLE notifications_notification IN EXCLUSIVE MODE")
        else:
            import sqlite3

            self.conn = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.rollback() if self.vendor == "postgresql" else self.conn.execute("ROLLBACK")
        self.conn.close()


def _dispatch(world, cast, title):
    case = case_services.case_report(
        cast.inspector, title=title, category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1]
    )
    return case_services.case_dispatch(cast.office, case.pk)  # on commit: task → Redis


@pytest.mark.django_db(transaction=True)
def test_real_worker_delivers_exactly_once_even_when_killed(
    world, cast, receiver, broker, tmp_path
):
    UnitChannel.objects.create(
        unit=world.sanitation, kind="wecom", name="环卫处工作群", url=f"{receiver.url}/hook?key=k"
    )
    worker = Worker(broker, tmp_path)
    try:
        worker.start()
        # 1. A dispatched case reaches the inbox and the robot within seconds, once.
        started = time.monotonic()
        first = _dispatch(world, cast, "第一件：垃圾桶满溢")
        _wait_until(
            lambda: Delivery.objects.filter(message__case=first, status="sent").count() == 2,
            30,
            "the first case's deliveries",
        )
        elapsed = time.monotonic() - started
        assert elapsed < 10, elapsed
        time.sleep(0.5)
        assert Notification.objects.filter(message__case=first, user=cast.handler).count() == 1
        assert Notification.objects.filter(message__case=first).count() == 1
        assert len(receiver.requests) == 1
        worker.stop()

        # 2. Killed mid-task: the task waits in Redis, the worker starts and blocks inside it.
        second = _dispatch(world, cast, "第二件：绿化带垃圾")
        blocker = _Blocker()
        try:
            worker.start()
            worker.wait_for_log("process_event", 30)  # received
            if connection.vendor == "postgresql":
                _wait_until(
                    lambda: Delivery.objects.filter(
                        message__case=second, channel="inapp", status="sending"
                    ).exists(),
                    30,
                    "the worker to claim the inbox delivery",
                )
            time.sleep(1.0)  # blocked on the lock
            worker.kill()
        finally:
            blocker.release()
        assert Notification.objects.filter(message__case=second).count() == 0
        assert len(receiver.requests) == 1

        # 3. Restarted: the redelivered task, the outbox sweep and the retry job all run
        # (as beat would); the lease of the dead claim runs out after 2 s.
        worker.start()
        tasks.sweep_outbox.delay()
        time.sleep(2.5)
        tasks.deliver_due.delay()
        _wait_until(
            lambda: Delivery.objects.filter(message__case=second, status="sent").count() == 2,
            30,
            "the second case's deliveries",
        )
        tasks.sweep_outbox.delay()
        tasks.deliver_due.delay()
        time.sleep(1.0)
        assert Notification.objects.filter(message__case=second, user=cast.handler).count() == 1
        assert Notification.objects.filter(message__case=second).count() == 1
        assert len(receiver.requests) == 2
        assert receiver.requests[1]["json"]["markdown"]["content"].startswith("### 新派遣问题 ")
        inapp = Delivery.objects.get(message__case=second, channel="inapp")
        attempts = list(DeliveryAttempt.objects.filter(delivery=inapp).values_list("number", "ok"))
        if connection.vendor == "postgresql":
            assert attempts == [(1, None), (2, True)]  # the killed claim, then the reclaim
        else:
            assert attempts == [(1, True)]  # killed before its first write
    finally:
        worker.stop()
