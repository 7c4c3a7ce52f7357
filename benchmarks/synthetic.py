"""Write a synthetic course site for benchmarks.

    python benchmarks/synthetic.py DEST --lessons N [--directives] [--mkdocs] [--hugo]
    python benchmarks/synthetic.py DEST --academy [--pages 250]

DEST gets a trustdocs site (`site.yaml` and `content/`) in the bit-docs page format: a root page,
courses of about 20 lessons, and N lessons in all, each with headings, prose, a list, a table, code
and cross-links to real pages and heading ids. `--directives` adds an `exercises/` folder and uses
`@sourceref`, `@highlight`, `@diff` and `@codepen` in some lessons. `--mkdocs` also writes the same
course as a MkDocs project (`mkdocs.yml` and `docs/`, built into `mkdocs-site/`; Zensical reads it
too) and `--hugo` as a Hugo project (`hugo/`, built into `hugo/public/`), for comparison. Both twins have
the same lessons in the same order with the same text and links, highlight code at build time and mark
the same lines.

`--academy` writes instead an academy shaped like a real bit-docs one: `package.json` with a
"bit-docs" section, about PAGES pages under `src/` (courses of about 20 lessons), and beside each
lesson the exercise files it reads with `@sourceref` and `@diff` (JS, TS, JSX, HTML and CSS files of
20 to 200 lines, starters with TODOs and their solutions): about 1,300 code blocks at 250 pages.

The output depends only on the arguments (the random generator is seeded), and the script uses the
standard library only.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SEED = 2024
# the Hugo twin's templates: a sidebar of the courses with the current one's lessons, an outline
HUGO_LAYOUTS = Path(__file__).parent / "hugo-layouts"
LESSONS_PER_COURSE = 20
ROOT_NAME = "academy"
SITE_TITLE = "Synthetic Academy"
# from a lesson's folder (content/COURSE/NN-SLUG/) up to DEST, where exercises/ lives
EXERCISES_FROM_LESSON = "../../../exercises"

# (course topic, code language, exercise file extension)
TOPICS = [
    ("Python", "python", "py"),
    ("JavaScript", "js", "js"),
    ("HTML and CSS", "html", "html"),
    ("Django", "python", "py"),
    ("React", "js", "js"),
    ("Node.js", "js", "js"),
    ("Accessibility", "html", "html"),
    ("Data Analysis", "python", "py"),
    ("TypeScript", "js", "js"),
    ("Web Performance", "html", "html"),
]

LESSON_TITLES = [
    "Setting Up",
    "Your First Program",
    "Variables and Types",
    "Control Flow",
    "Functions",
    "Working with Lists",
    "Objects and Dictionaries",
    "Strings and Formatting",
    "Error Handling",
    "Modules and Imports",
    "Reading Files",
    "Writing Tests",
    "Debugging",
    "Classes",
    "Iteration",
    "Closures",
    "Async Basics",
    "Working with Dates",
    "Regular Expressions",
    "Packaging",
    "Logging",
    "Configuration",
    "Command-Line Tools",
    "HTTP Requests",
    "Templates",
    "Forms and Validation",
    "State Management",
    "Routing",
    "Performance",
    "Security Basics",
    "Deployment",
    "Code Review",
    "Refactoring",
    "Documentation",
    "Data Modeling",
    "Caching",
    "Internationalization",
    "Event Handling",
    "Working with JSON",
    "Recursion",
    "Sorting and Searching",
    "Putting It All Together",
]

# Some headings exercise the id rules: punctuation, an en dash, a curly apostrophe, a code span.
HEADINGS = [
    "Why it matters",
    "How it works",
    "A first example",
    "Common mistakes",
    "What's next?",
    "Step 1 \u2013 Get the code",
    "Putting it together",
    "Going further",
    "Under the hood",
    "Best practices",
    "Edge cases",
    "Try it yourself",
    "Q&A: when should I use it?",
    "Using `{keyword}`",
    "Reading the error message",
    "Don\u2019t repeat yourself",
    "Naming things",
    "The problem",
    "The solution",
    "Summary",
]

KEYWORDS = {
    "python": ["with", "yield", "lambda", "__init__", "enumerate", "dataclass"],
    "js": ["const", "async", "map", "fetch", "export", "Promise.all"],
    "html": ["<label>", "aria-label", "grid", "srcset", "<template>", "loading"],
}

GLOSSARY = {
    "python": [
        ("list comprehension", "builds a list from an iterable in one expression"),
        ("virtual environment", "keeps a project's packages apart from the system's"),
        ("f-string", "formats values into a string literal"),
        ("generator", "produces values lazily, one at a time"),
        ("decorator", "wraps a function to add behaviour"),
        ("context manager", "sets something up and always tears it down"),
    ],
    "js": [
        ("arrow function", "a short function that keeps the outer `this`"),
        ("promise", "a value that will be available later"),
        ("destructuring", "unpacks properties into variables"),
        ("module", "a file with its own scope and explicit exports"),
        ("closure", "a function that remembers the variables around it"),
        ("event loop", "runs callbacks when the call stack is empty"),
    ],
    "html": [
        ("landmark", "a region such as `main` or `nav` that screen readers can jump to"),
        ("media query", "applies styles only on matching screens"),
        ("flexbox", "lays out items along one axis"),
        ("specificity", "decides which of two conflicting rules wins"),
        ("viewport", "the visible area of the page"),
        ("semantic element", "says what its content is, not how it looks"),
    ],
}

SENTENCES = [
    "In this lesson you will use {term} in a small, realistic {topic} project.",
    "Most {topic} code you read at work relies on {term}, so it pays to know it well.",
    "Start with the smallest version that works, then improve it one step at a time.",
    "Read the example slowly: every line is there for a reason, and none of it is magic.",
    "If something does not behave as you expect, print the value and compare it with what you thought it was.",
    "The idea behind {lesson} is simple, but the details matter when the data gets messy.",
    "Keep functions short and give them names that say what they return.",
    "A common mistake is to reach for {term} before the simpler approach has been tried.",
    "Run the code after every change; small steps make mistakes easy to find.",
    "You will come back to {term} in later lessons, so take a moment to experiment with it.",
    "Write the test first when you can: it tells you when you are done.",
    "Teams often agree on one style for {lesson}, and a linter keeps everyone to it.",
    "There is more than one way to do this, and each has a cost worth knowing.",
    "Notice how little code the final version needs once the data has the right shape.",
    "The standard library already covers most of what this lesson needs.",
    "Before you optimise anything, measure it; the slow part is rarely where you expect.",
    "Error messages look intimidating at first, but the last line usually says what went wrong.",
    "When two approaches both work, pick the one your teammates will understand fastest.",
    "Try the example with an empty input as well; edge cases are where bugs hide.",
    "You do not need to memorise every option; knowing that it exists is enough for now.",
    "The exercise at the end uses everything from this page, so keep your notes close.",
    "Pair up if you can: explaining {lesson} to someone else is the quickest way to learn it.",
    "Real projects mix {term} with plenty of plain, boring code, and that is a good thing.",
    "Once this feels comfortable, look at how an open-source {topic} project does the same.",
]

LINK_SENTENCES = [
    "For the background, see {link}.",
    "This builds on {link}.",
    "Compare this with {link}.",
    "If this is new to you, read {link} first.",
    "You will use this again in {link}.",
]

LIST_ITEMS = [
    "Create a new file for the exercise.",
    "Copy the starter code into it.",
    "Run it once to check that it works before you change anything.",
    "Change one thing at a time and run it again.",
    "Commit your work when the tests pass.",
    "Write down one question to ask in the next session.",
    "Delete code you no longer need instead of commenting it out.",
]

CODE = {
    "python": [
        'def {func}(items):\n    """Return the items that are ready, sorted by name."""\n'
        "    ready = [item for item in items if item.ready]\n"
        "    ready.sort(key=lambda item: item.name)\n"
        "    return ready\n\n\n"
        "print({func}([]))\n",
        "from dataclasses import dataclass\n\n\n@dataclass\nclass {cls}:\n"
        "    name: str\n    done: bool = False\n\n"
        "    def finish(self):\n        self.done = True\n",
        'with open("{slug}.txt", encoding="utf-8") as handle:\n'
        "    lines = [line.strip() for line in handle]\n\n"
        "counts = {{}}\nfor line in lines:\n    counts[line] = counts.get(line, 0) + 1\n\n"
        "print(counts)\n",
    ],
    "js": [
        "export function {func}(items) {{\n"
        "  const ready = items.filter((item) => item.ready);\n"
        "  ready.sort((a, b) => a.name.localeCompare(b.name));\n"
        "  return ready;\n}}\n\nconsole.log({func}([]));\n",
        "class {cls} {{\n  constructor(name) {{\n    this.name = name;\n    this.done = false;\n"
        "  }}\n\n  finish() {{\n    this.done = true;\n  }}\n}}\n",
        "async function load{cls}() {{\n"
        '  const response = await fetch("/api/{slug}");\n'
        "  if (!response.ok) {{\n"
        "    throw new Error(`Request failed: ${{response.status}}`);\n"
        "  }}\n  return response.json();\n}}\n",
    ],
    "html": [
        '<form class="{slug}">\n  <label for="name">Name</label>\n'
        '  <input id="name" name="name" required />\n\n'
        '  <label for="email">Email</label>\n  <input id="email" name="email" type="email" />\n\n'
        '  <button type="submit">Save</button>\n</form>\n',
        '<nav aria-label="{cls}">\n  <ul>\n    <li><a href="#intro">Introduction</a></li>\n'
        '    <li><a href="#setup">Setup</a></li>\n    <li><a href="#next">Next steps</a></li>\n'
        "  </ul>\n</nav>\n",
        '<main class="{slug}">\n  <h1>{cls}</h1>\n'
        '  <img src="chart.png" alt="Results by week" width="640" height="360" />\n'
        "  <p>Updated every Monday.</p>\n</main>\n",
    ],
}

# (problem, solution) pairs; the solution changes a few lines of the problem
EXERCISES = {
    "py": (
        '"""Exercise: {title}."""\n\n\ndef {func}(records):\n    result = []\n'
        "    for record in records:\n        result.append(record)\n    return result\n\n\n"
        'if __name__ == "__main__":\n    print({func}([3, None, 1, 2]))\n',
        '"""Exercise: {title}."""\n\n\ndef {func}(records):\n    result = []\n'
        "    for record in records:\n        if record is not None:\n"
        "            result.append(record)\n    return sorted(result)\n\n\n"
        'if __name__ == "__main__":\n    print({func}([3, None, 1, 2]))\n',
    ),
    "js": (
        "// Exercise: {title}\nexport function {func}(records) {{\n  const result = [];\n"
        "  for (const record of records) {{\n    result.push(record);\n  }}\n  return result;\n}}\n\n"
        "console.log({func}([3, null, 1, 2]));\n",
        "// Exercise: {title}\nexport function {func}(records) {{\n  const result = [];\n"
        "  for (const record of records) {{\n    if (record !== null) {{\n"
        "      result.push(record);\n    }}\n  }}\n  return result.sort((a, b) => a - b);\n}}\n\n"
        "console.log({func}([3, null, 1, 2]));\n",
    ),
    "html": (
        '<!-- Exercise: {title} -->\n<section>\n  <h2>Sign up</h2>\n  <input name="email" />\n'
        "  <button>Send</button>\n</section>\n",
        "<!-- Exercise: {title} -->\n<section>\n  <h2>Sign up</h2>\n"
        '  <label for="email">Email</label>\n'
        '  <input id="email" name="email" type="email" required />\n'
        '  <button type="submit">Send</button>\n</section>\n',
    ),
}

HIGHLIGHT_SPECS = ["2,4-5", "1, 3-4", "3 only", "2-3"]


def heading_id(text: str) -> str:
    """The id FORMAT.md section 5 gives a heading with this visible text."""
    return "".join(
        "-" if ch.isspace() else ch
        for ch in text.lower()
        if ch.isspace() or ch.isalnum() or ch in "_-"
    )


def mkdocs_heading_id(text: str) -> str:
    """The id Python-Markdown's toc extension (MkDocs' default) gives this visible text."""
    value = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(r"[-\s]+", "-", value)


def _unique(ids: list[str], separator: str) -> list[str]:
    """Number repeated ids the way each generator does: `x`, `x-1` (trustdocs) or `x_1` (MkDocs)."""
    seen: dict[str, int] = {}
    result = []
    for anchor in ids:
        if anchor in seen:
            seen[anchor] += 1
            result.append(f"{anchor}{separator}{seen[anchor]}")
        else:
            seen[anchor] = 0
            result.append(anchor)
    return result


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class Heading:
    level: int
    text: str
    anchor: str
    mkdocs_anchor: str


@dataclass(eq=False)
class Course:
    number: int
    name: str
    title: str
    topic: str
    language: str
    extension: str
    lessons: list[Lesson] = field(default_factory=list)


@dataclass(eq=False)
class Lesson:
    course: Course
    number: int
    slug: str
    title: str
    headings: list[Heading] = field(default_factory=list)
    exercise: bool = False

    @property
    def name(self) -> str:
        return f"{self.course.name}/{self.slug}"

    @property
    def folder(self) -> str:
        return f"{self.number:02d}-{self.slug}"


@dataclass(frozen=True)
class Link:
    target: Lesson
    anchor: Heading | None
    text: str | None


@dataclass(frozen=True)
class Code:
    language: str
    text: str
    highlight: str | None = None
    codepen: bool = False


@dataclass(frozen=True)
class Exercise:
    lesson: Lesson
    problem: str
    solution: str

    @property
    def folder(self) -> str:
        return f"{EXERCISES_FROM_LESSON}/{self.lesson.course.name}/{self.lesson.folder}"


# A lesson body is a list of blocks, written out by one function per output format:
# ("heading", Heading) | ("para", list[str | Link]) | ("list", list[str], ordered)
# | ("table", header, rows) | ("code", Code) | ("exercise", Exercise)
Block = tuple


def _plan_courses(lessons: int, directives: bool) -> list[Course]:
    courses = []
    count = -(-lessons // LESSONS_PER_COURSE)
    for index in range(count):
        topic, language, extension = TOPICS[index % len(TOPICS)]
        cycle = index // len(TOPICS)
        suffix = f", part {cycle + 1}" if cycle else ""
        course = Course(
            number=index + 1,
            name=_slug(f"learn {topic}{suffix}"),
            title=f"Learn {topic}{suffix}",
            topic=topic,
            language=language,
            extension=extension,
        )
        size = min(LESSONS_PER_COURSE, lessons - index * LESSONS_PER_COURSE)
        rng = random.Random(f"{SEED}:{course.name}")
        # LESSON_TITLES is in teaching order; keep a course's sample in that order too
        titles = sorted(rng.sample(LESSON_TITLES, size), key=LESSON_TITLES.index)
        for number, title in enumerate(titles, start=1):
            lesson = Lesson(
                course, number, _slug(title), title, exercise=directives and number % 4 == 0
            )
            lesson.headings = _plan_headings(rng, lesson)
            course.lessons.append(lesson)
        courses.append(course)
    return courses


def _plan_headings(rng: random.Random, lesson: Lesson) -> list[Heading]:
    keyword = rng.choice(KEYWORDS[lesson.course.language])
    texts = ["Overview", *rng.sample(HEADINGS, rng.randint(2, 5))]
    levels = [2] + [3 if rng.random() < 0.3 else 2 for _ in texts[1:]]
    if rng.random() < 0.15:
        # a repeated heading, to exercise the -1 suffix
        texts.append(texts[-1])
        levels.append(levels[-1])
    if lesson.exercise:
        texts.append("Exercise")
        levels.append(2)
    texts = [text.replace("{keyword}", keyword) for text in texts]
    visible = [text.replace("`", "") for text in texts]
    anchors = _unique([heading_id(text) for text in visible], "-")
    mkdocs_anchors = _unique([mkdocs_heading_id(text) for text in visible], "_")
    return [Heading(*row) for row in zip(levels, texts, anchors, mkdocs_anchors, strict=True)]


def _plan_body(lesson: Lesson, courses: list[Course], directives: bool) -> list[Block]:
    rng = random.Random(f"{SEED}:{lesson.name}:body")
    course = lesson.course
    words = {
        "topic": course.topic,
        "lesson": lesson.title.lower(),
        "term": rng.choice(GLOSSARY[course.language])[0],
    }
    names = {
        "func": _slug(lesson.title).replace("-", "_"),
        "cls": lesson.title.title().replace(" ", "").replace("-", ""),
        "slug": lesson.slug,
    }
    if course.language == "js":
        names["func"] = re.sub(r"_(\w)", lambda m: m.group(1).upper(), names["func"])

    links = _plan_links(rng, lesson, courses)
    content: list[Block] = [("list", rng.sample(LIST_ITEMS, rng.randint(3, 5)), rng.random() < 0.5)]
    content.append(("table", ("Term", "Meaning"), rng.sample(GLOSSARY[course.language], 3)))
    for index in range(rng.randint(1, 2)):
        template = rng.choice(CODE[course.language])
        highlight = rng.choice(HIGHLIGHT_SPECS) if directives and lesson.number % 3 == 0 else None
        codepen = directives and course.language == "js" and lesson.number % 5 == 0 and index == 0
        content.append(
            ("code", Code(course.language, template.format(**names), highlight, codepen))
        )
    rng.shuffle(content)

    sections = [h for h in lesson.headings if h.text != "Exercise"]
    blocks: list[Block] = []
    for position, heading in enumerate(sections):
        blocks.append(("heading", heading))
        blocks.append(("para", _sentences(rng, words, rng.randint(2, 4))))
        # deal the list, table and code blocks out over the sections, links over the paragraphs
        share = len(content) // (len(sections) - position) if position else 0
        if position == len(sections) - 1:
            share = len(content)
        for _ in range(share):
            blocks.append(content.pop(0))
        if links and (position or len(sections) == 1):
            link = links.pop(0)
            sentence = rng.choice(LINK_SENTENCES)
            before, after = sentence.split("{link}")
            blocks.append(("para", [*_sentences(rng, words, 1), " " + before, link, after]))
    for link in links:
        blocks.append(("para", ["See also ", link, "."]))
    if lesson.exercise:
        exercise_heading = next(h for h in lesson.headings if h.text == "Exercise")
        problem, solution = EXERCISES[course.extension]
        exercise = Exercise(
            lesson,
            problem.format(title=lesson.title, **names),
            solution.format(title=lesson.title, **names),
        )
        blocks.append(("heading", exercise_heading))
        blocks.append(("exercise", exercise))
    return blocks


def _plan_links(rng: random.Random, lesson: Lesson, courses: list[Course]) -> list[Link]:
    """Two to four links: one in the same course and one in another, when there are any."""
    siblings = [other for other in lesson.course.lessons if other is not lesson]

    def other_course_lesson() -> Lesson | None:
        if len(courses) < 2:
            return None
        index = rng.randrange(len(courses) - 1)
        if index >= lesson.course.number - 1:
            index += 1
        return rng.choice(courses[index].lessons)

    wanted = rng.randint(2, 4)
    targets = [rng.choice(siblings)] if siblings else []
    while len(targets) < wanted:
        target = other_course_lesson() if len(targets) % 2 or not siblings else rng.choice(siblings)
        if target is None:
            break
        targets.append(target)

    links = []
    for index, target in enumerate(targets):
        form = (lesson.number + index) % 4  # [NAME], [NAME text], [NAME#a], [NAME#a text]
        anchor = rng.choice(target.headings) if form >= 2 else None
        text = None
        if form % 2:
            if anchor and "`" not in anchor.text:
                text = f"the section \u201c{anchor.text}\u201d"
            else:
                text = target.title.lower()
        links.append(Link(target, anchor, text))
    return links


def _sentences(rng: random.Random, words: dict[str, str], count: int) -> list[str | Link]:
    text = " ".join(sentence.format(**words) for sentence in rng.sample(SENTENCES, count))
    return [text + " " + _prose(f"{SEED}:{words['lesson']}:{text}")]


# Real prose has a large vocabulary: a course of 1,000 lessons uses some 20,000 distinct words,
# and search does work for each (stemming, the index's entries). The sentences above hold a few
# hundred; each paragraph also ends with a sentence of words drawn from VOCABULARY made-up words
# by Zipf's law (the k-th commonest word is used in proportion to 1/k), as natural language is:
# 11,455 distinct words at 1,000 lessons.
VOCABULARY = 30_000
PROSE_WORDS = (6, 11)
_ONSETS = [*"bcdfghklmnprstvw", "br", "cl", "dr", "fl", "gr", "pl", "pr", "sk", "sl", "st", "tr"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ee", "io", "ou"]
_CODAS = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck"]


def _made_up_words(count: int) -> list[str]:
    """COUNT distinct made-up words of one to three syllables, shortest first (the commonest words
    are short), the same every run."""
    rng = random.Random(f"{SEED}:vocabulary")
    found: dict[str, None] = {}
    while len(found) < count:
        syllables = rng.choice((1, 2, 2, 3))
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
        )
        found[word] = None
    return sorted(found, key=len)


_WORDS: list[str] = []
_ZIPF: list[float] = []


def _prose(seed: str) -> str:
    """A sentence of made-up words drawn by Zipf's law, the same for the same SEED."""
    if not _WORDS:
        _WORDS.extend(_made_up_words(VOCABULARY))
        total = 0.0
        for rank in range(1, VOCABULARY + 1):
            total += 1 / rank
            _ZIPF.append(total)
    rng = random.Random(seed)
    drawn = rng.choices(_WORDS, cum_weights=_ZIPF, k=rng.randint(*PROSE_WORDS))
    return " ".join(drawn).capitalize() + "."


