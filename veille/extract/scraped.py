"""Scraped page text (a WET record, a copy-paste, text with its page clutter) → the article's lines.

The line model (``lines``) decides line by line; the rules of ``clutter`` take over when no model is
installed. Lines the outlet shows on many of its other pages (per-outlet statistics kept in the store) are
boilerplate whatever the model says. On the first page of a new outlet there are no statistics: the model
alone decides, and each later page of the outlet adds its lines to the statistics.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence

from veille.extract import clutter, guard, html, lines
from veille.extract.clutter import Segmented, split_lines

logger = logging.getLogger(__name__)

# Called with a page's lines, returns how many other pages of the same outlet show each line.
LineCounter = Callable[[Sequence[str]], Sequence[int]]
# A line on at least this many other pages of the outlet is boilerplate.
BOILERPLATE_PAGES = 3
# ... unless the page would lose more than this share of its article lines (then it is a copy of a page).
MAX_BOILERPLATE_SHARE = 0.5
# The line model learnt pages flattened one block per line, where 99% of the lines of 100 characters or more
# are under 1,000 characters (scraped-text-dev). A longer line (an article pasted or given as one line, as
# MasakhaNEWS and French TimeBank give them) is scored by its pieces, cut at sentence ends to at most
# SCORED_PIECE_CHARS (about the 90th percentile of those lines), and kept when most of its text is kept.
MAX_SCORED_LINE_CHARS = 1000
SCORED_PIECE_CHARS = 500


def line_hash(line: str) -> str:
    """Return the key of a line in the per-outlet statistics (case and spacing ignored)."""
    key = " ".join(line.lower().split())
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def boilerplate_flags(page_lines: list[str], keep: list[bool], counter: LineCounter | None) -> list[bool]:
    """Return which lines the outlet shows on many other pages, none when they are most of the kept lines."""
    if counter is None:
        return [False] * len(page_lines)
    counts = counter(page_lines)
    flags = [count >= BOILERPLATE_PAGES for count in counts]
    kept = sum(keep)
    dropped = sum(1 for flag, k in zip(flags, keep, strict=True) if flag and k)
    if kept and dropped / kept > MAX_BOILERPLATE_SHARE:
        logger.debug(
            "page shares %d of its %d article lines with the outlet: a copy, not boilerplate", dropped, kept
        )
        return [False] * len(page_lines)
    return flags


def _decide(page_lines: list[str], proba: Sequence[float], threshold: float) -> list[bool]:
    """Return which lines are article: the model's verdict, plus three rules it learnt too weakly.

    A "read also" / share / credit label line (``html.is_widget_line``, eight languages) never is; an entry
    of a list of links with view counts (a line followed by "1200 vues") never is; a one-word sub-heading
    between two article lines is ("Principes" between two paragraphs). Measured on scraped-text-dev: the
    widget rule +0.0025 F1, the counter rule 0, the sub-heading rule -0.001 (longer headings: -0.005).
    """
    keep = [
        bool(p >= threshold) and not html.is_widget_line(line)
        for p, line in zip(proba, page_lines, strict=True)
    ]
    for i in range(len(page_lines) - 1):
        if keep[i] and clutter.is_counter_line(page_lines[i + 1]):
            keep[i] = False
    decided = list(keep)
    for i in range(1, len(page_lines) - 1):
        if keep[i - 1] and keep[i + 1] and not keep[i]:
            decided[i] = clutter.is_one_word_heading(page_lines[i])
    return decided


def _scored_pieces(page_lines: list[str]) -> tuple[list[str], list[int]]:
    """Return the units the model scores (lines, long ones cut in pieces) and the line each unit comes from."""
    pieces: list[str] = []
    owner: list[int] = []
    for i, line in enumerate(page_lines):
        parts = guard.split_long_line(line, SCORED_PIECE_CHARS) if len(line) > MAX_SCORED_LINE_CHARS else []
        for part in parts or [line]:
            pieces.append(part)
            owner.append(i)
    return pieces, owner


def _line_keep(
    page_lines: list[str], pieces: list[str], owner: list[int], piece_keep: list[bool]
) -> list[bool]:
    """Return which lines are article: a line cut in pieces is when at least half its pieces' text is."""
    kept_chars = [0] * len(page_lines)
    all_chars = [0] * len(page_lines)
    for piece, line, keep in zip(pieces, owner, piece_keep, strict=True):
        all_chars[line] += len(piece)
        kept_chars[line] += len(piece) if keep else 0
    return [2 * kept >= total and kept > 0 for kept, total in zip(kept_chars, all_chars, strict=True)]


