"""`rsbib upgrade`: any .bib file, preprints replaced by their versions of record, nothing else lost.

Golden files: tests/fixtures/upgrade/before.bib (Google Scholar, DBLP CoRR and
arXiv entries, @string, user fields, an uncertain entry, a paper no source
holds) and after.bib, what upgrade makes of it against the stand-in. After
a deliberate change of the export's rendering, regenerate after.bib with
RSBIB_REGENERATE_GOLDEN=1 and read its diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import bibtexparser
import pytest

from rsbib.bib import file as bibfile
from rsbib.bib.fields import read_entry
from tests.conftest import run
from tests.standin import Fault

FIXTURES = Path(__file__).parent / "fixtures" / "upgrade"
BEFORE = FIXTURES / "before.bib"
AFTER = FIXTURES / "after.bib"


def upgrade(tmp_path: Path, source: Path | str, *args: str):
    return run("upgrade", str(source), "--db", str(tmp_path / "library.db"), *args)


def bib_file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def entries(text: str) -> dict:
    return {e.key: e for e in bibtexparser.parse_string(text).entries}


def report(result) -> dict:
    return json.loads(result.stderr)


def upgrade_one(tmp_path: Path, text: str):
    """Upgrade a file of one entry; the run and that entry's JSON report."""
    result = upgrade(tmp_path, bib_file(tmp_path, "one.bib", text), "--format", "json")
    (entry,) = report(result)["entries"]
    return result, entry


@pytest.fixture
def bib(tmp_path) -> Path:
    path = tmp_path / "refs.bib"
    path.write_bytes(BEFORE.read_bytes())
    return path


def test_golden_before_after(api, tmp_path, bib):
    result = upgrade(tmp_path, bib, "-o", str(tmp_path / "out.bib"))
    produced = (tmp_path / "out.bib").read_text(encoding="utf-8")
    if os.environ.get("RSBIB_REGENERATE_GOLDEN"):
        AFTER.write_text(produced, encoding="utf-8")
    assert produced == AFTER.read_text(encoding="utf-8")
    assert result.exit_code == 1  # one entry is uncertain: the run says so
    assert bib.read_bytes() == BEFORE.read_bytes()  # -o never touches the input


def test_must_show_remoteclip_and_spectralgpt_then_zero_requests(api, tmp_path, bib):
    first = upgrade(tmp_path, bib)
    assert sum(api.counts().values()) > 0
    out = entries(first.stdout)
    remoteclip = out["liu2023remoteclip"]
    assert remoteclip.entry_type == "article"
    assert remoteclip["journal"] == "IEEE Transactions on Geoscience and Remote Sensing"
    assert remoteclip["year"] == "2024"
    assert remoteclip["doi"] == "10.1109/tgrs.2024.3390838"
    assert remoteclip["eprint"] == "2306.11029"  # the preprint stays findable
    assert "file = {/home/me/Zotero/storage/ABCD1234/Liu et al. - 2023 - RemoteCLIP.pdf}" \
        in first.stdout
    spectral = out["DBLP:journals/corr/abs-2311-07113"]
    assert spectral["journal"] == "IEEE Transactions on Pattern Analysis and Machine Intelligence"
    assert spectral["doi"] == "10.1109/tpami.2024.3362475"
    assert "volume" not in spectral.fields_dict  # abs/2311.07113 named the preprint
    assert spectral["eprint"] == "2311.07113" and spectral["bibsource"].startswith("dblp")
    nobody = BEFORE.read_text().split("@article{nobody2022unheard")[1].split("\n}\n")[0]
    assert "@article{nobody2022unheard" + nobody + "\n}\n" in first.stdout

    api.reset()
    second = upgrade(tmp_path, bib)
    assert api.counts() == {}  # every answer came from library.db
    assert second.stdout == first.stdout
    assert "requests: arxiv 0, crossref 0" in second.stderr


