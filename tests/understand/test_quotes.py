from __future__ import annotations

import pytest

from veille.model import Analysis, Article, Quote
from veille.understand import analyze_article
from veille.understand.quotes import reporting_verbs, speech_cues


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


# issue 23: reported speech read from the parse, the reporting verbs from a general lexicon (Verb∋Net)


def test_quotes_reporting_verbs_come_from_a_general_lexicon():
    verbs = reporting_verbs()
    assert len(verbs) >= 300
    assert {"affirmer", "declarer", "dire", "estimer", "annoncer", "souligner"} <= set(verbs)
    assert verbs["annoncer"] == "any"  # every sense is saying: its object is a message
    assert verbs["lancer"] == "clause"  # also "to throw": only a clause is reported
    assert "decider" not in verbs and "vouloir" not in verbs


def test_quotes_incise_with_inverted_subject(nlp):
    text = (
        "La sécurité s'est nettement améliorée dans la région de Mopti depuis janvier, a affirmé le gouverneur "
        "Abdoulaye Cissé."
    )
    quote = quote_with(analyze(text, nlp), "La sécurité s'est nettement améliorée")
    assert quote.kind == "indirect" and quote.text.endswith("depuis janvier")
    assert quote.speaker is not None and quote.speaker.name == "Abdoulaye Cissé"


def test_quotes_d_apres_with_apposed_name(nlp):
    text = (
        "D'après le ministre de la Défense, Sadio Camara, les opérations militaires se poursuivront jusqu'à "
        "la fin de l'année."
    )
    quote = quote_with(analyze(text, nlp), "les opérations militaires")
    assert quote.kind == "indirect" and quote.speaker is not None and quote.speaker.name == "Sadio Camara"


def test_quotes_subject_with_apposition(nlp):
    text = (
        "Abdoulaye Diop, ministre des Affaires étrangères, a affirmé que le Mali ne quitterait pas la Cédéao "
        "avant la fin de l'année."
    )
    quote = quote_with(analyze(text, nlp), "le Mali ne quitterait pas")
    assert quote.speaker is not None and quote.speaker.name == "Abdoulaye Diop"
    assert quote.speaker_text == "Abdoulaye Diop"  # the name, not the apposed title


def test_quotes_pronoun_subject_takes_up_the_person(nlp):
    text = (
        "Mohamed Bazoum est arrivé à Paris lundi pour une visite de deux jours. Il a déclaré que le Niger "
        "comptait sur ses partenaires pour sécuriser ses frontières."
    )
    quote = quote_with(analyze(text, nlp), "le Niger comptait")
    assert quote.speaker_text == "Il"
    assert quote.speaker is not None and quote.speaker.name == "Mohamed Bazoum"


def test_quotes_impersonal_passive_with_agent(nlp):
    text = "Il a été annoncé par le gouvernement que les écoles de Niamey rouvriraient lundi matin."
    quote = quote_with(analyze(text, nlp), "les écoles de Niamey rouvriraient")
    assert quote.kind == "indirect" and quote.speaker_text == "le gouvernement"


def test_quotes_pour_names_whose_view_follows(nlp):
    analysis = analyze(
        "Pour le ministre de la Santé, la campagne de vaccination est un succès dans tout le pays. "
        "Pour la première fois, les trois pays ont organisé des manœuvres communes dans le Liptako.",
        nlp,
    )
    view = quote_with(analysis, "la campagne de vaccination")
    assert view.speaker is not None and view.speaker.name.startswith("ministre de la Santé")
    assert not any("manœuvres" in q.text for q in analysis.quotes)  # "pour la première fois" names no one


