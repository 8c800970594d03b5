"""The line model: is each line of a flattened page part of the article?

A page flattened to text (a WET record, a copy-paste, a page scraped with its clutter) is one block per line.
Each line gets a feature vector from what it shows (length, sentence shape, stop-word density in the page's
language, counters, widget words, footers) and from its neighbourhood (the same signals over windows around
it, where the rule-based densest prose run lies, how often the line repeats). Two gradient-boosted tree
ensembles, trained by ``veille.extract.train`` on numeric features shipped in the repository's
``training/line-features.npz``, give each line the probability that it belongs to the article: the first from
the line's features, the second from the first's probabilities around the line. The trees are stored as
plain arrays (``data/line-model.npz``) and evaluated here with numpy, so no pickled estimator is loaded.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import justext
import numpy as np
import py3langid

from veille.extract import clutter

logger = logging.getLogger(__name__)

MODEL_FILE = "line-model.npz"
# A line is kept when the model's probability reaches this (stored with the trees). 0.4 gave the best
# segment F1 on scraped-text-dev among 0.2-0.6 (benchmarks/extraction.py).
DEFAULT_THRESHOLD = 0.4

# py3langid codes → jusText stop-list names (the languages of the press we read and of the training pages).
JUSTEXT_LANGUAGES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "cy": "Welsh",
    "da": "Danish", "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian",
    "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French", "ga": "Irish", "gl": "Galician",
    "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian", "is": "Icelandic",
    "it": "Italian", "ko": "Korean", "lb": "Luxembourgish", "lt": "Lithuanian", "lv": "Latvian",
    "mk": "Macedonian", "ms": "Malay", "nb": "Norwegian_Bokmal", "nl": "Dutch", "nn": "Norwegian_Nynorsk",
    "no": "Norwegian_Bokmal", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian",
    "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish", "sw": "Swahili",
    "ta": "Tamil", "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese",
    "wa": "Walloon", "yo": "Yoruba",
}  # fmt: skip
SEPARATOR_RE = re.compile(r"[|»·•›/>]")
QUOTE_RE = re.compile(r"[\"«»“”„]")
DATE_ONLY_RE = re.compile(
    r"^\W*(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2})(?:\W+\d{1,2}:\d{2})?\W*$"
)

# Per-line features, then the same few over windows; the order is the model's column order.
LINE_FEATURES = (
    "log_chars", "log_words", "stop_density", "log_stops", "ends_sentence", "ends_colon", "ends_comma",
    "starts_upper", "cap_word_share", "upper_share", "digit_share", "punct_share", "commas_per_word",
    "mean_word_len", "junk", "widget", "footer", "counter", "file_or_url", "link_prefix", "relative_age",
    "date_only", "separators", "quotes", "rule_prose", "rule_heading", "rule_short", "rule_junk",
    "in_rule_body", "repeats_in_page",
)  # fmt: skip
CONTEXT_FEATURES = ("log_chars", "stop_density", "ends_sentence", "rule_prose", "junk", "cap_word_share")
OFFSETS = (-3, -2, -1, 1, 2, 3)
WINDOWS = (5, 15)
STAGE2_OFFSETS = (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)
STAGE2_WINDOWS = (3, 10, 25)
STAGE2_OWN = (
    "log_chars",
    "stop_density",
    "ends_sentence",
    "junk",
    "rule_heading",
    "cap_word_share",
    "position",
)
PAGE_FEATURES = (
    "position", "log_lines", "prose_chars_before", "prose_chars_after", "dist_prose_up", "dist_prose_down",
    "dist_rule_body", "page_prose_share",
)  # fmt: skip


def feature_names() -> list[str]:
    """Return the model's column names, in order."""
    names = list(LINE_FEATURES)
    names += [f"{name}@{off:+d}" for off in OFFSETS for name in CONTEXT_FEATURES]
    names += [f"{name}~{w}" for w in WINDOWS for name in CONTEXT_FEATURES]
    names += list(PAGE_FEATURES)
    return names


