"""The home page in a real browser: Playwright driving the system Chromium (never a download).

Each step's screenshot is kept in tests/artifacts/ (CI keeps that folder as an artefact).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import bibtexparser
import playwright.sync_api as playwright
import pytest

from .conftest import run
from .serving import served

# Chromium driven through Playwright.
pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("RSBIB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"

if not os.path.exists(CHROMIUM):
    # CI installs chromium with the TeX tools: there, a missing browser is a failure.
    if os.environ.get("RSBIB_REQUIRE_TEX"):
        raise RuntimeError(f"no Chromium at {CHROMIUM}")
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


@pytest.fixture(scope="module")
def site(synced_db, tmp_path_factory):
    db = tmp_path_factory.mktemp("browse") / "library.db"
    shutil.copy(synced_db, db)
    with served(db) as (url, _process):
        yield url, db


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    args = ["--no-sandbox"] if os.geteuid() == 0 else []  # Chromium refuses root without it
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def bib_keys(text: str) -> set[str]:
    parsed = bibtexparser.parse_string(text)
    assert not parsed.failed_blocks
    return {e.key for e in parsed.entries}


def test_search_skysense_from_the_home_page_and_copy_its_bibtex(site, page):
    url, _db = site
    page.goto(url)
    shot(page, "1-home")
    page.fill("#rsbib-q", "SkySense")
    page.press("#rsbib-q", "Enter")
    page.wait_for_url(re.compile(r"/-/search\?q=SkySense"))
    shot(page, "2-search-skysense")
    assert page.locator(".rsbib-papers li").count() == 1
    page.click(".rsbib-papers li a")
    page.wait_for_selector("#rsbib-bibtex")
    shot(page, "3-work-page")
    assert page.inner_text("#rsbib-bibtex").startswith("@inproceedings{guo2023skysense,")


def test_survey_facet_doi_links_and_bib_download(site, page):
    url, db = site
    survey = bib_keys(run("export", "--db", str(db), "--category", "survey").stdout)
    page.goto(url)
    page.click("a:has-text('papers') >> nth=0")
    page.wait_for_selector("table.rows-and-columns")
    shot(page, "4-papers")
    page.click("#facet-categories a:text-is('survey')")
    page.wait_for_url(re.compile(r"categories__arraycontains=survey"))
    shot(page, "5-papers-survey")
    assert page.locator("table.rows-and-columns tbody tr").count() == len(survey)

    doi_link = page.locator("td.col-doi a").first
    href = doi_link.get_attribute("href")
    assert href == f"https://doi.org/{doi_link.inner_text()}"
    assert re.fullmatch(r"https://doi\.org/10\.\d{4,9}/\S+", href)

    with page.expect_download() as download:
        page.click(".export-links a:text-is('bib')")
    saved = ARTIFACTS / "papers-survey.bib"
    download.value.save_as(saved)
    assert bib_keys(saved.read_text("utf-8")) == survey

    # Follow the DOI link (doi.org answered by a stand-in: the tests use no network).
    page.route("https://doi.org/**", lambda route: route.fulfill(body="doi.org stand-in"))
    doi_link.click()
    page.wait_for_url(href)
