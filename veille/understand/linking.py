"""Cross-article entity links: which registry entity a name joins, and why (pure functions over plain data).

The link step (``veille.understand.crosslink``) gathers through the store, by an index of name keys (never a
scan of the registry), the names that may refer to the same referent and asks this module to decide:

- ``cluster_names``: full names and organisation/place names whose keys differ only by transliteration
  (Sergueï/Sergey Lavrov, Abdourahamane/Abdourahmane Tiani), or that one article wrote both ways
  (Minusma and its expansion), join one canonical entity;
- ``link_surname``: a person named by one word ("Poutine", "Goïta") in one article joins the one person
  whose full name holds that word, using evidence (same article, shared office, co-occurring entities)
  when several do; still ambiguous means no link.

Every link carries a short English reason. Decisions depend only on the set of names, never on the order
the articles arrived in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from rapidfuzz.fuzz import ratio

# the facts decided on live in the data model (the store builds them); imported here for the callers of this module
from veille.model import Link, NameNode, OfficeKey, SurnameUse
from veille.text import fold

logger = logging.getLogger(__name__)

# transliteration folds applied in order before vowels are dropped (French, English, German spellings)
_FOLDS = (
    ("tsch", "t"),
    ("tch", "t"),
    ("sch", "c"),
    ("sh", "c"),
    ("ch", "c"),
    ("dj", "j"),
    ("kh", "k"),
    ("ph", "f"),
    ("ck", "k"),
    ("qu", "k"),
    ("q", "k"),
    ("gu", "g"),
    ("w", "u"),
    ("x", "ks"),
    ("h", ""),
)
_VOWELS = re.compile(r"[aeiouy]+")
_DOUBLE = re.compile(r"(.)\1+")
# feminine or diminutive endings: Jean/Jeanne, Louis/Louise, Daniel/Danielle are different people
_GENDER_ENDINGS = ("e", "ne", "le", "te", "a")
PERSON = "PER"
MIN_TOKEN_SIMILARITY = 0.7  # tokens of 6+ letters; shorter ones need 0.8 (Jean/Joan is 0.75)
MIN_NAME_SIMILARITY = 0.85  # organisations, places and others (whole key)
MIN_SURNAME_SIMILARITY = (
    0.83  # a one-word name spelt unlike the surname: Tiani/Tchiani 0.83, Lurie/Larie 0.80
)


@lru_cache(maxsize=1 << 16)  # a link step reads the same names over and over (every candidate cluster)
def name_key(name: str) -> str:
    """Return the accent-, case- and punctuation-insensitive key of a name ("Goïta" → "goita"): ``fold``."""
    return fold(name)


def name_tokens(name: str) -> list[str]:
    """Return the words of a name's key ("Sergueï Lavrov" → ["serguei", "lavrov"]); [] for no word."""
    return name_key(name).split()


@lru_cache(maxsize=1 << 16)
def skeleton(text: str) -> str:
    """Return the consonant skeleton of a key: transliteration folded, vowels dropped, doubles collapsed.

    "tiani" and "tchiani" → "tn"; "serguei" and "sergey" → "srg"; an all-vowel word gives its first letter.
    """
    folded = name_key(text).replace(" ", "")
    for old, new in _FOLDS:
        folded = folded.replace(old, new)
    consonants = _DOUBLE.sub(r"\1", _VOWELS.sub("", folded))
    return consonants or folded[:1]


def similarity(a: str, b: str) -> float:
    """Return the normalised edit similarity (0..1) of two keys."""
    return float(ratio(a, b)) / 100.0


def is_spelling_variant(a: str, b: str) -> bool:
    """Return True when two name words differ only by transliteration (same skeleton, close spelling).

    Feminine/masculine pairs (Jean/Jeanne) and initials are never variants.
    """
    if a == b:
        return True
    if min(len(a), len(b)) < 3 or skeleton(a) != skeleton(b) or _initial(a) != _initial(b):
        return False
    short, long = sorted((a, b), key=len)
    if long.startswith(short) and long[len(short) :] in _GENDER_ENDINGS:
        return False
    floor = MIN_TOKEN_SIMILARITY if min(len(a), len(b)) >= 6 else 0.8
    return similarity(a, b) >= floor


def _initial(word: str) -> str:
    return "i" if word[0] in "iyj" else word[0]


_ROMAN = re.compile(r"^(m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))(?:e|er|eme|ieme)?$")


def _numbers(tokens: Sequence[str]) -> list[str]:
    """Return the number-like words of a name (2008, XXIXe): names differing there are different things.

    A Roman numeral counts from two letters on, so "de" or "le" are words, not 500 and 50.
    """
    found = []
    for token in tokens:
        roman = _ROMAN.match(token)
        if token[0].isdigit() or (roman is not None and len(roman.group(1)) >= 2):
            found.append(token)
    return found