def test_everything_but_the_changed_entries_is_kept_byte_for_byte(api, tmp_path, bib):
    result = upgrade(tmp_path, bib, "--format", "json")
    changed = {e["key"] for e in report(result)["entries"] if e["changes"]}
    assert changed == {"liu2023remoteclip", "DBLP:journals/corr/abs-2311-07113",
                       "guo2023skysense", "dias2023agenda"}
    before = bibfile.read(BEFORE.read_text(), "before.bib")
    after = bibfile.read(result.stdout, "stdout")
    assert [e.key for e in after.entries] == [e.key for e in before.entries]  # order kept
    for old, new in zip(before.entries, after.entries):
        if old.key not in changed:
            assert new.raw == old.raw
        # Every field rsbib does not manage keeps its exact text.
        for span in old.fields:
            if span.name.lower() not in {"journal", "year", "volume", "doi", "booktitle", "pages",
                                         "publisher", "number", "note", "howpublished"}:
                assert new.raw_value(span.name) == span.value, (old.key, span.name)
    # Outside the entries (comments, @string, @preamble) nothing moved.
    strip = lambda bib, text: "".join(  # noqa: E731
        text[end:start] for end, start in zip([0] + [e.start + len(e.raw) for e in bib.entries],
                                              [e.start for e in bib.entries] + [len(text)]))
    assert strip(after, result.stdout) == strip(before, BEFORE.read_text())


def test_published_entry_gains_its_doi_and_nothing_else(api, tmp_path, bib):
    result = upgrade(tmp_path, bib, "--format", "json")
    dias = next(e for e in report(result)["entries"] if e["key"] == "dias2023agenda")
    assert dias["status"] == "doi-added"
    assert [(c["field"], c["old"], c["new"]) for c in dias["changes"]] == [
        ("doi", None, "10.1109/igarss52108.2023.10282966")]
    assert "booktitle = igarss," in result.stdout  # the @string reference stays a reference


def test_uncertain_entry_is_reported_with_candidates_and_left_alone(api, tmp_path, bib):
    result = upgrade(tmp_path, bib, "--format", "json")
    li = next(e for e in report(result)["entries"] if e["key"] == "li2021geographical")
    assert li["status"] == "uncertain" and not li["changes"]
    assert "10.1109/tgrs.2021.3115569" in {c["doi"] for c in li["candidates"]}
    assert "no authors to confirm" in li["reason"]
    text = upgrade(tmp_path, bib)
    assert "li2021geographical" in text.stderr and "candidate: 'Geographical" in text.stderr


def test_text_report_lists_each_changed_field(api, tmp_path, bib):
    result = upgrade(tmp_path, bib)
    lines = result.stderr.splitlines()
    assert "    journal: arXiv preprint arXiv:2306.11029 -> IEEE Transactions on Geoscience " \
           "and Remote Sensing" in lines
    assert "    volume: abs/2311.07113 -> (removed)" in lines
    assert "    @type: misc -> inproceedings" in lines
    assert any(line.startswith("nobody2022unheard") and "not-found" in line for line in lines)
    assert "cong2022satmae (" in result.stderr and "still a preprint" in result.stderr
    assert lines[-1].startswith("8 entries: 3 upgraded, 1 doi-added, 1 uncertain")


def test_author_guard_refuses_a_record_of_other_authors(api, tmp_path):
    original = ("@inproceedings{x,\n  title = {An Agenda for Multimodal Foundation Models for "
                "Earth Observation},\n  author = {Someone, Else and Another, Person},\n"
                "  booktitle = {IGARSS},\n  year = {2023}\n}\n")
    result, entry = upgrade_one(tmp_path, original)
    assert entry["status"] == "uncertain" and "no author in common" in entry["reason"]
    (refused,) = [c for c in entry["candidates"] if c["doi"] == "10.1109/igarss52108.2023.10282966"]
    assert refused["score"] == 100 and refused["reason"] == "no author in common"
    assert result.stdout == original
    assert result.exit_code == 1


