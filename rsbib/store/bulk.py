"""Many new rows in one statement, their full-text index filled in one more.

Each full-text index is kept in step with its table by sqlite-utils' triggers
(`<table>_ai`, `_ad`, `_au`, rsbib.store.schema). Fired once per row, the insert
trigger is most of the cost of storing a long list (20,000 rows: 3.7 s with it,
1.5 s without, the index filled after). So for a large batch of new rows the
insert trigger is dropped, the rows written, the index filled from them by one
`INSERT ... SELECT` in rowid order (what the trigger would have written, row by
row) and the trigger re-created as it was, all inside the caller's transaction:
a failure rolls the whole back, trigger included.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlite_utils

# Below this many new rows the trigger's cost is small and its path is kept.
LARGE_BATCH = 500


def insert_rows(db: sqlite_utils.Database, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT these rows (all with the keys of the first) into `table`, in order, inside a transaction."""
    if not rows:
        return
    columns = list(rows[0])
    insert = (f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
              f"VALUES ({', '.join('?' * len(columns))})")
    values = [[r[c] for c in columns] for r in rows]
    trigger = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                         [f"{table}_ai"]).fetchone()
    fts = db.table(table).detect_fts()
    given_ids = set(db.table(table).pks) & set(columns)  # then new rowids need not follow the last
    if len(rows) < LARGE_BATCH or trigger is None or fts is None or given_ids:
        db.conn.executemany(insert, values)
        return
    indexed = ", ".join(f"[{c}]" for c in db.table(fts).columns_dict)
    last = db.execute(f"SELECT coalesce(max(rowid), 0) FROM [{table}]").fetchone()[0]
    db.execute(f"DROP TRIGGER [{table}_ai]")
    db.conn.executemany(insert, values)
    db.execute(f"INSERT INTO [{fts}] (rowid, {indexed}) SELECT rowid, {indexed} FROM [{table}] "
               "WHERE rowid > ? ORDER BY rowid", [last])
    db.execute(trigger[0])
