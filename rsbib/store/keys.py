"""Citation keys: given once and kept; pinned by a cite block or by hand; regenerated only by rekey."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from rsbib.lists.parse import CiteBlock
from rsbib.metadata import citekeys
from rsbib.metadata.identifiers import normalize_arxiv_id, publication_doi
from rsbib.store.entries import Entries
from rsbib.store.works import Works


class Keys:
    """Keys of works, and of settled rows that have no work."""

    def __init__(self, db: sqlite_utils.Database, works: Works, entries: Entries):
        self.db = db
        self.works = works
        self.entries = entries

    def taken(self) -> citekeys.KeySet:
        return citekeys.KeySet(r[0] for r in self.db.execute(
            "SELECT citekey FROM works WHERE citekey IS NOT NULL UNION ALL "
            "SELECT citekey FROM entries WHERE citekey IS NOT NULL AND work_id IS NULL"))

    def assign(self, inherit: bool = True) -> None:
        """Give every work without a key one; cite blocks of the list pin theirs.

        A work that a row with a key (given while it was unresolved) now points
        at inherits that key, so what was cited before still compiles.

        A key once given is never changed here; only `rekey` regenerates.
        """
        self._pin_cite_block_keys()
        taken = self.taken()
        for work in self.db.table("works").rows_where("citekey IS NULL", order_by="id"):
            inherited = self._entry_key_for(work["id"]) if inherit else None
            key = taken.claim(inherited or self._base_key(work))
            self.db.table("works").update(work["id"], {
                "citekey": key, "key_source": "entry" if inherited else "generated"})

    def key_rows_without_work(self) -> None:
        """Settled rows without a work get a key too, so they can be cited (and keep it).

        Rows that failed or were never looked up get none yet: their paper may
        still be found, and its key should then be the paper's.
        """
        with self.db.atomic():
            taken = self.taken()
            for entry in self.db.table("entries").rows_where(
                    "work_id IS NULL AND citekey IS NULL AND status IN ('ambiguous', 'not-a-paper', 'unresolved')",
                    order_by="id"):
                key = taken.claim(entry_base_key(entry))
                self.db.table("entries").update(entry["id"], {"citekey": key})

    def _entry_key_for(self, work_id: int) -> str | None:
        """A key given earlier to an unresolved row that now resolved to this work."""
        for entry in self.db.table("entries").rows_where("work_id = ? AND citekey IS NOT NULL",
                                                   [work_id], order_by="id"):
            clash = self.db.execute("SELECT 1 FROM works WHERE citekey = ? COLLATE NOCASE",
                                    [entry["citekey"]]).fetchone()
            if not clash:
                return entry["citekey"]
        return None

    def _base_key(self, work: dict[str, Any]) -> str:
        first = self.db.execute(
            "SELECT a.family FROM work_authors wa JOIN authors a ON a.id = wa.author_id "
            "WHERE wa.work_id = ? ORDER BY wa.position LIMIT 1", [work["id"]]).fetchone()
        title = work["title_en"] or work["title"]
        return citekeys.base_key(first[0] if first else None, work["year"], title)

    def _pin_cite_block_keys(self) -> None:
        """A cite block written in the list names its paper's key; only a user's key outranks it."""
        for block in self.entries.cite_blocks():
            work = self.work_for_cite_block(block)
            if work is None:
                continue
            self.db.table("cite_blocks").update(block.key, {"work_id": work["id"]})
            if work.get("key_source") == "user" or work.get("citekey") == block.key:
                continue
            self.db.execute("UPDATE works SET citekey = NULL, key_source = NULL "
                            "WHERE citekey = ? COLLATE NOCASE", [block.key])
            self.db.table("works").update(work["id"], {"citekey": block.key, "key_source": "cite-block"})

    def work_for_cite_block(self, block: CiteBlock) -> dict[str, Any] | None:
        arxiv_id = normalize_arxiv_id(block.fields.get("eprint", ""))
        doi = publication_doi(block.fields.get("doi"))
        found = self.works.find(doi, arxiv_id)
        return found[0] if found else None

    def rekey(self, dry_run: bool = False) -> list[tuple[str, str]]:
        """Regenerate every generated key from current metadata; pinned keys stay.

        Returns (old, new) for each key that changes; `dry_run` changes nothing.
        """
        keys = ("SELECT 'w' || w.id, w.citekey FROM works w UNION ALL "
                "SELECT 'e' || e.id, e.citekey FROM entries e WHERE e.work_id IS NULL")
        try:
            with self.db.atomic():
                before = dict(self.db.execute(keys))
                self.db.execute("UPDATE works SET citekey = NULL "
                                "WHERE coalesce(key_source, '') NOT IN ('cite-block', 'user')")
                self.db.execute("UPDATE entries SET citekey = NULL")
                self.assign(inherit=False)
                self.key_rows_without_work()
                changes = [(before[i], key) for i, key in self.db.execute(keys)
                           if before.get(i) and before[i] != key]
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        return sorted(changes)


class _DryRun(Exception):
    """Rolls a dry run's transaction back."""


def entry_base_key(entry: dict[str, Any]) -> str:
    """Key for a row with no work: its abbreviation (or first title word) and label year."""
    word = citekeys.ascii_word(entry["abbreviation"] or "") or citekeys.first_significant_word(
        entry["title"])
    return f"{word}{entry['label_year'] or ''}"