def abbreviates(short: str, long: str) -> bool:
    """Return True when ``short`` (one word, 2–10 letters) can be read as an acronym of ``long``.

    Each letter starts a later word of ``long`` or continues the word the previous letter was read in:
    "Minusma" ← "Mission … Nations unies pour la stabilisation au Mali"; "USA" is no acronym of
    "Université de Pittsburgh". Looser than ``entities.is_acronym_of`` (which finds acronyms on its own):
    this one only checks two forms an article already tied, often by "Long Name (ACRONYM)".
    """
    letters = name_key(short).replace(" ", "")
    words = name_tokens(long)
    if not 2 <= len(letters) <= 10 or len(name_tokens(short)) != 1 or len(words) < 2:
        return False

    @cache
    def read(i: int, w: int, c: int) -> bool:
        if i == len(letters):
            return True
        pos = words[w].find(letters[i], c)
        if pos >= 0 and read(i + 1, w, pos + 1):
            return True
        return any(words[v][0] == letters[i] and read(i + 1, v, 1) for v in range(w + 1, len(words)))

    return any(word[0] == letters[0] and read(1, w, 1) for w, word in enumerate(words))


def is_surname_only(type_: str, name: str) -> bool:
    """Return True for a person named by one word ("Poutine"): linked per article, never a cluster member."""
    return type_ == PERSON and len(name_tokens(name)) == 1


def index_keys(type_: str, name: str, aliases: Iterable[str] = ()) -> set[str]:
    """Return the index keys under which a name is stored (aliases: its other name mentions, non-persons)."""
    tokens = name_tokens(name)
    if not tokens:
        return set()
    if type_ == PERSON:
        if len(tokens) == 1:
            return {f"p1:{tokens[0]}", f"p1s:{skeleton(tokens[0])}"}
        keys = {f"p:{t}" for t in tokens if len(t) > 1}
        keys.add(f"ps:{skeleton(tokens[-1])}")
        return keys
    prefix = type_.lower()
    keys = {f"{prefix}:{' '.join(tokens)}", f"{prefix}s:{skeleton(name)}"}
    keys.update(f"{prefix}:{name_key(alias)}" for alias in aliases if name_key(alias))
    return keys


def query_keys(type_: str, name: str, aliases: Iterable[str] = ()) -> set[str]:
    """Return the index keys to look up for the names that may share a referent with this one."""
    tokens = name_tokens(name)
    if not tokens:
        return set()
    if type_ == PERSON:
        if len(tokens) == 1:
            # full names whose surname is spelt alike; a first name alone is looked up in its own article only
            return {f"ps:{skeleton(tokens[0])}"}
        keys = {f"ps:{skeleton(tokens[-1])}", f"p1s:{skeleton(tokens[-1])}"}
        keys.update(f"p1:{t}" for t in tokens if len(t) > 1)
        return keys
    return index_keys(type_, name, aliases)


def seed_keys(type_: str, name: str, aliases: Iterable[str] = ()) -> set[str]:
    """Return the keys that reach a name itself and every name it may link with (its query keys)."""
    own = {k for k in index_keys(type_, name, aliases) if not k.startswith("p:")}
    return query_keys(type_, name, aliases) | own


@dataclass
class Cluster:
    """Full names of one referent: the canonical node first, then the others."""

    canonical: NameNode
    members: list[NameNode] = field(default_factory=list)

    @property
    def offices(self) -> frozenset[OfficeKey]:
        """Return the offices of every member."""
        return frozenset(o for m in self.members for o in m.offices)

    @property
    def context(self) -> frozenset[str]:
        """Return the entity ids co-occurring with any member."""
        return frozenset(c for m in self.members for c in m.context)

    @property
    def ids(self) -> frozenset[str]:
        """Return the members' entity ids."""
        return frozenset(m.entity_id for m in self.members)


def _person_verdict(a: NameNode, b: NameNode) -> str | None:
    """Return why two full person names are one referent, or None (different first names never are)."""
    ta, tb = name_tokens(a.name), name_tokens(b.name)
    if len(ta) != len(tb) or len(ta) < 2:
        return None
    kinds = []
    for x, y in zip(ta, tb, strict=True):
        if x == y:
            kinds.append("same")
        elif len(x) == 1 or len(y) == 1:
            if x[0] != y[0]:
                return None
            kinds.append("initial")
        elif is_spelling_variant(x, y):
            kinds.append("variant")
        else:
            return None
    if "initial" in kinds:
        return None  # initials are attached afterwards, only when one full name fits (_attach_initials)
    score = similarity(" ".join(ta), " ".join(tb))
    if "same" in kinds:
        return f"spelling variant of {{target}} (similarity {score:.2f})"
    return _shared_evidence(a, b, f"spelling variant of {{target}} (similarity {score:.2f}")


