"""Full-text search: every word of every visible page, in a chunked index the browser loads by need.

Two pure stages:

1. `search_record(page, url, title_of)` turns one parsed page into a small JSON-serialisable record:
   its title, URL, its sections (the page top, then one per heading, each with its heading text,
   anchor and text) as the page's own file holds them, and its distinct words. A record depends on
   that page and the titles its cross-links show, as the page's HTML does: the build cache keeps it
   with the page's outputs, and a warm build never re-reads an unchanged page's words.
2. `search_index_files(records)` assembles the records into the files learners download, under
   `_assets/search/`: a small manifest, term shards (sorted ranges of stems and words, each with
   its postings) and the pages' texts for the result excerpts, PAGES_PER_FILE pages a file. A query
   loads the manifest, the few shards its terms fall in, and the texts of the pages it shows.

Every file is a script that hands its data to `window.trustdocsSearch` (`manifest(...)`,
`shard(n, ...)`, `page(n, ...)`), so the browser loads it with a `<script>` tag and search works
from `file://`, where `fetch` is refused.

Why not Pagefind, the usual choice for large static sites: it indexes the built HTML from scratch on
every build (about as long as the whole build at 1,000 lessons), so a warm build would pay for all
pages again, and its index is fetched, so it needs http. Here the expensive part, reading a page's
words, happens once per page and is cached with the page; assembly only merges word lists, and
after an edit or a few, only patches the last build's index: the entries of the edited pages' words.

Stemming happens at build time with Snowball's English stemmer; each shard carries the mapping from
the words the course uses to their stems, so the browser stems a query word by looking it up and
needs no stemmer of its own.
"""

from __future__ import annotations

import bisect
import collections
import hashlib
import html
import itertools
import json
import operator
import re
import unicodedata
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any, TypedDict

import snowballstemmer
from markdown_it.token import Token

from trustdocs.cache import BuildCache, code_fingerprint, load, store
from trustdocs.markdown.rawhtml import read_html
from trustdocs.pages import ParsedPage
from trustdocs.urls import ASSETS_DIR

SEARCH_DIR = f"{ASSETS_DIR}/search"
MANIFEST_FILE = f"{SEARCH_DIR}/manifest.js"
SHARD_TARGET_BYTES = 16_000  # a shard closes once it reaches this size; one term may exceed it
# Pages' texts, by page number, this many a file: a file per page would double the files a build
# writes (each costs more to create than to fill, and to upload), and a query shows up to ten
# pages, often neighbours. Fixed, not by size: an edit that grows one page's text changes one file.
PAGES_PER_FILE = 4
MAX_WORD_LENGTH = 60  # longer runs of letters are hashes or data, not words anyone types
MAX_SECTION_BIT = 52  # section masks are JSON numbers: exact in JavaScript up to 2**53
# 3: each shard and texts file names the numbering of the pages it was made for (2: pages' texts
# PAGES_PER_FILE a file; 1: one a file)
FORMAT_VERSION = 3

# A word: letters and digits, with inner apostrophes ("don't", "client's"); the browser's
# search.js splits queries with the same rule.
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


class SearchRecord(TypedDict):
    """What search knows of one page: its sections, and their words ready to merge."""

    title: str
    url: str  # the page's output path from the site root
    # The page's entry in its index file, as JSON: title, URL and sections ([heading, anchor,
    # text] each). One string rather than a list of small maps: made once, where the page is made.
    page: str
    # Space-separated lists, so that a large course's records stay small in memory, in the cache
    # and in transit (maps of thousands of small objects would not): each distinct word of the
    # page and its stem, in step; the stems found in section text, and for each its bit mask of
    # those sections (bit i for section i); the same for headings (section 0's is the page title).
    words: str
    word_stems: str
    text_terms: str
    text_masks: array[int]
    heading_terms: str
    heading_masks: array[int]


def normalized(text: str) -> str:
    """Text as words are compared: NFC, lowercase, one kind of apostrophe."""
    return unicodedata.normalize("NFC", text).lower().replace("\u2019", "'")