# ---- trustdocs (bit-docs page format) ----


def _bitdocs_link(link: Link) -> str:
    target = link.target.name + (f"#{link.anchor.anchor}" if link.anchor else "")
    return f"[{target} {link.text}]" if link.text else f"[{target}]"


def _bitdocs_lesson(lesson: Lesson, blocks: list[Block]) -> str:
    out = [
        f"@page {lesson.name} {lesson.title}",
        f"@parent {lesson.course.name} {lesson.number}",
        "@outline 2",
        f"@description {lesson.title} in {lesson.course.topic}: what it is, when to use it, and how.",
        "",
        "@body",
        "",
    ]
    for block in blocks:
        kind = block[0]
        if kind == "heading":
            out.append(f"{'#' * block[1].level} {block[1].text}")
        elif kind == "para":
            out.append("".join(p if isinstance(p, str) else _bitdocs_link(p) for p in block[1]))
        elif kind in ("list", "table"):
            out.append(_list_or_table(block))
        elif kind == "code":
            code = block[1]
            out.append(f"```{code.language}\n{code.text}```")
            if code.highlight:
                out[-1] += f"\n@highlight {code.highlight}"
            if code.codepen:
                out[-1] += "\n@codepen"
        elif kind == "exercise":
            exercise = block[1]
            ext = lesson.course.extension
            old, new = f"{exercise.folder}/problem.{ext}", f"{exercise.folder}/solution.{ext}"
            out.append(
                f"1. Open the starter file:\n\n   @sourceref {old}\n\n"
                "2. Change it until it skips the missing values and prints them in order.\n\n"
                "<details>\n<summary>Click to see the solution</summary>\n\n"
                f"@diff {old} {new} only\n\n</details>"
            )
        out.append("")
    return "\n".join(out)


