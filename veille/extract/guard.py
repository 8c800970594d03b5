"""Guards that keep extraction bounded and clear on bad input (issue 4).

Extraction time grows with the size of what trafilatura and the clutter remover are given, so the work is
bounded by bounding the input: HTML over a character or tag budget is trimmed (scripts, styles, SVG and
comments first, then a cut at the budget), tags nested deeper than the parser can hold are unwrapped,
plain text is cut at a budget and its giant lines split at sentence ends. Each trim returns a note
saying what was cut, so the caller can keep the reason. No watchdog: the bound comes from the input.
"""

from __future__ import annotations

import codecs
import logging
import re

from veille.errors import ExtractionError
from veille.text import sentences

logger = logging.getLogger(__name__)

# Budgets, in decoded characters, tags ("<") and links. trafilatura takes about 4 s per million characters
# and far more on link-heavy markup. The trafilatura dev set (494 real pages) peaks at 1.2 MB (mostly
# scripts), 19.6k "<" and 1,025 links, and nests under 30 deep once scripts are removed: real pages pass
# untouched.
MAX_HTML_CHARS = 1_000_000
MAX_TAGS = 20_000
MAX_LINKS = 3_000
# libxml2 (lxml, used by trafilatura) drops what is nested deeper than 256 elements.
MAX_DEPTH = 200
# A tag name nested deeper than this in a too-deep page is unwrapped (its content kept).
MAX_NAME_DEPTH = 32
MAX_TEXT_CHARS = 1_000_000
# A paragraph is never this long; longer lines are split at sentence ends (or spaces).
MAX_LINE_CHARS = 20_000
# The lead scanned for a date: three paragraphs of a normal article fit many times over.
MAX_LEAD_CHARS = 10_000

# Elements whose content is never article text; removed whole when a page is over budget.
_DROPPED_ELEMENTS = ("script", "style", "svg", "noscript", "template", "iframe", "object", "math")
# Link lists and widgets; removed whole only when the page is still over its tag budget.
_BOILERPLATE_ELEMENTS = ("nav", "aside", "footer", "select")
_VOID_ELEMENTS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "keygen",
        "command",
    ]
)
# Opening one of these while one is open closes the first (HTML's implied end tags).
_SELF_CLOSING_SIBLINGS = frozenset({"p", "li", "dt", "dd", "option", "optgroup"})
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)\b[^<>]*?(/?)>")
_LINK_RE = re.compile(r"<a\b", re.IGNORECASE)
_COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_LD_JSON_RE = re.compile(r"""type\s*=\s*["']?application/ld\+json""", re.IGNORECASE)
_MAX_LD_JSON_CHARS = 200_000
_PROSE_END_RE = re.compile(r"[.!?…。！？؟:][\"»”’)\]]*\s*$")
_BLANK_RUN_RE = re.compile(r"\n(?:[ \t]*\n)+")


def _drop_element(
    text: str, name: str, *, keep_ld_json: bool = False, to_end: bool = True
) -> tuple[str, int]:
    """Remove every <name ...>...</name>; an unclosed one runs to the end when ``to_end`` (as in browsers)."""
    open_re = re.compile(rf"<{name}\b[^>]*>", re.IGNORECASE)
    close_re = re.compile(rf"</{name}\s*>", re.IGNORECASE)
    parts: list[str] = []
    pos = removed = 0
    while (start := open_re.search(text, pos)) is not None:
        end = close_re.search(text, start.end())
        if end is None and not to_end:
            break
        stop = end.end() if end is not None else len(text)
        if keep_ld_json and _LD_JSON_RE.search(start.group(0)) and stop - start.start() <= _MAX_LD_JSON_CHARS:
            parts.append(text[pos:stop])
        else:
            parts.append(text[pos : start.start()])
            removed += 1
        pos = stop
    parts.append(text[pos:])
    return "".join(parts), removed


