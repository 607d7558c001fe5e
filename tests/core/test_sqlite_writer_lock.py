"""The SQLite backend's writer queue and checkpoints (wenming.core.sqlite), on a database
file of its own: it runs the same under the SQLite and the PostgreSQL suite."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

from wenming.core.sqlite import base


def wrapper(path, timeout: float = 5):
    """A connection of our backend to ``path``, of its own (not in django.db.connections)."""
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "wenming.core.sqlite",
                "NAME": str(path),
                "OPTIONS": {
                    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                    "transaction_mode": "IMMEDIATE",
                    "timeout": timeout,
                },
            }
        }
    )
    return handler["default"]


@contextmanager
def txn(conn):
    """What transaction.atomic() does with a connection, for one outside django.db.connections."""
    conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        yield
    except BaseException:
        conn.rollback()
        conn.set_autocommit(True)
        raise
    conn.commit()
    conn.set_autocommit(True)


@pytest.fixture(autouse=True)
def _own_database(django_db_blocker):
    # These connections go to a file of the test's own, not to the test database.
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def db_file(tmp_path):
    path = tmp_path / "w.sqlite3"
    setup = wrapper(path)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)")
    setup.close()
    return path


def write(conn, who: str, hold: float = 0.0) -> None:
    with txn(conn):
        with conn.cursor() as cursor:
            cursor.execute("INSERT INTO t (who) VALUES (%s)", [who])
        time.sleep(hold)


def rows(path) -> list[str]:
    reader = wrapper(path)
    with reader.cursor() as cursor:
        cursor.execute("SELECT who FROM t ORDER BY id")
        out = [r[0] for r in cursor.fetchall()]
    reader.close()
    return out


def run_in_thread(target, *args) -> tuple[threading.Thread, list]:
    errors: list = []

    def go():
        try:
            target(*args)
        except Exception as exc:  # reported to the test
            errors.append(exc)

    thread = threading.Thread(target=go)
    thread.start()
    return thread, errors


def test_a_second_writer_waits_in_the_queue_for_the_first(db_file, monkeypatch):
    polls: list[float] = []

    class Clock:  # the module's time, with its sleeps recorded
        monotonic = staticmethod(time.monotonic)

        @staticmethod
        def sleep(seconds):
            polls.append(seconds)
            time.sleep(seconds)

    monkeypatch.setattr(base, "time", Clock)
    started, done = threading.Event(), threading.Event()

    def first():
        a = wrapper(db_file)
        with txn(a):
            with a.cursor() as cursor:
                cursor.execute("INSERT INTO t (who) VALUES ('a')")
            started.set()
            time.sleep(0.3)
        done.set()
        a.close()

    thread_a, errors_a = run_in_thread(first)
    assert started.wait(5)
    b = wrapper(db_file)
    write(b, "b")
    assert done.is_set()
    thread_a.join(10)
    b.close()
    assert errors_a == []
    assert rows(db_file) == ["a", "b"]
    # b polled the lock file (not SQLite's 1, 2, 5 … 100 ms busy sleeps) until a committed:
    # quickly at first, then every POLL_LONG_S once the wait is long.
    assert len(polls) > 10
    assert polls[:3] == [base.POLL_FIRST_S, base.POLL_FIRST_S * 2, base.POLL_MAX_S]
    assert max(polls) == base.POLL_LONG_S


def test_a_writer_gives_up_after_the_timeout_and_nothing_is_written(db_file):
    a, b = wrapper(db_file), wrapper(db_file, timeout=0.5)
    with txn(a):
        with a.cursor() as cursor:
            cursor.execute("INSERT INTO t (who) VALUES ('a')")
        t0 = time.monotonic()
        with pytest.raises(OperationalError, match="locked"):
            write(b, "b")
        waited = time.monotonic() - t0
        assert 0.5 <= waited < 0.9  # the timeout once, not again in SQLite's busy handler
        assert b._writer_held is False
    write(b, "b2")  # the failed attempt left no lock behind
    assert rows(db_file) == ["a", "b2"]
    a.close()
    b.close()


def test_a_rolled_back_transaction_gives_the_lock_back(db_file):
    a, b = wrapper(db_file), wrapper(db_file, timeout=0.2)
    with pytest.raises(ZeroDivisionError), txn(a):
        with a.cursor() as cursor:
            cursor.execute("INSERT INTO t (who) VALUES ('a')")
        assert a._writer_held is True
        1 / 0  # noqa: B018
    assert a._writer_held is False
    write(b, "b")
    assert rows(db_file) == ["b"]
    a.close()
    b.close()


def test_checkpoints_run_after_the_lock_is_given_back(db_file, monkeypatch):
    monkeypatch.setattr(base, "CHECKPOINT_ROWS", 3)
    monkeypatch.setitem(base._changes, "since_checkpoint", 0)
    a, b = wrapper(db_file), wrapper(db_file)  # one process's count, two connections
    seen: list[str] = []
    for conn in (a, b):
        conn.ensure_connection()
        conn.connection.set_trace_callback(seen.append)
    with a.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone() == (10_000,)  # SQLite's own stays on, as the bound
    write(a, "1")
    write(b, "2")
    assert not any("wal_checkpoint" in s for s in seen)
    write(a, "3")
    assert seen[-2:] == ["COMMIT", "PRAGMA wal_checkpoint(PASSIVE)"]
    write(b, "4")
    assert seen[-1] == "COMMIT"
    a.close()
    b.close()


def test_a_checkpoint_that_cannot_run_does_not_fail_the_commit(db_file, monkeypatch):
    monkeypatch.setattr(base, "CHECKPOINT_ROWS", 1)
    a = wrapper(db_file)
    write(a, "1")
    write(a, "2")
    with a.cursor() as reading:  # a loop over a query that writes as it goes
        reading.execute("SELECT who FROM t")
        reading.fetchone()
        write(a, "3")  # its checkpoint meets the open query: skipped, the commit stands
        write(a, "4")
    assert rows(db_file) == ["1", "2", "3", "4"]
    a.close()


def test_the_lock_file_is_shared_by_other_users(db_file):
    a = wrapper(db_file)
    write(a, "a")
    mode = (db_file.parent / f"{db_file.name}-writer").stat().st_mode & 0o777
    assert mode & 0o444 == 0o444  # readable by all: flock() needs no more
    a.close()


def test_without_a_writable_lock_file_the_database_still_works(db_file, monkeypatch, caplog):
    real_open = base.os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("-writer"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(base.os, "open", refuse)
    a = wrapper(db_file)
    write(a, "a")
    assert a._writer_fd is None
    assert rows(db_file) == ["a"]
    assert "SQLite writer queue off" in caplog.text
    a.close()