def words_of(text: str) -> list[str]:
    """The words of TEXT, normalized, in order (repeats kept)."""
    return [w for w in WORD.findall(normalized(text)) if len(w) <= MAX_WORD_LENGTH]


# Snowball's compiled build (PyStemmer) when it is installed, its pure-Python one otherwise: the
# same stems, a hundred times faster (each build worker stems every distinct word it meets once).
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The English stem of a normalized word ('emails' → 'email')."""
    return _STEMMER.stemWord(word)


# --- stage 1: one page → its record ---------------------------------------------------------------


class _HtmlText(HTMLParser):
    """The text of raw HTML in a page (`<summary>A sample answer</summary>`), without scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _html_text(html: str) -> str:
    return " ".join(read_html(_HtmlText, html).parts)


def _inline_text(token: Token, title_of: Callable[[str], str]) -> str:
    """A paragraph's or cell's words as a reader sees them: link text, a cross-link's title."""
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "cross_link_title":
            parts.append(title_of(child.meta["name"]))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "html_inline":
            parts.append(" " + _html_text(child.content) + " ")
        elif child.type == "image":  # its alternative text: what it shows, in words
            parts.append(" " + "".join(c.content for c in child.children or ()) + " ")
    return "".join(parts)


def _block_texts(
    tokens: Iterable[Token], title_of: Callable[[str], str]
) -> Iterator[tuple[str, str | None]]:
    """(text, heading id) for each block in order; the id is set for a heading's own text."""
    heading: str | None = None
    for token in tokens:
        if token.type == "heading_open":
            heading = str(token.attrGet("id") or "") or None
        elif token.type == "heading_close":
            heading = None
        elif token.type == "inline":
            yield _inline_text(token, title_of), heading
        elif token.type in ("fence", "code_block"):
            yield token.content, None
        elif token.type == "html_block":
            yield _html_text(_with_cross_link_texts(token, title_of)), None


def _with_cross_link_texts(token: Token, title_of: Callable[[str], str]) -> str:
    """A raw HTML block with each cross-link in its text (`find_raw_html_cross_links`) as the
    page shows it: its own text, or the title of its page."""
    content, done, pieces = token.content, 0, []
    for start, end, first, text, _ in token.meta.get("cross_links", ()):
        shown = text or (first if first.startswith(("http://", "https://")) else "")
        pieces += [content[done:start], shown or html.escape(title_of(first.partition("#")[0]))]
        done = end
    return "".join([*pieces, content[done:]])


def _squeezed(parts: list[str]) -> str:
    return " ".join(" ".join(parts).split())  # runs of whitespace as one space, as `\s+` is


def _section_bit(index: int) -> int:
    return 1 << min(index, MAX_SECTION_BIT)


def search_record(
    page: ParsedPage, url: str, title_of: Callable[[str], str] = lambda name: name
) -> SearchRecord:
    """Everything search needs of one page, as a reader sees it: title, URL, and each section's
    words.

    The first section is the page top (description and the text before the first heading); each
    heading with an id starts the next. Code blocks, tables and the text of raw HTML count as words
    of their section; a `[page-name]` link's text is the other page's title (TITLE_OF), as on the
    page, which shows it too: the record is made again whenever the page is.
    """
    blocks: list[tuple[str, str, list[str]]] = [("", "", [])]
    for text, _ in _block_texts(page.description.tokens, title_of):
        blocks[0][2].append(text)
    for text, heading_id in _block_texts(page.body.tokens, title_of):
        if heading_id is not None:
            blocks.append((_squeezed([text]), heading_id, []))
        else:
            blocks[-1][2].append(text)
    sections: list[list[str]] = []
    text_masks: dict[str, int] = {}
    heading_masks: dict[str, int] = {}
    for index, (heading, anchor, parts) in enumerate(blocks):
        text = _squeezed(parts)
        sections.append([heading, anchor, text])
        bit = _section_bit(index)
        for word in set(words_of(text)):
            text_masks[word] = text_masks.get(word, 0) | bit
        for word in set(words_of(page.source.title if index == 0 else heading)):
            heading_masks[word] = heading_masks.get(word, 0) | bit
    # Stemming is the slow part of indexing: done here, it is cached with the page.
    words = {word: stem(word) for word in sorted(text_masks.keys() | heading_masks.keys())}
    text_terms, heading_terms = _by_stem(text_masks, words), _by_stem(heading_masks, words)
    return {
        "title": page.source.title,
        "url": url,
        "page": _json({"t": page.source.title, "u": url, "s": sections}),
        "words": " ".join(words),
        "word_stems": " ".join(words.values()),
        "text_terms": " ".join(text_terms),
        "text_masks": array("Q", text_terms.values()),
        "heading_terms": " ".join(heading_terms),
        "heading_masks": array("Q", heading_terms.values()),
    }


