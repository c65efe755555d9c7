"""Rows of the list -> canonical works, asking the sources as few questions as possible.

A `Plan` says which source is asked what (rsbib/sources/__init__.py wires
arXiv and Crossref); the resolver knows sources only through the `Source`
interface and their failures only by type. Two kinds of line run side by side,
sharing each source's pacing:

- preprints: for each preprint source, the ids read from links (arXiv, 100
  per request); then the version of record of each (the DOI its record
  names, else a title-and-first-author search of the `published` sources);
- titles: the ids of record sources (DOIs, 50 per Crossref request), then,
  for the rows no id settled, the `title_search` sources in turn, each asked
  only for the rows the ones before it could not place.

Last, the versions of record of preprints found by title. Decisions are
yielded in batches, so the library stores them atomically and a killed run
loses at most the batch in flight.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from rsbib.metadata.records import Outcome, RowToResolve, WorkRecord
from rsbib.resolve.combine import completed, identifier, twin
from rsbib.resolve.matching import (
    decide,
    normalize_title,
    preprint_of_query,
    preprint_query,
    published_query,
    published_search_text,
    row_query,
    title_score,
)
from rsbib.resolve.plan import Plan, Task, is_not_a_paper, label, lookup_method, outcome
from rsbib.sources.base import NotFound, Source, SourceFailure
from rsbib.sources.polite import batched

RENAMED_BELOW = 85.0  # an id's record whose title is this far from the row's is flagged
CHUNK = 100  # rows searched together before they are handed out
SETTLE_GROUP = 10  # preprints whose versions of record are sought together (5 at once at Crossref)


class Resolver:
    """Decide, for each row, which paper it cites."""

    def __init__(self, sources: Sequence[Source], plan: Plan,
                 advance: Callable[[int], None] | None = None, batch_seconds: float = 2.0):
        self.sources = {s.name: s for s in sources}
        unknown = {*plan.lookups, *plan.title_search, *plan.published, *plan.fallback} \
            - set(self.sources)
        if unknown:
            raise ValueError(f"the plan names sources that were not given: {sorted(unknown)}")
        self.plan = plan
        self.batch_seconds = batch_seconds
        self.advance = advance or (lambda n: None)
        self._searches: dict[tuple[str, str], list[WorkRecord] | SourceFailure] = {}
        self._waiting: queue.Queue[Task | None] = queue.Queue()  # rows for the fallback line
        self.tasks: list[Task] = []

    def _in(self, names: Sequence[str]) -> list[Source]:
        return [self.sources[n] for n in names]

    def run(self, rows: list[RowToResolve]) -> Iterator[list[Outcome]]:
        tasks = [Task(r, methods=["pinned"] if r.pinned else []) for r in rows]
        self.tasks = tasks
        for task in tasks:
            if not task.row.pinned and is_not_a_paper(task.row):
                task.project = True
                task.notes.append("the row names no paper (a code repository or website)")
        yield self._finish([t for t in tasks if t.project])
        live = [t for t in tasks if not t.done]
        by_id: dict[str, list[Task]] = {name: [] for name in self.plan.lookups}
        by_title: list[Task] = []
        for task in live:
            owner = next((s for s in self._in(self.plan.lookups)
                          if s.id_kind and task.row.identifier(s.id_kind)), None)
            (by_id[owner.name] if owner else by_title).append(task)
        preprint_sources = [s for s in self._in(self.plan.lookups) if s.kind == "preprint"]
        record_sources = [s for s in self._in(self.plan.lookups) if s.kind != "preprint"]

        # The lines run side by side; each source's throttle and slots are shared, so a
        # service stays busy at its allowed rate from start to end. Rows are handed out
        # as they are decided, every few seconds, not all at the end.
        # The fallback line takes each row as soon as only the fallback sources are left for it.
        with ThreadPoolExecutor(max_workers=len(preprint_sources) + 2) as pool:
            fallback = pool.submit(self._fallback_line)
            try:
                lines: list[Future[list[Task]]] = [
                    pool.submit(self._preprint_line, s, by_id[s.name]) for s in preprint_sources]
                lines.append(pool.submit(self._title_line, record_sources, by_id, by_title))
                yield from self._batches(lines, live)
                searched = lines[-1].result()
                for line in lines[:-1]:
                    line.result()
                self._published_versions([t for t in searched if t.preprint and not t.published])
            finally:
                self._waiting.put(None)
            yield from self._batches([fallback], live)
            fallback.result()
        self._complete_from_ids([t for t in tasks if not t.done and t.published])
        yield self._finish([t for t in tasks if not t.done])

    def _batches(self, lines: Sequence[Future[Any]], live: list[Task]) -> Iterator[list[Outcome]]:
        """The rows decided so far, every few seconds, until the `lines` are done."""
        while True:
            finished, _ = wait(lines, timeout=self.batch_seconds)
            batch = self._finish([t for t in live if t.ready])
            if batch:
                yield batch
            if len(finished) == len(lines):
                return

    def _preprint_line(self, source: Source, tasks: list[Task]) -> list[Task]:
        """A preprint source's ids read from links, then the published versions of those preprints.

        The published versions do not wait for the title line's row searches: the
        preprints left without one feed the fallback line (DBLP, the slowest
        service), which must start early to finish early; the two lines share
        Crossref's pace.
        """
        self._look_up(source, tasks, rerouted=None)
        self._published_versions([t for t in tasks if t.preprint and not t.failures])
        return tasks

    def _title_line(self, record_sources: list[Source], by_id: dict[str, list[Task]],
                    by_title: list[Task]) -> list[Task]:
        """Record sources' ids, then the title searches, source after source, for what is left."""
        chain = self._in(self.plan.title_search)
        for source in record_sources:
            self._look_up(source, by_id[source.name], rerouted=by_title)
        if chain:
            self._search_titles(chain, 0, by_title)
        # Works found by DOI join the later steps: a preprint source is asked for their preprint.
        found_by_id = [t for s in record_sources for t in by_id[s.name] if t.published and not t.ready]
        for step in range(1, len(chain)):
            self._search_titles(chain, step, by_title + found_by_id)
        for task in found_by_id:
            self._settle(task)
        return by_title

    # -- steps ----------------------------------------------------------------------

    def _look_up(self, source: Source, tasks: list[Task], rerouted: list[Task] | None) -> None:
        """Ask `source` for the rows' ids; a row whose id it does not hold joins `rerouted`.

        Without `rerouted` (a preprint line, which searches no titles) such a row fails.
        """
        if not tasks:
            return
        kind = source.id_kind or ""
        answer = source.lookup([t.row.identifier(kind) or "" for t in tasks])
        for task in tasks:
            key = task.row.identifier(kind) or ""
            found = answer.found.get(key)
            if found is not None:
                task.methods.append(lookup_method(source))
                task.score = title_score(task.title, found.title)
                if source.kind == "preprint":
                    task.preprint = found
                    if task.score < RENAMED_BELOW:
                        task.notes.append(f"{label(source)}'s title differs from the row's "
                                          f"({task.score:.0f})")
                else:
                    task.published = found
                    task.ready = not self._joins_preprint()
                continue
            failure = answer.failures.get(key)
            if isinstance(failure, NotFound) and rerouted is not None:
                task.notes.append(f"{label(source)} has no record of {key}")
                rerouted.append(task)
                continue
            task.failures.append(f"{label(source)}: {failure or 'no answer'}")
            task.ready = True

    @staticmethod
    def _needs(source: Source, task: Task) -> bool:
        """Whether a title-search source is still to be asked for this row.

        A preprint source is asked for every row without a preprint, also one
        whose version of record is found (by that record's title): a published
        paper that has a preprint carries both.
        """
        if task.failures or task.ambiguous:
            return False
        return task.preprint is None if source.kind == "preprint" else task.published is None

    def _joins_preprint(self) -> bool:
        """Whether a preprint source searches titles after the record sources (see `_needs`)."""
        return any(s.kind == "preprint" for s in self._in(self.plan.title_search[1:]))

    def _wants_fallback(self, task: Task) -> bool:
        """A row the fallback sources are to be asked for: no version of record, nothing wrong."""
        return bool(self.plan.fallback) and not (task.project or task.published or task.failures
                                                 or task.ambiguous)

    def _search_titles(self, chain: list[Source], step: int, tasks: list[Task]) -> None:
        """Step `step` of the title chain: its source asked for the rows still unplaced."""
        source = chain[step]
        later = chain[step + 1:]
        asked = [t for t in tasks if self._needs(source, t)]
        for chunk in batched(asked, CHUNK):
            self._prefetch(source, [self._search_text(source, t) for t in chunk])
            for task in chunk:
                candidates = self._candidates(source, self._search_text(source, task), task)
                if candidates is not None:
                    if source.kind != "preprint":
                        query = row_query(task.row)
                    elif task.published is not None:
                        query = preprint_of_query(task.published)
                    else:
                        query = preprint_query(task.row)
                    verdict = decide(query, candidates)
                    if source.kind != "preprint" and task.searched is None:
                        task.searched, task.searched_by = verdict, source.name
                    task.take(verdict, source)
                self._settle(task, pending=any(self._needs(s, task) for s in later) or bool(
                    task.preprint and not task.published and not task.failures
                    and self.plan.published))

    @staticmethod
    def _search_text(source: Source, task: Task) -> str:
        """A row's title; for a preprint source and a row already published, the record's title."""
        if source.kind == "preprint" and task.published is not None and task.published.title:
            return task.published.title
        return task.title

    def _published_versions(self, tasks: list[Task]) -> None:
        """Find the version of record of each preprint: its own DOI, else a title search."""
        for chunk in batched(tasks, CHUNK):
            self._published_versions_of(chunk)

    def _published_versions_of(self, tasks: Sequence[Task]) -> None:
        doi_source = next((s for s in self._in(self.plan.lookups) if s.id_kind == "doi"), None)
        named = [t for t in tasks if t.preprint and t.preprint.arxiv_doi and not t.published]
        if named and doi_source is not None:
            answer = doi_source.lookup([t.preprint.arxiv_doi for t in named if t.preprint
                                        and t.preprint.arxiv_doi])
            for task in named:
                doi = task.preprint.arxiv_doi if task.preprint else None
                found = answer.found.get(doi or "")
                if found is not None:
                    task.published = found
                    task.methods.append("arxiv-doi")
                    continue
                failure = answer.failures.get(doi or "")
                if not isinstance(failure, NotFound):
                    task.failures.append(f"{label(doi_source)}: {failure or 'no answer'}")
        # In small groups, so the rows left for the fallback line reach it early.
        for group in batched(tasks, SETTLE_GROUP):
            for source in self._in(self.plan.published):
                self._published_by_search(source, [t for t in group if not t.settled()])
            for task in group:
                self._settle(task)

    def _published_by_search(self, source: Source, tasks: list[Task]) -> None:
        """Ask `source` for each preprint's version of record by its title and first author."""
        wanted = [t for t in tasks if t.preprint]
        self._prefetch(source, [published_search_text(t.preprint) for t in wanted
                                if t.preprint and not self._can_reuse_row_search(source, t)])
        for task in wanted:
            assert task.preprint is not None
            if self._can_reuse_row_search(source, task) and task.searched:
                candidates: list[WorkRecord] | None = [j.candidate
                                                       for j in task.searched.judgements]
            else:
                candidates = self._candidates(source, published_search_text(task.preprint), task)
            if candidates is None:
                continue
            verdict = decide(published_query(task.preprint), candidates)
            if verdict.status == "match":
                task.published = verdict.match
                task.methods.append(f"{source.name}-title")

    def _settle(self, task: Task, pending: bool = False) -> None:
        """A row nothing more is `pending` for is ready, or handed to the fallback line."""
        if pending or task.ready or task.queued:
            return
        if self._wants_fallback(task):
            task.queued = True
            self._waiting.put(task)
        else:
            task.ready = True

    def _fallback_line(self) -> None:
        """Ask the fallback sources for each row handed over, until told to stop (None)."""
        while (task := self._waiting.get()) is not None:
            self._ask_fallback(task)
            fallback = set(self.plan.fallback)
            task.ready = not any(r is not None and r.venue_source in fallback
                                 and (r.doi or r.arxiv_id)  # an id to complete from, last
                                 for r in (task.preprint, task.published))

    def _ask_fallback(self, task: Task) -> None:
        """The fallback sources, in turn, for a work without a version of record or an unplaced row.

        Each is asked once per work, by its preprint's title (else the row's); the
        same matching rules decide, and only a published record can be the version
        of record. A preprint hit that is the match's twin gives an unplaced row
        its arXiv id, whose record the preprint source then gives; a DOI the
        match names is completed from the DOI source (`_complete_from_ids`).
        """
        for source in self._in(self.plan.fallback):
            if not self._wants_fallback(task):
                return
            candidates = self._candidates(source, task.preprint.title if task.preprint
                                          else task.title, task)
            if candidates is None:
                continue
            task.fallback_answered = True
            query = published_query(task.preprint) if task.preprint else row_query(task.row)
            verdict = decide(query, candidates)
            if verdict.status == "match" and verdict.match is not None:
                task.published = verdict.match
                task.methods.append(f"{source.name}-title")
                if task.score is None:
                    task.score = verdict.score
                if task.preprint is None:
                    task.preprint = twin(verdict.match, candidates)
            elif task.preprint is None:
                task.take(verdict, source)

    def _complete_from_ids(self, tasks: list[Task]) -> None:
        """Whole records for the ids a fallback source named: arXiv twins, DOIs of its matches."""
        fallback = set(self.plan.fallback)
        for source in self._in(self.plan.lookups):
            slot = "preprint" if source.kind == "preprint" else "published"
            named: dict[Task, str] = {}
            for task in tasks:
                record: WorkRecord | None = getattr(task, slot)
                key = identifier(record, source.id_kind) if record else None
                if record is not None and key and record.venue_source in fallback:
                    named[task] = key
            if not named:
                continue
            answer = source.lookup(list(dict.fromkeys(named.values())))
            for task, key in named.items():
                found = answer.found.get(key)
                if found is not None:
                    setattr(task, slot, completed(getattr(task, slot), found))

    @staticmethod
    def _can_reuse_row_search(source: Source, task: Task) -> bool:
        """The row's own search of this source already asked for this preprint's title."""
        return bool(task.searched) and task.searched_by == source.name and task.preprint is not None \
            and normalize_title(task.preprint.title) == normalize_title(task.title)

    def _prefetch(self, source: Source, texts: list[str]) -> None:
        """Ask `source` the distinct texts not asked yet this run, in one call (it batches)."""
        todo = list(dict.fromkeys(t for t in texts
                                  if (source.name, normalize_title(t)) not in self._searches))
        if not todo:
            return
        answers = source.search(todo)
        for text in todo:
            self._searches[(source.name, normalize_title(text))] = answers.get(text, [])

    def _candidates(self, source: Source, text: str, task: Task) -> list[WorkRecord] | None:
        """One search per distinct text per source per run; None (a failure noted) when it failed."""
        key = (source.name, normalize_title(text))
        if key not in self._searches:
            self._searches[key] = source.search([text]).get(text, [])
        answer = self._searches[key]
        if isinstance(answer, SourceFailure):
            task.failures.append(f"{label(source)} search: {answer}")
            return None
        return answer

    # -- decisions --------------------------------------------------------------------

    def _finish(self, tasks: list[Task]) -> list[Outcome]:
        outcomes = []
        for task in tasks:
            if task.done:
                continue
            task.done = True
            outcomes.append(outcome(task))
        self.advance(len(outcomes))
        return outcomes

    def decided(self, exclude: set[int]) -> list[Outcome]:
        """Outcomes of the rows decided so far but not handed out (for a run that is stopped)."""
        return [outcome(t) for t in list(self.tasks)
                if (t.ready or t.project) and t.row.id not in exclude]