def _list_or_table(block: Block) -> str:
    if block[0] == "list":
        items, ordered = block[1], block[2]
        return "\n".join(
            f"{n}. {item}" if ordered else f"- {item}" for n, item in enumerate(items, start=1)
        )
    header, rows = block[1], block[2]
    lines = [f"| {header[0]} | {header[1]} |", "| --- | --- |"]
    lines += [f"| `{term}` | {meaning} |" for term, meaning in rows]
    return "\n".join(lines)


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def _write_trustdocs(dest: Path, courses: list[Course], bodies: dict[str, list[Block]]) -> None:
    content = dest / "content"
    content.mkdir(parents=True, exist_ok=True)
    _write(dest / "site.yaml", f"title: {SITE_TITLE}\nroot: {ROOT_NAME}\n")
    course_list = "\n".join(f"- [{course.name}]" for course in courses)
    _write(
        content / f"{ROOT_NAME}.md",
        f"@page {ROOT_NAME} {SITE_TITLE}\n"
        "@description Generated courses for benchmarking trustdocs.\n\n@body\n\n"
        f"## Courses\n\n{course_list}\n",
    )
    for course in courses:
        folder = content / course.name
        folder.mkdir(exist_ok=True)
        lesson_list = "\n".join(f"{lesson.number}. [{lesson.name}]" for lesson in course.lessons)
        _write(
            folder / f"{course.name}.md",
            f"@page {course.name} {course.title}\n@parent {ROOT_NAME} {course.number}\n"
            f"@description A hands-on {course.topic} course in {len(course.lessons)} lessons.\n\n"
            "@body\n\n## Overview\n\n"
            f"Each lesson takes about half an hour and ends with something to try.\n\n"
            f"## Lessons\n\n{lesson_list}\n",
        )
        for lesson in course.lessons:
            lesson_folder = folder / lesson.folder
            lesson_folder.mkdir(exist_ok=True)
            blocks = bodies[lesson.name]
            _write(lesson_folder / f"{lesson.slug}.md", _bitdocs_lesson(lesson, blocks))
            for block in blocks:
                if block[0] == "exercise":
                    _write_exercise(dest, block[1])