@functools.lru_cache(maxsize=64)
def stop_words(language: str | None) -> frozenset[str]:
    """Return the stop words of a language (jusText's lists; French and English together when unknown)."""
    name = JUSTEXT_LANGUAGES.get(language or "")
    if name is None:
        return clutter.STOP_WORDS
    return frozenset(justext.get_stoplist(name)) | clutter.STOP_WORDS


def page_language(lines: Sequence[str]) -> str | None:
    """Return the ISO code of the page's language from its longer lines, or None for too little text."""
    sample = " ".join(line for line in lines if len(line) >= 40)[:20000]
    if len(sample) < 40:
        sample = " ".join(lines)[:20000]
    if len(sample) < 20:
        return None
    language, _ = py3langid.classify(sample)
    return str(language)


def _line_vector(line: str, stops: frozenset[str], cls: str) -> list[float]:
    words = clutter.WORD_RE.findall(line)
    n_words = len(words)
    letters = [ch for ch in line if ch.isalpha()]
    stop_count = 0
    for word in words:
        low = word.lower()
        head = re.split(r"['’]", low, maxsplit=1)[0]
        if low in stops or (head != low and head in stops):
            stop_count += 1
    n_chars = len(line)
    return [
        math.log1p(n_chars),
        math.log1p(n_words),
        stop_count / n_words if n_words else 0.0,
        math.log1p(stop_count),
        float(bool(clutter.SENTENCE_END_RE.search(line))),
        float(line.endswith(":")),
        float(line.endswith((",", ";"))),
        float(line[:1].isupper()),
        sum(1 for w in words if w[:1].isupper()) / n_words if n_words else 0.0,
        sum(1 for ch in letters if ch.isupper()) / len(letters) if letters else 0.0,
        sum(1 for ch in line if ch.isdigit()) / n_chars if n_chars else 0.0,
        sum(1 for ch in line if not ch.isalnum() and not ch.isspace()) / n_chars if n_chars else 0.0,
        line.count(",") / n_words if n_words else 0.0,
        sum(len(w) for w in words) / n_words if n_words else 0.0,
        float(clutter.is_junk_line(line)),
        float(clutter.is_widget_line(line)),
        float(bool(clutter.FOOTER_RE.search(line))),
        float(bool(clutter.COUNTER_RE.match(line) or clutter.UNIT_FIRST_COUNTER_RE.match(line))),
        float(
            bool(clutter.FILE_RE.search(line) or clutter.URL_RE.search(line) or clutter.EMAIL_RE.search(line))
        ),
        float(bool(clutter.LINK_PREFIX_RE.match(line))),
        float(bool(clutter.RELATIVE_AGE_RE.search(line))),
        float(bool(DATE_ONLY_RE.match(line))),
        float(len(SEPARATOR_RE.findall(line))),
        float(bool(QUOTE_RE.search(line))),
        float(cls == clutter.PROSE),
        float(cls == clutter.HEADING),
        float(cls == clutter.SHORT),
        float(cls == clutter.JUNK),
    ]


def _shift(values: np.ndarray, off: int) -> np.ndarray:
    """Return the rows of ``values`` moved by ``off`` lines (row i holds row i + off), -1 past the page's ends."""
    n = len(values)
    out = np.full_like(values, -1.0)
    if off < 0 and n + off > 0:
        out[-off:] = values[: n + off]
    elif off > 0 and n - off > 0:
        out[: n - off] = values[off:]
    return out


def _window_mean(values: np.ndarray, width: int) -> np.ndarray:
    """Return, for each row, the mean of the rows within ``width`` lines of it (cut at the page's ends)."""
    n = len(values)
    cumulative = np.concatenate([np.zeros((1, *values.shape[1:])), np.cumsum(values, axis=0)])
    lo = np.clip(np.arange(n) - width, 0, n)
    hi = np.clip(np.arange(n) + width + 1, 0, n)
    counts = (hi - lo).reshape(-1, *([1] * (values.ndim - 1)))
    return (cumulative[hi] - cumulative[lo]) / counts


def _distance_to(flags: np.ndarray, reverse: bool) -> np.ndarray:
    """Return, for each position, the distance in lines to the nearest True before it (or after it), capped."""
    n = len(flags)
    out = np.full(n, 50.0)
    last = None
    order = range(n - 1, -1, -1) if reverse else range(n)
    for i in order:
        if last is not None:
            out[i] = min(50.0, abs(i - last))
        if flags[i]:
            last = i
            out[i] = 0.0
    return out


