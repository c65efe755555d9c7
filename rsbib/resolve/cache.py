"""The sources' answers kept in library.db, so the same question is never sent twice.

A cached source is a `Source` like any other: it answers what it already
knows (records, and "no record" for an identifier the service does not
hold), and asks the real source only for the rest. Failures are never kept:
a bad day is asked again next time. The answers are read once when the
cache opens and written by the caller's thread (`save`): the resolver asks
its sources from worker threads, and a SQLite connection stays in one.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Sequence
from typing import Any

from rsbib.metadata.records import Author, WorkRecord
from rsbib.sources.base import Answers, Lookup, NotFound, Source
from rsbib.store.kept import KeptAnswer
from rsbib.store.library import Library, now

_RECORD_FIELDS = {f.name for f in dataclasses.fields(WorkRecord)}


def _record_to_json(record: WorkRecord) -> dict[str, Any]:
    return dataclasses.asdict(record)


def _record_from_json(data: dict[str, Any]) -> WorkRecord:
    values = {k: v for k, v in data.items() if k in _RECORD_FIELDS}
    values["authors"] = [Author(**a) for a in values.get("authors") or []]
    return WorkRecord(**values)


def _key(text: str) -> str:
    """Identifiers as given, titles with case and spacing set aside."""
    return " ".join(text.lower().split())


class AnswerCache:
    """Answers of earlier runs (from `library`, if any) and the new ones of this run."""

    def __init__(self, library: Library | None) -> None:
        self.library = library
        self.known: dict[tuple[str, str, str], list[WorkRecord] | None] = {}
        self.new: dict[tuple[str, str, str], list[WorkRecord] | None] = {}
        self.hits = 0
        self._lock = threading.Lock()
        for answer in library.answers.all() if library is not None else ():
            records = json.loads(answer.records)
            self.known[(answer.service, answer.question, answer.key)] = (
                None if records is None else [_record_from_json(r) for r in records])

    def wrap(self, source: Source) -> CachedSource:
        return CachedSource(source, self)

    def get(self, service: str, question: str, text: str) -> tuple[bool, list[WorkRecord] | None]:
        key = (service, question, _key(text))
        with self._lock:
            if key in self.known:
                self.hits += 1
                return True, self.known[key]
        return False, None

    def put(self, service: str, question: str, text: str, records: list[WorkRecord] | None) -> None:
        key = (service, question, _key(text))
        with self._lock:
            self.known[key] = records
            self.new[key] = records

    def save(self) -> int:
        """Write this run's new answers into the library (the caller's thread); how many."""
        with self._lock:
            new, self.new = self.new, {}
        if self.library is None or self.library.readonly or not new:
            return 0
        self.library.answers.save(
            KeptAnswer(s, q, k, now(), json.dumps(None if r is None else [_record_to_json(x) for x in r],
                                                  ensure_ascii=False))
            for (s, q, k), r in new.items())
        return len(new)


class CachedSource:
    """A source that answers from the cache first and asks the service only for the rest."""

    def __init__(self, inner: Source, cache: AnswerCache) -> None:
        self.inner = inner
        self.cache = cache

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # name, kind, id_kind, url, label, requests, failures

    @property
    def pacing(self) -> str:
        return self.inner.pacing

    def lookup(self, ids: Sequence[str]) -> Lookup:
        answer = Lookup()
        missing = []
        for i in dict.fromkeys(ids):
            cached, records = self.cache.get(self.inner.name, "lookup", i)
            if not cached:
                missing.append(i)
            elif records:
                answer.found[i] = records[0]
            else:
                answer.failures[i] = NotFound("no record of this identifier (answer kept from "
                                              "an earlier run)")
        if missing:
            fresh = self.inner.lookup(missing)
            for i in missing:
                if i in fresh.found:
                    answer.found[i] = fresh.found[i]
                    self.cache.put(self.inner.name, "lookup", i, [fresh.found[i]])
                elif i in fresh.failures:
                    answer.failures[i] = fresh.failures[i]
                    if isinstance(fresh.failures[i], NotFound):
                        self.cache.put(self.inner.name, "lookup", i, None)
        return answer

    def search(self, texts: Sequence[str]) -> Answers:
        answers: Answers = {}
        missing = []
        for text in dict.fromkeys(texts):
            cached, records = self.cache.get(self.inner.name, "search", text)
            if cached:
                answers[text] = records or []
            else:
                missing.append(text)
        if missing:
            fresh = self.inner.search(missing)
            for text in missing:
                found = fresh.get(text, [])
                answers[text] = found
                if isinstance(found, list):
                    self.cache.put(self.inner.name, "search", text, found)
        return answers