def _shared_evidence(a: NameNode, b: NameNode, head: str) -> str | None:
    shared = sorted(a.offices & b.offices, key=lambda o: o.label())
    if shared:
        return f"{head}, shares office {shared[0].label()})"
    context = sorted((a.context & b.context) - {a.entity_id, b.entity_id})
    if len(context) >= 2:
        return f"{head}, {len(context)} entities in common)"
    return None


def _other_verdict(a: NameNode, b: NameNode) -> str | None:
    """Return why two organisation/place/other names are one referent, or None."""
    if a.type != b.type or (a.country and b.country and a.country != b.country):
        return None
    ka, kb = name_key(a.name), name_key(b.name)
    if _numbers(ka.split()) != _numbers(kb.split()):
        return None  # Jeux de la XXIXe / XXXe Olympiade, Euro 2008 / Euro 2012
    if ka == kb:
        return "same name as {target}"
    for one, other in ((a, b), (b, a)):
        # the analysis of one article put both forms in one entity: an acronym and its expansion
        if name_key(other.name) not in {name_key(x) for x in one.aliases}:
            continue
        short, long = sorted((one.name, other.name), key=lambda n: len(name_key(n)))
        if abbreviates(short, long):
            return f"written {_clean(long)} and {_clean(short)} in one article"
    ta, tb = ka.split(), kb.split()
    # word by word: "Afrique de l'Est" and "Afrique de l'Ouest" share a skeleton but not their last word
    if len(ta) != len(tb) or not all(is_spelling_variant(x, y) for x, y in zip(ta, tb, strict=True)):
        return None
    if min(len(ka), len(kb)) >= 4 and skeleton(ka) == skeleton(kb):
        score = similarity(ka, kb)
        if score >= MIN_NAME_SIMILARITY:
            return f"spelling variant of {{target}} (similarity {score:.2f})"
    return None


def _clean(name: str) -> str:
    return " ".join(name.split())


def _canonical_rank(node: NameNode) -> tuple[int, int, int, str]:
    has_initial = any(len(t) == 1 for t in name_tokens(node.name))
    return (int(has_initial), -node.articles, -len(node.name.encode()), node.entity_id)