def _strip_inert(text: str) -> tuple[str, int]:
    """Return the HTML without comments, scripts (JSON-LD kept), styles, SVG..., and the characters removed."""
    before = len(text)
    text = _COMMENT_RE.sub("", text)
    for name in _DROPPED_ELEMENTS:
        text, _ = _drop_element(text, name, keep_ld_json=name == "script")
    return text, before - len(text)


def nesting_depths(text: str) -> tuple[int, dict[str, int]]:
    """Return the deepest element nesting of an HTML text and each tag name's own deepest nesting.

    An approximation of the parser's tree (void elements and implied end tags of p/li/option handled),
    linear in the text's length; broken tags are ignored.
    """
    open_counts: dict[str, int] = {}
    deepest: dict[str, int] = {}
    depth = max_depth = 0
    for match in _TAG_RE.finditer(text):
        name = match.group(2).lower()
        if name in _VOID_ELEMENTS or match.group(3):
            continue
        count = open_counts.get(name, 0)
        if match.group(1):
            if count:
                open_counts[name] = count - 1
                depth -= 1
            continue
        if name in _SELF_CLOSING_SIBLINGS and count:
            continue
        open_counts[name] = count + 1
        depth += 1
        max_depth = max(max_depth, depth)
        deepest[name] = max(deepest.get(name, 0), count + 1)
    return max_depth, deepest


def _unwrap(text: str, names: set[str]) -> str:
    """Remove the opening and closing tags of ``names`` (their content stays); block tags leave a newline."""

    def repl(match: re.Match[str]) -> str:
        return "\n" if match.group(2).lower() in names else match.group(0)

    # Thousands of unwrapped tags in a row would leave as many blank lines: keep one.
    return _BLANK_RUN_RE.sub("\n", _TAG_RE.sub(repl, text))


def _cut_at_tag(text: str, max_tags: int) -> str:
    """Return the text up to its ``max_tags``-th tag."""
    for i, match in enumerate(_TAG_RE.finditer(text)):
        if i == max_tags:
            return text[: match.start()]
    return text


def _cut_at_chars(text: str, max_chars: int) -> str:
    """Return at most ``max_chars`` characters, cut before a tag so no tag is left half-open."""
    if len(text) <= max_chars:
        return text
    cut = text.rfind("<", max_chars - 10_000, max_chars)
    return text[: cut if cut > 0 else max_chars]


def prepare_html(
    text: str,
    *,
    max_chars: int = MAX_HTML_CHARS,
    max_tags: int = MAX_TAGS,
    max_links: int = MAX_LINKS,
    max_depth: int = MAX_DEPTH,
) -> tuple[str, list[str]]:
    """Return the HTML to hand to the extractor, and notes of what was cut (empty when nothing was).

    A page within budget comes back unchanged. Otherwise scripts, styles, SVG and comments go (JSON-LD
    kept) and the page is cut at its character budget; too-deep nesting is unwrapped so the parser keeps
    the text; nav/aside/footer blocks go, then a cut at the tag and link budgets. Never raises.
    """
    notes: list[str] = []
    over_budget = (
        len(text) > max_chars or text.count("<") > max_tags or len(_LINK_RE.findall(text)) > max_links
    )
    if over_budget:
        text, removed_chars = _strip_inert(text)
        notes.append(f"trimmed: scripts, styles and comments removed ({removed_chars} characters)")
        if len(text) > max_chars:
            text = _cut_at_chars(text, max_chars)
            notes.append(f"cut: page over the budget of {max_chars} characters, kept the first {len(text)}")
    depth, deepest = nesting_depths(text)
    if depth > max_depth and not over_budget:
        # Markup inside scripts ("<div>" in JS strings) inflates the depth: measure it without them.
        candidate, removed_chars = _strip_inert(text)
        depth, deepest = nesting_depths(candidate)
        if depth > max_depth:
            text = candidate
            notes.append(f"trimmed: scripts, styles and comments removed ({removed_chars} characters)")
    if depth > max_depth:
        names = {name for name, d in deepest.items() if d > MAX_NAME_DEPTH}
        names = names or set(sorted(deepest, key=deepest.__getitem__)[-3:])
        text = _unwrap(text, names)
        notes.append(f"flattened: elements nested {depth} deep; unwrapped {', '.join(sorted(names))}")
    if text.count("<") > max_tags or len(_LINK_RE.findall(text)) > max_links:
        removed = 0
        for name in _BOILERPLATE_ELEMENTS:
            text, count = _drop_element(text, name, to_end=False)
            removed += count
        if removed:
            notes.append(f"trimmed: {removed} navigation/aside/footer blocks removed")
    if text.count("<") > max_tags:
        text = _cut_at_tag(text, max_tags)
        notes.append(f"cut: page over the budget of {max_tags} tags, kept the first {len(text)} characters")
    links = list(_LINK_RE.finditer(text))
    if len(links) > max_links:
        text = text[: links[max_links].start()]
        notes.append(f"cut: page over the budget of {max_links} links, kept the first {len(text)} characters")
    for note in notes:
        logger.info("html guard: %s", note)
    return text, notes


