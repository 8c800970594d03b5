"""Rules for the clutter of scraped page text (copy-paste, WET records, flattened HTML): one block per line.

Each line is classed from what it shows (length, sentence shape, stop-word density, counters, widget
words, file names, footers), then the article body is the densest contiguous run of prose lines. These
classes are features of the line model (``lines``), and ``segment_by_rules`` is the cleaner used when no
line model is installed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from veille.text import stop_words

logger = logging.getLogger(__name__)

STOP_WORDS = stop_words()

PROSE = "prose"
HEADING = "heading"
SHORT = "short"
JUNK = "junk"

# Words that make up comment widgets, share bars, menus and players (French and English); a short line
# made only of these is clutter wherever it stands.
WIDGET_WORDS = frozenset(
    [
        "répondre",
        "signaler",
        "ce",
        "commentaire",
        "commentaires",
        "commenter",
        "j'aime",
        "j’aime",
        "aime",
        "like",
        "likes",
        "reply",
        "replies",
        "report",
        "share",
        "shares",
        "partager",
        "partages",
        "ajouter",
        "un",
        "une",
        "add",
        "a",
        "comment",
        "comments",
        "enregistrer",
        "save",
        "envoyer",
        "submit",
        "annuler",
        "cancel",
        "video",
        "vidéo",
        "not",
        "found",
        "introuvable",
        "image",
        "images",
        "photo",
        "photos",
        "lire",
        "la",
        "suite",
        "read",
        "more",
        "aussi",
        "voir",
        "see",
        "also",
        "publicité",
        "advertisement",
        "sponsored",
        "sponsorisé",
        "newsletter",
        "s'abonner",
        "abonnez-vous",
        "subscribe",
        "se",
        "connecter",
        "connexion",
        "log",
        "in",
        "sign",
        "login",
        "logout",
        "déconnexion",
        "menu",
        "accueil",
        "home",
        "rechercher",
        "search",
        "tweet",
        "facebook",
        "twitter",
        "whatsapp",
        "linkedin",
        "telegram",
        "email",
        "e-mail",
        "imprimer",
        "print",
        "télécharger",
        "download",
        "l'application",
        "app",
        "charger",
        "plus",
        "load",
        "more",
        "cookies",
        "vues",
        "views",
        "ici",
        "here",
        "haut",
        "de",
        "page",
        "back",
        "to",
        "top",
        "suivez-nous",
        "follow",
        "us",
        "partagez",
        "laisser",
        "leave",
        "votre",
        "your",
        "réponse",
        "the",
        "this",
        "article",
        "précédent",
        "suivant",
        "previous",
        "next",
        "tags",
        "tag",
        "mots-clés",
        "catégorie",
        "category",
        "rubrique",
        "écouter",
        "listen",
        "fermer",
        "close",
        "ok",
    ]
)
WIDGET_PHRASES = (
    "signaler ce commentaire",
    "ajouter un commentaire",
    "laisser un commentaire",
    "add a comment",
    "leave a comment",
    "leave a reply",
    "video not found",
    "télécharger l'application",
    "télécharger l’application",
    "download the app",
    "lire aussi",
    "read also",
    "voir aussi",
    "à lire aussi",
    "articles similaires",
    "related articles",
    "vous aimerez aussi",
    "you may also like",
    "cliquez ici",
    "click here",
    "abonnez-vous",
    "inscrivez-vous",
    "suivez-nous",
    "follow us",
    "newsletter",
    "en savoir plus",
    "learn more",
    "votre adresse de messagerie",
    "votre adresse e-mail",
    "your email address",
    "champs obligatoires",
    "required fields",
)
# A line that opens with these is a link to another page, however long its title.
LINK_PREFIX_RE = re.compile(
    r"^\W*(?:à lire aussi|a lire aussi|lire aussi|voir aussi|lire la suite|read also|see also|read more|"
    r"related|sur le même sujet|à voir aussi|à lire|à découvrir)\b",
    re.IGNORECASE,
)
_COUNTER_UNITS = (
    r"vues?|views?|partages?|shares?|commentaires?|comments?|likes?|j'aime|j’aime|réactions?|reactions?|"
    r"lectures?|reads?|abonnés|followers|votes?|visites?|fois"
)
COUNTER_RE = re.compile(rf"^\s*\d[\d\s.,kKmM]*\s*(?:{_COUNTER_UNITS})\s*$", re.IGNORECASE)
UNIT_FIRST_COUNTER_RE = re.compile(rf"^\s*(?:{_COUNTER_UNITS})\s*:?\s*\d[\d\s.,]*$", re.IGNORECASE)
NUMBER_RE = re.compile(r"^[\s\d.,:/%+()\-–]+$")
FILE_RE = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|bmp|pdf|mp4|mp3|avif|ico)\b", re.IGNORECASE)
URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
DIMENSION_RE = re.compile(r"\b\d{2,4}\s*[x×X]\s*\d{2,4}\b")
GLUED_DIGIT_RE = re.compile(r"\b[^\W\d_]{3,}\d+\b|\b\d+[^\W\d_]{3,}\b")
FOOTER_RE = re.compile(
    r"©|\(c\)\s*\d{4}|\bcopyright\b|tous droits réservés|all rights reserved|designed by|powered by|"
    r"conçu par|réalisé par|propulsé par|mentions légales|politique de confidentialité|privacy policy|"
    r"terms of (?:use|service)|conditions générales",
    re.IGNORECASE,
)
RELATIVE_AGE_RE = re.compile(
    r"^\s*(?:il y a\s+)?(?:\d+|une?|a|an)\s+(?:seconde|minute|heure|jour|semaine|mois|an|année|second|"
    r"minute|hour|day|week|month|year)s?\s*(?:ya|ago)?\s*$|^\s*il y a\s+\d+\s*\w+\s*$|\b\d+\s*\w+\s+ago\s*$",
    re.IGNORECASE,
)
PHONE_RE = re.compile(r"^\s*(?:t[ée]l|tel|phone|fax|mobile)\b\.?\s*:?", re.IGNORECASE)
WORD_RE = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
SENTENCE_END_RE = re.compile(r"[.!?…][\"»”’)\]]*\s*$|[\"»”]\s*$")


def _words(line: str) -> list[str]:
    return WORD_RE.findall(line)


def _stop_density(words: list[str]) -> float:
    if not words:
        return 0.0
    hits = 0
    for word in words:
        low = word.lower()
        # French elisions ("l'action", "d’un") count as stop words too.
        head = re.split(r"['’]", low, maxsplit=1)[0]
        if low in STOP_WORDS or (head != low and head in {"l", "d", "j", "m", "n", "s", "t", "c", "qu"}):
            hits += 1
    return hits / len(words)


def is_widget_line(line: str) -> bool:
    """Return True when a line is a comment/share/menu widget (all widget words, or a widget phrase)."""
    low = line.lower().strip()
    words = [w.lower() for w in _words(low)]
    if not words:
        return False
    if len(words) <= 12 and any(phrase in low for phrase in WIDGET_PHRASES):
        return True
    if len(words) <= 30 and LINK_PREFIX_RE.match(low):
        return True
    return all(w in WIDGET_WORDS for w in words)


def is_junk_line(line: str) -> bool:
    """Return True when one line is clutter wherever it stands (counter, file name, footer, widget...)."""
    stripped = line.strip()
    if not stripped:
        return True
    words = _words(stripped)
    if COUNTER_RE.match(stripped) or UNIT_FIRST_COUNTER_RE.match(stripped) or NUMBER_RE.match(stripped):
        return True
    if RELATIVE_AGE_RE.search(stripped) and len(words) <= 6:
        return True
    if FOOTER_RE.search(stripped) and len(stripped) < 250:
        return True
    if PHONE_RE.match(stripped):
        return True
    if is_widget_line(stripped):
        return True
    short = len(words) <= 8
    if short and (FILE_RE.search(stripped) or DIMENSION_RE.search(stripped) or EMAIL_RE.search(stripped)):
        return True
    if short and URL_RE.fullmatch(stripped):
        return True
    if len(words) <= 4 and GLUED_DIGIT_RE.search(stripped):
        return True
    # A line of symbols and separators only (|, ·, », ...).
    return not words


def classify_line(line: str) -> str:
    """Return the class of one line: prose, heading, short or junk."""
    stripped = line.strip()
    if is_junk_line(stripped):
        return JUNK
    words = _words(stripped)
    density = _stop_density(words)
    ends_sentence = bool(SENTENCE_END_RE.search(stripped))
    if len(words) >= 8 and len(stripped) >= 50 and density >= 0.15 and (ends_sentence or len(words) >= 14):
        return PROSE
    # Languages outside the stop-word lists: a long line ending like a sentence, mostly lowercase words.
    lower = sum(1 for w in words if w[:1].islower())
    if len(words) >= 12 and len(stripped) >= 80 and ends_sentence and lower >= 0.4 * len(words):
        return PROSE
    if looks_like_heading(stripped):
        return HEADING
    return SHORT


def looks_like_heading(line: str) -> bool:
    """Return True for a short capitalised line of a few words with no counter (a sub-heading, a title)."""
    stripped = line.strip()
    words = _words(stripped)
    if not 2 <= len(words) <= 25 or len(stripped) > 200:
        return False
    first = stripped.lstrip("«\"“'‘([ ")[:1]
    if not (first.isupper() or first.isdigit()):
        return False
    if stripped.endswith((".", ",", ";")) and not stripped.endswith("..."):
        return False
    return not (COUNTER_RE.search(stripped) or GLUED_DIGIT_RE.search(stripped) or FILE_RE.search(stripped))


def is_one_word_heading(line: str) -> bool:
    """Return True for a one-word sub-heading ("Repères", "Polémique")."""
    words = _words(line)
    return (
        len(words) == 1 and len(words[0]) >= 4 and words[0][:1].isupper() and len(line) <= len(words[0]) + 2
    )


def is_counter_line(line: str) -> bool:
    """Return True for a view/share/comment counter ("1200 vues", "Partages: 3")."""
    return bool(COUNTER_RE.match(line) or UNIT_FIRST_COUNTER_RE.match(line))


def _counter_follows(classes: list[str], lines: list[str], index: int) -> bool:
    nxt = index + 1
    return nxt < len(lines) and is_counter_line(lines[nxt])


WEIGHTS = {HEADING: -15, SHORT: -40, JUNK: -60}


@dataclass(slots=True)
class Segmented:
    """A scraped page cut in three: kept lines before the body (title, caption), the body, what follows.

    ``lines``/``classes`` are all non-empty lines and their classes; ``start``..``end`` bound the body.
    """

    head: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    start: int = 0
    end: int = -1


def split_lines(text: str) -> list[str]:
    """Return the non-empty lines of a text, stripped, after BOM, CRLF and no-break space normalisation."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    return [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n") if line.strip()]