def _by_stem(masks: dict[str, int], stems: dict[str, str]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for word, mask in masks.items():
        term = stems[word]
        merged[term] = merged.get(term, 0) | mask
    return dict(sorted(merged.items()))


# --- stage 2: records → the index files -----------------------------------------------------------


def _sort_key(key: str) -> bytes:
    # The browser compares strings by UTF-16 code units; sort the same way so both agree on ranges.
    return key.encode("utf-16-be")


# Beyond the Basic Multilingual Plane: the only characters whose UTF-16 order differs from their
# code points' (a surrogate pair sorts below U+E000 to U+FFFF).
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _in_browser_order(keys: list[str], astral: bool) -> None:
    """Sort KEYS as `_sort_key` does; by code point (Python's order, without encoding each key)
    unless ASTRAL (some key may hold a character beyond the Basic Multilingual Plane)."""
    if astral:
        keys.sort(key=_sort_key)
    else:
        keys.sort()


def _entry(words: list[str], text: list[int], headings: list[int]) -> str:
    """`_json([WORDS, TEXT, HEADINGS])`, without making an encoder for each of a course's
    thousands of terms (most have a posting or two: making it was most of the time)."""
    return (
        f"[[{','.join(map(_string, words))}],"
        f"[{','.join(map(str, text))}],[{','.join(map(str, headings))}]]"
    )


def _script(call: str, *args: Any) -> str:
    return f"window.trustdocsSearch.{call}({','.join(_json(arg) for arg in args)});\n"


Postings = dict[str, list[int]]
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
_json = _ENCODER.encode
_string = json.encoder.encode_basestring  # a string as _json writes it (C; ensure_ascii off)


def _add_postings(merged: Postings, number: int, terms: str, masks: Sequence[int]) -> None:
    """Add page NUMBER's TERMS (its record's, space-separated) with their section MASKS to MERGED
    (stem → flattened (page number, mask) pairs)."""
    for term, mask in zip(terms.split(), masks, strict=True):
        found = merged.get(term)
        if found is None:
            merged[term] = [number, mask]
        else:
            found += (number, mask)


def _gapped(merged: Postings) -> dict[str, tuple[list[int], int]]:
    """stem → (flattened (gap from the previous page number, section mask) pairs, in page order;
    the last page number), from MERGED's page numbers (`_add_postings`)."""
    postings = {}
    for term, flat in merged.items():
        numbers = flat[0::2]
        flat[2::2] = list(map(operator.sub, numbers[1:], numbers))
        postings[term] = flat, numbers[-1]
    return postings


# Pages whose words are merged together, and kept so in the cache: after an edit, the edited page's
# block is merged again and the others are read back (merging every page's words was a fifth of a
# build after one edit at 1,000 lessons). Pages to a block on average (`_blocks`).
BLOCK_PAGES = 64
BLOCK_MOST = 4  # times BLOCK_PAGES: pages to a block at most
# A block: its vocabulary (word → stem), and its text and heading postings (`_gapped`).
Block = tuple[dict[str, str], dict[str, tuple[list[int], int]], dict[str, tuple[list[int], int]]]


def _blocks(pages: Sequence[SearchRecord]) -> Iterator[slice]:
    """The blocks of PAGES (in page number order) whose words are merged together. A block ends
    after a page whose address hashes so (one page in BLOCK_PAGES), or at BLOCK_MOST times that
    many pages: a page added or removed changes its own block alone, where blocks of a fixed
    size would all shift after it, and be merged again."""
    start = 0
    for number, record in enumerate(pages):
        url = record["url"].encode("utf-8", "surrogatepass")
        if zlib.crc32(url) % BLOCK_PAGES == 0 or number + 1 - start >= BLOCK_MOST * BLOCK_PAGES:
            yield slice(start, number + 1)
            start = number + 1
    if start < len(pages):
        yield slice(start, len(pages))


def _block_key(digests: Sequence[str]) -> str:
    """The key of the block of the pages whose records have DIGESTS (`_text_digest`)."""
    return hashlib.sha256("\0".join(["block", code_fingerprint(), *digests]).encode()).hexdigest()


def _block(
    pages: Sequence[SearchRecord], digests: Sequence[str], cache: BuildCache | None
) -> Block:
    """The words of PAGES (whose records have DIGESTS) merged, from CACHE when it holds them."""
    key = ""
    if cache is not None and cache.enabled:
        key = _block_key(digests)
        kept = load(cache, "search", key, tuple)
        if kept is not None:
            return kept  # type: ignore[no-any-return]
    vocabulary: dict[str, str] = {}
    text: Postings = {}
    headings: Postings = {}
    # One record at a time, each read once (a spooled one, back from its spool), never all held:
    # a build without a cache merges every page of the site in one block.
    for number, spooled in enumerate(pages):
        record = dict(spooled)
        vocabulary.update(zip(record["words"].split(), record["word_stems"].split(), strict=True))
        _add_postings(text, number, record["text_terms"], record["text_masks"])
        _add_postings(headings, number, record["heading_terms"], record["heading_masks"])
    block = vocabulary, _gapped(text), _gapped(headings)
    if key:
        store(cache, "search", key, block)  # type: ignore[arg-type]
    return block


def _join(
    merged: Postings, last: dict[str, int], part: dict[str, tuple[list[int], int]], start: int
) -> None:
    """Add a block's postings PART, its pages numbered from START, to those of the blocks before."""
    for term, (flat, final) in part.items():
        found = merged.get(term)
        if found is None:
            merged[term] = [start + flat[0], *flat[1:]]
        else:
            found.append(start + flat[0] - last[term])
            found += flat[1:]
        last[term] = start + final


def _merged(
    pages: Sequence[SearchRecord], digests: Sequence[str], cache: BuildCache | None
) -> tuple[dict[str, str], Postings, Postings]:
    """Every page's words (word → stem) and the text and heading postings of every stem."""
    if cache is None or not cache.enabled:  # no block is kept: every page's words merged at once
        words, text_part, heading_part = _block(pages, digests, None)
        return words, _flat(text_part), _flat(heading_part)
    vocabulary: dict[str, str] = {}
    text: Postings = {}
    headings: Postings = {}
    last_text: dict[str, int] = {}
    last_heading: dict[str, int] = {}
    for block in _blocks(pages):
        words, text_part, heading_part = _block(pages[block], digests[block], cache)
        vocabulary.update(words)
        _join(text, last_text, text_part, block.start)
        _join(headings, last_heading, heading_part, block.start)
    return vocabulary, text, headings


def _flat(part: dict[str, tuple[list[int], int]]) -> Postings:
    """The postings of a block of pages numbered from 0, as `_merged` gives them."""
    return {term: flat for term, (flat, _) in part.items()}


def _numbering(urls: list[str]) -> str:
    """The name of the numbering of pages at URLS (in page order): each shard and texts file
    says it, so that a browser that read the manifest of an earlier build (a tab left open
    while the site was published again) knows a file of another numbering for what it is."""
    return hashlib.sha256("\0".join(urls).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _text_files(pages: list[SearchRecord], numbering: str) -> tuple[dict[str, str], list[str]]:
    """The pages' texts, PAGES_PER_FILE pages a file: page N's in file N // PAGES_PER_FILE; and
    each page's record digest (`_text_digest`). Each record is read once (a spooled one, back
    from its spool)."""
    files: dict[str, str] = {}
    digests: list[str] = []
    for first in range(0, len(pages), PAGES_PER_FILE):
        texts = []
        for number in range(first, min(first + PAGES_PER_FILE, len(pages))):
            text = pages[number]["page"]
            digests.append(_text_digest(text))
            texts.append(f'window.trustdocsSearch.page({number},{text},"{numbering}");\n')
        files[f"{SEARCH_DIR}/pages/{first // PAGES_PER_FILE}.js"] = "".join(texts)
    return files, digests


def search_index_files(
    records: Iterable[SearchRecord], cache: BuildCache | None = None
) -> dict[str, str]:
    """The search index, as output files (path from the site root → script text), from page records.

    Pages are numbered in URL order, so the files depend on the set of records, not their order.
    A term shard holds, for a sorted range of keys: `w`, each word whose stem differs from it → its
    stem; `p`, each stem → [its words, text postings, heading postings]. Postings are flattened
    pairs (gap from the previous page number, section mask). CACHE: where pages' words are
    kept merged (`_blocks`), and the last index assembled, which a build that changed a few
    pages' records patches (`_patched`) rather than merging every page's words again.
    """
    pages = sorted(records, key=lambda r: r["url"])
    numbering = _numbering([r["url"] for r in pages])
    files, digests = _text_files(pages, numbering)
    key = _index_key([r["url"] for r in pages]) if cache is not None and cache.enabled else ""
    index, kept_anew = _patched(pages, digests, cache, key) if key else (None, True)
    if index is None:
        index = _assembled(pages, digests, cache)
    if key and kept_anew:
        store(cache, "search", key, index)  # type: ignore[arg-type]
    shards, firsts = _shards(index)
    files.update(
        (
            f"{SEARCH_DIR}/terms/{number}.js",
            # with the first key it holds, as the manifest lists it
            f"window.trustdocsSearch.shard({number},{{{data}}},"
            f'"{numbering}",{_string(firsts[number])});\n',
        )
        for number, data in enumerate(shards)
    )
    files[MANIFEST_FILE] = _manifest(files, len(pages), firsts, numbering)
    return files


@dataclass
class _Index:
    """An assembled index, as its shards are cut from it; kept in the cache for the next build."""

    digests: list[str]  # each page's record (`_text_digest`), in page number order
    words: list[str]  # each page's words, as its record has them
    counts: dict[str, int] | None  # each word → the number of pages that have it (None: not
    # counted yet; the first patch counts them: a build that changed the pages never needs them)
    p: dict[str, str]  # each stem → its entry (`_entry`)
    w: dict[str, str]  # each word whose stem differs from it → the stem, as JSON


def _text_digest(text: str) -> str:
    """The digest of the record whose page entry is TEXT: a record is made from its page's entry
    alone (`search_record`), with trustdocs' code."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _index_key(urls: list[str]) -> str:
    """Where the last index assembled of pages at URLS is kept (a build that changed which pages
    there are finds none, without reading one it cannot use), for this code."""
    text = "\0".join(["index", code_fingerprint(), *urls])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _assembled(
    pages: Sequence[SearchRecord], digests: list[str], cache: BuildCache | None
) -> _Index:
    """The index of PAGES (whose records have DIGESTS), from every page's words."""
    vocabulary, text, headings = _merged(pages, digests, cache)
    forms: dict[str, list[str]] = {}
    for word, term in vocabulary.items():
        forms.setdefault(term, []).append(word)
    astral = _ASTRAL.search("".join(vocabulary)) is not None  # in a word sorted below
    entries: dict[str, str] = {}
    stems: dict[str, str] = {}
    for term, words in forms.items():
        _in_browser_order(words, astral)
        entries[term] = _entry(words, text.get(term, []), headings.get(term, []))
        stems.update((word, _string(term)) for word in words if word != term)
    words = [record["words"] for record in pages]
    return _Index(digests, words, None, entries, stems)


# Pages whose records may differ from the last build's for the last index to be patched, at most
# (and from the index kept, KEPT_PATCH_MOST more): each costs the entries of its words' stems,
# decoded and written again, and the commonest words' are long.
PATCHED_MOST = 32
PATCHED_SHARE = 16  # nor more than one page in this many
# Pages whose records may differ from the index kept for it to be kept as it is, at most: an
# author saving one lesson again and again has each build patch that page alone, and keeping
# the patched index (every word's entry, pickled and written) cost more than the patch.
KEPT_PATCH_MOST = 1


def _patched(
    pages: Sequence[SearchRecord], digests: list[str], cache: BuildCache | None, key: str
) -> tuple[_Index | None, bool]:
    """The last index kept of the same pages (KEY) in CACHE, patched to PAGES' records (whose
    DIGESTS those are), and whether to keep it in place of that one (it differs from it in more
    than KEPT_PATCH_MOST pages, or it counts words that one had not counted); None when there is
    none, or too many records changed (PATCHED_MOST, PATCHED_SHARE)."""
    assert cache is not None  # KEY is only made for a cache
    index = load(cache, "search", key, _Index)
    if index is None or len(index.digests) != len(pages):
        return None, True
    changed = [n for n, (a, b) in enumerate(zip(digests, index.digests, strict=True)) if a != b]
    # The index kept may already lag the last build's by KEPT_PATCH_MOST pages.
    if len(changed) > min(PATCHED_MOST, max(1, len(pages) // PATCHED_SHARE)) + KEPT_PATCH_MOST:
        return None, True
    # The blocks of merged words a build after other changes reads: used, so pruning keeps them.
    for block in _blocks(pages):
        cache.touch("search", _block_key(digests[block]))
    if not changed:
        return index, False
    uncounted = index.counts is None
    _patch(index, {n: dict(pages[n]) for n in changed})
    index.digests = digests
    return index, uncounted or len(changed) > KEPT_PATCH_MOST


def _patch(index: _Index, records: dict[int, SearchRecord]) -> None:
    """Make INDEX that of its pages with RECORDS in place of theirs (page number → record)."""
    before = {n: index.words[n].split() for n in records}
    after = {n: r["words"].split() for n, r in records.items()}
    stems: dict[str, str] = {}  # the new records' words → their stems
    for record in records.values():
        stems.update(zip(record["words"].split(), record["word_stems"].split(), strict=True))
    touched = set().union(*before.values(), *after.values())
    if index.counts is None:  # a page at a time: every word of a large course at once is large
        index.counts = collections.Counter()
        for words in index.words:
            index.counts.update(words.split())
    counts = index.counts
    had = {word for word in touched if word in counts}
    for n in records:
        for word in before[n]:
            counts[word] -= 1
        for word in after[n]:
            counts[word] = counts.get(word, 0) + 1
        index.words[n] = records[n]["words"]
    gone = {word for word in had if not counts[word]}
    for word in gone:
        del counts[word]
    came: dict[str, list[str]] = {}  # stem → its words no page had before
    for word in touched - had:
        came.setdefault(stems[word], []).append(word)
    for word in gone:
        index.w.pop(word, None)
    for term, words in came.items():
        index.w.update((word, _string(term)) for word in words if word != term)
    text = {
        n: dict(zip(r["text_terms"].split(), r["text_masks"], strict=True))
        for n, r in records.items()
    }
    heading = {
        n: dict(zip(r["heading_terms"].split(), r["heading_masks"], strict=True))
        for n, r in records.items()
    }
    for term in {stems.get(word) or stem(word) for word in touched}:
        was = json.loads(index.p.get(term, "[[],[],[]]"))
        forms = [word for word in was[0] if word not in gone] + came.get(term, [])
        if not forms:
            del index.p[term]  # no page has any of its words: nor its postings
            continue
        _in_browser_order(forms, _ASTRAL.search("".join(forms)) is not None)
        now = [forms, _postings_with(was[1], text, term), _postings_with(was[2], heading, term)]
        if now != was:  # most of an edited page's words are where they were: written once
            index.p[term] = _entry(*now)


def _postings_with(flat: list[int], masks: dict[int, dict[str, int]], term: str) -> list[int]:
    """The flattened postings FLAT with each page of MASKS (page number → term → its mask
    there) holding TERM as MASKS say, or not at all. The commonest terms have a posting on
    most pages: each is found by bisection, and the lists are made whole, not a pair at a time."""
    numbers, found = list(itertools.accumulate(flat[0::2])), flat[1::2]
    for n, given in masks.items():
        mask = given.get(term)
        at = bisect.bisect_left(numbers, n)
        there = at < len(numbers) and numbers[at] == n
        if mask is None:
            if there:
                del numbers[at], found[at]
        elif there:
            found[at] = mask
        else:
            numbers.insert(at, n)
            found.insert(at, mask)
    postings = [0] * (2 * len(numbers))
    postings[0::2] = [*numbers[:1], *map(operator.sub, numbers[1:], numbers)]
    postings[1::2] = found
    return postings


def _shards(index: _Index) -> tuple[list[str], list[str]]:
    """INDEX's term shards (each one's data, as JSON) and the first key of each: keys in the
    browser's order, a shard closed once it reaches SHARD_TARGET_BYTES."""
    stems, words = index.p, index.w
    keys = list(stems.keys() | words.keys())
    _in_browser_order(keys, _ASTRAL.search("".join(keys)) is not None)
    shards: list[tuple[list[str], list[str]]] = []
    firsts: list[str] = []
    size = SHARD_TARGET_BYTES
    # Tens of thousands of keys: each written once, in C (`map`), and looked up once a kind.
    for key, name in zip(keys, map(_string, keys), strict=True):
        if size >= SHARD_TARGET_BYTES:
            shards.append(([], []))
            firsts.append(key)
            size = 0
        entry = stems.get(key)
        if entry is not None:
            member = f"{name}:{entry}"
            shards[-1][0].append(member)
            size += len(member)
        stem = words.get(key)
        if stem is not None:
            member = f"{name}:{stem}"
            shards[-1][1].append(member)
            size += len(member)
    if firsts:
        firsts[0] = ""  # the first shard also holds every key that sorts before the first word
    data = [f'"p":{{{",".join(p)}}},"w":{{{",".join(w)}}}' for p, w in shards]
    return data, firsts


def _manifest(files: dict[str, str], pages: int, firsts: list[str], numbering: str) -> str:
    """The manifest of the index FILES: with the name of this build of them, which search.js adds
    to their addresses, so that a browser that keeps files a while (hosts allow it minutes) never
    mixes two builds' shards and texts."""
    digest = hashlib.sha256()
    for path, text in files.items():
        digest.update(f"{path}\0{len(text)}\0".encode())
        digest.update(text.encode("utf-8", "surrogatepass"))
    build = digest.hexdigest()[:16]
    manifest = {"version": FORMAT_VERSION, "build": build, "pages": pages, "numbering": numbering}
    # Sections from the last bit on share it: search.js looks among them for the one it found.
    shared = {"lastSectionBit": MAX_SECTION_BIT}
    return _script(
        "manifest", {**manifest, "pagesPerFile": PAGES_PER_FILE, **shared, "shards": firsts}
    )


class SearchIndex:
    """The index files of the latest records: assembled again only when a record is replaced
    (CACHE: see `search_index_files`)."""

    def __init__(self, cache: BuildCache | None = None) -> None:
        self._records: tuple[SearchRecord, ...] | None = None  # None: nothing assembled yet
        self._files: dict[str, str] = {}
        self.cache = cache

    def files(self, records: Sequence[SearchRecord]) -> dict[str, str]:
        """`search_index_files(records)`, reused while RECORDS are the same objects as last time."""
        if (
            self._records is None
            or len(records) != len(self._records)
            or any(map(operator.is_not, records, self._records))
        ):
            self._records = tuple(records)
            self._files = search_index_files(records, self.cache)
        return self._files