@pytest.mark.parametrize(
    "text",
    [
        # negated: the minister is said NOT to have said it, so it is not his statement (no quote)
        "Le ministre n'a pas dit que les troupes françaises quitteraient le pays avant l'été.",
        # a "que" clause under a verb that reports nobody's words (décider, vouloir are no verbs of saying)
        "Le gouvernement a décidé que les écoles resteraient fermées jusqu'à la fin du mois.",
        "Les syndicats veulent que les salaires des enseignants soient versés avant la rentrée.",
        # a verb of saying in a sense that is not (lancer: to launch), with an object only
        "L'armée a lancé une vaste opération contre les groupes armés dans la région de Tillabéri.",
        # a judgment verb's object is what is judged, not a message ("a condamné que …" would report)
        "Le Ghana a fermement condamné l'invasion de l'Ukraine par la Russie la semaine dernière.",
        # an opinion verb's infinitive is an intention, not a statement ("prévoient que …" would report)
        "Les autorités prévoient d'organiser des élections générales avant la fin de l'année.",
        # a participle that names ("appelée"), a purpose infinitive ("pour dénoncer"): no one's words
        "Une milice appelée les anti-Balaka s'est formée dans l'ouest du pays en 2013.",
        "Les manifestants se sont rassemblés devant l'Assemblée pour dénoncer la hausse du prix du carburant.",
    ],
)
def test_quotes_no_report_without_a_speaking_frame(nlp, text):
    assert analyze(text, nlp).quotes == ()


def test_quotes_passive_accusation_without_agent(nlp):
    text = "L'ancien chef rebelle est accusé de crimes contre l'humanité commis dans le nord du pays."
    quote = quote_with(analyze(text, nlp), "crimes contre l'humanité")
    assert quote.kind == "indirect" and quote.cue == "est accusé"
    assert quote.speaker is None  # who accuses is not said


def test_quotes_selon_after_an_opening_adjunct(nlp):
    text = "À ce jour, selon l'OMS, plus de 50 000 personnes ont été vaccinées dans la région de Kayes."
    quote = quote_with(analyze(text, nlp), "50 000 personnes")
    assert quote.text.startswith("plus de 50 000") and quote.text.endswith("région de Kayes")
    assert quote.speaker is not None and "OMS" in quote.speaker.name


def test_quotes_second_report_hung_inside_the_first_is_cut_off(nlp):
    text = (
        "Le syndicat des enseignants affirme que les salaires n'ont pas été versés depuis trois mois dans la "
        "région, et affirme que la grève des écoles publiques continuera jusqu'au paiement complet."
    )
    analysis = analyze(text, nlp)
    first = quote_with(analysis, "les salaires")
    assert first.text.endswith("dans la région")
    second = quote_with(analysis, "la grève des écoles")
    assert second.speaker_text is not None and "syndicat" in second.speaker_text


# issue 23: constructions of BBC Afrique reported speech (sentences adapted from MasakhaNEWS French articles)


@pytest.mark.parametrize(
    ("text", "words", "speaker"),
    [
        (
            "Comme le souligne Mira Milosevich, Poutine a réussi à redonner à la Russie son rôle stratégique "
            "de puissance mondiale.",
            "Poutine a réussi à redonner",
            "Mira Milosevich",
        ),
        (
            "Le sucre est capable d'activer ces voies de récompense dans le cerveau, qu'il soit goûté dans la "
            "bouche ou injecté dans le sang, comme l'ont montré des études sur des souris.",
            "Le sucre est capable",
            None,
        ),
    ],
)
def test_quotes_comme_clause_takes_up_the_report(nlp, text, words, speaker):
    quote = quote_with(analyze(text, nlp), words)
    assert quote.kind == "indirect" and "comme" not in quote.text.split()[:1]
    assert not quote.text.endswith(("souris", "Milosevich"))
    if speaker:
        assert quote.speaker is not None and quote.speaker.name == speaker


def test_quotes_comme_clause_of_naming_is_no_report(nlp):
    text = (
        "Beaucoup d'entre eux ont prononcé le nom d'Antonin Panenka, le premier joueur à avoir marqué le "
        "penalty magique, comme l'appelle l'UEFA."
    )
    assert [q for q in analyze(text, nlp).quotes if q.kind == "indirect"] == []