def test_authors_confirm_a_title_too_far_to_stand_alone(api, tmp_path):
    """The uncertain entry of the golden file, with its authors: title + authors + year match."""
    text = ("@article{li,\n  title = {Geographical Knowledge-Driven Representations for Remote "
            "Sensing Images},\n  author = {Li, Wenyuan and Chen, Keyan and Chen, Hao},\n"
            "  journal = {IEEE Transactions on Geoscience and Remote Sensing},\n  year = {2022},\n}\n")
    result, entry = upgrade_one(tmp_path, text)
    assert entry["status"] == "doi-added" and result.exit_code == 0
    assert entries(result.stdout)["li"]["doi"] == "10.1109/tgrs.2021.3115569"


def test_overwrite_updates_a_published_entry(api, tmp_path):
    path = bib_file(tmp_path, "pub.bib", "@article{ring,\n  title = {RingMo: A Remote Sensing "
                    "Foundation Model With Masked Image Modeling},\n  journal = {TGRS},\n"
                    "  year = {2022},\n  doi = {10.1109/tgrs.2022.3194732},\n  keywords = {mine}\n}\n")
    plain = upgrade(tmp_path, path)
    assert plain.stdout == path.read_text()  # has a DOI: not even looked up
    assert sum(api.counts().values()) == 0
    over = upgrade(tmp_path, path, "--overwrite")
    ring = entries(over.stdout)["ring"]
    assert ring["journal"] == "IEEE Transactions on Geoscience and Remote Sensing"
    assert ring["keywords"] == "mine" and ring["doi"] == "10.1109/tgrs.2022.3194732"


def test_dry_run_writes_no_file(api, tmp_path, bib):
    mtime = bib.stat().st_mtime_ns
    result = upgrade(tmp_path, bib, "--dry-run", "--in-place")
    assert result.stdout == "" and "liu2023remoteclip" in result.stderr
    assert bib.read_bytes() == BEFORE.read_bytes() and bib.stat().st_mtime_ns == mtime
    assert not (tmp_path / "library.db").exists()  # not even the cache
    upgrade(tmp_path, bib, "--dry-run", "-o", str(tmp_path / "out.bib"))
    assert not (tmp_path / "out.bib").exists()


def test_in_place_rewrites_only_when_something_changed(api, tmp_path, bib):
    result = upgrade(tmp_path, bib, "--in-place")
    assert result.stdout == ""
    assert bib.read_text() == AFTER.read_text()
    mtime = bib.stat().st_mtime_ns
    upgrade(tmp_path, bib, "--in-place")  # a second upgrade changes nothing more
    assert bib.stat().st_mtime_ns == mtime


def test_in_place_and_output_exclude_each_other(tmp_path, bib):
    result = upgrade(tmp_path, bib, "--in-place", "-o", str(tmp_path / "x.bib"))
    assert result.exit_code == 2 and "not both" in result.stderr
    assert upgrade(tmp_path, bib, "-o", str(bib)).exit_code == 2


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    latin = tmp_path / "latin.bib"
    latin.write_bytes(b"@article{a, title = {Caf\xe9}}\n")
    result = upgrade(tmp_path, latin)
    assert result.exit_code == 2 and result.stderr.strip().count("\n") == 0
    assert "not UTF-8" in result.stderr
    missing = upgrade(tmp_path, tmp_path / "nope.bib")
    assert missing.exit_code == 2 and "nope.bib" in missing.stderr
    assert not (tmp_path / "library.db").exists()


def test_broken_block_is_named_and_kept(api, tmp_path):
    text = ("@article{broken, title = {Never closed\n\n"
            "@article{fine,\n  title = {Unheard Of: A Study No Service Has Ever Indexed},\n"
            "  year = {2022}\n}\n")
    result = upgrade(tmp_path, bib_file(tmp_path, "broken.bib", text))
    assert result.stdout == text
    assert "broken.bib:1: not valid BibTeX" in result.stderr


