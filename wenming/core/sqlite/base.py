"""Django's SQLite backend, with writers queued on a lock file.

SQLite lets one connection write at a time. A connection that finds the write lock taken
sleeps in SQLite's busy handler: 1, 2, 5, 10 … ms between attempts. A report holds the
lock for about 2 ms, so with two gunicorn workers the second one mostly slept: two workers
filed no more reports per second than one (``bench/open311.py``).

Here a write transaction (``BEGIN IMMEDIATE``, Django's ``atomic()`` with the project's
``transaction_mode``) first takes an exclusive ``flock`` on ``<database>-writer``, and gives
it back when the transaction ends. A waiting writer polls the lock every 50 to 200 µs, so
it starts within a fraction of a millisecond of the other's commit, and still gives up after
the database ``timeout`` (then SQLite's own wait and "database is locked" follow, as
before). The lock only orders writers that would wait for each other anyway; readers,
autocommit statements and other programs are not affected.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time

from django.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)

POLL_FIRST_S = 0.00005
POLL_MAX_S = 0.0002
CHECKPOINT_ROWS = 500


class DatabaseWrapper(base.DatabaseWrapper):
    """The SQLite wrapper whose write transactions queue on ``<NAME>-writer``."""

    _writer_fd: int | None = None
    _writer_held = False
    _checkpointed_at = 0

    def get_new_connection(self, conn_params):
        conn = super().get_new_connection(conn_params)
        self._close_writer_fd()
        name = str(self.settings_dict["NAME"])
        if not self.is_in_memory_db() and self.transaction_mode == "IMMEDIATE":
            # One open file description per connection: flock() locks belong to it, so two
            # threads' connections in one process exclude each other too.
            try:
                self._writer_fd = os.open(f"{name}-writer", os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                # A read-only folder: SQLite's own locking still holds; only the queue is lost.
                logger.warning("SQLite writer queue off (%s-writer: %s)", name, exc)
                return conn
            conn.execute("PRAGMA wal_autocheckpoint = 0")
            self._checkpointed_at = conn.total_changes
        return conn

    def _start_transaction_under_autocommit(self):
        if self._writer_fd is not None and not self._writer_held:
            self._writer_held = self._take_writer_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise

    def _take_writer_lock(self) -> bool:
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        deadline = time.monotonic() + timeout
        delay = POLL_FIRST_S
        while True:
            try:
                fcntl.flock(self._writer_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False  # SQLite's own busy wait decides from here
                time.sleep(delay)
                delay = min(delay * 2, POLL_MAX_S)

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
            self._checkpoint_if_due()

    def _checkpoint_if_due(self) -> None:
        # SQLite's automatic checkpoint runs inside COMMIT, so the writer lock above would be
        # held while it copies the log into the database: every other writer would wait for
        # it, although SQLite lets them write meanwhile. Here it is off (get_new_connection)
        # and runs after the lock is given back, once this connection has changed about as
        # many rows as the automatic one's 1,000 pages hold.
        changes = self.connection.total_changes
        if changes - self._checkpointed_at >= CHECKPOINT_ROWS:
            self._checkpointed_at = changes
            self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)")

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