def _segment_by_rules(text: str, counter: LineCounter | None) -> Segmented:
    """Return the rules' segmentation (``clutter.segment_by_rules``), less the outlet's boilerplate lines."""
    seg = clutter.segment_by_rules(text)
    if counter is not None and seg.body:
        flags = dict(
            zip(seg.lines, boilerplate_flags(seg.lines, [True] * len(seg.lines), counter), strict=True)
        )
        seg.body = [line for line in seg.body if not flags.get(line)]
    return seg


def _clean_article_or_nothing(text: str, counter: LineCounter | None) -> Segmented:
    """Return the rules' segmentation of a text that is all article (its first line may be its title), else
    an empty body.

    The model learnt pages of many lines; on a text of a few lines (a title and one paragraph, a brief) it
    keeps nothing, for want of a page around them. Such a text is an article when the rules find prose
    and nothing outside it but the first line: a page with a menu, a footer or links around its prose
    line (an error page and its menu) stays without article.
    """
    seg = _segment_by_rules(text, counter)
    if seg.body and seg.start <= 1 and seg.end == len(seg.lines) - 1:
        return seg
    empty = Segmented(lines=seg.lines, classes=seg.classes)
    empty.tail = seg.lines
    return empty


def segment_scraped_text(text: str, *, counter: LineCounter | None = None) -> Segmented:
    """Return the page's head (title candidates above the body), article lines and tail.

    ``counter`` gives the per-outlet line statistics (None: no store, or unknown outlet). No article line
    → empty body.
    """
    page_lines = split_lines(text)
    model = lines.bundled_model()
    if model is None:
        return _segment_by_rules(text, counter)
    classes = clutter.classify_lines(page_lines)
    proba = model.predict_proba(lines.line_features(page_lines, classes=classes))
    keep = _decide(page_lines, [float(p) for p in proba], model.threshold)
    pieces, owner = _scored_pieces(page_lines)
    if len(pieces) > len(page_lines):
        # Lines longer than any the model learnt are judged by their pieces (in the page cut so); the other
        # lines keep the verdict they get in the page as it is (cutting shifts the page-wide features).
        piece_proba = model.predict_proba(lines.line_features(pieces, classes=clutter.classify_lines(pieces)))
        piece_keep = _decide(pieces, [float(p) for p in piece_proba], model.threshold)
        by_pieces = _line_keep(page_lines, pieces, owner, piece_keep)
        keep = [
            by_pieces[i] if len(line) > MAX_SCORED_LINE_CHARS else k
            for i, (line, k) in enumerate(zip(page_lines, keep, strict=True))
        ]
    boiler = boilerplate_flags(page_lines, keep, counter)
    keep = [k and not b for k, b in zip(keep, boiler, strict=True)]
    seg = Segmented(lines=page_lines, classes=classes)
    kept_at = [i for i, k in enumerate(keep) if k]
    if not kept_at:
        return _clean_article_or_nothing(text, counter)
    start, end = kept_at[0], kept_at[-1]
    seg.start, seg.end = start, end
    seg.body = [page_lines[i] for i in kept_at]
    # The title is usually just above the article (the model learnt article bodies, titles apart).
    above = start - 1
    if above >= 0 and classes[above] == clutter.HEADING and not boiler[above]:
        seg.head = [page_lines[above]]
    seg.tail = page_lines[end + 1 :]
    logger.debug(
        "scraped text: %d lines, %d kept between %d and %d", len(page_lines), len(kept_at), start, end
    )
    return seg


def clean_scraped_text(text: str, *, counter: LineCounter | None = None) -> str:
    """Return the article text of a scraped page (title candidate, then the article's lines); "" if none.

    Paragraphs are separated by a blank line.
    """
    seg = segment_scraped_text(text, counter=counter)
    return "\n\n".join(seg.head + seg.body)
