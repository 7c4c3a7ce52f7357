"""search.py: every word of every visible page is in the index, and the index loads in small pieces."""

from __future__ import annotations

import bisect
import contextlib
import json
import pickle
import random
import re
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from bs4 import BeautifulSoup
from conftest import CONSULTING, REPO, make_site
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from trustdocs.build import build_site
from trustdocs.cache import cache_folder
from trustdocs.config import load_config
from trustdocs.search import (
    MANIFEST_FILE,
    SEARCH_DIR,
    SHARD_TARGET_BYTES,
    search_index_files,
    search_record,
    stem,
    words_of,
)
from trustdocs.site import Site

CALL = re.compile(r"window\.trustdocsSearch\.(\w+)\((.*)\);\n", re.S)


@dataclass
class Index:
    """The index files read back: what a browser sees after loading them."""

    firsts: list[str]
    shards: list[dict]
    pages: dict[int, dict]

    def shard_of(self, key: str) -> int:
        keys = [k.encode("utf-16-be") for k in self.firsts]
        return bisect.bisect_right(keys, key.encode("utf-16-be")) - 1

    def entry(self, word: str) -> list | None:
        """[words, text postings, heading postings] for the stem WORD stands for."""
        shard = self.shards[self.shard_of(word)]
        stem = shard["w"].get(word, word)
        return self.shards[self.shard_of(stem)]["p"].get(stem)

    def sections(self, word: str, where: int = 1) -> set[tuple[str, str]]:
        """(page URL, anchor) of each section whose text (where=1) or heading (2) has WORD."""
        entry = self.entry(word)
        found: set[tuple[str, str]] = set()
        page = 0
        postings = entry[where] if entry else []
        for gap, mask in zip(postings[::2], postings[1::2], strict=True):
            page += gap
            for section, (_, anchor, _) in enumerate(self.pages[page]["s"]):
                if mask >> section & 1:
                    found.add((self.pages[page]["u"], anchor))
        return found

    def urls(self, word: str) -> set[str]:
        """Pages where WORD (or another form of it) is written anywhere."""
        return {url for url, _ in self.sections(word, 1) | self.sections(word, 2)}


