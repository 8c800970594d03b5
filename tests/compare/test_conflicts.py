"""Conflicting figures between sources, and compatible ones that are not conflicts (bundled sample texts)."""

from __future__ import annotations

from dataclasses import replace

from veille.compare.conflicts import figure_conflicts
from veille.model import Claim, ClaimGroup, Quantity
from veille.text import sentences
from veille.understand.quantities import find_quantities


def _read(claims: list[Claim], languages: dict[str, str]) -> dict[str, list[Quantity]]:
    """Return each claim's article's quantities as the analysis stores them (offsets into the article)."""
    return {
        c.article_id: [
            replace(q, start=q.start + c.start, end=q.end + c.start)
            for q in find_quantities(c.text, languages.get(c.article_id, "fr"))
        ]
        for c in claims
    }


def _claim(article_id: str, text: str, entities: tuple[str, ...] = ("org:caisse-d-epargne",)) -> Claim:
    figures = tuple(q.text for q in find_quantities(text, "fr"))
    return Claim(article_id, 0, len(text), text, entities=entities, figures=figures)


def _sentence(sample_dir, name: str, needle: str) -> str:
    text = (sample_dir / "rpm2" / f"{name}.txt").read_text(encoding="utf-8-sig")
    return next(s.text for s in sentences(text) if needle in s.text)


def test_conflicts_figures_that_cannot_be_one_value(sample_dir):
    """Two outlets' losses of the Caisse d'Epargne, aligned as one fact: 600 vs 751 million euros conflict."""
    a = _claim("a", _sentence(sample_dir, "T02_C1_01", "perdu 600 millions"))
    b = _claim("b", _sentence(sample_dir, "T02_C1_02", "751 millions"))
    fact = ClaimGroup((a, b), ("a", "b"), "all", "text", 0.5)
    [conflict] = figure_conflicts(
        [fact], [a, b], {"a": "a", "b": "b"}, {"a": "one", "b": "two"}, _read([a, b], {})
    )
    assert conflict.kind == "figure" and {v.article_id for v in conflict.values} == {"a", "b"}
    assert any(v.value.startswith("600 millions") for v in conflict.values)
    for v in conflict.values:  # the evidence points at the words in their sentence
        claim = a if v.article_id == "a" else b
        assert claim.text[v.start - claim.start : v.end - claim.start] == v.value


def test_conflicts_leave_compatible_and_partial_counts_alone():
    same = [
        _claim(
            "a",
            "Au moins 12 personnes ont été tuées dans l'attaque de Tillabéri, selon l'armée.",
            ("loc:tillaberi",),
        ),
        _claim("b", "L'attaque de Tillabéri a fait 15 morts, selon un élu local.", ("loc:tillaberi",)),
        _claim(
            "c",
            "Une quinzaine de personnes ont été tuées lors de l'attaque de Tillabéri.",
            ("loc:tillaberi",),
        ),
    ]
    assert figure_conflicts([], same, {"a": "a", "b": "b", "c": "c"}, {}, _read(same, {})) == []
    partial = [
        _claim(
            "a",
            "Ingrid Betancourt et quatorze autres otages ont été libérés par l'armée.",
            ("per:betancourt",),
        ),
        _claim(
            "b",
            "La libération de 15 otages, dont Ingrid Betancourt, a été filmée par l'armée.",
            ("per:betancourt",),
        ),
    ]
    assert figure_conflicts([], partial, {"a": "a", "b": "b"}, {}, _read(partial, {})) == []
    apart = [  # the same measure, but sentences about other things: not one slot
        _claim("a", "Au moins 12 personnes ont été tuées dans l'attaque de Tillabéri.", ("loc:tillaberi",)),
        _claim("b", "En 2019, un accident de bus avait fait 40 morts près de Kayes.", ("loc:kayes",)),
    ]
    assert figure_conflicts([], apart, {"a": "a", "b": "b"}, {}, _read(apart, {})) == []