def line_features(
    lines: Sequence[str], *, language: str | None = None, classes: Sequence[str] | None = None
) -> np.ndarray:
    """Return the (lines × features) matrix of a flattened page (lines already split and stripped).

    ``classes`` are the lines' rule-based classes (``clutter.classify_lines``) when the caller has them.
    """
    n = len(lines)
    names = feature_names()
    if n == 0:
        return np.zeros((0, len(names)))
    stops = stop_words(language if language is not None else page_language(lines))
    classes = list(classes) if classes is not None else clutter.classify_lines(list(lines))
    body = clutter.rule_body_span(list(lines), classes)
    counts = Counter(lines)
    base = np.array([_line_vector(line, stops, cls) for line, cls in zip(lines, classes, strict=True)])
    in_body = np.zeros(n)
    if body is not None:
        in_body[body[0] : body[1] + 1] = 1.0
    repeats = np.array([float(counts[line] > 1) for line in lines])
    line_part = np.column_stack([base, in_body, repeats])

    index = {name: i for i, name in enumerate(LINE_FEATURES)}
    ctx = line_part[:, [index[name] for name in CONTEXT_FEATURES]]
    shifted = [_shift(ctx, off) for off in OFFSETS]
    windows = [_window_mean(ctx, w) for w in WINDOWS]

    prose = line_part[:, index["rule_prose"]] > 0
    prose_chars = np.where(prose, np.array([len(line) for line in lines], dtype=float), 0.0)
    total = prose_chars.sum() or 1.0
    before = np.concatenate([[0.0], np.cumsum(prose_chars)[:-1]]) / total
    after = 1.0 - before - prose_chars / total
    if body is not None:
        pos = np.arange(n)
        dist_body = np.where(pos < body[0], body[0] - pos, np.where(pos > body[1], pos - body[1], 0))
        dist_body = np.minimum(dist_body, 50).astype(float)
    else:
        dist_body = np.full(n, 50.0)
    page = np.column_stack(
        [
            np.arange(n) / max(1, n - 1),
            np.full(n, math.log1p(n)),
            before,
            after,
            _distance_to(prose, reverse=False),
            _distance_to(prose, reverse=True),
            dist_body,
            np.full(n, prose.mean()),
        ]
    )
    return np.column_stack([line_part, *shifted, *windows, page])