def read_index(files: dict[str, str]) -> Index:
    calls: dict[str, list] = {"manifest": [], "shard": [], "page": []}
    texts: dict[int, list[int]] = {}  # pages' texts file -> the pages it holds
    for path, text in files.items():
        for line in text.splitlines(keepends=True):
            found = CALL.fullmatch(line)
            assert found, line[:80]
            call = json.loads(f"[{found[2]}]")
            calls[found[1]].append(call)
            if found[1] == "page":
                texts.setdefault(int(path.rsplit("/", 1)[1].removesuffix(".js")), []).append(
                    call[0]
                )
    [[manifest]] = calls["manifest"]
    # Each shard and texts file names the numbering of the pages, and a shard its first key.
    assert {call[2] for call in calls["shard"] + calls["page"]} <= {manifest["numbering"]}
    assert all(manifest["shards"][n] == first for n, _, _, first in calls["shard"])
    shards = {call[0]: call[1] for call in calls["shard"]}
    assert sorted(shards) == list(range(len(manifest["shards"])))
    # Page N's text is in file N // pagesPerFile, as search.js looks for it.
    per, pages = manifest["pagesPerFile"], range(manifest["pages"])
    assert texts == {n: list(pages[n * per : n * per + per]) for n in range(-(-len(pages) // per))}
    pages_read = {call[0]: call[1] for call in calls["page"]}
    return Index(manifest["shards"], [shards[n] for n in sorted(shards)], pages_read)


def search_files(site: Site) -> dict[str, str]:
    """The search index files a build of SITE writes."""
    return {
        path: text
        for path, text in site.output_files().items()
        if path.startswith(SEARCH_DIR + "/") and isinstance(text, str)
    }


def site_index(tmp_path: Path, pages: dict[str, str]) -> Index:
    site = Site(load_config(make_site(tmp_path, pages) / "site.yaml"))
    site.build()
    return read_index(search_files(site))


@pytest.fixture(scope="module")
def bundled_course(tmp_path_factory):
    """The bundled course built, and its index read back."""
    out = tmp_path_factory.mktemp("course") / "site"
    assert build_site(load_config(REPO / "site.yaml"), out).written
    files = {
        p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
        for p in (out / "_assets" / "search").rglob("*.js")
    }
    return out, read_index(files)


LONG_LESSON = {
    **CONSULTING,
    "consulting/long.md": """
        @page learn-technology-consulting/long A Long Lesson
        @parent learn-technology-consulting 9
        @description Written for aardvarks.
        @body
        Intro with `inlinecode` and [a link](https://example.org) called linktext.

        FILLER

        ## Tables and code
        | Column | Other |
        | --- | --- |
        | tablecell | x |

        ```python
        def codeword():
            pass
        ```

        <details>
        <summary>Summaryword answer</summary>

        Hidden until opened.

        </details>

        ## Scope creep
        Zebras appear only here, at the very end, where scope creep is explained.
        """.replace("FILLER", "Plain filler words for padding. " * 150),
}
LONG_URL = "learn-technology-consulting/long.html"


def test_every_word_of_a_long_lesson_is_found_in_its_section(tmp_path):
    index = site_index(tmp_path, LONG_LESSON)
    assert index.sections("aardvarks") == {(LONG_URL, "")}  # the description
    assert index.sections("inlinecode") == {(LONG_URL, "")}
    assert index.sections("linktext") == {(LONG_URL, "")}
    for word in ("tablecell", "codeword", "summaryword"):
        assert index.sections(word) == {(LONG_URL, "tables-and-code")}, word
    # far past the first 2,500 characters, which is all the old index kept
    assert index.sections("zebras") == {(LONG_URL, "scope-creep")}
    assert index.sections("long", where=2) == {(LONG_URL, "")}  # the title


def test_scope_creep_finds_the_section_by_heading_and_text(tmp_path):
    index = site_index(tmp_path, LONG_LESSON)
    for word in ("scope", "creep"):
        assert index.sections(word, where=2) == {(LONG_URL, "scope-creep")}
        assert (LONG_URL, "scope-creep") in index.sections(word)


def test_an_images_alternative_text_is_found(tmp_path):
    """An image's alternative text is what it shows, in words: a learner who remembers the
    diagram finds its lesson (Pagefind indexes it too)."""
    pages = {
        **CONSULTING,
        "consulting/map.md": """
            @page learn-technology-consulting/map Map
            @parent learn-technology-consulting 8
            @body
            ![A stakeholder quadrant with influence against interest](quadrant.png)
            """,
    }
    index = site_index(tmp_path, pages)
    assert index.urls("quadrant") == {"learn-technology-consulting/map.html"}
    assert index.urls("stakeholder") >= {"learn-technology-consulting/map.html"}


def test_a_word_finds_its_other_forms_by_stem(tmp_path):
    pages = {
        **CONSULTING,
        "consulting/mail.md": """
            @page learn-technology-consulting/mail Mail
            @parent learn-technology-consulting 8
            @body
            Answer emails the same day; one emailed summary beats three calls.
            """,
    }
    index = site_index(tmp_path, pages)
    mail = "learn-technology-consulting/mail.html"
    # "email" is never written, yet found: it, "emails" and "emailed" share the stem "email".
    assert index.urls("email") == {mail}
    assert index.urls("emailed") == index.urls("emails") == {mail}
    words, _, _ = index.entry("email")
    assert sorted(words) == ["emailed", "emails"]
    assert index.urls("emailing") == set()  # not a word of the course: the browser guesses


def test_stems_are_those_of_snowballs_reference_english_stemmer():
    """The index holds the stems Snowball's reference English stemmer (pure Python) gives, for
    every word of the bundled course and forms beyond ASCII, whichever build of it computes them:
    installing or removing the compiled one changes nothing a learner finds. (Each package
    follows Snowball's releases, whose stems differ in a few words: compared when both come from
    the same release, as the project's requirements ask.)"""
    from importlib.metadata import PackageNotFoundError, version

    from snowballstemmer.english_stemmer import EnglishStemmer

    try:
        releases = {
            tuple(version(name).split(".")[:2]) for name in ("snowballstemmer", "PyStemmer")
        }
    except PackageNotFoundError:
        releases = set()  # the pure build alone: compared with itself
    if len(releases) > 1:
        pytest.skip(f"the two stemmers come from different Snowball releases: {releases}")

    reference = EnglishStemmer()
    text = " ".join(p.read_text("utf-8") for p in (REPO / "content").rglob("*.md"))
    odd = "naïve café's façade élan Ærø don't clients' ıstanbul ǅemal 東京 ﬁnance"
    words = sorted(set(words_of(text + " " + odd)))
    assert len(words) > 1000
    assert [stem(word) for word in words] == [reference.stemWord(word) for word in words]


def test_a_run_of_letters_too_long_to_be_a_word_is_left_out_and_the_words_around_it_kept():
    """A hash or a run of data in a lesson is no word anyone types: left out of the index, while
    the words beside it stay."""
    assert words_of(f"Client {'a' * 61} trust {'b' * 60}") == ["client", "trust", "b" * 60]


def test_email_finds_every_lesson_that_uses_it(bundled_course):
    out, index = bundled_course
    expected = set()
    for html in out.rglob("*.html"):
        main = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").find("main")
        if main and re.search(r"\bemail", main.get_text(" "), re.I):
            expected.add(html.relative_to(out).as_posix())
    expected.discard("print.html")
    assert len(expected) >= 6
    assert index.urls("email") == expected


def test_a_record_holds_the_titles_its_cross_links_show(tmp_path):
    """A [page-name] link shows the other page's title: its words are found, and the result's
    excerpt reads as the page does ("Start with Communicating…", not "Start with .")."""
    pages = dict(CONSULTING)
    site = Site(load_config(make_site(tmp_path, pages) / "site.yaml"))
    site.build()
    made = site.made.pages["learn-technology-consulting"]
    record = made.search_record
    assert record is not None and "communic" in record["word_stems"].split()
    first = json.loads(record["page"])["s"][0]  # heading, anchor, text
    title = site.snapshot.pages["learn-technology-consulting/communication"].title
    assert first == ["", "", f"Everything a consultant needs. Start with {title}."]
    assert pickle.loads(pickle.dumps(record)) == record  # kept as is by the build cache


def test_a_warm_build_takes_every_search_record_from_the_cache(tmp_path):
    config = load_config(make_site(tmp_path, LONG_LESSON) / "site.yaml")
    cold = Site(config, cache_folder(config))
    cold.build()
    warm = Site(config, cache_folder(config))
    warm.build()
    assert warm.made.render_count == 0  # no page read or indexed again
    assert search_files(warm) == search_files(cold)
    assert read_index(search_files(warm)).sections("zebras") == {(LONG_URL, "scope-creep")}


def test_index_files_do_not_depend_on_record_order(tmp_path):
    site = Site(load_config(make_site(tmp_path, LONG_LESSON) / "site.yaml"))
    site.build()
    records = [search_record(site.pages.full(n), n + ".html") for n in sorted(site.pages.facts)]
    shuffled = records[:]
    random.Random(1).shuffle(shuffled)
    assert search_index_files(shuffled) == search_index_files(records)


def test_a_large_course_is_split_into_shards_a_query_loads_few_of(tmp_path):
    rng = random.Random(7)
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(7)) for _ in range(3000)
    ]
    pages = {
        f"p{n}.md": f"@page p{n} Page {n}\n@parent home {n}\n@body\n"
        + " ".join(rng.sample(vocabulary, 200))
        + "\n"
        for n in range(80)
    }
    pages["home.md"] = "@page home Home\n@body\nWelcome.\n"
    site = Site(load_config(make_site(tmp_path, pages) / "site.yaml"))
    site.build()
    files = search_files(site)
    index = read_index(files)
    assert len(index.shards) > 10
    shard_sizes = [
        len(text) for rel, text in files.items() if rel.startswith("_assets/search/terms/")
    ]
    assert max(shard_sizes) < 2 * SHARD_TARGET_BYTES
    assert len(files[MANIFEST_FILE]) < 2000
    # a word is found in the shard its place in the sorted keys names (its stem's, at most one more)
    for word in rng.sample(vocabulary, 20):
        assert word in index.entry(word)[0]


def test_hidden_pages_stay_out_of_the_index(tmp_path):
    pages = {
        **CONSULTING,
        "notes.md": "@page learn-technology-consulting/notes Instructor Notes\n"
        "@parent learn-technology-consulting 9\n@hide\n@body\nSecret grading rubric.\n",
    }
    index = site_index(tmp_path, pages)
    assert index.urls("rubric") == set()
    assert index.urls("kickoff") == {"learn-technology-consulting/kickoff.html"}


def test_pages_say_where_the_index_is(bundled_course):
    out, _ = bundled_course
    lesson = out / "client-trust" / "agreements.html"
    soup = BeautifulSoup(lesson.read_text(encoding="utf-8"), "html.parser")
    manifest = soup.find(attrs={"data-search-index": True})["data-search-index"]
    assert (lesson.parent / manifest).resolve() == (out / MANIFEST_FILE).resolve()


def test_a_course_whose_pages_are_all_hidden_still_has_the_index_its_pages_name(tmp_path):
    """Every page hidden (the root carries @hide): the pages still point at the manifest, so it
    must be there, empty, rather than missing (the search box would fail to load it)."""
    pages = {
        "index.md": "@page home Home\n@hide\n@body\nWelcome.\n",
        "a.md": "@page home/a Lesson\n@parent home\n@body\nText.\n",
    }
    root = make_site(tmp_path / "site", pages)
    assert build_site(load_config(root / "site.yaml"), tmp_path / "out", use_cache=False).written
    manifest = (tmp_path / "out" / MANIFEST_FILE).read_text(encoding="utf-8")
    assert '"pages":0' in manifest


@pytest.fixture(scope="module")
def many_records(tmp_path_factory):
    """Search records of 150 pages sharing words, with headings: as a build makes them."""
    rng = random.Random(11)
    words = ["trust", "trusted", "client", "clients", "rapport", "meeting", "meetings", "scope"]
    words += ["".join(rng.choice("abcdefgh") for _ in range(5)) for _ in range(60)]
    words += ["café", "cafés", "naïve", "\U0001d400bc", "\ue000x"]  # beyond ASCII and the BMP
    pages = {
        f"p{n}.md": f"@page p{n} Page {n} {rng.choice(words)}\n@parent home {n}\n@body\n"
        + " ".join(rng.sample(words, rng.randrange(1, 30)))
        + f"\n\n## {rng.choice(words)} {rng.choice(words)}\n\n"
        + " ".join(rng.sample(words, rng.randrange(0, 20)))
        + "\n"
        for n in range(150)
    }
    pages["home.md"] = "@page home Home\n@body\nWelcome.\n"
    site = Site(load_config(make_site(tmp_path_factory.mktemp("many"), pages) / "site.yaml"))
    site.build()
    return [search_record(site.pages.full(n), n + ".html") for n in sorted(site.pages.facts)]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_index_files_merged_in_blocks_and_kept_equal_one_merge(many_records, tmp_path, data):
    """Pages' words are merged in blocks of pages, each kept in the cache; whatever the blocks,
    and whichever are read back from the cache (a page edited, added or removed since), the
    index files are those of one merge of every page."""
    from trustdocs import search
    from trustdocs.cache import BuildCache

    indexes = st.lists(st.integers(0, len(many_records) - 1), unique=True, max_size=150)
    chosen = [many_records[i] for i in data.draw(indexes)]
    with mock.patch.object(search, "BLOCK_PAGES", 10**9):
        expected = search_index_files(chosen)
    size = data.draw(st.integers(1, 40))
    cache = BuildCache(tmp_path / f"cache-{size}")
    before = [many_records[i] for i in data.draw(indexes)]  # an earlier build, same cache
    with mock.patch.object(search, "BLOCK_PAGES", size):
        search_index_files(before, cache)
        assert search_index_files(chosen) == expected
        assert search_index_files(chosen, cache) == expected
        assert search_index_files(chosen, cache) == expected  # every block read back


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_an_index_patched_after_a_few_edits_equals_one_assembled_anew(many_records, tmp_path, data):
    """A build whose pages' records differ from the last build's in a few pages patches the last
    index (kept in the cache) rather than merging every page's words again: after any edits
    (words added, dropped, moved between text and headings, a page's words all gone), one after
    another, its files are those of an index assembled from scratch."""
    from trustdocs import search
    from trustdocs.cache import BuildCache

    count = data.draw(st.integers(1, 60))
    records = st.sampled_from(many_records)
    urls = [f"u{n:03}.html" for n in range(count)]
    pages = [{**data.draw(records), "url": url} for url in urls]
    cache = BuildCache(tmp_path / f"cache-{count}")
    target = data.draw(st.sampled_from([search.SHARD_TARGET_BYTES, 300, 40]))
    share = data.draw(st.sampled_from([search.PATCHED_SHARE, 1]))  # 1: up to PATCHED_MOST pages
    most = min(search.PATCHED_MOST, max(1, count // share))
    with (
        mock.patch.object(search, "SHARD_TARGET_BYTES", target),
        mock.patch.object(search, "PATCHED_SHARE", share),
    ):
        search_index_files(pages, cache)
        for _ in range(data.draw(st.integers(1, 3))):
            edits = data.draw(st.lists(st.integers(0, count - 1), max_size=most + 2))
            for n in edits:
                pages[n] = {**data.draw(records), "url": urls[n]}
            patched = mock.patch.object(search, "_assembled", side_effect=AssertionError)
            with patched if len(set(edits)) <= most else contextlib.nullcontext():
                found = search_index_files(pages, cache)
            assert found == search_index_files(pages)


@pytest.mark.parametrize("change", ["added", "removed"])
def test_a_page_added_or_removed_merges_the_words_of_its_own_block_alone(
    many_records, tmp_path, change
):
    """The pages' words are merged in blocks kept in the cache: a page added or removed (which
    no patch of the last index can take) changes its own block alone, and the others are read
    back, wherever it stands; the index is that of one merge of every page."""
    from trustdocs import search
    from trustdocs.cache import BuildCache

    pages = [{**r, "url": f"u{n:03}.html"} for n, r in enumerate(many_records[:120])]
    with mock.patch.object(search, "BLOCK_PAGES", 8):
        search_index_files(pages, BuildCache(tmp_path))
        if change == "added":
            pages.insert(3, {**many_records[130], "url": "u002b.html"})
        else:
            del pages[3]
        merges = mock.patch.object(search, "_gapped", wraps=search._gapped)
        with merges as merged:
            found = search_index_files(pages, BuildCache(tmp_path))
    assert merged.call_count == 2  # the words of one block: its text, and its headings
    assert found == search_index_files(pages)


def test_a_patched_index_keeps_the_merged_words_of_unchanged_pages_from_pruning(
    many_records, tmp_path
):
    """Builds that only patch the index still use the blocks of merged words: pruning keeps them,
    and the next build that must merge every page's words again reads the unchanged ones back."""
    import os

    from trustdocs import search
    from trustdocs.cache import BuildCache

    pages = [{**r, "url": f"u{n:03}.html"} for n, r in enumerate(many_records[:130])]
    search_index_files(pages, BuildCache(tmp_path))  # three blocks of BLOCK_PAGES
    for entry in tmp_path.rglob("*.entry"):
        os.utime(entry, (1, 1))  # made long ago: pruned unless a build uses them
    pages[5] = {**many_records[140], "url": pages[5]["url"]}
    patching = BuildCache(tmp_path)
    with mock.patch.object(search, "_assembled", side_effect=AssertionError):
        search_index_files(pages, patching)
    patching.prune()
    pages[6] = {**many_records[141], "url": pages[6]["url"]}
    merges = mock.patch.object(search, "_gapped", wraps=search._gapped)
    never = mock.patch.multiple(search, PATCHED_MOST=0, KEPT_PATCH_MOST=0)  # merged anew
    with never, merges as merged:
        found = search_index_files(pages, BuildCache(tmp_path))
    assert found == search_index_files(pages)
    assert merged.call_count == 2  # the edited block's text and headings; the others read back


def test_one_page_saved_again_and_again_leaves_the_index_kept_as_it_is(many_records, tmp_path):
    """An author saving one lesson again and again: each build patches the index kept for that
    page alone, and does not keep its own (writing every word's entry again cost more than the
    patch); once a second page differs from it, the patched index is kept in its place. The
    files are those of an index assembled from scratch all along."""
    from trustdocs import search
    from trustdocs.cache import BuildCache

    pages = [{**r, "url": f"u{n:03}.html"} for n, r in enumerate(many_records[:80])]
    search_index_files(pages, BuildCache(tmp_path))
    pages[5] = {**many_records[100], "url": pages[5]["url"]}
    search_index_files(pages, BuildCache(tmp_path))  # words counted: kept once
    stores = mock.patch.object(search, "store", wraps=search.store)
    no_merge = mock.patch.object(search, "_assembled", side_effect=AssertionError)
    for other in (101, 102, 103):
        pages[5] = {**many_records[other], "url": pages[5]["url"]}
        with stores as stored, no_merge:
            found = search_index_files(pages, BuildCache(tmp_path))
        assert stored.call_count == 0
        assert found == search_index_files(pages)
    pages[9] = {**many_records[104], "url": pages[9]["url"]}
    with stores as stored, no_merge:
        found = search_index_files(pages, BuildCache(tmp_path))
    assert stored.call_count == 1
    assert found == search_index_files(pages)
    pages[9] = {**many_records[105], "url": pages[9]["url"]}
    with stores as stored, no_merge:
        found = search_index_files(pages, BuildCache(tmp_path))
    assert stored.call_count == 0  # page 9 alone differs from the index kept
    assert found == search_index_files(pages)


def test_a_cached_index_takes_any_text_an_uncached_one_takes(many_records, tmp_path):
    """Keeping the index in the cache never fails where assembling it without one does not: a
    URL with a lone surrogate (which no page name can hold) is written as the files write it."""
    from trustdocs.cache import BuildCache

    pages = [{**many_records[0], "url": "a\udcff.html"}, many_records[1]]
    assert search_index_files(pages, BuildCache(tmp_path)) == search_index_files(pages)


# Any character a word can hold (no lone surrogate), and often those whose order differs between
# UTF-16 and code points.
_KEY_CHARACTERS = st.one_of(
    st.characters(exclude_categories=("Cs",)),
    st.sampled_from("a\ue000\uffff\U00010000\U0001f600"),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(_KEY_CHARACTERS, max_size=6), max_size=6),
    st.lists(st.integers(0, 2**53), max_size=6),
    st.lists(st.integers(0, 2**53), max_size=6),
)
@example(["\ue000", "\U00010000", "é", "a"], [0, 3], [2**53])  # UTF-16 sorts the pair below
def test_index_entries_and_key_order_are_those_of_the_json_encoder_and_utf16(words, text, heads):
    """An index entry is written without an encoder per entry, and keys are sorted without
    encoding each one: the same text as the JSON encoder writes, the same order as the browser's
    UTF-16 comparison, for any words (accents, symbols, characters beyond the BMP)."""
    from trustdocs import search

    assert search._entry(words, text, heads) == search._json([words, text, heads])
    astral = search._ASTRAL.search("".join(words)) is not None
    keys = list(words)
    search._in_browser_order(keys, astral)
    assert keys == sorted(words, key=lambda w: w.encode("utf-16-be"))


def test_a_cross_link_in_raw_html_is_searched_as_the_page_shows_it(tmp_path):
    """A `[page-name]` in the text of a `<details>` block shows the page's title: its record
    holds the title, not the bracket."""
    pages = dict(CONSULTING)
    pages["consulting/kickoff.md"] = (
        "@page learn-technology-consulting/kickoff Kickoff\n@parent learn-technology-consulting 1\n"
        "@body\n<details>\n<summary>Solution</summary>\n"
        "See [learn-technology-consulting/communication] first.\n</details>\n"
    )
    site = Site(load_config(make_site(tmp_path, pages) / "site.yaml"))
    site.build()
    record = site.made.pages["learn-technology-consulting/kickoff"].search_record
    assert record is not None
    title = site.snapshot.pages["learn-technology-consulting/communication"].title
    text = json.loads(record["page"])["s"][0][2]
    assert f"See {title} first." in text and "[" not in text


def test_an_index_made_without_a_cache_holds_one_record_at_a_time():
    """A large site's search records are read back from a spool, each time they are used: a
    build without a cache merges every page's words in one pass, and must not hold every record
    read at once (at 10,000 lessons that was a hundred MiB more in the main process)."""
    import tracemalloc
    from array import array
    from collections.abc import Mapping

    class ReadBack(Mapping):
        """A record whose fields are made anew at each reading, as a spooled one's are."""

        def __init__(self, number: int) -> None:
            self.number = number

        def _fields(self) -> dict:
            words = f"w{self.number} common"
            return {
                "title": f"Page {self.number}",
                "url": f"p{self.number:04}.html",
                "page": json.dumps({"t": "x", "s": [["", "", "text " * 4000]]}),
                "words": words,
                "word_stems": words,
                "text_terms": " ".join(sorted(words.split())),
                "text_masks": array("Q", [1, 1]),
                "heading_terms": "",
                "heading_masks": array("Q"),
            }

        def __getitem__(self, key: str):
            return self._fields()[key]

        def __iter__(self):
            return iter(self._fields())

        def __len__(self) -> int:
            return 9

    from trustdocs import search

    records = [ReadBack(n) for n in range(300)]
    record_bytes = len(records[0]["page"])  # about 20 KB, made anew each reading
    pages = sorted(records, key=lambda r: r["url"])
    tracemalloc.start()
    try:
        search._merged(pages, ["d"] * len(pages), None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * record_bytes, peak  # all 300 held would be 300 times it