def test_quotes_relative_clause_inside_the_report_is_kept(nlp):
    text = (
        "Les médecins pensent que la mucormycose, dont le taux de mortalité global est de 50 %, pourrait être "
        "déclenchée par l'utilisation de stéroïdes."
    )
    quote = quote_with(analyze(text, nlp), "la mucormycose")
    assert quote.text.startswith("la mucormycose, dont") and quote.text.endswith("de stéroïdes")


def test_quotes_relative_set_apart_from_its_antecedent_is_kept(nlp):
    text = (
        "Selon les économistes, la crise n'est pas une surprise. Les économistes affirment que cela fait "
        "partie des cycles que traverse le système économique, qui sont en quelque sorte inhérents au "
        "fonctionnement de notre économie mondiale."
    )
    quote = quote_with(analyze(text, nlp), "cela fait partie")
    assert quote.text.endswith("économie mondiale")


def test_quotes_relative_right_after_its_antecedent_is_cut(nlp):
    text = (
        "Le gouverneur a affirmé que l'armée avait repris la ville de Mopti, qui était occupée par les "
        "rebelles depuis le mois de mars."
    )
    quote = quote_with(analyze(text, nlp), "l'armée avait repris")
    assert quote.text.endswith("la ville de Mopti")


def test_quotes_que_clause_after_the_addressee(nlp):
    text = (
        "Dario Tedesco, un volcanologue basé à Goma, a déclaré à l'agence de presse Reuters qu'une nouvelle "
        "fracture s'était ouverte sur le volcan."
    )
    quote = quote_with(analyze(text, nlp), "une nouvelle fracture")
    assert quote.kind == "indirect" and quote.text.startswith("une nouvelle fracture")
    assert quote.speaker is not None and quote.speaker.name == "Dario Tedesco"


@pytest.mark.parametrize(
    ("text", "words", "speaker_text"),
    [
        (
            "Aucune équipe ne sera reléguée de la première division, a ajouté la fédération, mais les deux "
            "premiers de la deuxième division sont promus.",
            "Aucune équipe ne sera reléguée",
            "la fédération",
        ),
        (
            "Quatre vaccins possibles ont été financés pour le développement préclinique, a déclaré à la presse "
            "Soumya Swaminathan, responsable scientifique de l'OMS.",
            "Quatre vaccins possibles",
            "Soumya Swaminathan",
        ),
        (
            "Ce type de régime varié et riche en fibres favorise également la présence de diverses bonnes "
            "bactéries intestinales et d'une muqueuse intestinale saine, deux éléments qui jouent un rôle "
            "important dans la régulation du système immunitaire, explique le professeur Calder.",
            "Ce type de régime",
            "le professeur Calder",
        ),
    ],
)
def test_quotes_incise_subject_after_the_verb(nlp, text, words, speaker_text):
    quote = quote_with(analyze(text, nlp), words)
    assert quote.kind == "indirect" and quote.speaker_text == speaker_text
    assert quote.cue not in quote.text


def test_quotes_incise_needs_a_main_clause_before(nlp):
    text = (
        "Si de nombreux internautes ont salué cette décision, d'autres, dont des fans de Sierra, ont critiqué "
        "la concession du festival."
    )
    assert analyze(text, nlp).quotes == ()


@pytest.mark.parametrize(
    ("text", "words", "end"),
    [
        (
            'Mais Belhadj Hamida décrit la nomination de Bouden comme une "épée à double tranchant".',
            "la nomination de Bouden",
            "tranchant",
        ),
        (
            "Elle considérait les avocats comme une dépense inutile et s'est plutôt attachée à conserver le "
            "domicile conjugal.",
            "les avocats comme",
            None,
        ),
    ],
)
def test_quotes_object_said_to_be_something(nlp, text, words, end):
    quote = quote_with(analyze(text, nlp), words)
    assert quote.kind in ("indirect", "mixed") and quote.text.startswith(words)
    assert end is None or quote.text.rstrip('"').endswith(end)