def is_sentence_line(line: str) -> bool:
    """Return True for a short line shaped like a sentence: ends with sentence punctuation, has a stop word."""
    words = _words(line)
    return bool(SENTENCE_END_RE.search(line)) and len(words) >= 2 and _stop_density(words) > 0


def _best_run(lines: list[str], classes: list[str]) -> tuple[int, int] | None:
    best_sum, best = 0, None
    run_sum, run_start = 0, 0
    for i, cls in enumerate(classes):
        weight = len(lines[i]) if cls == PROSE else WEIGHTS[cls]
        if run_sum <= 0:
            run_sum, run_start = 0, i
        run_sum += weight
        if cls == PROSE and run_sum > best_sum:
            best_sum, best = run_sum, (run_start, i)
    if best is None:
        return None
    start, end = best
    while classes[start] != PROSE:
        start += 1
    return start, end


def classify_lines(lines: list[str]) -> list[str]:
    """Return the class of each line; a line followed by a view/share counter is a list entry (junk)."""
    classes = [classify_line(line) for line in lines]
    for i in range(len(lines)):
        if classes[i] != JUNK and _counter_follows(classes, lines, i):
            classes[i] = JUNK
    return classes


def rule_body_span(lines: list[str], classes: list[str]) -> tuple[int, int] | None:
    """Return the first and last line of the densest prose run (short sentences after it included)."""
    found = _best_run(lines, classes)
    if found is None:
        return None
    start, end = found
    while end + 1 < len(lines) and classes[end + 1] != JUNK and is_sentence_line(lines[end + 1]):
        end += 1
    return start, end


