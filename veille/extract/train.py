"""Training the line model (``veille.extract.lines``): build its numeric training data, fit it, save it.

    python -m veille.extract.train build --eval-dir ../shared/eval   # pages → training/line-features.npz
    python -m veille.extract.train fit                               # npz → data/line-model.npz

**Training pages** are HTML pages whose article we know: the 499 pages of ``htmldate-dev`` and the 181 of
``scrapinghub-aeb``. The sets share pages: 298 of ``scraped-text-dev``'s 486 pages (and 306 of
``trafilatura-dev``'s) have the URL of a training page, so ``benchmarks/extraction.py`` scores the line model
only on the others (by URL, flattened-text hash and feature rows; issue 23). Each page is flattened to one block per line, the way a WET record gives it (text
nodes in order, block elements and image alt texts on their own lines, scripts and styles out).

**Labels**: a line is article when it is found in the page's article: for ``scrapinghub-aeb`` the gold
body written by its authors; for ``htmldate-dev`` (no body gold) veille's own HTML extraction
(``html.extract_html`` with both trafilatura runs always merged), which sees the page structure the flattened text has lost. Projected onto the
flattened lines of scraped-text-dev's pages, these labels score segment F1 0.926 against that set's gold
(trafilatura's extraction as labeller: 0.908), which bounds what a model imitating them can reach. A line counts as found when its whitespace-collapsed text is a
substring of the article and is either 25 characters long or more, or a whole line of the article (so that a
short "Home" is not labelled article because the word occurs in the body).

Only the numeric feature matrix, labels and page ids are kept (``training/line-features.npz``), no text: the model is
retrained from shipped data by ``fit``, which gives the shipped model byte for byte (checked on 2026-12-06;
the fit takes minutes, too long for the test suite).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import numpy as np
from lxml import etree

from veille.extract import lines

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
# The training matrix lives in the repository (training/), not in the installed package.
FEATURES_FILE = Path(__file__).resolve().parents[2] / "training" / "line-features.npz"
MODEL_PATH = DATA_DIR / lines.MODEL_FILE
MIN_FOUND_CHARS = 25

_SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "head",
        "iframe",
        "object",
        "embed",
        "canvas",
        "select",
        "button",
    ]
)
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "td",
        "th",
        "ul",
        "caption",
        "summary",
        "option",
        "label",
        "title",
        "body",
        "html",
        "center",
        "tbody",
        "thead",
    ]
)


def flatten_html(html: str) -> list[str]:
    """Return the text of an HTML page as a WET record gives it: one block per line, image alts included."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    body = root.find("body")
    out: list[str] = []
    current: list[str] = []

    def flush() -> None:
        block = re.sub(r"\s+", " ", "".join(current)).strip()
        if block:
            out.append(block)
        current.clear()

    # An explicit stack instead of recursion: real pages nest deeper than Python's recursion limit.
    stack: list[tuple[object, bool]] = [(body if body is not None else root, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            if isinstance(node, str):
                current.append(node)
            else:
                flush()
            continue
        el = node
        tag = el.tag.lower() if isinstance(el.tag, str) else None  # type: ignore[attr-defined]
        tail = el.tail  # type: ignore[attr-defined]
        if tail:
            stack.append((tail, True))
        if tag is None or tag in _SKIP_TAGS:
            continue
        if tag == "img":
            alt = (el.get("alt") or "").strip()  # type: ignore[attr-defined]
            if alt:
                flush()
                current.append(alt)
                flush()
            continue
        block = tag in _BLOCK_TAGS
        if block:
            flush()
            stack.append((el, True))
        for child in reversed(list(el)):  # type: ignore[call-overload]
            stack.append((child, False))
        if el.text:  # type: ignore[attr-defined]
            current.append(el.text)  # type: ignore[attr-defined]
    flush()
    return out


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def label_lines(page_lines: list[str], article: str) -> list[int]:
    """Return 1 for each line found in the article (see the module docstring for the rule), else 0."""
    flat = _collapse(article)
    whole = {_collapse(line) for line in article.splitlines() if line.strip()}
    labels = []
    for line in page_lines:
        text = _collapse(line)
        found = bool(text) and text in flat and (len(text) >= MIN_FOUND_CHARS or text in whole)
        labels.append(int(found))
    return labels


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def training_pages(eval_dir: Path) -> Iterator[tuple[str, list[str], list[int]]]:
    """Yield (page id, flattened lines, labels) for every training page found under ``eval_dir``."""
    from veille.errors import ExtractionError
    from veille.extract.html import extract_html

    htmldate_dir = eval_dir / "htmldate-dev"
    gold = json.loads((htmldate_dir / "gold.json").read_text(encoding="utf-8"))
    for url, item in sorted(gold.items()):
        html = _decode(gzip.decompress((htmldate_dir / "html" / f"{item['file']}.gz").read_bytes()))
        try:
            page_url = url if url.startswith("http") else None
            article = "\n".join(extract_html(html, page_url, second_run_below=sys.maxsize).paragraphs)
        except ExtractionError:
            article = ""
        page_lines = flatten_html(html)
        if article and page_lines:
            yield f"htmldate-dev/{item['file']}", page_lines, label_lines(page_lines, article)
    aeb_dir = eval_dir / "scrapinghub-aeb"
    truth = json.loads((aeb_dir / "ground-truth.json").read_text(encoding="utf-8"))
    for key, item in sorted(truth.items()):
        html = _decode(gzip.decompress((aeb_dir / "html" / f"{key}.html.gz").read_bytes()))
        page_lines = flatten_html(html)
        body = item.get("articleBody") or ""
        if body and page_lines:
            yield f"scrapinghub-aeb/{key}", page_lines, label_lines(page_lines, body)


def build(eval_dir: Path, out: Path = FEATURES_FILE) -> dict[str, int]:
    """Write the training matrix of every training page to ``out``; return page and line counts."""
    blocks, labels, groups, pages = [], [], [], 0
    for page_id, page_lines, page_labels in training_pages(eval_dir):
        if sum(page_labels) == 0:
            logger.info("%s: no line of the article found in the flattened page, skipped", page_id)
            continue
        blocks.append(lines.line_features(page_lines).astype(np.float32))
        labels.append(np.array(page_labels, dtype=np.int8))
        groups.append(np.full(len(page_lines), pages, dtype=np.int32))
        pages += 1
    x = np.vstack(blocks)
    y = np.concatenate(labels)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, x=x, y=y, groups=np.concatenate(groups), names=np.array(lines.feature_names()))
    return {"pages": pages, "lines": int(len(y)), "article_lines": int(y.sum())}


FIRST_PARAMS = {"max_iter": 200, "learning_rate": 0.1, "max_leaf_nodes": 31, "l2_regularization": 1.0}
SECOND_PARAMS = {"max_iter": 100, "learning_rate": 0.1, "max_leaf_nodes": 15, "l2_regularization": 1.0}
FOLDS = 4


def _trees(x: np.ndarray, y: np.ndarray, params: dict[str, float]) -> object:
    from sklearn.ensemble import HistGradientBoostingClassifier

    clf = HistGradientBoostingClassifier(random_state=0, early_stopping=False, **params)  # type: ignore[arg-type]
    return clf.fit(x, y)


def _second_stage_matrix(first: np.ndarray, x: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Return the second stage's features, page by page (rows are in page order, pages contiguous)."""
    bounds = np.flatnonzero(np.diff(groups)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(groups)]])
    return np.vstack([lines.context_features(first[a:b], x[a:b]) for a, b in zip(starts, ends, strict=True)])