def cluster_names(nodes: Sequence[NameNode]) -> dict[str, Link]:
    """Return, for each full name that joins another, the canonical entity it joins and why.

    Pairs are judged within one type; the canonical member has no initial, then the most articles, then
    the longest name, then the smallest id. Surname-only person nodes are ignored (see ``link_surname``).
    """
    full = sorted(
        {n.entity_id: n for n in nodes if not is_surname_only(n.type, n.name)}.values(),
        key=lambda n: n.entity_id,
    )
    parent = {n.entity_id: n.entity_id for n in full}
    why: dict[tuple[str, str], str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    buckets: dict[str, list[NameNode]] = {}
    for node in full:
        for key in index_keys(node.type, node.name, node.aliases):
            if not key.startswith("p:"):  # persons pair on their surname skeleton, not on a shared first name
                buckets.setdefault(key, []).append(node)
    for bucket in buckets.values():
        for i, a in enumerate(bucket):
            for b in bucket[i + 1 :]:
                if a.entity_id == b.entity_id or (a.entity_id, b.entity_id) in why:
                    continue
                verdict = _person_verdict(a, b) if a.type == PERSON else _other_verdict(a, b)
                if verdict is None:
                    continue
                why[(a.entity_id, b.entity_id)] = why[(b.entity_id, a.entity_id)] = verdict
                parent[find(a.entity_id)] = find(b.entity_id)
    _attach_initials(full, parent, find, why)
    groups: dict[str, list[NameNode]] = {}
    for node in full:
        groups.setdefault(find(node.entity_id), []).append(node)
    links: dict[str, Link] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        canonical = min(members, key=_canonical_rank)
        for node in members:
            if node.entity_id == canonical.entity_id:
                continue
            reason = why.get((node.entity_id, canonical.entity_id)) or _path_reason(node, members, why)
            links[node.entity_id] = Link(canonical.entity_id, reason.replace("{target}", canonical.name))
    return links


def _path_reason(node: NameNode, members: Sequence[NameNode], why: Mapping[tuple[str, str], str]) -> str:
    for other in members:
        reason = why.get((node.entity_id, other.entity_id))
        if reason:
            return reason.replace("{target}", other.name)
    return "same referent as {target}"


def _attach_initials(
    full: Sequence[NameNode],
    parent: dict[str, str],
    find: Callable[[str], str],
    why: dict[tuple[str, str], str],
) -> None:
    """Join "V. Poutine" to the one full-name group whose first name starts with V (none when several)."""
    for node in full:
        tokens = name_tokens(node.name)
        if node.type != PERSON or len(tokens) < 2 or not any(len(t) == 1 for t in tokens):
            continue
        fits: dict[str, NameNode] = {}
        for other in full:
            theirs = name_tokens(other.name)
            if other is node or other.type != PERSON or len(theirs) != len(tokens):
                continue
            if any(len(t) == 1 for t in theirs):
                continue
            if all(
                x == y or (len(x) == 1 and y.startswith(x)) or is_spelling_variant(x, y)
                for x, y in zip(tokens, theirs, strict=True)
            ):
                fits.setdefault(find(other.entity_id), other)
        if len(fits) == 1:
            other = next(iter(fits.values()))
            initials = " ".join(t.upper() + "." for t in tokens if len(t) == 1)
            why[(node.entity_id, other.entity_id)] = (
                f"initial {initials} of {{target}} (only person so named)"
            )
            parent[find(node.entity_id)] = find(other.entity_id)


def candidate_clusters(use: SurnameUse, clusters: Iterable[Cluster]) -> list[Cluster]:
    """Return the person clusters whose surname is the use's word (or a close spelling variant of it).

    A first name alone ("Alberto") only finds the person its own article also names in full.
    """
    tokens = name_tokens(use.name)
    if len(tokens) != 1:
        return []
    word = tokens[0]
    found = []
    for cluster in clusters:
        if cluster.canonical.type != PERSON:
            continue
        for member in cluster.members:
            theirs = name_tokens(member.name)
            if len(theirs) < 2:
                continue
            surname = theirs[-1]
            variant = (
                is_spelling_variant(word, surname) and similarity(word, surname) >= MIN_SURNAME_SIMILARITY
            )
            # another word of the name (a first name alone) only counts when the article also names them
            here = word in theirs and member.entity_id in use.neighbours
            if word == surname or variant or here:
                found.append(cluster)
                break
    return found


def link_surname(use: SurnameUse, clusters: Sequence[Cluster]) -> Link | None:
    """Return the person a one-word name refers to, with the reason, or None when none or still ambiguous.

    One candidate: linked. Several: a candidate named in the same article wins, then the one candidate
    sharing an office, then the one with at least 2, and twice the runner-up's, co-occurring entities.
    """
    candidates = candidate_clusters(use, clusters)
    if not candidates:
        return None
    if len(candidates) == 1:
        target = candidates[0].canonical
        return Link(target.entity_id, f"surname of {target.name} (only person so named)")
    here = [c for c in candidates if c.ids & use.neighbours]
    if len(here) == 1:
        target = here[0].canonical
        return Link(target.entity_id, f"surname of {target.name} (named in the same article)")
    by_office = [(c, sorted(c.offices & use.offices, key=lambda o: o.label())) for c in candidates]
    with_office = [(c, shared) for c, shared in by_office if shared]
    if len(with_office) == 1:
        target, shared = with_office[0][0].canonical, with_office[0][1]
        return Link(target.entity_id, f"surname of {target.name} (shares office {shared[0].label()})")
    others = set().union(*(c.ids for c in candidates))
    neighbours = use.neighbours - others - {use.entity_id}
    scored = sorted(
        ((len(neighbours & c.context), c) for c in candidates),
        key=lambda sc: (-sc[0], sc[1].canonical.entity_id),
    )
    best, runner_up = scored[0][0], scored[1][0]
    if best >= 2 and best >= 2 * runner_up:
        target = scored[0][1].canonical
        return Link(
            target.entity_id,
            f"surname of {target.name} ({best} co-occurring entities, next best {runner_up})",
        )
    logger.debug("%s in %s stays apart: %d candidates", use.name, use.article_id, len(candidates))
    return None


def build_clusters(nodes: Sequence[NameNode], links: Mapping[str, Link]) -> list[Cluster]:
    """Return the clusters of full names given the links of ``cluster_names`` (singletons included)."""
    by_id = {n.entity_id: n for n in nodes if not is_surname_only(n.type, n.name)}
    groups: dict[str, list[NameNode]] = {}
    for ident, node in sorted(by_id.items()):
        target = links[ident].target_id if ident in links else ident
        groups.setdefault(target, []).append(node)
    return [Cluster(by_id[target], members) for target, members in groups.items() if target in by_id]