def segment_by_rules(text: str) -> Segmented:
    """Return the page's head, body and tail lines; the body is the densest contiguous run of prose.

    Inside the body, junk lines are dropped and short lines kept only when they look like headings or
    sentences; short sentences right after the last prose line still belong to it. No prose → empty body.
    """
    lines = split_lines(text)
    classes = classify_lines(lines)
    seg = Segmented(lines=lines, classes=classes)
    found = rule_body_span(lines, classes)
    if found is None:
        seg.tail = lines
        return seg
    start, end = found
    i = start - 1
    # Captions and the title just above the body: contiguous heading-like lines.
    while i >= 0 and classes[i] == HEADING and len(seg.head) < 3:
        seg.head.insert(0, lines[i])
        i -= 1
    for j in range(start, end + 1):
        line, cls = lines[j], classes[j]
        # A short line inside the body stays when it is a sentence or the start of one cut by a line break.
        is_sentence_part = SENTENCE_END_RE.search(line) is not None or line.endswith((",", ";", ":"))
        if cls in (PROSE, HEADING) or (cls == SHORT and (is_sentence_part or is_one_word_heading(line))):
            seg.body.append(line)
    seg.tail = lines[end + 1 :]
    seg.start, seg.end = start, end
    logger.debug("scraped text: %d lines, body %d..%d", len(lines), start, end)
    return seg