def fit(features: Path = FEATURES_FILE, out: Path | None = MODEL_PATH) -> lines.LineModel:
    """Fit both stages on the shipped training matrix; save them to ``out`` when given.

    The second stage learns from out-of-fold first-stage probabilities (pages split in folds), so that it
    sees probabilities as noisy as the ones it will get on new pages.
    """
    from sklearn.model_selection import GroupKFold

    with np.load(features) as data:
        x, y, groups = data["x"].astype(np.float64), data["y"], data["groups"]
        names = [str(name) for name in data["names"]]
    if names != lines.feature_names():
        raise ValueError(f"{features} was built with other features: run `build` again")
    out_of_fold = np.zeros(len(y))
    for train_idx, test_idx in GroupKFold(n_splits=FOLDS).split(x, y, groups):
        clf = _trees(x[train_idx], y[train_idx], FIRST_PARAMS)
        out_of_fold[test_idx] = export_trees(clf, names).predict_proba(x[test_idx])
    first = export_trees(_trees(x, y, FIRST_PARAMS), names)
    x2 = _second_stage_matrix(out_of_fold, x, groups)
    second = export_trees(_trees(x2, y, SECOND_PARAMS), lines.stage2_names())
    model = lines.LineModel(first, second)
    if out is not None:
        model.save(str(out))
    return model


def export_trees(clf: object, names: list[str]) -> lines.TreeModel:
    """Return a fitted HistGradientBoostingClassifier's trees as flat arrays (binary classification)."""
    feature, threshold, left, right, missing, value, roots = [], [], [], [], [], [], []
    offset, depth = 0, 0
    for (predictor,) in clf._predictors:  # type: ignore[attr-defined]
        nodes = predictor.nodes
        if nodes["is_categorical"].any():
            raise ValueError("categorical splits are not supported by the exported model")
        roots.append(offset)
        leaf = nodes["is_leaf"].astype(bool)
        feature.append(np.where(leaf, -1, nodes["feature_idx"]))
        threshold.append(nodes["num_threshold"])
        left.append(nodes["left"].astype(np.int64) + offset)
        right.append(nodes["right"].astype(np.int64) + offset)
        missing.append(nodes["missing_go_to_left"].astype(bool))
        value.append(nodes["value"])
        depth = max(depth, int(nodes["depth"].max()))
        offset += len(nodes)
    return lines.TreeModel(
        feature=np.concatenate(feature).astype(np.int64),
        threshold=np.concatenate(threshold),
        left=np.concatenate(left),
        right=np.concatenate(right),
        missing_left=np.concatenate(missing),
        value=np.concatenate(value),
        roots=np.array(roots, dtype=np.int64),
        baseline=float(np.ravel(clf._baseline_prediction)[0]),  # type: ignore[attr-defined]
        threshold_prob=lines.DEFAULT_THRESHOLD,
        max_depth=depth,
        names=tuple(names),
    )


def main(argv: list[str] | None = None) -> int:
    """Command line: ``build`` the training matrix from the evaluation pages, or ``fit`` the model."""
    parser = argparse.ArgumentParser(
        prog="python -m veille.extract.train", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    build_cmd = sub.add_parser("build", help="flatten and label the training pages into line-features.npz")
    build_cmd.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    sub.add_parser("fit", help="fit the trees on line-features.npz and write line-model.npz")
    args = parser.parse_args(argv)
    if args.command == "build":
        counts = build(args.eval_dir)
        sys.stdout.write(json.dumps(counts) + "\n")
    else:
        model = fit()
        sizes = {"first_nodes": len(model.first.feature), "second_nodes": len(model.second.feature)}
        sys.stdout.write(json.dumps(sizes) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