def test_a_failed_lookup_changes_nothing_and_is_asked_again(api, tmp_path, bib):
    api.faults.append(Fault("arxiv", "status", times=100, status=503))
    result = upgrade(tmp_path, bib, "--format", "json")
    statuses = {e["key"]: e["status"] for e in report(result)["entries"]}
    assert statuses["liu2023remoteclip"] == "failed" and result.exit_code == 1
    assert "journal={arXiv preprint arXiv:2306.11029}" in result.stdout
    api.reset()
    again = upgrade(tmp_path, bib)
    assert api.counts()["arxiv"] > 0  # failures are not cached
    assert entries(again.stdout)["liu2023remoteclip"]["doi"] == "10.1109/tgrs.2024.3390838"


def test_crlf_file_keeps_its_line_endings(api, tmp_path):
    path = tmp_path / "crlf.bib"
    path.write_bytes(b"% windows\r\n@article{a,\r\n  title = {RemoteCLIP: A Vision Language "
                     b"Foundation Model for Remote Sensing},\r\n  journal = {arXiv preprint "
                     b"arXiv:2306.11029},\r\n  year = {2023}\r\n}\r\n")
    upgrade(tmp_path, path, "--in-place")
    data = path.read_bytes()
    assert b"doi = {10.1109/tgrs.2024.3390838}" in data
    assert data.count(b"\n") == data.count(b"\r\n")


# -- reading an entry -----------------------------------------------------------------------


@pytest.mark.parametrize("fields, arxiv_id, preprint", [
    ("journal={arXiv preprint arXiv:2306.11029}", "2306.11029", True),
    ("journal = {CoRR}, volume = {abs/2311.07113}", "2311.07113", True),
    ("note = {arXiv:2312.10115v2}", "2312.10115", True),
    ("url = {https://arxiv.org/pdf/2207.08051v3.pdf}", "2207.08051", True),
    ("doi = {10.48550/arXiv.2306.11029}", "2306.11029", True),
    ("eprint = {2306.11029}, archivePrefix = {arXiv}", "2306.11029", True),
    ("journal = {IEEE TGRS}, volume = {62}, pages = {1--16}", None, False),
    ("booktitle = {CVPR}, eprint = {2312.10115}", "2312.10115", False),
])
def test_ids_and_preprints_are_read_from_every_style(fields, arxiv_id, preprint):
    text = f"@article{{k, title = {{A Title}}, {fields}}}"
    (entry,) = bibfile.read(text, "t.bib").entries
    reading = read_entry(entry)
    assert reading.arxiv_id == arxiv_id
    assert reading.preprint is preprint


def test_string_macros_and_latex_are_read_as_text():
    text = ('@string{tgrs = "IEEE Transactions on Geoscience and Remote Sensing"}\n'
            '@article{k, title = {{G}{\\"o}del {and} {BERT}}, journal = tgrs # { Letters},'
            ' author = {M{\\"u}ller, J. and Li, Wei}, year = 2021}')
    (entry,) = bibfile.read(text, "t.bib").entries
    reading = read_entry(entry)
    assert reading.title == "Gödel and BERT"
    assert reading.venue == "IEEE Transactions on Geoscience and Remote Sensing Letters"
    assert [a.family for a in reading.authors] == ["Müller", "Li"] and reading.year == 2021


# -- editing an entry's text ------------------------------------------------------------------


def edited(text: str, changes: dict, new_type=None, renames=None) -> str:
    parsed = bibfile.read(text, "t.bib")
    (entry,) = parsed.entries
    return bibfile.rewrite(parsed, {entry.start: bibfile.edit_entry(entry, new_type, changes,
                                                                     renames)})


def test_edit_keeps_alignment_and_indent():
    text = ("@article{k,\n  author       = {A},\n  journal      = {CoRR},\n"
            "  volume       = {abs/1},\n  year         = {2023},\n}\n")
    assert edited(text, {"volume": None, "doi": "{10.1/x}", "year": "{2024}"}) == (
        "@article{k,\n  author       = {A},\n  journal      = {CoRR},\n"
        "  year         = {2024},\n  doi          = {10.1/x},\n}\n")