def _pair(*texts: str, entities: tuple[str, ...] = ("loc:tillaberi",)) -> list[Claim]:
    return [_claim(k, t, entities) for k, t in zip("abcd", texts, strict=False)]


def test_conflicts_rising_tolls_are_updates_and_vague_counts_no_value():
    """Two lower bounds that differ are two counts of one toll; the later, larger one makes it an update."""
    from datetime import date

    claims = _pair(
        "Au moins 5 personnes ont été tuées dans l'attaque de Tillabéri, selon l'armée.",
        "Au moins 7 personnes ont été tuées dans l'attaque de Tillabéri, selon un élu.",
    )
    published = {"a": date(2023, 2, 6), "b": date(2023, 2, 7)}
    [conflict] = figure_conflicts([], claims, {"a": "a", "b": "b"}, {}, _read(claims, {}), published)
    assert conflict.change == "update" and {v.article_id for v in conflict.values} == {"a", "b"}
    falling = {"a": date(2023, 2, 7), "b": date(2023, 2, 6)}
    [conflict] = figure_conflicts([], claims, {"a": "a", "b": "b"}, {}, _read(claims, {}), falling)
    assert conflict.change is None  # a toll that goes down is a disagreement, not an update
    vague = _pair(
        "Des dizaines de personnes ont été tuées dans l'attaque de Tillabéri, selon l'armée.",
        "Au moins 7 personnes ont été tuées dans l'attaque de Tillabéri, selon un élu.",
    )
    assert figure_conflicts([], vague, {"a": "a", "b": "b"}, {}, _read(vague, {})) == []


def test_conflicts_a_source_giving_both_figures_measures_two_things():
    """500 and 200 euros in both sources (paid before, due after) are two sums, not a disagreement."""
    claims = _pair(
        "La nourrice a reçu 500 euros au départ et devait toucher 200 euros au retour, selon le procureur.",
        "La somme versée à la nourrice, 500 euros au départ puis 200 euros au retour, selon le procureur.",
        entities=("per:procureur",),
    )
    fact = ClaimGroup(tuple(claims), ("a", "b"), "all", "text", 0.6)
    assert figure_conflicts([fact], claims, {"a": "a", "b": "b"}, {}, _read(claims, {})) == []


def test_conflicts_ages_are_compared_for_one_person():
    """A boy of 4 and a boy of 3 conflict; a mother of 34 and her son of two and a half do not."""
    from veille.compare.conflicts import age_referent

    boy = [
        Claim(k, 0, 70, t, entities=("org:zoo",), figures=tuple(q.text for q in find_quantities(t, "en")))
        for k, t in (
            ("a", "A 4-year-old boy fell into the gorilla enclosure at the zoo on Saturday."),
            ("b", "A three-year-old boy fell into the gorilla enclosure at the zoo on Saturday."),
        )
    ]
    [conflict] = figure_conflicts([], boy, {"a": "a", "b": "b"}, {}, _read(boy, {"a": "en", "b": "en"}))
    assert conflict.slot == "figure: age of child"
    family = _pair(
        "La femme de 34 ans s'était présentée comme la mère de Mohamed à Marseille.",
        "La mère supposée du petit Mohamed, deux ans et demi, a été placée en garde à vue à Marseille.",
        entities=("per:mohamed",),
    )
    assert figure_conflicts([], family, {"a": "a", "b": "b"}, {}, _read(family, {})) == []
    [q] = find_quantities("the 21-year-old said at an undisclosed location", "en")
    assert age_referent("the 21-year-old said at an undisclosed location", q) is None


