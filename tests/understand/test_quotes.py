from __future__ import annotations

import pytest

from veille.model import Analysis, Article, Quote
from veille.understand import analyze_article
from veille.understand.quotes import speech_cues


def analyze(text: str, nlp) -> Analysis:
    return analyze_article(Article(id="t", content_id="t", text=text), nlp=nlp)


def quote_with(analysis: Analysis, words: str) -> Quote:
    found = [q for q in analysis.quotes if words in q.text]
    assert len(found) == 1, [(q.kind, q.text) for q in analysis.quotes]
    return found[0]


def test_quotes_lexicon_is_large_and_bilingual():
    cues = speech_cues()
    assert len(cues) >= 80
    assert {"affirm", "déclar", "estim", "annonc", "said", "according to"} <= set(cues)


def test_quotes_reported_speech_que_clause(nlp):
    text = (
        "Le ministre malien des Affaires étrangères, Abdoulaye Diop, a affirmé lundi que la coopération avec la "
        "Russie allait se renforcer dans les prochains mois."
    )
    quote = quote_with(analyze(text, nlp), "la coopération avec la Russie")
    assert quote.kind == "indirect"
    assert quote.text.startswith("la coopération") and quote.text.endswith("prochains mois")
    assert quote.speaker is not None and quote.speaker.name == "Abdoulaye Diop"
    assert text[quote.start : quote.end] == quote.text


def test_quotes_selon_and_mixed(nlp):
    text = (
        "Selon le porte-parole du gouvernement, Abdoulaye Maïga, les partenaires occidentaux poursuivent des "
        "« agendas cachés » au Sahel. La junte a annoncé la fermeture de trois bases militaires dans le nord du pays."
    )
    analysis = analyze(text, nlp)
    mixed = quote_with(analysis, "agendas cachés")
    assert mixed.kind == "mixed"
    assert mixed.speaker is not None and "Maïga" in mixed.speaker.name
    junta = quote_with(analysis, "la fermeture de trois bases")
    assert junta.kind == "indirect" and junta.cue == "a annoncé"


def test_quotes_pronoun_speaker_and_inverted_cue(nlp):
    text = (
        "Sergueï Lavrov est arrivé à Bamako lundi. « Nous continuerons de soutenir le Mali sur le plan sécuritaire », "
        "a-t-il déclaré. La situation reste fragile dans le centre du pays, rapporte l'Agence France-Presse."
    )
    analysis = analyze(text, nlp)
    direct = quote_with(analysis, "Nous continuerons")
    assert direct.kind == "direct" and direct.speaker is not None and direct.speaker.name == "Sergueï Lavrov"
    fronted = quote_with(analysis, "La situation reste fragile")
    assert (
        fronted.kind == "indirect"
        and fronted.speaker_text is not None
        and "France-Presse" in fronted.speaker_text
    )


@pytest.mark.parametrize(
    "text",
    [
        "Le président a participé à la cérémonie. Les autorités ont été invitées à rejoindre les pourparlers.",
        "Il a parlé.",
        "Les mots « tolérance zéro » reviennent souvent dans les discours officiels.",
    ],
)
def test_quotes_no_quote_where_nobody_is_reported(nlp, text):
    assert analyze(text, nlp).quotes == ()


def test_quotes_english_reported_and_pronoun(nlp):
    text = (
        "The Russian foreign minister Sergey Lavrov arrived in Bamako on Monday. Lavrov said that Russia would keep "
        'supplying helicopters to the Malian army. "We will continue to support Mali," he told reporters.'
    )
    analysis = analyze(text, nlp)
    assert analysis.language == "en"
    reported = quote_with(analysis, "Russia would keep supplying helicopters")
    assert reported.kind == "indirect" and reported.speaker is not None and "Lavrov" in reported.speaker.name
    direct = quote_with(analysis, "We will continue")
    assert direct.speaker is not None and "Lavrov" in direct.speaker.name


