"""The line model: features, the numpy tree evaluator against scikit-learn, the shipped model."""

from __future__ import annotations

import numpy as np
import pytest

from veille.extract import clutter, lines, train

SEED_002 = "002_c41fd276a5cca2db"


def test_lines_features_of_seed_are_finite(seed_texts):
    page = clutter.split_lines(seed_texts[SEED_002])
    x = lines.line_features(page)
    assert x.shape == (len(page), len(lines.feature_names()))
    assert np.isfinite(x).all()


def test_lines_exported_trees_predict_like_sklearn():
    from sklearn.ensemble import HistGradientBoostingClassifier

    with np.load(train.FEATURES_FILE) as data:
        x, y = data["x"][:4000].astype(np.float64), data["y"][:4000]
    x[::97, 3] = np.nan  # missing values take the learnt branch
    clf = HistGradientBoostingClassifier(max_iter=25, random_state=0, early_stopping=False).fit(x, y)
    ours = train.export_trees(clf, lines.feature_names()).predict_proba(x)
    assert np.allclose(ours, clf.predict_proba(x)[:, 1], atol=1e-9)


def test_lines_shipped_model_matches_code():
    model = lines.bundled_model()
    assert model is not None
    assert list(model.first.names) == lines.feature_names()
    assert list(model.second.names) == lines.stage2_names()
    assert 0.0 < model.threshold < 1.0


def test_lines_scores_seed_body_above_clutter(seed_texts, gold):
    page = clutter.split_lines(seed_texts[SEED_002])
    proba = lines.score_lines(page)
    assert proba is not None
    by_line = dict(zip(page, proba, strict=True))
    expected = gold["documents"][SEED_002]
    keep = [by_line[line] for line in page if any(k in line for k in expected["must_keep"])]
    drop = [by_line[line] for line in page if line in expected["must_drop"]]
    assert keep and drop
    assert min(keep) > max(drop)


@pytest.mark.parametrize("html", ["", "<html>", "<p>un</p><p>deux</p>", "<div>" * 5000 + "texte"])
def test_lines_flatten_odd_html(html):
    flat = train.flatten_html(html)
    assert isinstance(flat, list)
    assert all(line.strip() == line and line for line in flat)