def test_conflicts_dates_written_in_full_not_resolved_weekdays():
    """Aligned claims writing 2014 and 2015 conflict; a weekday each outlet resolved against its own date does not."""
    from veille.compare.conflicts import date_conflicts
    from veille.model import Analysis, TimeExpression

    a = Claim("a", 0, 70, "Harambe came to the Cincinnati Zoo from a Texas zoo in 2014.")
    b = Claim("b", 0, 70, "Harambe came to the Cincinnati Zoo from a Texas zoo in 2015.")
    fact = ClaimGroup((a, b), ("a", "b"), "all", "text", 0.9)

    def analysis(aid: str, value: str, anchor: str | None) -> Analysis:
        return Analysis(
            article_id=aid, language="en", times=(TimeExpression("x", 50, 54, value, "DATE", anchor),)
        )

    written = {"a": analysis("a", "2014", None), "b": analysis("b", "2015", None)}
    [conflict] = date_conflicts([fact], {}, written)
    assert sorted(v.normalized for v in conflict.values) == ["2014", "2015"]
    resolved = {
        "a": analysis("a", "2016-05-30", "2016-05-31"),
        "b": analysis("b", "2016-05-29", "2016-05-31"),
    }
    assert date_conflicts([fact], {}, resolved) == []


def test_conflicts_weights_and_lengths_across_units():
    """A 25-ton and a 19-ton truck conflict; 25 tons and 25 tonnes agree; an unnamed length conflicts only
    with one told in the same words ("fell")."""
    en = {"a": "en", "b": "en", "c": "en"}

    def claims(*texts: str) -> list[Claim]:
        return [
            Claim(k, 0, len(t), t, figures=tuple(q.text for q in find_quantities(t, "en")))
            for k, t in zip("abc", texts, strict=False)
        ]

    trucks = claims(
        "The attacker drove a 25-ton truck into the crowd on the seafront.",
        "Police said a 19-ton delivery truck was used in the attack.",
        "The driver of the 25-tonne truck was shot dead by the police.",
    )
    [conflict] = figure_conflicts([], trucks, {k: k for k in "abc"}, {}, _read(trucks, en))
    assert conflict.slot == "figure: truck (mass)"
    assert {v.article_id for v in conflict.values} == {"a", "b", "c"}
    falls = claims("The boy fell 15ft into the moat.", "The child fell 10 to 12 feet into the moat.")
    [conflict] = figure_conflicts([], falls, {"a": "a", "b": "b"}, {}, _read(falls, en))
    assert conflict.slot == "figure: distance"
    apart = claims("The boy fell 15ft into the moat.", "The fence stands 4 feet high around the moat.")
    assert figure_conflicts([], apart, {"a": "a", "b": "b"}, {}, _read(apart, en)) == []


def test_conflicts_sums_lost_are_one_measure_other_sums_only_in_one_fact():
    """'perdu 600 millions' and 'la perte de 751 millions' are one sum lost, wherever they are told; a sum
    nothing qualifies is compared only within one fact."""
    lost = _pair(
        "Le groupe a annoncé vendredi avoir perdu 600 millions d'euros sur les marchés.",
        "Le trader est soupçonné d'être à l'origine de la perte de 751 millions d'euros.",
        entities=(),
    )
    [conflict] = figure_conflicts([], lost, {"a": "a", "b": "b"}, {}, _read(lost, {}))
    assert conflict.slot == "figure: money (loss)"
    other = _pair(
        "La banque a dégagé un résultat net de 21 millions d'euros au premier semestre.",
        "La banque a versé 751 millions d'euros à ses actionnaires depuis 2005.",
    )
    assert figure_conflicts([], other, {"a": "a", "b": "b"}, {}, _read(other, {})) == []


