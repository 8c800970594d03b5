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

from veille.extract import clutter, html, lines
from veille.extract.clutter import Segmented, split_lines

logger = logging.getLogger(__name__)

# Called with a page's lines, returns how many other pages of the same outlet show each line.
LineCounter = Callable[[Sequence[str]], Sequence[int]]
# A line on at least this many other pages of the outlet is boilerplate.
BOILERPLATE_PAGES = 3
# ... unless the page would lose more than this share of its article lines (then it is a copy of a page).
MAX_BOILERPLATE_SHARE = 0.5


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


def segment_scraped_text(text: str, *, counter: LineCounter | None = None) -> Segmented:
    """Return the page's head (title candidates above the body), article lines and tail.

    ``counter`` gives the per-outlet line statistics (None: no store, or unknown outlet). No article line
    → empty body.
    """
    page_lines = split_lines(text)
    model = lines.bundled_model()
    if model is None:
        seg = clutter.segment_by_rules(text)
        if counter is not None and seg.body:
            flags = dict(
                zip(seg.lines, boilerplate_flags(seg.lines, [True] * len(seg.lines), counter), strict=True)
            )
            seg.body = [line for line in seg.body if not flags.get(line)]
        return seg
    classes = clutter.classify_lines(page_lines)
    proba = model.predict_proba(lines.line_features(page_lines, classes=classes))
    keep = _decide(page_lines, [float(p) for p in proba], model.threshold)
    boiler = boilerplate_flags(page_lines, keep, counter)
    keep = [k and not b for k, b in zip(keep, boiler, strict=True)]
    seg = Segmented(lines=page_lines, classes=classes)
    kept_at = [i for i, k in enumerate(keep) if k]
    if not kept_at:
        seg.tail = page_lines
        return seg
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
