"""The emulator's state: JSON documents by (kind, key) in SQLite, so a restart keeps everything.

One connection guarded by one re-entrant lock: the emulator's load is tiny, and a single writer
makes ``transaction()`` a real critical section for read-modify-write sequences (e.g. the
per-account write lock of ARM or a job's state change).
"""

from __future__ import annotations

import builtins
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    doc TEXT NOT NULL,
    UNIQUE (kind, key)
)
"""


class UnstorableDocument(ValueError):
    """A document the store refuses: it could be written but not answered again."""


def _storable(doc: dict[str, Any]) -> str:
    """The document as JSON text, refusing what would poison every later read: non-finite
    numbers (``allow_nan=False``) and strings that are not Unicode text (lone surrogates).
    Requests are checked before this (json_input); this is the last line, for values the
    emulator computes itself."""
    try:
        text = json.dumps(doc, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
        text.encode("utf-8")
    except (ValueError, UnicodeEncodeError) as exc:
        raise UnstorableDocument(f"refusing to store an unencodable document: {exc}") from None
    return text


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.blob_dir = self.path.parent / "blobs"
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._depth = 0
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (autocommit otherwise).
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM docs WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        if row is None:
            return None
        doc: dict[str, Any] = json.loads(row[0])
        return doc

    def put(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        text = _storable(doc)
        with self._lock:
            # An upsert keeps the row's seq, so lists stay in first-insertion order.
            self._db.execute(
                "INSERT INTO docs (kind, key, doc) VALUES (?, ?, ?) "
                "ON CONFLICT (kind, key) DO UPDATE SET doc = excluded.doc",
                (kind, key, text),
            )

    def delete(self, kind: str, key: str) -> bool:
        with self._lock:
            cur = self._db.execute("DELETE FROM docs WHERE kind = ? AND key = ?", (kind, key))
            return cur.rowcount > 0

    def list(self, kind: str, prefix: str = "") -> list[dict[str, Any]]:
        return [doc for _, doc in self.items(kind, prefix)]

    def items(
        self, kind: str, prefix: str = "", *, status: str | None = None
    ) -> builtins.list[tuple[str, dict[str, Any]]]:
        """Like ``list`` but with keys: (key, doc) in insertion order. ``status``: only the
        documents whose top-level ``status`` is that (chosen by SQLite, so that the others
        are not parsed: an account's finished operations grow with every write)."""
        query = "SELECT key, doc FROM docs WHERE kind = ? AND substr(key, 1, ?) = ?"
        parameters: tuple[Any, ...] = (kind, len(prefix), prefix)
        if status is not None:
            query += " AND json_extract(doc, '$.status') = ?"
            parameters += (status,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY seq", parameters).fetchall()
        return [(str(k), json.loads(d)) for k, d in rows]

    def kinds(self) -> builtins.list[str]:
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT kind FROM docs ORDER BY kind").fetchall()
        return [str(r[0]) for r in rows]