def test_conflicts_without_dates_lower_bounds_are_updates_and_exact_tolls_figures():
    """Undated, "plus de 10" and "au moins 12" are two counts of one toll (an update); 84 vs 77 is a
    disagreement, not an update."""
    bounds = _pair(
        "Plus de 10 personnes ont été tuées dans l'attaque de Tillabéri, selon l'armée.",
        "Au moins 12 personnes ont été tuées dans l'attaque de Tillabéri, selon un élu.",
    )
    [conflict] = figure_conflicts([], bounds, {"a": "a", "b": "b"}, {}, _read(bounds, {}))
    assert conflict.change == "update"
    exact = _pair(
        "L'attaque de Tillabéri a fait 84 morts, selon l'armée.",
        "L'attaque de Tillabéri a fait 77 morts, selon un élu.",
    )
    [conflict] = figure_conflicts([], exact, {"a": "a", "b": "b"}, {}, _read(exact, {}))
    assert conflict.change is None


def test_conflicts_ranges_compared_and_unqualified_sums_kept_apart():
    """A range is a value ("entre 5 et 10 morts" vs "30 morts"); two sums both "announced" are not one."""
    ranges = _pair(
        "Entre 5 et 10 personnes ont été tuées dans l'attaque de Tillabéri.",
        "L'attaque de Tillabéri a fait 30 morts.",
    )
    fact = ClaimGroup(tuple(ranges), ("a", "b"), "all", "text", 0.6)
    [conflict] = figure_conflicts([fact], ranges, {"a": "a", "b": "b"}, {}, _read(ranges, {}))
    assert {v.article_id for v in conflict.values} == {"a", "b"}
    announced = _pair(
        "Le gouvernement a annoncé 600 millions d'euros pour les agriculteurs.",
        "La région a annoncé 20 millions d'euros pour rénover les écoles.",
        entities=(),
    )
    assert figure_conflicts([], announced, {"a": "a", "b": "b"}, {}, _read(announced, {})) == []


def test_conflicts_a_toll_repeated_as_it_rises_is_still_an_update():
    """5 on day 1, 7 on days 2 and 3: an update; 7 then 5: a disagreement."""
    from datetime import date

    claims = _pair(
        "Au moins 5 personnes ont été tuées dans l'attaque de Tillabéri, selon l'armée.",
        "Au moins 7 personnes ont été tuées dans l'attaque de Tillabéri, selon un élu.",
        "Au moins 7 personnes ont été tuées dans l'attaque de Tillabéri, selon la préfecture.",
    )
    days = {"a": date(2023, 2, 6), "b": date(2023, 2, 7), "c": date(2023, 2, 8)}
    [conflict] = figure_conflicts([], claims, {k: k for k in "abc"}, {}, _read(claims, {}), days)
    assert conflict.change == "update"
    [conflict] = figure_conflicts(
        [], claims[:2], {"a": "a", "b": "b"}, {}, _read(claims, {}), {"a": days["b"], "b": days["a"]}
    )
    assert conflict.change is None


def test_conflicts_explain_themselves_and_say_when_a_source_corrects():
    """A conflict's rule names its values with their intervals and why they are one slot; a value whose
    sentence says it corrects an earlier one makes the conflict a correction, a plain one stays None."""
    from veille.compare.conflicts import mark_corrections

    claims = _pair(
        "Douze morts dans l'attaque de Tillabéri, selon l'armée.",
        "Le bilan de l'attaque de Tillabéri est de quinze morts, et non de douze morts comme annoncé hier.",
    )
    [conflict] = figure_conflicts([], claims, {"a": "a", "b": "b"}, {}, _read(claims, {}))
    assert "«Douze morts» (12)" in conflict.rule and "«quinze morts» (15)" in conflict.rule
    assert "same slot: close sentences naming" in conflict.rule and conflict.change is None
    [corrected] = mark_corrections([conflict])
    assert corrected.change == "correction" and corrected.rule.endswith("corrects an earlier value")
    plain = _pair(
        "Douze personnes ont été tuées dans l'attaque de Tillabéri, selon l'armée.",
        "Quinze personnes ont été tuées dans l'attaque de Tillabéri, selon un élu local.",
    )
    [conflict] = figure_conflicts([], plain, {"a": "a", "b": "b"}, {}, _read(plain, {}))
    assert mark_corrections([conflict])[0].change is None