def split_long_line(line: str, max_line_chars: int) -> list[str]:
    """Split a line into pieces of at most ``max_line_chars`` at sentence ends, else at spaces, else hard."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in [s.text for s in sentences(line)]:
        while len(sentence) > max_line_chars:
            cut = sentence.rfind(" ", 0, max_line_chars)
            cut = cut if cut > 0 else max_line_chars
            pieces.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        if size + len(sentence) > max_line_chars and current:
            pieces.append(" ".join(current))
            current, size = [], 0
        current.append(sentence)
        size += len(sentence) + 1
    if current:
        pieces.append(" ".join(current))
    return [p for p in pieces if p.strip()]


def prepare_text(
    text: str, *, max_chars: int = MAX_TEXT_CHARS, max_line_chars: int = MAX_LINE_CHARS
) -> tuple[str, list[str]]:
    """Return a plain text cut to ``max_chars`` (at a line end) with lines over ``max_line_chars`` split.

    Notes say what was cut; a text within budget comes back unchanged. Never raises.
    """
    notes: list[str] = []
    if len(text) > max_chars:
        cut = text.rfind("\n", 0, max_chars)
        text = text[: cut if cut > max_chars // 2 else max_chars]
        notes.append(f"cut: text over the budget of {max_chars} characters, kept the first {len(text)}")
    if any(len(line) > max_line_chars for line in text.split("\n")):
        lines: list[str] = []
        split = 0
        for line in text.split("\n"):
            if len(line) > max_line_chars:
                lines.extend(split_long_line(line, max_line_chars))
                split += 1
            else:
                lines.append(line)
        text = "\n".join(lines)
        notes.append(f"split: {split} line(s) over {max_line_chars} characters split at sentence ends")
    for note in notes:
        logger.info("text guard: %s", note)
    return text, notes


def is_utf8_label(label: str | None) -> bool:
    """Return True when an encoding label names UTF-8 (any spelling); False for unknown labels."""
    if not label:
        return False
    try:
        return codecs.lookup(label.strip()).name == "utf-8"
    except LookupError:
        return False


def is_prose_paragraph(paragraph: str) -> bool:
    """Return True for a paragraph shaped like running text: 12+ words, or 40+ characters ending a sentence."""
    stripped = paragraph.strip()
    return len(stripped.split()) >= 12 or (len(stripped) >= 40 and bool(_PROSE_END_RE.search(stripped)))


def check_article_paragraphs(paragraphs: list[str]) -> None:
    """Raise ExtractionError ``no_article`` when no paragraph is running text (a page of menus or links)."""
    if not any(is_prose_paragraph(p) for p in paragraphs):
        raise ExtractionError(
            f"no article text: the page's {len(paragraphs)} text blocks are all short "
            "(navigation, link lists or captions only)"
        )
