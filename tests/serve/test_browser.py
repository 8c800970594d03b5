"""The reading pages in a real browser (Debian's chromium driven by Playwright) over the two seeds: the story
page's sections, a fact cell's link to its highlighted sentence, the stories search with and without
JavaScript, English, a phone's width, and no console error or CSP violation anywhere.

Skipped when /usr/bin/chromium is absent, except under CI=true where that fails (.ci/run installs it).
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ACTION_MS = 5_000  # any click, fill or wait
NAVIGATION_MS = 10_000
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NONSENSE = "zzqxwvk"  # a word no seed holds

# Runs before any page script: records CSP violations (they also reach the console, this says which rule).
CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`));
"""
# The elements sticking out to the right of the viewport, deepest first (the culprits, not their parents).
WIDE_ELEMENTS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")].filter((e) => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1 && !e.closest("svg *, .scroll");
  });
  return wide.filter((e) => !wide.some((o) => o !== e && e.contains(o))).slice(0, 8).map((e) => {
    const box = e.getBoundingClientRect();
    const name = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\\s+/).join(".") : "");
    return `${name} right=${Math.round(box.right)}px: ${(e.textContent || "").trim().slice(0, 50)}`;
  });
}"""


def _browser_unavailable(why: str) -> None:
    """Skip the browser tests with the reason, or fail under CI=true (CI installs chromium: .ci/run)."""
    hint = "install Debian's chromium (apt-get install chromium) or run .ci/run"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"browser tests cannot run under CI=true: {why}; {hint}", pytrace=False)
    pytest.skip(f"browser tests skipped: {why}; {hint}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, for the whole module (never Playwright's own download)."""
    if not CHROMIUM.exists():
        _browser_unavailable(f"{CHROMIUM} not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS, timeout=NAVIGATION_MS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def base_url(live_server, seeds_db) -> str:
    return live_server(seeds_db)


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def story(base_url) -> dict[str, Any]:
    """The seeds' story (both outlets), as /api/stories lists it."""
    found = [
        s for s in get_json(f"{base_url}/api/stories") if {"emediasn", "actuniger.com"} <= set(s["outlets"])
    ]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def comparison(base_url, story) -> dict[str, Any]:
    return get_json(f"{base_url}/api/stories/{story['id']}/comparison")


class Watched:
    """A page with the console errors, uncaught exceptions and CSP violations seen since it opened."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught {exc}"))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.errors.append(f"console: {message.text} ({where})")

    def problems(self) -> list[str]:
        return self.errors + [f"CSP: {v}" for v in self.page.evaluate("window.__csp || []")]


def open_context(browser, **options: Any) -> Any:
    options = {"locale": "fr-FR", "viewport": DESKTOP, **options}
    context = browser.new_context(**options)
    context.set_default_timeout(ACTION_MS)
    context.set_default_navigation_timeout(NAVIGATION_MS)
    context.add_init_script(CSP_WATCH)
    return context


@pytest.fixture()
def watched(browser) -> Iterator[Watched]:
    """A fresh desktop page in French (no cookie from another test), watched for errors."""
    context = open_context(browser)
    yield Watched(context.new_page())
    context.close()


def test_browser_story_page_shows_both_outlets_in_sources(watched, base_url, story):
    page = watched.page
    page.goto(f"{base_url}/stories/{story['id']}")
    outlets = [t.strip().lower() for t in page.locator("#sources .side .outlet").all_inner_texts()]
    assert sorted(outlets) == ["actuniger.com", "emediasn"]
    for side in page.locator("#sources .side").all():
        assert side.locator("h3 a").inner_text().strip()  # each side names its article


def test_browser_story_page_lists_facts_all_sources_share(watched, base_url, story, comparison):
    page = watched.page
    page.goto(f"{base_url}/stories/{story['id']}")
    shared = page.locator("#facts tr.fact[data-coverage=all]")
    assert shared.count() == sum(1 for f in comparison["facts"] if f["coverage"] == "all") >= 1
    for row in shared.all():
        assert row.locator("td.cell.has a.evidence").count() == 2  # a tick under each outlet
    # a fact only one outlet gives is listed under that outlet, its link to the sentence in that article
    lone = [f for f in comparison["facts"] if f["coverage"] == "one"]
    assert lone
    for side in page.locator("#facts .only-one .side").all():
        article = side.get_attribute("data-article")
        given = sum(1 for f in lone if f["claims"][0]["article_id"] == article)
        shown = side.locator("li.fact[data-coverage=one] a.evidence")
        assert shown.count() == min(given, 3) >= 1
        assert all(
            f"/articles/{article}?span=" in href for href in (a.get_attribute("href") for a in shown.all())
        )
        if given > 3:  # the rest behind a link to the whole page
            assert side.locator("p.more a").get_attribute("href").endswith("full=true#facts")


def test_browser_framing_attributes_mercenaires_to_western_chancelleries(
    watched, base_url, story, comparison
):
    term = next(t for t in comparison["framing"] if t["term"] == "mercenaires")
    assert term["outlet"] == "actuniger.com" and term["attributed"], term
    assert re.search(r"chancelleries occidentales", term["attributed_to"] or "", re.I), term
    page = watched.page
    page.goto(f"{base_url}/stories/{story['id']}")
    side = page.locator(f'#framing .side[data-article="{term["article_id"]}"]')
    assert side.locator(".outlet").inner_text().strip().lower() == "actuniger.com"
    said = side.locator("ul.terms.attributed li").filter(has_text="mercenaires")
    assert said.count() == 1
    assert re.search(r"chancelleries occidentales", said.locator(".attributed").inner_text(), re.I)
    assert (
        side.locator("ul.terms.own li").filter(has_text="mercenaires").count() == 0
    )  # not the outlet's voice
    other = page.locator(f'#framing .side:not([data-article="{term["article_id"]}"])')
    assert other.filter(has_text="mercenaires").count() == 0


def claim_of(comparison: dict[str, Any], href: str) -> dict[str, Any]:
    """The claim a fact cell's link points at: its article id and span are in the link."""
    parts = urlsplit(href)
    article_id = parts.path.rsplit("/", 1)[1]
    start, end = (int(n) for n in parse_qs(parts.query)["span"][0].split("-"))
    for group in comparison["facts"]:
        for claim in group["claims"]:
            if (claim["article_id"], claim["start"], claim["end"]) == (article_id, start, end):
                return claim
    raise AssertionError(f"no claim in the comparison for {href}")


def test_browser_fact_cell_opens_its_sentence_highlighted(watched, base_url, story, comparison):
    from playwright.sync_api import expect

    page = watched.page
    page.goto(f"{base_url}/stories/{story['id']}")
    row = page.locator("#facts tr.fact[data-coverage=all]").first
    for column in range(2):  # one cell per outlet: two different articles
        cell = row.locator("td.cell.has a.evidence").nth(column)
        claim = claim_of(comparison, cell.get_attribute("href"))
        cell.click()
        page.wait_for_url(re.compile(rf"/articles/{claim['article_id']}\?span=\d+-\d+#hl$"))
        mark = page.locator("#hl")
        expect(mark).to_be_visible()
        expect(mark).to_have_class(re.compile(r"\bhl\b"))
        expect(mark).to_be_in_viewport()
        # #hl is the first piece of the span; the span is cut where an entity or a date starts, so the
        # sentence a reader sees highlighted is every .hl piece of the text, in order.
        assert page.evaluate("document.querySelector('#text .hl') === document.getElementById('hl')")
        assert "".join(page.locator("#text .hl").all_text_contents()) == claim["text"]
        page.go_back()


def test_browser_pages_load_without_console_errors_or_csp_violations(browser, base_url, story, comparison):
    # A browser of its own: chromium asks a site for /favicon.ico once per browser, whichever test came first.
    claim = next(f for f in comparison["facts"] if f["coverage"] == "all")["claims"][0]
    paths = [
        "/stories",
        f"/stories/{story['id']}",
        f"/articles/{claim['article_id']}?span={claim['start']}-{claim['end']}#hl",
        "/entities",
        "/entities/per:serguei-lavrov",
        "/entities/loc:bamako",
        "/methodology",
        "/stories?lang=en",
    ]
    fresh = browser.browser_type.launch(
        executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS, timeout=NAVIGATION_MS
    )
    try:
        page = Watched(open_context(fresh).new_page())
        problems = []
        for path in paths:
            response = page.page.goto(base_url + path, wait_until="networkidle")
            assert response is not None and response.status == 200, path
            problems += [f"{path}: {p}" for p in page.problems()]
            page.errors.clear()
        assert not problems, "\n".join(problems)
    finally:
        fresh.close()


def said(response: Any) -> str:
    """What an answer that is not 200 says: its status and its error message."""
    found = re.search(r'class="error-message">([^<]*)', response.text())
    return f"{response.url} answered {response.status}: {found[1] if found else response.text()[:200]}"


def search(page: Any, word: str) -> Any:
    """Type ``word`` in the stories search box; return the htmx request's response."""
    with page.expect_response(lambda r: "/stories?" in r.url and r.request.headers.get("hx-request")) as done:
        page.locator("form.filters input[name=q]").fill(word)
    return done.value


def test_browser_stories_search_updates_results_in_place(watched, base_url, story):
    from playwright.sync_api import expect

    page = watched.page
    page.goto(f"{base_url}/stories")
    results = page.locator("#results")
    expect(results.locator("tr.story-row")).to_have_count(1)
    page.evaluate("window.__same_page = true")  # gone if the browser loaded a new page instead
    response = search(page, NONSENSE)
    assert response.status == 200, said(response)
    expect(results.locator("tr.story-row")).to_have_count(0)
    expect(results.locator(".empty")).to_be_visible()
    response = search(page, "Lavrov")
    assert response.status == 200, said(response)
    expect(results.locator(f'tr.story-row[data-story="{story["id"]}"]')).to_have_count(1)
    assert page.evaluate("window.__same_page === true")
    assert parse_qs(urlsplit(page.url).query).get("q") == ["Lavrov"]  # the address can be shared


def test_browser_stories_search_works_without_javascript(browser, base_url, story):
    from playwright.sync_api import expect

    context = open_context(browser, java_script_enabled=False)
    page = context.new_page()
    try:
        for word, rows in ((NONSENSE, 0), ("Lavrov", 1)):
            page.goto(f"{base_url}/stories")
            page.locator("form.filters input[name=q]").fill(word)
            with page.expect_navigation():
                page.locator("form.filters button[type=submit]").click()
            heading = page.locator("main h1").inner_text()
            assert page.locator("#results").count() == 1, (
                f"{page.url} shows {heading!r}: {page.inner_text('main')[:300]}"
            )
            assert parse_qs(urlsplit(page.url).query).get("q") == [word]
            expect(page.locator("#results tr.story-row")).to_have_count(rows)
        expect(page.locator(f'tr.story-row[data-story="{story["id"]}"]')).to_have_count(1)
    finally:
        context.close()


def test_browser_lang_en_shows_english_headings(watched, base_url, story):
    page = watched.page
    url = f"{base_url}/stories/{story['id']}"
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("#sources h2").inner_text() == "Les sources côte à côte"
    page.goto(url + "?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    headings = {s: page.locator(f"#{s} h2").inner_text() for s in ("sources", "facts", "framing")}
    assert headings == {
        "sources": "The sources side by side",
        "facts": "The facts, source by source",
        "framing": "The words each outlet chooses",
    }
    assert page.locator("header nav").inner_text().split()[:2] == ["Stories", "Entities"]
    page.goto(f"{base_url}/stories")  # the choice is remembered
    assert page.locator("main h1").inner_text() == "Stories"


@pytest.mark.parametrize(
    "page_name", ["story", "stories", "article", "entities", "entity"], ids=lambda name: f"phone-{name}"
)
def test_browser_page_fits_a_phone_width(browser, base_url, story, comparison, page_name):
    claim = comparison["facts"][0]["claims"][0]
    path = {
        "story": f"/stories/{story['id']}",
        "stories": "/stories",
        "article": f"/articles/{claim['article_id']}?span={claim['start']}-{claim['end']}",
        "entities": "/entities",
        "entity": "/entities/per:serguei-lavrov",
    }[page_name]
    context = open_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 2, (
            f"{path} is {width}px wide on a phone: {page.evaluate(WIDE_ELEMENTS)}"
        )
    finally:
        context.close()
