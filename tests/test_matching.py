"""Matching: near-identical titles are the same paper; near misses and ties are not taken."""

from rsbib.metadata.records import Author, WorkRecord
from rsbib.resolve.matching import Query, author_overlap, decide, normalize_title, title_score

TITLE = "Seasonal Contrast: Unsupervised Pre-Training From Uncurated Remote Sensing Data"
MANAS = [Author("Mañas", "Oscar"), Author("Lacoste", "Alexandre")]


def rec(title=TITLE, year=2021, doi="10.1/real", authors=None, type="proceedings-article"):
    return WorkRecord(title=title, year=year, doi=doi, authors=authors or [], type=type)


def test_spelling_variants_normalise_alike():
    assert normalize_title("Pre-training") == normalize_title("Pretraining") == normalize_title("pre training")
    assert normalize_title("Toward Foundation Models") == normalize_title("Towards foundation models")
    assert normalize_title("Mañas’ “Model”") == normalize_title("Manas' \"model\"")
    assert normalize_title("BigEarthNet-MM: An Archive [Software and Data Sets]") == \
        normalize_title("BigEarthNet-MM: An Archive")
    assert title_score(TITLE, TITLE.upper()) == 100.0


def test_authors_overlap_on_family_names_folded_to_ascii():
    assert author_overlap(MANAS, [Author("Manas", "O.")]) == 1.0
    assert author_overlap(MANAS, [Author("Synthetic", "Ada")]) == 0.0
    assert author_overlap(MANAS, []) is None


def test_the_real_paper_wins_over_near_misses():
    real = rec()
    same_title_years_before = rec(year=2018, doi="10.5555/a")
    comment = rec(title=f"Comments on “{TITLE}”", year=2022, doi="10.5555/b")
    posted = rec(doi="10.5555/c", type="preprint")
    query = Query(TITLE, 2021, published_only=True)
    verdict = decide(query, [comment, same_title_years_before, posted, real])
    assert verdict.status == "match" and verdict.match is real
    reasons = {j.candidate.doi: j.reason for j in verdict.judgements}
    assert "does not fit" in reasons["10.5555/a"]
    assert "title" in reasons["10.5555/b"] and "preprint" in reasons["10.5555/c"]


def test_a_longer_title_alone_is_not_enough():
    verdict = decide(Query(TITLE, 2021), [rec(title=f"Comments on “{TITLE}”", year=2021)])
    assert verdict.status == "none" and verdict.match is None


def test_two_equally_good_candidates_are_ambiguous():
    verdict = decide(Query(TITLE, None), [rec(doi="10.1/a"), rec(doi="10.1/b", year=2019)])
    assert verdict.status == "ambiguous"
    assert len(verdict.candidates()) == 2


def test_different_authors_veto_a_same_title_match():
    query = Query(TITLE, 2021, MANAS)
    verdict = decide(query, [rec(authors=[Author("Synthetic", "Ada")])])
    assert verdict.status == "none" and "no author in common" in verdict.reason


def test_close_title_is_taken_only_with_authors_to_confirm_it():
    renamed = "Seasonal Contrast: Unsupervised Pretraining from Uncurated Satellite Data"
    assert 85 <= title_score(TITLE, renamed) < 95
    assert decide(Query(TITLE, 2021), [rec(title=renamed)]).status == "none"
    assert decide(Query(TITLE, 2021, MANAS), [rec(title=renamed, authors=MANAS)]).status == "match"