def _write_exercise(dest: Path, exercise: Exercise) -> None:
    lesson = exercise.lesson
    folder = dest / "exercises" / lesson.course.name / lesson.folder
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / f"problem.{lesson.course.extension}", exercise.problem)
    _write(folder / f"solution.{lesson.course.extension}", exercise.solution)


# ---- MkDocs ----


def _mkdocs_link(link: Link, source: Lesson) -> str:
    target = link.target
    if target.course is source.course:
        path = f"{target.slug}.md"
    else:
        path = f"../{target.course.name}/{target.slug}.md"
    if link.anchor:
        path += f"#{link.anchor.mkdocs_anchor}"
    return f"[{link.text or target.title}]({path})"


def _mkdocs_lesson(lesson: Lesson, blocks: list[Block]) -> str:
    description = f"{lesson.title} in {lesson.course.topic}: what it is, when to use it, and how."
    out = [f"# {lesson.title}", "", description, ""]
    for block in blocks:
        kind = block[0]
        if kind == "heading":
            out.append(f"{'#' * block[1].level} {block[1].text}")
        elif kind == "para":
            out.append(
                "".join(p if isinstance(p, str) else _mkdocs_link(p, lesson) for p in block[1])
            )
        elif kind in ("list", "table"):
            out.append(_list_or_table(block))
        elif kind == "code":
            code = block[1]
            attributes = ""
            if code.highlight:
                marked = " ".join(str(n) for n in highlighted_lines(code.highlight))
                attributes = f' hl_lines="{marked}"'
            out.append(f"```{code.language}{attributes}\n{code.text}```")
        elif kind == "exercise":
            exercise, language = block[1], lesson.course.language
            marked = " ".join(str(n) for n in changed_lines(exercise.problem, exercise.solution))
            out.append(
                f"Open the starter file:\n\n```{language}\n{exercise.problem}```\n\n"
                "Change it until it skips the missing values and prints them in order.\n\n"
                f'The solution:\n\n```{language} hl_lines="{marked}"\n{exercise.solution}```'
            )
        out.append("")
    return "\n".join(out)


def _write_mkdocs(dest: Path, courses: list[Course], bodies: dict[str, list[Block]]) -> None:
    docs = dest / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    nav = ["nav:", "  - Home: index.md"]
    for course in courses:
        nav.append(f"  - {json.dumps(course.title)}:")
        nav.append(f"      - {course.name}/index.md")
        nav += [
            f"      - {json.dumps(lesson.title)}: {course.name}/{lesson.slug}.md"
            for lesson in course.lessons
        ]
    _write(
        dest / "mkdocs.yml",
        f"site_name: {SITE_TITLE}\ndocs_dir: docs\nsite_dir: mkdocs-site\n"
        # highlighting on, at build time like trustdocs and Hugo (Python-Markdown's own extension)
        "markdown_extensions:\n  - codehilite:\n      guess_lang: false\n" + "\n".join(nav) + "\n",
    )
    course_list = "\n".join(f"- [{course.title}]({course.name}/index.md)" for course in courses)
    _write(docs / "index.md", f"# {SITE_TITLE}\n\n## Courses\n\n{course_list}\n")
    for course in courses:
        folder = docs / course.name
        folder.mkdir(exist_ok=True)
        lesson_list = "\n".join(
            f"{lesson.number}. [{lesson.title}]({lesson.slug}.md)" for lesson in course.lessons
        )
        _write(
            folder / "index.md",
            f"# {course.title}\n\n"
            f"A hands-on {course.topic} course in {len(course.lessons)} lessons.\n\n"
            "## Overview\n\nEach lesson takes about half an hour and ends with something to try.\n\n"
            f"## Lessons\n\n{lesson_list}\n",
        )
        for lesson in course.lessons:
            _write(folder / f"{lesson.slug}.md", _mkdocs_lesson(lesson, bodies[lesson.name]))


# ---- shared by the twins ----


def highlighted_lines(spec: str) -> list[int]:
    """The line numbers an `@highlight` SPEC marks (`2,4-5` or `3 only`), in order."""
    numbers: list[int] = []
    for part in spec.replace("only", "").split(","):
        first, _, last = part.strip().partition("-")
        if first:
            numbers += range(int(first), int(last or first) + 1)
    return numbers


