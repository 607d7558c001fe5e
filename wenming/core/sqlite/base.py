"""Django's SQLite backend, with writers queued on a lock file.

SQLite lets one connection write at a time. A connection that finds the write lock taken
sleeps in SQLite's busy handler: 1, 2, 5, 10 … ms between attempts. A report holds the
lock for about 2 ms, so with two gunicorn workers the second one mostly slept: two workers
filed no more reports per second than one (``bench/open311.py``).

Here a write transaction (``BEGIN IMMEDIATE``, Django's ``atomic()`` with the project's
``transaction_mode``) first takes an exclusive ``flock`` on ``<database>-writer``, and gives
it back when the transaction ends. A waiting writer polls the lock every 50 to 200 µs for
its first 50 ms of waiting (a transaction's usual length), then every 5 ms, so it starts
within a fraction of a millisecond of the other's commit without spinning through a long
wait. After the database ``timeout`` it fails with "database is locked", as SQLite would.
The lock only orders writers that would wait for each other anyway; readers, autocommit
statements and other programs are not affected.

SQLite's automatic WAL checkpoint runs inside COMMIT, so the writer lock would be held while
it copies the log into the database, and every other writer would wait for it although
SQLite lets them write meanwhile. Each process therefore checkpoints (PASSIVE) itself after
giving the lock back, once its write transactions have changed :data:`CHECKPOINT_ROWS` rows;
SQLite's automatic checkpoint stays on as the bound on the log's size (autocommit writes,
other programs, a process that writes little).
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time

from django.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)

POLL_FIRST_S = 0.00005
POLL_MAX_S = 0.0002
POLL_SHORT_WAIT_S = 0.05  # past this much waiting, poll every POLL_LONG_S
POLL_LONG_S = 0.005
# A report changes 6 rows and adds about 19 pages to the log. Each checkpoint ends with an
# fsync that the worker waits for: at 100 rows per process (every ~17 reports) two gunicorn
# workers filed 304-318 reports/s, at 1,000 rows 322-326/s (wrk POSTs at 8 connections for
# 10 s, each run on a fresh copy of one 20,000-case database, alternated; the workers were
# busy 89 % against 93 %). At 1,000 rows two workers checkpoint after about 6,400 pages, before
# SQLite's own checkpoint, moved from 1,000 to WAL_AUTOCHECKPOINT_PAGES: the log stays under
# 40 MB (4 KiB pages).
CHECKPOINT_ROWS = 1000
WAL_AUTOCHECKPOINT_PAGES = 10_000

# Rows changed by this process's write transactions since its last checkpoint (all its
# connections: with CONN_MAX_AGE=0 each connection lives for one request).
_changes = {"since_checkpoint": 0}
_changes_lock = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    """The SQLite wrapper whose write transactions queue on ``<NAME>-writer``."""

    _writer_fd: int | None = None
    _writer_held = False
    _changes_at_begin = 0

    def get_new_connection(self, conn_params):
        conn = super().get_new_connection(conn_params)
        conn.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        self._close_writer_fd()
        name = str(self.settings_dict["NAME"])
        if not self.is_in_memory_db() and self.transaction_mode == "IMMEDIATE":
            # One open file description per connection: flock() locks belong to it, so two
            # threads' connections in one process exclude each other too. Read-only and
            # readable by all (flock needs no write access): processes of other users that
            # share the database share the queue.
            try:
                self._writer_fd = os.open(f"{name}-writer", os.O_RDONLY | os.O_CREAT, 0o644)
            except OSError as exc:
                # A read-only folder: SQLite's own locking still holds; only the queue is lost.
                logger.warning("SQLite writer queue off (%s-writer: %s)", name, exc)
        return conn

    def _start_transaction_under_autocommit(self):
        if self._writer_fd is not None and not self._writer_held:
            with self.wrap_database_errors:
                self._writer_held = self._take_writer_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise
        self._changes_at_begin = self.connection.total_changes

    def _take_writer_lock(self) -> bool:
        """Wait for the lock file up to the database ``timeout``; True when taken. Raises
        sqlite3.OperationalError("database is locked") when the wait times out: SQLite's
        busy handler would then wait as long again for the same writer."""
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        start = time.monotonic()
        delay = POLL_FIRST_S
        while True:
            try:
                fcntl.flock(self._writer_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                waited = time.monotonic() - start
                if waited >= timeout:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(delay)
                cap = POLL_MAX_S if waited < POLL_SHORT_WAIT_S else POLL_LONG_S
                delay = min(delay * 2, cap)

    def _release_writer_lock(self) -> None:
        if self._writer_held:
            self._writer_held = False
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)

    def _commit(self):
        held = self._writer_held
        try:
            super()._commit()
        finally:
            self._release_writer_lock()
        if held:
            self._checkpoint_if_due(self.connection.total_changes - self._changes_at_begin)

    def _checkpoint_if_due(self, changed: int) -> None:
        with _changes_lock:
            _changes["since_checkpoint"] += changed
            due = _changes["since_checkpoint"] >= CHECKPOINT_ROWS
            if due:
                _changes["since_checkpoint"] = 0
        if not due:
            return
        try:
            self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:
            # The transaction is committed; a checkpoint that cannot run now (a query of
            # this connection still open) is done by a later one or by SQLite's own.
            logger.debug("SQLite checkpoint skipped: %s", exc)

    def _rollback(self):
        try:
            super()._rollback()
        finally:
            self._release_writer_lock()

    def _close(self):
        try:
            super()._close()
        finally:
            self._release_writer_lock()
            self._close_writer_fd()

    def _close_writer_fd(self) -> None:
        if self._writer_fd is not None:
            self._release_writer_lock()
            os.close(self._writer_fd)
            self._writer_fd = None
