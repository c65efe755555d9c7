"""Rows of the list -> canonical works, asking arXiv and Crossref as few questions as possible.

Two lines of work run side by side, sharing each service's pacing (arXiv:
one request every 3 s, one at a time; Crossref: its announced rate, five
at once):

- preprints: the arXiv ids read from links, 100 per request; then the
  published version of each (the DOI its arXiv record names, else a
  Crossref search by its title and first author);
- titles: the DOIs read from links, 50 per Crossref request; one Crossref
  bibliographic search per distinct title of the rows with no id; then an
  arXiv title search (twenty titles per request) for what Crossref lacked.

Last, the published versions of preprints found by title. Decisions are
yielded in batches, so the library stores them atomically and a killed run
loses at most the batch in flight.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from . import venues
from .library import Outcome
from .matching import Query, Verdict, decide, normalize_title, title_score
from .records import WorkRecord
from .sources.polite import SourceFailure, batched

RENAMED_BELOW = 85.0  # an id's record whose title is this far from the row's is flagged
CHUNK = 100  # rows searched together before they are handed out


@dataclass(eq=False)  # tasks are compared by identity: a row is itself, whatever it holds
class Task:
    """One entry on its way to a decision."""

    entry: dict
    preprint: WorkRecord | None = None
    published: WorkRecord | None = None
    methods: list[str] = field(default_factory=list)
    score: float | None = None
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    ambiguous: Verdict | None = None
    searched: Verdict | None = None  # Crossref's answer to the row's own title
    project: bool = False  # the row names no paper (a code repository, a website)
    ready: bool = False  # needs nothing more; a worker sets it last
    done: bool = False  # its outcome was handed out

    @property
    def title(self) -> str:
        return self.entry["title"]

    def take(self, verdict: Verdict, slot: str, method: str, service: str) -> None:
        """Record a title search's verdict: the match in `slot`, an ambiguity, or why not."""
        if verdict.status == "match":
            setattr(self, slot, verdict.match)
            self.methods.append(method)
            self.score = verdict.score
        elif verdict.status == "ambiguous":
            self.ambiguous = verdict
        else:
            self.notes.append(f"{service}: {verdict.reason}")


def is_not_a_paper(entry: dict) -> bool:
    """A GitHub project, a website: rows that name no paper at all."""
    if venues.is_not_a_paper_label(entry.get("venue_label")):
        return True
    kind = entry.get("link_kind")
    if kind in ("github", "huggingface"):
        return True
    return not entry.get("paper_url") and (entry.get("publication") or "-").strip() == "-"


def row_query(entry: dict) -> Query:
    """What a row tells about its paper: its title and the year of its label."""
    preprint = venues.is_preprint_label(entry.get("venue_label"))
    return Query(entry["title"], entry.get("label_year"), years_before=1,
                 years_after=3 if preprint else 1, published_only=True)


def preprint_query(entry: dict) -> Query:
    """A row's arXiv preprint: submitted up to three years before the label's year."""
    return Query(entry["title"], entry.get("label_year"), years_before=3, years_after=1)


def published_query(preprint: WorkRecord) -> Query:
    """The published version of a preprint: same title and authors, published since."""
    return Query(preprint.title, preprint.arxiv_year or preprint.year, preprint.authors,
                 years_before=1, years_after=3, published_only=True)


def published_search_text(preprint: WorkRecord) -> str:
    """A bibliographic query for a preprint's published version: title and first author."""
    first = preprint.authors[0].family if preprint.authors else ""
    return f"{preprint.title} {first}".strip()


def merge(published: WorkRecord | None, preprint: WorkRecord | None) -> WorkRecord | None:
    """One work from both versions: the version of record leads, arXiv adds the eprint fields."""
    if published is None:
        return preprint
    if preprint is None:
        return published
    return published.with_changes(
        title=published.title or preprint.title,
        authors=published.authors or preprint.authors,
        arxiv_id=preprint.arxiv_id,
        arxiv_title=preprint.arxiv_title,
        arxiv_year=preprint.arxiv_year,
        primary_class=preprint.primary_class,
        journal_ref=preprint.journal_ref,
        arxiv_doi=preprint.arxiv_doi,
        abstract=published.abstract or preprint.abstract,
    )


def fill_from_label(work: WorkRecord, entry: dict) -> WorkRecord:
    """A preprint whose venue no API holds (NeurIPS, ICLR, CVPRW) takes the row's label."""
    venue = venues.from_label(entry.get("venue_label")) if work.type == "preprint" else None
    if venue is None:
        return work
    return work.with_changes(venue=venue.name, type=venue.type,
                             year=entry.get("label_year") or work.year,
                             month=None, venue_source="list")


