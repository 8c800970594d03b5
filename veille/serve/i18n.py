"""The pages' words in French (the default) and English: ``?lang=en``, else a ``lang`` cookie, else the
browser's first language."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

LANGUAGES = ("fr", "en")
DEFAULT = "fr"

# key: (French, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "site": ("veille — recoupement de la presse", "veille — cross-checked news"),
    "nav.stories": ("Histoires", "Stories"),
    "nav.entities": ("Entités", "Entities"),
    "nav.methodology": ("Méthode", "Methodology"),
    "nav.api": ("API", "API"),
    "json_twin": ("Ces données en JSON", "This data as JSON"),
    "lang.other": ("English", "Français"),
    "stories.title": ("Histoires", "Stories"),
    "stories.newest": ("Les plus récentes", "Newest"),
    "stories.largest": ("Les plus importantes", "Largest"),
    "stories.search": ("Mots", "Words"),
    "stories.search.placeholder": ("ex. Lavrov Bamako", "e.g. Lavrov Bamako"),
    "stories.since": ("Depuis", "Since"),
    "stories.until": ("Jusqu'au", "Until"),
    "stories.entity": ("Entité", "Entity"),
    "stories.outlet": ("Média", "Outlet"),
    "stories.min": ("Articles au moins", "At least articles"),
    "stories.filter": ("Filtrer", "Filter"),
    "stories.none": ("Aucune histoire ne correspond.", "No story matches."),
    "stories.articles": ("articles", "articles"),
    "stories.sources": ("sources distinctes", "distinct sources"),
    "stories.col.articles": ("Articles", "Articles"),
    "stories.col.sources": ("Sources distinctes", "Distinct sources"),
    "stories.first": ("Premier à publier", "First to report"),
    "stories.dates": ("Dates", "Dates"),
    "stories.outlets": ("Médias", "Outlets"),
    "stories.story": ("Histoire", "Story"),
    "stories.previous": ("← Précédentes", "← Previous"),
    "stories.next": ("Suivantes →", "Next →"),
    "stories.hits": ("Articles qui contiennent ces mots", "Articles holding these words"),
    "story.sources": ("Les sources côte à côte", "The sources side by side"),
    "story.original": ("Lire l'original", "Read the original"),
    "story.read": ("Lire ici, annoté", "Read here, annotated"),
    "story.copy_of": ("copie de", "copy of"),
    "story.only_entities": ("Seul à nommer", "Only one to name"),
    "story.untitled": ("(sans titre)", "(untitled)"),
    "story.undated": ("sans date", "undated"),
    "story.unknown_outlet": ("média inconnu", "unknown outlet"),
    "story.export": ("Exporter", "Export"),
    "story.facts": ("Les faits, source par source", "The facts, source by source"),
    "story.facts.note": (
        "Chaque ligne est un fait ; chaque colonne une source. Cliquez une case pour lire la phrase dans son article.",
        "Each row is a fact, each column a source. Click a cell to read the sentence in its article.",
    ),
    "story.facts.all": ("Ce que toutes les sources disent", "What every source says"),
    "story.facts.some": ("Ce que plusieurs sources disent", "What several sources say"),
    "story.facts.one": ("Ce qu'une seule source dit", "What only one source says"),
    "story.facts.none": ("Aucun fait ici.", "No fact here."),
    "story.fact": ("Fait", "Fact"),
    "story.more": ("de plus", "more"),
    "story.other_sources": ("autres sources", "other sources"),
    "story.show_all": ("tout afficher", "show all"),
    "story.said_by": ("selon", "according to"),
    "story.conflicts": ("Où les sources divergent", "Where the sources disagree"),
    "story.conflicts.none": (
        "Aucune divergence trouvée sur les chiffres, dates, lieux et rôles.",
        "No disagreement found on figures, dates, places and roles.",
    ),
    "story.conflict.rule": ("règle", "rule"),
    "story.conflict.change.update": (
        "mise à jour : un décompte qui monte avec les dates",
        "update: a count that rises with the dates",
    ),
    "story.conflict.change.correction": (
        "correction : une source dit corriger une valeur",
        "correction: a source says it corrects a value",
    ),
    "story.framing": ("Les mots de chaque média", "The words each outlet chooses"),
    "story.framing.own": ("En son nom", "In its own voice"),
    "story.framing.attributed": ("Rapportés (dits par d'autres)", "Attributed (said by others)"),
    "story.framing.none": ("rien de distinctif", "nothing distinctive"),
    "story.naming": ("Comment chaque source nomme les personnes", "How each source names the people"),
    "story.voices": ("Qui est cité, où", "Who is quoted, where"),
    "story.voices.direct": ("directes", "direct"),
    "story.voices.indirect": ("indirectes", "indirect"),
    "story.voices.absent": ("absent", "absent"),
    "story.speaker": ("Locuteur", "Speaker"),
    "story.person": ("Personne", "Person"),
    "story.timeline": ("Chronologie", "Timeline"),
    "story.timeline.undated": ("Sans date", "Undated"),
    "story.entities": ("Entités principales", "Main entities"),
    "story.copies": ("Copies et reprises", "Copies and syndication"),
    "coverage.title": ("Couverture", "Coverage"),
    "coverage.countries": ("Pays", "Countries"),
    "coverage.kinds": ("Types de sources", "Kinds of source"),
    "coverage.languages": ("Langues", "Languages"),
    "coverage.sources": ("sources", "sources"),
    "coverage.first": ("premier", "first"),
    "coverage.days": ("j", "d"),
    "coverage.published": ("Qui a publié, et quand", "Who published, and when"),
    "coverage.unknown": (
        "articles de médias absents du registre des sources (veille sources unknown)",
        "articles from outlets missing from the source registry (veille sources unknown)",
    ),
    "coverage.blindspot": ("Angle mort", "Blind spot"),
    "coverage.only_country": ("seulement des sources du pays", "only sources from country"),
    "coverage.only_kind": ("seulement des sources de type", "only sources of kind"),
    "coverage.same_day": (
        "Dates au jour près : les sources du même jour que la première comptent toutes comme premières.",
        "Dates to the day: sources of the same day as the first all count as first.",
    ),
    "kind.public": ("public ou d'État", "public or state"),
    "kind.private": ("privé", "private"),
    "kind.international": ("international", "international"),
    "kind.agency": ("agence de presse", "news agency"),
    "kind.blog": ("blog", "blog"),
    "kind.other": ("autre", "other"),
    "story.compared_by": ("Comparé par", "Compared by"),
    "article.metadata": ("Métadonnées et leur provenance", "Metadata and where each came from"),
    "article.field": ("Champ", "Field"),
    "article.value": ("Valeur", "Value"),
    "article.from": ("Provenance", "Came from"),
    "article.title": ("Titre", "Title"),
    "article.outlet": ("Média", "Outlet"),
    "article.author": ("Auteur", "Author"),
    "article.published": ("Date", "Date"),
    "article.url": ("Adresse", "Address"),
    "article.raw": ("Document brut", "Raw document"),
    "article.extractor": ("Extracteur", "Extractor"),
    "article.analyzer": ("Analyseur", "Analyser"),
    "article.text": ("Texte", "Text"),
    "article.legend": ("Légende", "Legend"),
    "article.legend.entity": ("entité", "entity"),
    "article.legend.quote": ("citation", "quote"),
    "article.legend.time": ("date", "date"),
    "article.legend.event": ("événement", "event"),
    "article.legend.evidence": ("passage demandé", "requested passage"),
    "article.story": ("Son histoire", "Its story"),
    "article.copies": ("Ses copies", "Its copies"),
    "article.no_copies": ("Aucune copie connue.", "No known copy."),
    "article.quotes": ("Citations", "Quotes"),
    "article.events": ("Événements", "Events"),
    "article.times": ("Dates résolues", "Resolved dates"),
    "article.entities": ("Entités", "Entities"),
    "entity.names": ("Ses noms, et pourquoi chacun a été joint", "Its names, and why each was joined"),
    "entity.name": ("Nom", "Name"),
    "entity.count": ("Mentions", "Mentions"),
    "entity.why": ("Pourquoi", "Why"),
    "entity.offices": ("Fonctions", "Offices"),
    "entity.articles": ("Articles", "Articles"),
    "entity.quotes": ("Ses citations", "Its quotes"),
    "entity.stories": ("Ses histoires", "Its stories"),
    "entity.map": ("Carte", "Map"),
    "entity.map.none": ("Aucun lieu situé.", "No located place."),
    "entity.edits": ("Corrections à la main", "Hand edits"),
    "entity.seen": ("Vue du", "Seen from"),
    "entity.to": ("au", "to"),
    "entities.title": ("Entités", "Entities"),
    "entities.type": ("Type", "Type"),
    "entities.all": ("Toutes", "All"),
    "type.PER": ("Personne", "Person"),
    "type.ORG": ("Organisation", "Organisation"),
    "type.LOC": ("Lieu", "Place"),
    "type.MISC": ("Autre", "Other"),
    "error.title": ("Erreur", "Error"),
    "error.back": ("Retour aux histoires", "Back to the stories"),
    "methodology.title": ("Méthode", "Methodology"),
}


def language_of(request: Request) -> tuple[str, bool]:
    """Return the page language and whether the request chose it explicitly (``?lang=``)."""
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked, True
    cookie = request.cookies.get("lang", "")
    if cookie in LANGUAGES:
        return cookie, False
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag, False
        if tag:
            break  # the first language the browser names decides; another one falls back to French
    return DEFAULT, False


def translator(language: str) -> Callable[[str], str]:
    """Return ``t(key)``: the key's words in ``language`` (the key itself when unknown, so a gap shows)."""
    index = LANGUAGES.index(language)

    def t(key: str) -> str:
        words = MESSAGES.get(key)
        return words[index] if words else key

    return t