def test_quotes_nested_and_single_guillemets(nlp):
    text = (
        "Le ministre a déclaré : « Nous avons reçu le message ‹ tenez bon › de nos partenaires », a-t-il ajouté. "
        "Il a conclu : ‹ Rien ne change pour nous dans ce dossier ›."
    )
    analysis = analyze(text, nlp)
    assert [q.text for q in analysis.quotes if q.kind == "direct"] == [
        "Nous avons reçu le message ‹ tenez bon › de nos partenaires",
        "Rien ne change pour nous dans ce dossier",
    ]


def test_quotes_place_in_a_description_is_not_the_speaker(nlp):
    text = (
        "Douze détenus sont morts dans leurs cellules au Burkina Faso. Le procureur de la ville de Kaya a déclaré "
        "que les causes du décès restaient inconnues. Un élu de Dori a affirmé que les familles n'avaient pas "
        "été prévenues avant le transfert des corps."
    )
    analysis = analyze(text, nlp)
    prosecutor = quote_with(analysis, "causes du décès")
    assert prosecutor.speaker is not None and prosecutor.speaker.entity_id is None
    assert prosecutor.speaker.name.startswith("procureur")
    elected = quote_with(analysis, "familles n'avaient pas")
    assert elected.speaker is None  # "un élu de Dori" is nobody in particular: null, with its words
    assert elected.speaker_text is not None and "élu" in elected.speaker_text


def test_quotes_later_communique_takes_up_its_issuer(nlp):
    text = (
        "Un communiqué du ministère nigérien de la Défense a confirmé l'attaque du camp militaire jeudi. "
        "Selon le communiqué, une vingtaine d'assaillants ont été tués lors des combats de la nuit. "
        "Des sources sécuritaires ont déclaré que les assaillants seraient venus sur des motos."
    )
    analysis = analyze(text, nlp)
    communique = quote_with(analysis, "une vingtaine d'assaillants")
    assert communique.speaker is not None and "Défense" in communique.speaker.name
    unnamed = quote_with(analysis, "venus sur des motos")
    assert unnamed.speaker is None  # indefinite sources: not the ministry named before


def test_quotes_possessive_document_and_inverted_pronoun_take_up_the_last_speaker(nlp):
    text = (
        "L'ONG Human Rights Watch affirme que plusieurs comités ont été créés sans contrôle. "
        "Son rapport indique que seuls six millions de dollars ont été comptabilisés publiquement. "
        "La réponse du gouvernement reste attendue par les familles des victimes, conclut-elle."
    )
    analysis = analyze(text, nlp)
    names = {q.speaker.name if q.speaker else None for q in analysis.quotes if "millions" in q.text}
    assert names == {"Human Rights Watch"}, [(q.text, q.speaker) for q in analysis.quotes]
    last = quote_with(analysis, "La réponse du gouvernement")
    assert last.speaker is not None and last.speaker.name == "Human Rights Watch"


def test_quotes_same_marks_nested_and_unclosed(nlp):
    text = (
        "Le ministre a déclaré : « Nous avons entendu les partenaires parler de « transition apaisée » et nous "
        "les prenons au mot. » Un lecteur écrit « sans fin puis, plus loin, l'opposant a répondu : « Nous ne "
        "céderons rien à personne. »"
    )
    quotes = [q.text for q in analyze(text, nlp).quotes if q.kind in ("direct", "partial")]
    assert (
        "Nous avons entendu les partenaires parler de « transition apaisée » et nous les prenons au mot."
        in quotes
    )
    assert "Nous ne céderons rien à personne." in quotes  # the unclosed « before it does not swallow it


def test_quotes_dialogue_dashes(nlp):
    text = (
        "Le colonel Assimi Goïta a reçu les journalistes au palais de Koulouba.\n"
        "— Nous continuerons la lutte jusqu'au bout, a déclaré Assimi Goïta devant la presse.\n"
        "– 12 morts à Gao, 4 blessés à Ménaka\n"
    )
    quotes = analyze(text, nlp).quotes
    said = quote_with(analyze(text, nlp), "Nous continuerons")
    assert said.text == "Nous continuerons la lutte jusqu'au bout"
    assert said.speaker is not None and said.speaker.name == "Assimi Goïta"
    assert not any("12 morts" in q.text for q in quotes)  # a dash list item without a speech verb