@dataclass(frozen=True, slots=True)
class TreeModel:
    """A gradient-boosted tree ensemble as flat arrays (one row per node, trees concatenated)."""

    feature: np.ndarray  # int, -1 on leaves
    threshold: np.ndarray  # float
    left: np.ndarray  # int, absolute node index
    right: np.ndarray
    missing_left: np.ndarray  # bool
    value: np.ndarray  # float, the leaf's raw score
    roots: np.ndarray  # int, the root node of each tree
    baseline: float
    threshold_prob: float
    max_depth: int
    names: tuple[str, ...]

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Return the probability of the positive class for each row of ``x``."""
        if len(x) == 0:
            return np.zeros(0)
        # Every row walks every tree at once: a (rows × trees) matrix of current nodes, one step per level.
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        rows = np.arange(len(x))[:, None]
        for _ in range(self.max_depth + 1):
            feat = self.feature[node]
            leaf = feat < 0
            if leaf.all():
                break
            values = x[rows, np.where(leaf, 0, feat)]
            go_left = np.where(np.isnan(values), self.missing_left[node], values <= self.threshold[node])
            node = np.where(leaf, node, np.where(go_left, self.left[node], self.right[node]))
        raw = self.baseline + self.value[node].sum(axis=1)
        return 1.0 / (1.0 + np.exp(-raw))

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """Return the model as named arrays (numbers and feature names only), keys prefixed."""
        return {
            f"{prefix}feature": self.feature,
            f"{prefix}threshold": self.threshold,
            f"{prefix}left": self.left,
            f"{prefix}right": self.right,
            f"{prefix}missing_left": self.missing_left,
            f"{prefix}value": self.value,
            f"{prefix}roots": self.roots,
            f"{prefix}meta": np.array([self.baseline, self.threshold_prob, self.max_depth]),
            f"{prefix}names": np.array(self.names),
        }

    @classmethod
    def from_arrays(cls, data: Mapping[str, np.ndarray], prefix: str) -> TreeModel:
        """Return the model stored by ``arrays`` under ``prefix``."""
        meta = data[f"{prefix}meta"]
        return cls(
            feature=data[f"{prefix}feature"],
            threshold=data[f"{prefix}threshold"],
            left=data[f"{prefix}left"],
            right=data[f"{prefix}right"],
            missing_left=data[f"{prefix}missing_left"].astype(bool),
            value=data[f"{prefix}value"],
            roots=data[f"{prefix}roots"],
            baseline=float(meta[0]),
            threshold_prob=float(meta[1]),
            max_depth=int(meta[2]),
            names=tuple(str(name) for name in data[f"{prefix}names"]),
        )


def context_features(proba: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return the second stage's features: the first stage's probabilities around each line, and the line's own.

    The article is a contiguous run: a short line between two article lines is likely article too, and a
    prose-like line in a run of clutter is likely a teaser. The second stage learns this from the first
    stage's output (out-of-fold in training).
    """
    n = len(proba)
    if n == 0:
        return np.zeros((0, len(stage2_names())))
    cols = [proba]
    cols += [_shift(proba, off) for off in STAGE2_OFFSETS]
    cols += [_window_mean(proba, w) for w in STAGE2_WINDOWS]
    high = proba >= 0.5
    cols.append(np.maximum.accumulate(proba))
    cols.append(np.maximum.accumulate(proba[::-1])[::-1])
    cols.append(np.cumsum(high) / max(1, high.sum()))
    cols.append(np.full(n, high.mean()))
    index = {name: i for i, name in enumerate(feature_names())}
    own = x[:, [index[name] for name in STAGE2_OWN]]
    return np.column_stack([*cols, own])


def stage2_names() -> list[str]:
    """Return the second stage's column names, in order."""
    names = ["p"] + [f"p@{off:+d}" for off in STAGE2_OFFSETS] + [f"p~{w}" for w in STAGE2_WINDOWS]
    names += ["p_max_before", "p_max_after", "article_share_before", "page_article_share"]
    return names + list(STAGE2_OWN)


@dataclass(frozen=True, slots=True)
class LineModel:
    """The two stages: line features → probability; probabilities in context → final probability."""

    first: TreeModel
    second: TreeModel

    @property
    def threshold(self) -> float:
        """The probability from which a line is kept."""
        return self.second.threshold_prob

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Return each line's probability of being article, from its (page-ordered) feature rows."""
        if len(x) == 0:
            return np.zeros(0)
        first = self.first.predict_proba(x)
        return self.second.predict_proba(context_features(first, x))

    def save(self, path: str) -> None:
        """Write both stages to one compressed npz."""
        arrays: dict[str, Any] = {**self.first.arrays("first_"), **self.second.arrays("second_")}
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, source: object) -> LineModel:
        """Read a model written by ``save`` (a path or a binary file object)."""
        with np.load(source) as data:  # type: ignore[arg-type]
            arrays = {key: data[key] for key in data.files}
        return cls(TreeModel.from_arrays(arrays, "first_"), TreeModel.from_arrays(arrays, "second_"))


@functools.lru_cache(maxsize=1)
def bundled_model() -> LineModel | None:
    """Return the shipped line model, or None when the package has none (the rules are used instead)."""
    ref = resources.files("veille.extract") / "data" / MODEL_FILE
    if not ref.is_file():
        logger.warning("no line model at %s: scraped text falls back on the rule-based cleaner", ref)
        return None
    with ref.open("rb") as handle:
        model = LineModel.load(handle)
    if list(model.first.names) != feature_names() or list(model.second.names) != stage2_names():
        logger.warning("the line model's features differ from the code's: retrain it (veille.extract.train)")
        return None
    return model


def score_lines(lines: Sequence[str], *, language: str | None = None) -> np.ndarray | None:
    """Return each line's probability of belonging to the article, or None when no model is installed."""
    model = bundled_model()
    if model is None:
        return None
    return model.predict_proba(line_features(lines, language=language))