def changed_lines(old: str, new: str) -> list[int]:
    """The lines of NEW that `@diff OLD NEW` marks (FORMAT.md section 3), 1-based.

    Lines compare trimmed and without a trailing `;`, blank lines never count, and each line of
    OLD matches one line of NEW at most.
    """

    def normal(line: str) -> str:
        return line.strip().removesuffix(";").rstrip()

    available = Counter(normal(line) for line in old.splitlines() if line.strip())
    marked = []
    for number, line in enumerate(new.splitlines(), start=1):
        key = normal(line)
        if not key:
            continue
        if available[key] > 0:
            available[key] -= 1
        else:
            marked.append(number)
    return marked


# ---- Hugo ----


def _hugo_link(link: Link) -> str:
    target = link.target
    ref = f"/{target.course.name}/{target.slug}.md"
    if link.anchor:
        ref += f"#{link.anchor.anchor}"
    return f'[{link.text or target.title}]({{{{< relref "{ref}" >}}}})'


def _front_matter(**fields: object) -> str:
    # JSON strings are valid YAML and need no escaping rules of their own
    lines = [f"{key}: {json.dumps(value)}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def _hugo_exercise(exercise: Exercise) -> str:
    lesson = exercise.lesson
    folder = f"exercises/{lesson.course.name}/{lesson.folder}"
    ext, language = lesson.course.extension, lesson.course.language
    marked = " ".join(str(n) for n in changed_lines(exercise.problem, exercise.solution))
    return (
        "1. Open the starter file:\n\n"
        f'   {{{{< sourceref path="{folder}/problem.{ext}" lang="{language}" >}}}}\n\n'
        "2. Change it until it skips the missing values and prints them in order.\n\n"
        "<details>\n<summary>Click to see the solution</summary>\n\n"
        f'{{{{< sourceref path="{folder}/solution.{ext}" lang="{language}" hl_lines="{marked}" >}}}}'
        "\n\n</details>"
    )


def _hugo_lesson(lesson: Lesson, blocks: list[Block]) -> str:
    description = f"{lesson.title} in {lesson.course.topic}: what it is, when to use it, and how."
    out = [_front_matter(title=lesson.title, weight=lesson.number, description=description)]
    for block in blocks:
        kind = block[0]
        if kind == "heading":
            out.append(f"{'#' * block[1].level} {block[1].text}")
        elif kind == "para":
            out.append("".join(p if isinstance(p, str) else _hugo_link(p) for p in block[1]))
        elif kind in ("list", "table"):
            out.append(_list_or_table(block))
        elif kind == "code":
            code = block[1]
            attributes = ""
            if code.highlight:
                marked = ",".join(str(n) for n in highlighted_lines(code.highlight))
                attributes = f" {{hl_lines=[{marked}]}}"
            out.append(f"```{code.language}{attributes}\n{code.text}```")
        elif kind == "exercise":
            out.append(_hugo_exercise(block[1]))
        out.append("")
    return "\n".join(out)


HUGO_CONFIG = """\
baseURL = "/"
title = "{title}"
uglyURLs = true
relativeURLs = true
# trustdocs writes no feeds or tag pages; its sitemap has its counterpart here
disableKinds = ["taxonomy", "term", "rss"]

[markup.highlight]
noClasses = false

[markup.goldmark.renderer]
unsafe = true

[markup.tableOfContents]
startLevel = 2
endLevel = 3
"""


def _write_hugo(dest: Path, courses: list[Course], bodies: dict[str, list[Block]]) -> None:
    project = dest / "hugo"
    content = project / "content"
    content.mkdir(parents=True, exist_ok=True)
    _write(project / "hugo.toml", HUGO_CONFIG.format(title=SITE_TITLE))
    shutil.copytree(HUGO_LAYOUTS, project / "layouts", dirs_exist_ok=True)
    course_list = "\n".join(
        f'- [{course.title}]({{{{< relref "/{course.name}" >}}}})' for course in courses
    )
    _write(
        content / "_index.md",
        _front_matter(title=SITE_TITLE, description="Generated courses for benchmarking trustdocs.")
        + f"## Courses\n\n{course_list}\n",
    )
    for course in courses:
        folder = content / course.name
        folder.mkdir(exist_ok=True)
        lesson_list = "\n".join(
            f'{lesson.number}. [{lesson.title}]({{{{< relref "/{lesson.name}.md" >}}}})'
            for lesson in course.lessons
        )
        _write(
            folder / "_index.md",
            _front_matter(
                title=course.title,
                weight=course.number,
                description=f"A hands-on {course.topic} course in {len(course.lessons)} lessons.",
            )
            + "## Overview\n\n"
            "Each lesson takes about half an hour and ends with something to try.\n\n"
            f"## Lessons\n\n{lesson_list}\n",
        )
        for lesson in course.lessons:
            blocks = bodies[lesson.name]
            _write(folder / f"{lesson.slug}.md", _hugo_lesson(lesson, blocks))
            for block in blocks:
                if block[0] == "exercise":
                    _write_exercise(project, block[1])


# ---- an academy in bit-docs form ----

# (course name, title, the kinds of exercise file its lessons use)
ACADEMY_COURSES = [
    ("learn-react", "Learn React", ("jsx", "css", "js")),
    ("learn-typescript", "Learn TypeScript", ("ts", "js")),
    ("advanced-javascript", "Advanced JavaScript", ("js", "html")),
    ("learn-css-layout", "CSS Layout", ("css", "html")),
    ("accessible-html", "Accessible HTML", ("html", "css")),
    ("learn-node", "Node.js APIs", ("js", "ts")),
    ("testing-web-apps", "Testing Web Apps", ("jsx", "js", "ts")),
    ("web-components", "Web Components", ("js", "html", "css")),
    ("learn-angular", "Learn Angular", ("ts", "html", "css")),
    ("react-data-fetching", "Data Fetching in React", ("jsx", "ts")),
    ("web-performance", "Web Performance", ("js", "html", "css")),
    ("design-systems", "Design Systems", ("css", "jsx", "html")),
]
ACADEMY_NOUNS = [
    "task", "order", "product", "user", "cart", "invoice", "message", "booking", "note",
    "photo", "comment", "playlist", "recipe", "ticket", "report", "account", "event", "review",
]  # fmt: skip
MAX_EXERCISE_LINES = 200
COMMENT_SYNTAX = {
    "js": "// {}",
    "ts": "// {}",
    "jsx": "// {}",
    "html": "<!-- {} -->",
    "css": "/* {} */",
}
# the fenced-block language that @sourceref gives each extension
ACADEMY_LANGUAGES = {"js": "js", "ts": "ts", "jsx": "jsx", "html": "html", "css": "css"}
# (language, text) of short blocks written in the page itself
INLINE_SNIPPETS = [
    ("bash", "npm install\nnpm run dev\n"),
    ("bash", "npm install --save-dev {kebab}-toolkit\nnpx {kebab}-toolkit init\ngit add .\n"
     'git commit -m "Add {kebab}"\n'),
    ("json", '{{\n  "name": "{kebab}-app",\n  "private": true,\n  "scripts": {{\n'
     '    "start": "vite",\n    "test": "vitest"\n  }}\n}}\n'),
    ("js", "const {camel}s = await fetch{pascal}s();\nconsole.log({camel}s.length);\n"),
    ("jsx", "<{pascal}List\n  items={{{camel}s}}\n  onSelect={{(item) => setSelected(item.id)}}\n/>\n"),
    ("ts", "type {pascal}Id = string;\n\ninterface {pascal} {{\n  id: {pascal}Id;\n"
     "  name: string;\n}}\n"),
    ("html", '<button type="button" class="{kebab}-toggle" aria-expanded="false">\n'
     "  Show {camel}s\n</button>\n"),
    ("css", ".{kebab} {{\n  display: grid;\n  gap: var(--space-2);\n}}\n"),
]  # fmt: skip
ACADEMY_STEPS = [
    "Render the list",
    "Handle the click",
    "Load the data",
    "Show a loading state",
    "Handle errors",
    "Style the layout",
    "Add a form",
    "Validate the input",
    "Extract a component",
    "Write a test",
    "Make it accessible",
    "Cache the result",
]


@dataclass(frozen=True)
class Names:
    """One noun in the spellings code uses."""

    camel: str
    pascal: str
    kebab: str


def _names(rng: random.Random) -> Names:
    first, second = rng.sample(ACADEMY_NOUNS, 2)
    return Names(first + second.title(), first.title() + second.title(), f"{first}-{second}")


def _fragment(rng: random.Random, kind: str, n: Names) -> list[str]:
    """A block of code (a function, a component, a rule set, an element) of KIND, as lines."""
    field_names = rng.sample(["id", "name", "title", "status", "price", "createdAt", "owner"], 3)
    a, b, c = field_names
    size = rng.randint(2, 6)
    if kind == "js":
        return rng.choice(
            [
                [
                    f"export function filter{n.pascal}s({n.camel}s, query) {{",
                    "  const needle = query.trim().toLowerCase();",
                    f"  return {n.camel}s",
                    f"    .filter((item) => item.{a}.toString().toLowerCase().includes(needle))",
                    f"    .sort((left, right) => left.{b} > right.{b} ? 1 : -1);",
                    "}",
                ],
                [
                    f"export async function fetch{n.pascal}(id) {{",
                    f"  const response = await fetch(`/api/{n.kebab}s/${{id}}`);",
                    "  if (!response.ok) {",
                    "    throw new Error(`Request failed: ${response.status}`);",
                    "  }",
                    "  const data = await response.json();",
                    f"  return {{ ...data, {c}: data.{c} ?? null }};",
                    "}",
                ],
                [
                    f"class {n.pascal}Store {{",
                    "  #items = new Map();",
                    "",
                    "  add(item) {",
                    f"    this.#items.set(item.{a}, item);",
                    "    return this;",
                    "  }",
                    "",
                    "  remove(key) {",
                    "    return this.#items.delete(key);",
                    "  }",
                    "",
                    "  get size() {",
                    "    return this.#items.size;",
                    "  }",
                    "}",
                ],
                [
                    f"document.querySelector('.{n.kebab}').addEventListener('click', (event) => {{",
                    "  const button = event.target.closest('button');",
                    "  if (!button) return;",
                    *[f"  button.dataset.step{i} = String({i * 10});" for i in range(size)],
                    "  button.setAttribute('aria-pressed', 'true');",
                    "});",
                ],
                [
                    f"function {n.camel}Reducer(state, action) {{",
                    "  switch (action.type) {",
                    *[
                        line
                        for i in range(size)
                        for line in (
                            f"    case '{n.kebab}/step-{i}':",
                            f"      return {{ ...state, {a}: action.payload, step: {i} }};",
                        )
                    ],
                    "    default:",
                    "      return state;",
                    "  }",
                    "}",
                ],
            ]
        )
    if kind == "ts":
        return rng.choice(
            [
                [
                    f"export interface {n.pascal} {{",
                    f"  {a}: string;",
                    f"  {b}: number;",
                    f"  {c}?: Date;",
                    *[f"  extra{i}: boolean;" for i in range(size - 2)],
                    "}",
                ],
                [
                    f"export function summarize{n.pascal}s(items: {n.pascal}[]): Summary {{",
                    "  const total = items.reduce((sum, item) => sum + item.price, 0);",
                    "  const average = items.length ? total / items.length : 0;",
                    "  return { count: items.length, total, average };",
                    "}",
                ],
                [
                    f"export class {n.pascal}Repository<T extends {{ id: string }}> {{",
                    "  private readonly items = new Map<string, T>();",
                    "",
                    "  constructor(private readonly endpoint: string) {}",
                    "",
                    "  async load(id: string): Promise<T | undefined> {",
                    "    if (this.items.has(id)) {",
                    "      return this.items.get(id);",
                    "    }",
                    "    const response = await fetch(`${this.endpoint}/${id}`);",
                    "    const item = (await response.json()) as T;",
                    "    this.items.set(id, item);",
                    "    return item;",
                    "  }",
                    "}",
                ],
                [
                    f"type {n.pascal}Event =",
                    *[f"  | {{ kind: 'step-{i}'; value: number }}" for i in range(size)],
                    "  | { kind: 'reset' };",
                    "",
                    f"function describe(event: {n.pascal}Event): string {{",
                    "  switch (event.kind) {",
                    "    case 'reset':",
                    "      return 'reset';",
                    "    default:",
                    "      return `${event.kind}: ${event.value}`;",
                    "  }",
                    "}",
                ],
            ]
        )
    if kind == "jsx":
        return rng.choice(
            [
                [
                    f"export function {n.pascal}List({{ {n.camel}s, onSelect }}) {{",
                    "  const [selected, setSelected] = useState(null);",
                    "",
                    f"  if ({n.camel}s.length === 0) {{",
                    f'    return <p className="empty">No {n.kebab.replace("-", " ")}s yet.</p>;',
                    "  }",
                    "",
                    "  return (",
                    f'    <ul className="{n.kebab}-list">',
                    f"      {{{n.camel}s.map((item) => (",
                    f"        <li key={{item.{a}}} className={{item.{a} === selected ? 'selected' : ''}}>",
                    '          <button type="button" onClick={() => { setSelected(item.id); onSelect(item); }}>',
                    f"            {{item.{b}}}",
                    "          </button>",
                    "        </li>",
                    "      ))}",
                    "    </ul>",
                    "  );",
                    "}",
                ],
                [
                    f"export function {n.pascal}Form({{ onSubmit }}) {{",
                    f"  const [{a}, set{a.title()}] = useState('');",
                    "  const [error, setError] = useState(null);",
                    "",
                    "  function handleSubmit(event) {",
                    "    event.preventDefault();",
                    f"    if (!{a}.trim()) {{",
                    f"      setError('Please enter a {a}.');",
                    "      return;",
                    "    }",
                    f"    onSubmit({{ {a} }});",
                    "  }",
                    "",
                    "  return (",
                    "    <form onSubmit={handleSubmit}>",
                    f'      <label htmlFor="{n.kebab}-{a}">{a.title()}</label>',
                    f'      <input id="{n.kebab}-{a}" value={{{a}}} onChange={{(e) => set{a.title()}(e.target.value)}} />',
                    '      {error && <p role="alert">{error}</p>}',
                    '      <button type="submit">Save</button>',
                    "    </form>",
                    "  );",
                    "}",
                ],
                [
                    f"export function use{n.pascal}(id) {{",
                    "  const [state, setState] = useState({ status: 'loading' });",
                    "",
                    "  useEffect(() => {",
                    "    let cancelled = false;",
                    f"    fetch{n.pascal}(id)",
                    "      .then((data) => !cancelled && setState({ status: 'done', data }))",
                    "      .catch((error) => !cancelled && setState({ status: 'error', error }));",
                    "    return () => {",
                    "      cancelled = true;",
                    "    };",
                    "  }, [id]);",
                    "",
                    "  return state;",
                    "}",
                ],
                [
                    f"function {n.pascal}Card({{ {a}, {b}, children }}) {{",
                    "  return (",
                    f'    <article className="{n.kebab}-card">',
                    f"      <h3>{{{a}}}</h3>",
                    *[
                        f'      <p className="line-{i}">{{{b}}} {{children}}</p>'
                        for i in range(size)
                    ],
                    "    </article>",
                    "  );",
                    "}",
                ],
            ]
        )
    if kind == "html":
        return rng.choice(
            [
                [
                    f'<section class="{n.kebab}" aria-labelledby="{n.kebab}-title">',
                    f'  <h2 id="{n.kebab}-title">{n.pascal} overview</h2>',
                    *[
                        f"  <p>Step {i + 1}: review the {a} and the {b} before you go on.</p>"
                        for i in range(size)
                    ],
                    "</section>",
                ],
                [
                    f'<form class="{n.kebab}-form" method="post" action="/{n.kebab}s">',
                    *[
                        line
                        for field_name in field_names
                        for line in (
                            f'  <label for="{n.kebab}-{field_name}">{field_name.title()}</label>',
                            f'  <input id="{n.kebab}-{field_name}" name="{field_name}" required>',
                        )
                    ],
                    '  <button type="submit">Save</button>',
                    "</form>",
                ],
                [
                    f'<nav aria-label="{n.pascal} sections">',
                    "  <ul>",
                    *[
                        f'    <li><a href="#{n.kebab}-{i}">Part {i + 1}</a></li>'
                        for i in range(size)
                    ],
                    "  </ul>",
                    "</nav>",
                ],
                [
                    f'<table class="{n.kebab}-table">',
                    f"  <caption>{n.pascal}s this week</caption>",
                    f"  <thead><tr><th>{a}</th><th>{b}</th><th>{c}</th></tr></thead>",
                    "  <tbody>",
                    *[
                        f"    <tr><td>{i}</td><td>{i * 3}</td><td>{i * 7}</td></tr>"
                        for i in range(size)
                    ],
                    "  </tbody>",
                    "</table>",
                ],
            ]
        )
    # css
    properties = [
        "display: flex;", "gap: var(--space-2);", "padding: 1rem 1.5rem;", "margin-block: 0 1rem;",
        "border-radius: 0.5rem;", "color: var(--text);", "background: var(--surface);",
        "font-size: clamp(1rem, 2vw, 1.25rem);", "grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr));",
        "transition: transform 150ms ease-out;", "box-shadow: 0 1px 3px rgb(0 0 0 / 0.2);",
    ]  # fmt: skip
    selector = rng.choice(
        [
            f".{n.kebab}",
            f".{n.kebab}__{a}",
            f".{n.kebab} > li",
            f".{n.kebab}:hover",
            f"#{n.kebab}-title",
        ]
    )
    rule = [f"{selector} {{", *[f"  {p}" for p in rng.sample(properties, size)], "}"]
    if rng.random() < 0.25:
        return ["@media (min-width: 48rem) {", *[f"  {line}" for line in rule], "}"]
    return rule


def _file_header(kind: str, n: Names) -> list[str]:
    if kind == "jsx":
        return [
            "import { useEffect, useState } from 'react';",
            f"import {{ fetch{n.pascal} }} from './api';",
            f"import './{n.kebab}.css';",
        ]
    if kind == "ts":
        return ["import type { Summary } from './types';"]
    if kind == "js":
        return ["'use strict';"]
    if kind == "html":
        return ["<!doctype html>", '<html lang="en">', "<head>", '  <meta charset="utf-8">',
                f"  <title>{n.pascal}s</title>", f'  <link rel="stylesheet" href="{n.kebab}.css">',
                "</head>", "<body>"]  # fmt: skip
    return [":root {", "  --space-2: 0.5rem;", "  --text: #1d1d1f;", "  --surface: #fff;", "}"]


def _exercise_file(rng: random.Random, kind: str, n: Names) -> tuple[str, str]:
    """A (starter, solution) pair of 20 to 200 lines: the starter leaves a few blocks as TODOs."""
    wanted = min(MAX_EXERCISE_LINES, max(20, round(rng.lognormvariate(math.log(60), 0.6))))
    header = _file_header(kind, n)
    fragments: list[list[str]] = []
    size = len(header) + 2  # the closing lines of an HTML file
    while len(fragments) < 2 or size < wanted:
        # the first block uses the file's own names, the others names of their own, like real files
        fragment = _fragment(rng, kind, _names(rng) if fragments else n)
        if len(fragments) >= 2 and size + len(fragment) + 1 > MAX_EXERCISE_LINES:
            break
        fragments.append(fragment)
        size += len(fragment) + 1
    todo = set(rng.sample(range(len(fragments)), min(len(fragments) - 1, rng.randint(1, 3))))
    comment = COMMENT_SYNTAX[kind]
    starter, solution = list(header), list(header)
    for index, fragment in enumerate(fragments):
        starter.append("")
        solution.append("")
        solution += fragment
        if index in todo:
            indent = "  " * (len(fragment) > 2)
            starter += [
                fragment[0],
                indent + comment.format(f"TODO: step {index + 1}"),
                *fragment[-1:],
            ]
        else:
            starter += fragment
    if kind == "html":
        starter += ["</body>", "</html>"]
        solution += ["</body>", "</html>"]
    return "\n".join(starter) + "\n", "\n".join(solution) + "\n"


@dataclass
class AcademyLesson:
    course: str
    number: int
    slug: str
    title: str

    @property
    def name(self) -> str:
        return f"{self.course}/{self.slug}"


def _academy_plan(pages: int) -> list[tuple[str, str, tuple[str, ...], list[AcademyLesson]]]:
    lessons = pages - 1 - len(ACADEMY_COURSES)
    if lessons < len(ACADEMY_COURSES):
        raise ValueError(f"an academy needs at least {2 * len(ACADEMY_COURSES) + 1} pages")
    plan = []
    for index, (name, title, kinds) in enumerate(ACADEMY_COURSES):
        count = lessons // len(ACADEMY_COURSES) + (index < lessons % len(ACADEMY_COURSES))
        titles = [LESSON_TITLES[i % len(LESSON_TITLES)] for i in range(index, index + count)]
        titles = [f"{t}, part {i // len(LESSON_TITLES) + 1}" if i >= len(LESSON_TITLES) else t
                  for i, t in enumerate(titles)]  # fmt: skip
        plan.append(
            (
                name,
                title,
                kinds,
                [AcademyLesson(name, n, _slug(t), t) for n, t in enumerate(titles, start=1)],
            )
        )
    return plan


def _academy_lesson(
    rng: random.Random,
    lesson: AcademyLesson,
    kinds: tuple[str, ...],
    others: list[str],
    folder: Path,
) -> tuple[str, int]:
    """The page text of one lesson (writing its exercise files into FOLDER), and its code blocks."""
    n = _names(rng)
    words = {
        "topic": lesson.course.replace("-", " "),
        "lesson": lesson.title.lower(),
        "term": n.kebab,
    }
    out = [
        f"@page {lesson.name} {lesson.title}",
        f"@parent {lesson.course} {lesson.number}",
        "@outline 2",
        f"@description Learn {lesson.title.lower()} by building a small {n.kebab.replace('-', ' ')} app.",
        "",
        "@body",
        "",
        "## Overview",
        "",
        " ".join(s.format(**words) for s in rng.sample(SENTENCES, 3)),
        "",
        "\n".join(f"- {item}" for item in rng.sample(LIST_ITEMS, 3)),
        "",
    ]
    blocks = 0
    for _ in range(rng.randint(1, 2)):
        language, snippet = rng.choice(INLINE_SNIPPETS)
        out += [f"```{language}\n{snippet.format(**vars(n))}```", ""]
        blocks += 1
    for step, heading in enumerate(rng.sample(ACADEMY_STEPS, rng.randint(1, 2)), start=1):
        out += [f"## Problem {step}: {heading}", ""]
        out += [" ".join(s.format(**words) for s in rng.sample(SENTENCES, 2)), ""]
        kind = rng.choice(kinds)
        starter, solution = _exercise_file(rng, kind, n)
        stem = f"{step}-{n.kebab}"
        _write(folder / f"{stem}-problem.{kind}", starter)
        _write(folder / f"{stem}-solution.{kind}", solution)
        for extra in range(rng.choice([0, 0, 0, 1, 1, 2])):
            other_kind = rng.choice(kinds)
            _, text = _exercise_file(rng, other_kind, n)
            path = f"{stem}-support-{extra}.{other_kind}"
            _write(folder / path, text)
            out += [f"The support file `{path}` is ready to use:", "", f"@sourceref ./{path}"]
            if rng.random() < 0.3:
                out.append("@highlight 2-4 only")
            out.append("")
            blocks += 1
        out += [
            "### Setup",
            "",
            "1. Open the starter file:",
            "",
            f"   @sourceref ./{stem}-problem.{kind}",
            "",
            "2. Replace each TODO until the tests pass.",
            "",
            "### Solution",
            "",
            "<details>",
            "<summary>Click to see the solution</summary>",
            "",
            f"@diff ./{stem}-problem.{kind} ./{stem}-solution.{kind} only",
            "",
            "</details>",
            "",
        ]
        blocks += 2
    links = rng.sample(others, min(2, len(others)))
    out += [
        "## Next steps",
        "",
        f"Continue with [{links[0]}], or review [{links[-1]} an earlier lesson].",
        "",
    ]
    return "\n".join(out), blocks


def generate_academy(dest: Path, pages: int = 250) -> int:
    """Write an academy of about PAGES pages in bit-docs form into DEST; return its code blocks.

    package.json with a "bit-docs" section, pages under src/, and exercise files of 20 to 200
    lines (JS, TS, JSX, HTML, CSS) beside their lessons, read with `@sourceref` and `@diff`.
    """
    rng = random.Random(f"{SEED}:academy:{pages}")
    plan = _academy_plan(pages)
    package = {
        "name": "synthetic-academy",
        "version": "1.0.0",
        "private": True,
        "scripts": {"document": "bit-docs -d"},
        "devDependencies": {"bit-docs": "0.2.0"},
        "bit-docs": {
            "dependencies": {
                "bit-docs-glob-finder": "^0.0.5",
                "bit-docs-tag-sourceref": "^0.0.3",
                "bit-docs-tag-diff": "^0.1.0",
                "bit-docs-html-highlight-line": "^0.5.4",
                "bit-docs-html-toc": "^1.1.1",
            },
            "glob": {"pattern": "src/**/*.md"},
            "parent": "academy",
            "static": "static",
            "dest": "./academy-site",
        },
    }
    dest.mkdir(parents=True, exist_ok=True)
    _write(dest / "package.json", json.dumps(package, indent=2) + "\n")
    (dest / "static" / "img").mkdir(parents=True, exist_ok=True)
    _write(dest / "static" / "img" / "logo.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    src = dest / "src"
    src.mkdir(exist_ok=True)
    course_list = "\n".join(f"- [{name}]" for name, _, _, _ in plan)
    _write(
        src / "academy.md",
        "@page academy Synthetic Academy\n@description Courses for web developers.\n\n@body\n\n"
        f"## Courses\n\n{course_list}\n",
    )
    everyone = [lesson.name for _, _, _, lessons in plan for lesson in lessons]
    blocks = 0
    for number, (name, title, kinds, lessons) in enumerate(plan, start=1):
        folder = src / name
        folder.mkdir(exist_ok=True)
        lesson_list = "\n".join(f"{lesson.number}. [{lesson.name}]" for lesson in lessons)
        _write(
            folder / f"{name}.md",
            f"@page {name} {title}\n@parent academy {number}\n"
            f"@description {title} in {len(lessons)} hands-on lessons.\n\n@body\n\n"
            "## Before you begin\n\n```bash\nnode --version\nnpm --version\n```\n\n"
            f"## Lessons\n\n{lesson_list}\n",
        )
        blocks += 1
        for lesson in lessons:
            lesson_folder = folder / f"{lesson.number}-{lesson.slug}"
            lesson_folder.mkdir(exist_ok=True)
            text, count = _academy_lesson(rng, lesson, kinds, everyone, lesson_folder)
            _write(lesson_folder / f"{lesson.slug}.md", text)
            blocks += count
    return blocks


# ---- entry points ----


def _plan_site(lessons: int, directives: bool) -> tuple[list[Course], dict[str, list[Block]]]:
    if lessons < 1:
        raise ValueError("a site needs at least one lesson")
    courses = _plan_courses(lessons, directives)
    everyone = [lesson for course in courses for lesson in course.lessons]
    bodies = {lesson.name: _plan_body(lesson, courses, directives) for lesson in everyone}
    return courses, bodies


def generate_site(dest: Path, lessons: int, directives: bool = False) -> None:
    """Write a trustdocs site of LESSONS synthetic lessons (site.yaml, content/) into DEST."""
    _write_trustdocs(dest, *_plan_site(lessons, directives))


def generate_mkdocs_site(dest: Path, lessons: int, directives: bool = False) -> None:
    """Write the same synthetic course as a MkDocs project (mkdocs.yml, docs/) into DEST."""
    _write_mkdocs(dest, *_plan_site(lessons, directives))


def generate_hugo_site(dest: Path, lessons: int, directives: bool = False) -> None:
    """Write the same synthetic course as a Hugo project (DEST/hugo/, built into hugo/public/)."""
    _write_hugo(dest, *_plan_site(lessons, directives))


def main(argv: list[str] | None = None) -> None:
    """Command line: write the course and, on request, its twins."""
    parser = argparse.ArgumentParser(description="Write a synthetic course site for benchmarks.")
    parser.add_argument("dest", type=Path, help="folder to write the site into")
    parser.add_argument("--lessons", type=int, help="number of lessons in all")
    parser.add_argument(
        "--directives",
        action="store_true",
        help="also write exercises/ and use @sourceref, @highlight, @diff and @codepen",
    )
    parser.add_argument(
        "--mkdocs",
        action="store_true",
        help="also write the same course as a MkDocs project (mkdocs.yml, docs/)",
    )
    parser.add_argument(
        "--hugo", action="store_true", help="also write the same course as a Hugo project (hugo/)"
    )
    parser.add_argument(
        "--academy",
        action="store_true",
        help="write an academy in bit-docs form (package.json, src/) instead of --lessons",
    )
    parser.add_argument(
        "--pages", type=int, default=250, help="pages of the --academy (default: 250)"
    )
    args = parser.parse_args(argv)
    if args.academy:
        if args.pages < 2 * len(ACADEMY_COURSES) + 1:
            parser.error(f"--pages must be at least {2 * len(ACADEMY_COURSES) + 1}")
        blocks = generate_academy(args.dest, args.pages)
        print(f"{args.pages} pages with {blocks} code blocks in {args.dest}")
        return
    if args.lessons is None or args.lessons < 1:
        parser.error("--lessons must be given and at least 1 (or use --academy)")
    courses, bodies = _plan_site(args.lessons, args.directives)
    _write_trustdocs(args.dest, courses, bodies)
    if args.mkdocs:
        _write_mkdocs(args.dest, courses, bodies)
    if args.hugo:
        _write_hugo(args.dest, courses, bodies)


if __name__ == "__main__":
    main()