@pytest.mark.parametrize(
    "text",
    [
        "La République centrafricaine a approuvé le bitcoin comme monnaie légale.",
        "Le gouverneur a interdit la circulation des motos, de jour comme de nuit, dans plusieurs localités.",
    ],
)
def test_quotes_comme_after_an_object_of_another_verb_is_no_report(nlp, text):
    assert [q for q in analyze(text, nlp).quotes if q.kind == "indirect"] == []


def test_quotes_verb_of_blame_reports_its_de_complement(nlp):
    text = "Israël accuse le mouvement de boycott d'être une menace pour son existence."
    quote = quote_with(analyze(text, nlp), "une menace")
    assert quote.text == "être une menace pour son existence" and quote.speaker.name == "Israël"
    text = (
        "Mais le président turc Recep Tayyip Erdogan reproche à la Finlande et à la Suède de ne pas soutenir sa "
        "lutte contre le PKK, qu'Ankara désigne comme une organisation terroriste."
    )
    quote = quote_with(analyze(text, nlp), "soutenir")
    assert quote.text.startswith("ne pas soutenir") and quote.speaker.name == "Recep Tayyip Erdogan"


def test_quotes_rassurer_reports_its_clause(nlp):
    text = (
        "Aux États-Unis, les législateurs ont déjà proposé un moratoire sur le déploiement de Libra jusqu'à ce "
        "que Facebook rassure le Congrès que Libra n'exacerbera pas le blanchiment d'argent et le financement "
        "des groupes terroristes, entre autres."
    )
    quote = quote_with(analyze(text, nlp), "Libra n'exacerbera pas")
    assert quote.kind == "indirect" and quote.speaker_text == "Facebook"
    text = (
        "Le travail de ratissage se poursuit, quand on connaît l'étendue de cet espace, rassure Maxime Koné, "
        "le ministre de la sécurité, dans les ondes d'une radio locale."
    )
    quote = quote_with(analyze(text, nlp), "Le travail de ratissage")
    assert quote.speaker_text == "Maxime Koné"


def test_quotes_participle_predicate_of_a_verbless_parse(nlp):
    # the parser takes "décrit" for a participle on the name: the sentence has no other verb, it is the predicate
    text = (
        "Dans une vidéo de sa rencontre avec le secrétaire d'Etat américain, M. Akufo-Addo décrit la situation "
        "comme particulièrement inquiétante."
    )
    quote = quote_with(analyze(text, nlp), "la situation comme")
    assert quote.kind == "indirect"


def test_quotes_hyphenated_name_speaker_is_whole(nlp):
    text = (
        "Joint par téléphone, Abdoul-Aziz Mohammed, chef de mission au Niger, affirme que l'organisation ne "
        "se retire pas de la région."
    )
    quote = quote_with(analyze(text, nlp), "l'organisation ne se retire pas")
    assert quote.speaker_text == "Abdoul-Aziz Mohammed"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "Le chercheur Amadou Diallo a étudié les anciens réfrigérateurs du désert. Selon lui, la pénétration de "
            "parasites dans les goulottes a conduit de nombreuses personnes à s'en détourner.",
            "la pénétration de parasites",
        ),
        (
            "Le chercheur Amadou Diallo a étudié les anciens réfrigérateurs du désert. Pour lui, ces bâtiments "
            "sont une merveille de l'architecture perse.",
            "ces bâtiments sont",
        ),
    ],
)
def test_quotes_stressed_pronoun_source_takes_up_the_person(nlp, text, words):
    quote = quote_with(analyze(text, nlp), words)
    assert quote.kind == "indirect" and quote.speaker is not None and quote.speaker.name == "Amadou Diallo"


def test_quotes_incise_in_the_middle_of_the_sentence(nlp):
    text = (
        "L'ancien footballeur Amadou Diallo a traversé les États-Unis à pied. Son moment fort, dit-il, a été de jouer un match de "
        "pré-saison contre son héros Frank Lampard."
    )
    quote = quote_with(analyze(text, nlp), "Son moment fort")
    assert quote.kind == "indirect" and quote.text.endswith("Frank Lampard")
    assert quote.speaker is not None and quote.speaker.name == "Amadou Diallo"