class Resolver:
    """Decide, for each entry, which paper it cites."""

    def __init__(self, arxiv_source, crossref_source,
                 advance: Callable[[int], None] | None = None, batch_seconds: float = 2.0):
        self.arxiv = arxiv_source
        self.batch_seconds = batch_seconds
        self.crossref = crossref_source
        self.advance = advance or (lambda n: None)
        self._searches: dict[str, list[WorkRecord] | SourceFailure] = {}
        self._row_searches_done = threading.Event()

    def run(self, entries: list[dict]) -> Iterator[list[Outcome]]:
        tasks = [Task(e, methods=["pinned"] if e.get("pinned") else []) for e in entries]
        for task in tasks:
            if not task.entry.get("pinned") and is_not_a_paper(task.entry):
                task.project = True
                task.notes.append("the row names no paper (a code repository or website)")
        yield self._finish([t for t in tasks if t.project])
        live = [t for t in tasks if not t.done]
        by_arxiv, by_doi, by_title = [], [], []
        for task in live:
            if task.entry.get("link_arxiv_id"):
                by_arxiv.append(task)
            elif task.entry.get("link_doi"):
                by_doi.append(task)
            else:
                by_title.append(task)

        # Two lines of work side by side; the Crossref throttle and its five slots are
        # shared, so Crossref stays busy at its allowed rate from start to end. Rows
        # are handed out as they are decided, every few seconds, not all at the end.
        with ThreadPoolExecutor(max_workers=2) as pool:
            lines = [pool.submit(self._preprint_line, by_arxiv),
                     pool.submit(self._title_line, by_doi, by_title)]
            while True:
                finished, _ = wait(lines, timeout=self.batch_seconds)
                batch = self._finish([t for t in live if t.ready])
                if batch:
                    yield batch
                if len(finished) == len(lines):
                    break
            need_arxiv = lines[1].result()
            lines[0].result()

        self._published_versions([t for t in need_arxiv if t.preprint])
        yield self._finish([t for t in tasks if not t.done])

    def _preprint_line(self, by_arxiv: list[Task]) -> None:
        """arXiv ids read from links, then the published versions of those preprints.

        The row searches of the other line go to Crossref first: the arXiv
        title searches wait on them, the published versions wait on nothing.
        """
        self._arxiv_ids(by_arxiv)
        self._row_searches_done.wait()
        self._published_versions([t for t in by_arxiv if t.preprint and not t.failures])

    def _title_line(self, by_doi: list[Task], by_title: list[Task]) -> list[Task]:
        """Crossref for DOIs and titles, then arXiv for the titles Crossref could not place."""
        try:
            self._crossref_first(by_doi, by_title)
        finally:
            self._row_searches_done.set()
        need_arxiv = [t for t in by_title if not self._settled(t)]
        self._arxiv_titles(need_arxiv)
        return need_arxiv

    # -- steps ----------------------------------------------------------------------

    def _arxiv_ids(self, tasks: list[Task]) -> None:
        if not tasks:
            return
        found, failures = self.arxiv.fetch_ids([t.entry["link_arxiv_id"] for t in tasks])
        for task in tasks:
            arxiv_id = task.entry["link_arxiv_id"]
            if arxiv_id in found:
                task.preprint = found[arxiv_id]
                task.methods.append("arxiv-id")
                task.score = title_score(task.title, task.preprint.title)
                if task.score < RENAMED_BELOW:
                    task.notes.append(f"arXiv's title differs from the row's ({task.score:.0f})")
            else:
                task.failures.append(failures.get(arxiv_id, "arXiv: no answer"))
                task.ready = True

    def _crossref_first(self, by_doi: list[Task], by_title: list[Task]) -> None:
        if by_doi:
            found, failures = self.crossref.fetch_dois([t.entry["link_doi"] for t in by_doi])
            for task in by_doi:
                doi = task.entry["link_doi"]
                if doi in found:
                    task.published = found[doi]
                    task.methods.append("doi")
                    task.score = title_score(task.title, task.published.title)
                    task.ready = True
                elif "HTTP 404" in failures.get(doi, ""):
                    task.notes.append(f"Crossref has no record of DOI {doi}")
                    by_title.append(task)
                else:
                    task.failures.append(failures.get(doi, "Crossref: no answer"))
                    task.ready = True
        for chunk in batched(by_title, CHUNK):
            self._prefetch_searches([t.title for t in chunk])
            for task in chunk:
                self._match_title_in_crossref(task)
                task.ready = self._settled(task)  # else arXiv is asked next

    def _match_title_in_crossref(self, task: Task) -> None:
        candidates = self._search_crossref(task.title, task)
        if candidates is None:
            return
        task.searched = decide(row_query(task.entry), candidates)
        task.take(task.searched, "published", "crossref-title", "Crossref")

    def _arxiv_titles(self, tasks: list[Task]) -> None:
        answers = self.arxiv.search_titles([t.title for t in tasks]) if tasks else {}
        for task in tasks:
            candidates = answers.get(task.title, [])
            if isinstance(candidates, SourceFailure):
                task.failures.append(f"arXiv title search: {candidates}")
                task.ready = True
                continue
            verdict = decide(preprint_query(task.entry), candidates)
            task.take(verdict, "preprint", "arxiv-title", "arXiv")
            task.ready = task.preprint is None  # else its published version is sought last

    def _published_versions(self, tasks: list[Task]) -> None:
        """Find the version of record of each preprint: its own DOI, else a title search."""
        for chunk in batched(tasks, CHUNK):
            self._published_versions_of(chunk)

    def _published_versions_of(self, tasks: list[Task]) -> None:
        named = [t for t in tasks if t.preprint.arxiv_doi]
        if named:
            found, failures = self.crossref.fetch_dois([t.preprint.arxiv_doi for t in named])
            for task in named:
                doi = task.preprint.arxiv_doi
                if doi in found:
                    task.published = found[doi]
                    task.methods.append("arxiv-doi")
                elif "HTTP 404" not in failures.get(doi, ""):
                    task.failures.append(failures.get(doi, "Crossref: no answer"))
        wanted = [t for t in tasks if not (t.published or t.failures)]
        self._prefetch_searches([published_search_text(t.preprint) for t in wanted
                                 if not self._can_reuse_row_search(t)])
        for task in wanted:
            if self._can_reuse_row_search(task):
                candidates = [j.candidate for j in task.searched.judgements]
            else:
                candidates = self._search_crossref(published_search_text(task.preprint), task)
                if candidates is None:
                    continue
            verdict = decide(published_query(task.preprint), candidates)
            if verdict.status == "match":
                task.published = verdict.match
                task.methods.append("crossref-title")
        for task in tasks:
            task.ready = True

    @staticmethod
    def _can_reuse_row_search(task: Task) -> bool:
        """The row's own Crossref search already asked for this preprint's title."""
        return bool(task.searched) and (
            normalize_title(task.preprint.title) == normalize_title(task.title))

    def _prefetch_searches(self, texts: list[str]) -> None:
        """Run distinct searches side by side (Crossref allows 5 at once; the throttle paces them)."""
        todo = list(dict.fromkeys(t for t in texts if normalize_title(t) not in self._searches))
        if not todo:
            return
        with ThreadPoolExecutor(max_workers=self.crossref.settings.crossref_concurrency) as pool:
            for text, answer in zip(todo, pool.map(self._ask_crossref, todo)):
                self._searches[normalize_title(text)] = answer

    def _ask_crossref(self, text: str) -> list[WorkRecord] | SourceFailure:
        try:
            return [r for r, _ in self.crossref.search(text)]
        except SourceFailure as exc:
            return exc

    def _search_crossref(self, text: str, task: Task) -> list[WorkRecord] | None:
        """One search per distinct text per run; None (and a failure noted) when it failed."""
        key = normalize_title(text)
        if key not in self._searches:
            self._searches[key] = self._ask_crossref(text)
        answer = self._searches[key]
        if isinstance(answer, SourceFailure):
            task.failures.append(f"Crossref search: {answer}")
            return None
        return answer

    # -- decisions --------------------------------------------------------------------

    @staticmethod
    def _settled(task: Task) -> bool:
        return bool(task.published or task.failures or task.ambiguous)

    def _finish(self, tasks: list[Task]) -> list[Outcome]:
        outcomes = []
        for task in tasks:
            if task.done:
                continue
            task.done = True
            outcomes.append(self._outcome(task))
        self.advance(len(outcomes))
        return outcomes

    def _outcome(self, task: Task) -> Outcome:
        entry_id = task.entry["id"]
        if task.project:
            return Outcome(entry_id, "not-a-paper", method="list", note="; ".join(task.notes))
        method = "+".join(task.methods) or None
        work = merge(task.published, task.preprint)
        if work is not None and not work.title:
            task.failures.append("the record has no title")
            work = None
        note = "; ".join(task.notes + task.failures) or None
        if work is not None:
            work = fill_from_label(work, task.entry)
            status = "failed" if task.failures else "resolved"
            return Outcome(entry_id, status, work, method, task.score, note)
        if task.failures:
            return Outcome(entry_id, "failed", method=method, note=note)
        if task.ambiguous:
            return Outcome(entry_id, "ambiguous", method=method, score=task.ambiguous.score,
                           note=task.ambiguous.reason, candidates=task.ambiguous.candidates())
        candidates = task.searched.candidates() if task.searched else None
        return Outcome(entry_id, "unresolved", method=method, note=note or "no record found",
                       candidates=candidates)
