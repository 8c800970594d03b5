"""The scoring rules of benchmarks/quotes.py (issue 6) on tiny hand-made inputs."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from quotes import (  # noqa: E402
    Pred,
    frnews_speaker,
    locate,
    mark_spans,
    match,
    names_match,
    read_brat,
)


def test_bench_quotes_match_needs_half_of_the_longer_span():
    gold = [[(0, 100)], [(200, 210)]]
    # 60 of 100 shared: a match; 4 of 10 shared with the second gold: not one
    assert match(gold, [(40, 110), (206, 230)]) == {0: 0}
    # one-to-one: the larger overlap wins the gold quote, the other prediction stays unmatched
    assert match([[(0, 100)]], [(0, 60), (0, 95)]) == {0: 1}


def test_bench_quotes_match_sums_discontinuous_fragments():
    gold = [[(0, 40), (60, 100)]]  # 80 characters in two fragments
    assert match(gold, [(0, 30)]) == {}  # 30 of 80: less than half
    assert match(gold, [(0, 40)]) == {0: 0}  # exactly half of the longer (the gold) is enough
    assert match(gold, [(0, 100)]) == {0: 0}  # 80 shared of the longer 100


def test_bench_quotes_mark_spans_trims_inner_spaces_and_drops_nested():
    text = 'Il a dit : « Nous irons “ demain ” au marché ». Puis "ok" et «fin».\nUn " seul'
    spans = [text[s:e] for s, e in mark_spans(text)]
    assert spans == ["Nous irons “ demain ” au marché", "ok", "fin"]


def test_bench_quotes_locate_takes_occurrence_nearest_cue():
    text = "la paix, dit A. Plus tard : la paix, conclut B."
    assert locate(text, "la paix", [text.index("conclut")]) == (28, 35)
    assert locate(text, "la paix", []) == (0, 7)
    assert locate(text, "absent", []) is None


def test_bench_quotes_read_brat_keeps_fragments_and_source(tmp_path):
    ann = tmp_path / "a_4b22.ann"
    ann.write_text(
        "T1\tSource 0 5\tFlynn\nT2\tCue 6 10\tsays\nT3\tContent 11 20;30 40\tx\n"
        "T4\tAttribution 6 10\tsays\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
        "T5\tCue 50 54\tsaid\nT6\tContent 55 60\ty\nE2\tAttribution:T5 Content:T6\n",
        encoding="utf-8",
    )
    first, second = read_brat(ann)
    assert first.content == [(11, 20), (30, 40)] and first.source == [(0, 5)] and first.source_text == "Flynn"
    assert second.source == [] and second.source_text == ""


def test_bench_quotes_speaker_rules_names_mentions_and_pronouns():
    row = {
        "text": "« Oui », a dit il. Le ministre Jean Dupont a parlé.",
        "entities": [{"canonical": "Jean Dupont", "mentions": ["Jean Dupont", "le ministre"]}],
    }
    gold = {"speaker": "Jean Dupont", "speaker_surface": "il"}
    span = (2, 5)
    assert frnews_speaker(Pred(2, 5, "direct", "Jean Dupont"), gold, span, row) == (True, True)
    by_mention = Pred(2, 5, "direct", "Dupont", mention_texts={"dupont", "le ministre"})
    assert frnews_speaker(by_mention, gold, span, row) == (True, True)
    # same pronoun surface but resolved to someone else: a pronoun must be resolved to count
    assert frnews_speaker(Pred(2, 5, "direct", "Marie Curie", (14, 16)), gold, span, row) == (False, False)
    assert frnews_speaker(Pred(2, 5, "direct", None), gold, span, row) == (False, False)
    assert frnews_speaker(Pred(2, 5, "direct", None), {"speaker": None}, span, row) == (True, True)


def test_bench_quotes_names_match_ignores_determiners_not_other_names():
    assert names_match("Lavrov", "Sergueï Lavrov")
    assert names_match("les chancelleries occidentales", "chancelleries occidentales")
    assert names_match("Ministère des Affaires étrangères", "ministère malien des Affaires étrangères")
    assert not names_match("Abdoulaye Diop", "Sergueï Lavrov")