# Issue 23: speakers written as descriptions, appositions and inverted pronouns; more ways of reporting.


def test_quotes_definite_description_is_the_speaker_as_words(nlp):
    text = (
        "Les médecins de garde affirment que la plupart des patients ont quitté l'hôpital avant la fin de leur "
        "traitement. Des infirmiers affirment que les salaires n'ont pas été versés depuis trois mois."
    )
    analysis = analyze(text, nlp)
    doctors = quote_with(analysis, "la plupart des patients")
    assert doctors.speaker is not None and doctors.speaker.entity_id is None
    assert doctors.speaker.name.startswith("médecins")
    nurses = quote_with(analysis, "les salaires n'ont pas")
    assert nurses.speaker is None and nurses.speaker_text == "Des infirmiers"  # nobody in particular


@pytest.mark.parametrize(
    ("text", "words", "speaker"),
    [
        (  # the description takes up the name an earlier apposition gave its noun
            "Le milliardaire sud-africain Patrice Motsepe a visité le stade lundi. Le milliardaire a déclaré que la "
            "compétition se tiendrait comme prévu en janvier.",
            "la compétition se tiendrait",
            "Patrice Motsepe",
        ),
        (
            "Russell Foster, neuroscientifique à l'université d'Oxford, étudie le sommeil depuis trente ans. Le "
            "neuroscientifique estime que la lumière du jour reste essentielle pour le système immunitaire.",
            "la lumière du jour",
            "Russell Foster",
        ),
        (  # the name between commas after the description is who it describes
            "L'attaquant sénégalais de Chelsea, Édouard Mendy, estime que la victoire de son équipe est amplement "
            "méritée.",
            "la victoire de son équipe",
            "Édouard Mendy",
        ),
        (  # the verb read as part of the relative clause: its subject is the clause's antecedent
            "L'ancien gardien de Lens, Nantes et Bordeaux, Joseph-Antoine Bell, qui a remporté 40 sélections avec le "
            "Cameroun, dit que l'équipe manque de rigueur défensive.",
            "l'équipe manque de rigueur",
            "Joseph-Antoine Bell",
        ),
        (  # no subject in the parse: the noun phrase before the apposition's commas
            "L'attaquant argentin Messi, 33 ans, a dit au club qu'il voulait partir à la fin de la saison.",
            "il voulait partir",
            "Messi",
        ),
        (  # no subject in the parse: the noun phrase after "et"
            "Des milliers de personnes ont fui les combats qui ont suivi et les Nations unies (ONU) affirment que plus "
            "d'un million de personnes ont besoin d'aide.",
            "plus d'un million",
            "Nations unies",
        ),
        (  # a pronoun takes up the subject of its own sentence before the last person quoted or named
            "Le chercheur Paul Kamau a rencontré des familles déplacées. Aïcha Koné a survécu au naufrage, elle "
            "raconte que les passeurs ont abandonné le bateau en pleine mer.",
            "les passeurs ont abandonné",
            "Aïcha Koné",
        ),
    ],
)
def test_quotes_speaker_named_around_its_description(nlp, text, words, speaker):
    quote = quote_with(analyze(text, nlp), words)
    assert quote.speaker is not None and quote.speaker.name == speaker