def test_edit_renames_in_place_and_changes_the_type():
    text = "@misc{k,\n  title={T},\n  howpublished={arXiv},\n  year={2023}\n}\n"
    assert edited(text, {"howpublished": None, "booktitle": "{CVPR}"}, "inproceedings",
                  {"howpublished": "booktitle"}) == (
        "@inproceedings{k,\n  title={T},\n  booktitle={CVPR},\n  year={2023}\n}\n")


def test_edit_removes_a_last_field_without_trailing_comma():
    assert edited("@article{k, title = {T}, volume = {abs/1}}", {"volume": None}) == \
        "@article{k, title = {T}}"
    assert edited("@article{k, volume = 3, title = {T}}", {"volume": None}) == \
        "@article{k, title = {T}}"


def test_biblatex_entry_is_upgraded_in_biblatex_fields(api, tmp_path):
    path = bib_file(tmp_path, "bl.bib", "@online{r,\n  title = {RemoteCLIP: A Vision Language "
                    "Foundation Model for Remote Sensing},\n  author = {Liu, Fan},\n"
                    "  date = {2023-06-19},\n  eprinttype = {arxiv},\n  eprint = {2306.11029},\n}\n")
    out = upgrade(tmp_path, path).stdout
    assert out.startswith("@article{r,")
    assert "journaltitle = {IEEE Transactions on Geoscience and Remote Sensing}" in out
    assert "date = {2024}" in out and "journal =" not in out and "year" not in out


def test_stdin_in_stdout_out(api, tmp_path):
    text = BEFORE.read_text()
    result = run("upgrade", "-", "--db", str(tmp_path / "library.db"), input=text)
    assert result.stdout == AFTER.read_text()
    assert upgrade(tmp_path, "-", "--in-place").exit_code == 2
    assert upgrade(tmp_path, tmp_path).exit_code == 2  # a directory


def test_ambiguous_match_changes_nothing_and_names_both_candidates(api, tmp_path):
    """No year and no authors: the paper and a same-title record are equally close."""
    text = ("@article{ring,\n  title = {RingMo: A Remote Sensing Foundation Model With Masked "
            "Image Modeling},\n  journal = {TGRS},\n}\n")
    result, entry = upgrade_one(tmp_path, text)
    assert entry["status"] == "uncertain" and "equally close" in entry["reason"]
    dois = {c["doi"] for c in entry["candidates"] if c["accepted"]}
    assert "10.1109/tgrs.2022.3194732" in dois and len(dois) >= 2
    assert result.stdout == text and result.exit_code == 1


SCHOLAR_REMOTECLIP = """@article{liu2023remoteclip,
  title={Remoteclip: A vision language foundation model for remote sensing},
  author={Liu, Fan and Chen, Delong and Guan, Zhangqingyun and Zhou, Xiaocong and Zhou, Jun},
  journal={arXiv preprint arXiv:2306.11029},
  year={2023}
}
"""


def test_a_paper_the_library_holds_is_upgraded_without_a_request(api, tmp_path, library_copy):
    result, entry = upgrade_one(tmp_path, SCHOLAR_REMOTECLIP)
    assert api.counts() == {}  # the synced library's work answered: nothing asked
    assert result.exit_code == 0, result.stderr
    assert (entry["status"], entry["method"]) == ("upgraded", "library")
    assert report(result)["held"] == 1
    fields = entries(result.stdout)["liu2023remoteclip"].fields_dict
    assert fields["journal"].value == "IEEE Transactions on Geoscience and Remote Sensing"
    assert fields["doi"].value == "10.1109/tgrs.2024.3390838"
    assert fields["year"].value == "2024"


def test_a_paper_the_library_lacks_is_still_asked(api, tmp_path, library_copy):
    text = SCHOLAR_REMOTECLIP.replace("2306.11029", "2401.00001")
    result, entry = upgrade_one(tmp_path, text)
    assert sum(api.counts().values()) > 0
    assert entry["method"] != "library"