@pytest.mark.parametrize(
    ("text", "words", "speaker"),
    [
        (
            "La romancière Aïcha Diallo a grandi à Dakar. « Nous avons tout perdu en une nuit », se souvient-elle.",
            "Nous avons tout perdu",
            "Aïcha Diallo",
        ),
        (  # no space after the comma: the tokenizer misses the verb, the inverted pronoun still marks the incise
            'Le voisin Moussa Keita a tout vu. "Une dizaine de voitures arrivaient chaque semaine et repartaient '
            'quelques heures plus tard",poursuit-il.',
            "Une dizaine de voitures",
            "Moussa Keita",
        ),
        (  # the surname alone, and the channel after it
            "Le milieu de terrain Patrick Vieira a réagi lundi. « Y a-t-il jamais eu un tournoi plus méprisé que "
            "celui-ci ? », écrit Vieira sur Instagram.",
            "Y a-t-il jamais",
            "Patrick Vieira",
        ),
    ],
)
def test_quotes_direct_quote_speaker_after_the_quote(nlp, text, words, speaker):
    quote = quote_with(analyze(text, nlp), words)
    assert quote.kind == "direct" and quote.speaker is not None and quote.speaker.name == speaker


@pytest.mark.parametrize(
    ("text", "words", "cue"),
    [
        (
            "Les autorités ont averti que de nouvelles pluies pourraient provoquer des inondations dans la capitale.",
            "de nouvelles pluies",
            "ont averti",
        ),
        (
            "La police a fait état d'au moins douze morts lors des manifestations de samedi à Conakry.",
            "au moins douze morts",
            "a fait état",
        ),
        (
            "À en croire le porte-parole de l'armée, les assaillants ont été repoussés vers la frontière.",
            "les assaillants ont été repoussés",
            "À en croire",
        ),
        (
            "Le ministère de la Santé recommande le port du masque dans les transports publics jusqu'à la fin du mois.",
            "le port du masque",
            "recommande",
        ),
    ],
)
def test_quotes_more_ways_of_reporting(nlp, text, words, cue):
    quote = quote_with(analyze(text, nlp), words)
    assert quote.kind == "indirect" and quote.cue == cue and quote.speaker is not None


@pytest.mark.parametrize(
    "text",
    [
        "Le Mali fait partie des pays les plus touchés par la crise sécuritaire au Sahel.",
        "Le ministre rejette les accusations selon lesquelles son cabinet aurait détourné des fonds publics.",
    ],
)
def test_quotes_no_report_in_look_alike_phrases(nlp, text):
    assert [q for q in analyze(text, nlp).quotes if q.kind != "direct"] == []


def test_quotes_selon_takes_the_whole_sentence_the_parser_cut(nlp):
    text = (
        "Les « comités de crise » créés par le gouvernement - notamment un comité technique et un fonds de "
        "solidarité - ont augmenté les dépenses sans résoudre les problèmes, selon le rapport de l'ONG."
    )
    quote = quote_with(analyze(text, nlp), "ont augmenté les dépenses")
    assert quote.text.startswith("Les « comités de crise »") and quote.kind == "mixed"


def test_quotes_pronoun_takes_up_the_person_named_after_the_last_quote(nlp):
    text = (
        "« Nous avons perdu trois matchs de suite », a déclaré l'entraîneur Paul Kamau. Victoria Hatton, infirmière à "
        "Nairobi, a pris des pilules contraceptives à 14 ans après des douleurs violentes. « Cela n'a pas aidé », "
        "dit-elle."
    )
    quote = quote_with(analyze(text, nlp), "Cela n'a pas aidé")
    assert quote.speaker is not None and quote.speaker.name == "Victoria Hatton"


def test_quotes_report_a_negative_implicative_governs_is_no_quote(nlp):
    text = "Le ministère de la Santé a refusé de révéler le nombre de ses employés et le montant des primes versées."
    assert analyze(text, nlp).quotes == ()


def test_quotes_plural_possessive_document_takes_up_the_plural_speakers(nlp):
    text = (
        "Les chercheurs de l'université de Kinshasa affirment que les fonds de la riposte ont été mal gérés. Le "
        "ministre Jean-Jacques Mbungani a répondu aux questions des députés. Selon leur rapport, le ministère a refusé "
        "de publier la liste de ses employés."
    )
    quote = quote_with(analyze(text, nlp), "le ministère a refusé de publier")
    assert quote.speaker is not None and quote.speaker.name.startswith("chercheurs")
