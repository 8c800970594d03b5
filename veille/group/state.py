"""The story grouper's whole state as compact, safe bytes (``StoryGrouper.dump`` / ``StoryGrouper.restore``).

Restoring reads back what the grouper holds (document frequencies, stories and their members' features,
cached TF-IDF vectors, posting lists in their order, the duplicate index's fingerprints, credits and LSH
buckets) instead of recomputing every stored article's features, and the restored grouper decides exactly
as the dumped one would have, given the same articles' texts (the duplicate index reads its candidates'
shingles from them: format 2 keeps no shingles, about 60 % of format 1's bytes).

Layout (``STATE_FORMAT`` 2): ``MAGIC``; a little-endian uint32 length and a JSON header (the signature the
grouper was built with, counts, sizes, the raw part's CRC-32), readable without decompressing anything; the
zlib part: one zlib stream of a uint32 length, a JSON document (terms, entity ids, story and article ids,
titles, outlets, wire credits, scalars, the table of arrays) and the numeric arrays that compress (counts,
offsets, floats); the raw part: the arrays zlib cannot shrink (the LSH band keys, the text fingerprints). Nothing is unpickled: JSON is
read by ``json``, arrays by ``np.frombuffer`` with the numeric dtype ``_schema()`` names, and every offset,
index and hash run is checked before use. A blob that is not a grouper state, is damaged, or was made with
another signature raises ``VeilleError`` with code ``bad_state``: rebuild the grouper from the store then.
"""

from __future__ import annotations

import gc
import hashlib
import json
import struct
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

import veille.group.dedup as dedup
import veille.group.stories as stories
from veille.errors import VeilleError
from veille.group.dedup import DuplicateIndex, TextSource, _Entry
from veille.group.stories import Member, StoryGrouper, _StoryState

if TYPE_CHECKING:
    from veille.settings import Settings

STATE_FORMAT = 2
MAGIC = b"veille grouper state\n"
ZLIB_LEVEL = 1  # most of the body is hashes and floats: a higher level barely shrinks it, and costs time
_FINGERPRINT = 20  # bytes of a sha1 text fingerprint
_NO_DATE = 0  # date ordinals start at 1


@cache
def _minhash_layout() -> tuple[str, np.dtype[Any]]:
    """Return the digest of the MinHash permutations and a MinHash value's byte layout (datasketch's scheme:
    uint32 values; BandIndex keys a band by the int of its bytes); worked out on first use."""
    template = dedup.minhash_template()
    digest = hashlib.sha1(np.ascontiguousarray(template.permutations).tobytes()).hexdigest()[:12]
    return digest, np.dtype(template.hashvalues.dtype).newbyteorder("<")


Signature = dict[str, str | float | int]


def _bad(message: str) -> VeilleError:
    return VeilleError(f"{message}; rebuild the grouper from the stored stories", code="bad_state")


def layout() -> str:
    """Return the constants a state's contents depend on besides the settings (bounds, MinHash scheme)."""
    return (
        f"members {stories.MEMBER_TERMS}, closed {stories.CLOSED_TERMS}, postings {stories.POSTING_SCAN},"
        f" close every {stories.CLOSE_EVERY}, stale {stories.STALE_GROWTH};"
        f" minhash {dedup.NUM_PERM} {dedup.minhash_template().scheme} {_minhash_layout()[1].str}"
        f" ({_minhash_layout()[0]}),"
        f" {dedup.SHINGLE}-shingles, 64-bit band keys"
    )


def signature_of(grouper: StoryGrouper) -> Signature:
    """Return the version, settings and layout a grouper was built with (its state restores only into one
    with the same signature)."""
    lsh = grouper.duplicates._lsh
    return {
        "grouper": stories.GROUPER_VERSION,
        "story_threshold": grouper.threshold,
        "story_window_days": grouper.window,
        "near_duplicate_threshold": grouper.duplicates.threshold,
        "state_format": STATE_FORMAT,
        "layout": f"{layout()}, {lsh.bands}x{lsh.rows} bands",
    }


@dataclass(frozen=True, slots=True)
class StateHeader:
    """What a state blob says of itself, read without decompressing it (``read_state_header``)."""

    signature: Signature
    articles: int  # articles placed in stories
    stories: int
    membership: str  # membership_digest of its (story id, article id) pairs
    newest: date | None


def membership_digest(pairs: Iterable[tuple[str, str]]) -> str:
    """Return a digest of (story id, article id) pairs, in any order: equal for the same stories' members.

    The pipeline can compare it with the stored stories (e.g. after a ``veille regroup``) before restoring."""
    lines = sorted(f"{story_id}\t{article_id}" for story_id, article_id in pairs)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]


def read_state_header(data: bytes) -> StateHeader:
    """Return a state blob's header; raise VeilleError ``bad_state`` when it is not a grouper state."""
    header, _ = _split(data)
    try:
        newest = header["newest"]
        return StateHeader(
            signature=dict(header["signature"]),
            articles=int(header["articles"]),
            stories=int(header["stories"]),
            membership=str(header["membership"]),
            newest=date.fromisoformat(newest) if newest else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(f"malformed grouper state header ({exc})") from exc


def _split(data: bytes) -> tuple[dict[str, Any], memoryview]:
    """Return the header of a blob and what follows it (the zlib part, then the raw part)."""
    view = memoryview(data)
    if bytes(view[: len(MAGIC)]) != MAGIC or len(view) < len(MAGIC) + 4:
        raise _bad("not a grouper state")
    (size,) = struct.unpack_from("<I", view, len(MAGIC))
    start = len(MAGIC) + 4
    if start + size > len(view):
        raise _bad("truncated grouper state")
    try:
        header = json.loads(bytes(view[start : start + size]))
    except (ValueError, RecursionError) as exc:
        raise _bad(f"malformed grouper state header ({exc})") from exc
    if not isinstance(header, dict) or header.get("format") != STATE_FORMAT:
        raise _bad(f"grouper state of another format (this veille reads format {STATE_FORMAT})")
    return header, view[start + size :]


# -- writing ---------------------------------------------------------------------------------------


# every array of the body and its little-endian dtype: numeric only, so np.frombuffer never builds objects
@cache
def _schema() -> dict[str, str]:
    """Return each array's numeric dtype (the MinHash keys' is datasketch's, read on first use)."""
    return {
        name: dtype
        for dtype, names in (
            ("i4", "story_first story_last member_published story_of open"),
            (
                "i4",
                "story_terms_key story_vector_key story_entities_key member_terms_key member_entities_key",
            ),
            ("i4", "term_postings_key term_postings_story entity_postings_key entity_postings_story"),
            ("i4", "dup_entry_id dup_alias dup_first_of lsh_ids lsh_number"),
            ("i8", "df story_entity_square story_vector_n story_entities_count member_terms_count"),
            (
                "i8",
                "story_terms_off story_vector_off story_vector_key_off story_entities_off story_members_off",
            ),
            ("i8", "member_terms_off member_entities_off term_postings_off entity_postings_off"),
            ("f8", "story_terms_val story_vector_val story_vector_square"),
            (
                "u1",
                "story_vector_mode dup_fingerprint",
            ),
            ("u8", "lsh_key"),
        )
        for name in names.split()
    }


# random bytes that zlib cannot shrink (it would only spend time on them): kept in the body's raw part
_RAW = {"lsh_key", "dup_fingerprint"}


class _Arrays:
    """Named numeric arrays laid end to end in the body's zlib part or its raw part, with their table
    (name -> dtype, length, offset, part). Each array is kept once, as the numpy array itself (no copy into
    bytes): the dump's memory is the arrays, the packed body and the blob."""

    def __init__(self) -> None:
        self.table: dict[str, list[Any]] = {}
        self.chunks: tuple[list[Any], list[Any]] = ([], [])
        self.size = [0, 0]

    def put(self, name: str, values: Any) -> None:
        dtype, part = _schema()[name], int(name in _RAW)
        arr = np.ascontiguousarray(_typed(values, "<" + dtype).ravel())
        self.table[name] = [dtype, int(arr.size), self.size[part], part]
        pad = -arr.nbytes % 8  # every array starts 8-byte aligned
        self.chunks[part].append(arr.view(np.uint8) if arr.size else b"")
        if pad:
            self.chunks[part].append(b"\0" * pad)
        self.size[part] += arr.nbytes + pad


def _typed(values: Any, dtype: str) -> np.ndarray:
    """Return values as an array of dtype; a value out of its range raises OverflowError, it never wraps."""
    if isinstance(values, array):  # the dump's accumulators (int64 or float64): checked, then cast
        arr = np.frombuffer(values, dtype=np.float64 if values.typecode == "d" else np.int64)
        kind = np.dtype(dtype)
        if kind.kind in "iu" and arr.size:
            info = np.iinfo(kind)
            if arr.min() < info.min or arr.max() > info.max:
                raise OverflowError(f"a value out of {kind} range")
        return arr.astype(dtype)
    return np.asarray(values, dtype=dtype)


def _ints() -> array[int]:
    return array("q")


def _floats() -> array[float]:
    return array("d")


def _ids(keys: Any, table: dict[str, int]) -> list[int]:
    """Return the number of each key in table, numbering new keys after the others."""
    try:
        return [table[k] for k in keys]
    except KeyError:
        return [table.setdefault(k, len(table)) for k in keys]


def _ordinal(day: date | None) -> int:
    return day.toordinal() if day else _NO_DATE


def dump_grouper(grouper: StoryGrouper) -> bytes:
    """Return the grouper's whole state as bytes (``StoryGrouper.dump``)."""
    g, arrays = grouper, _Arrays()
    vocab = {t: i for i, t in enumerate(g._df)}  # df's terms in its order (any other term: numbered after)
    df_terms = len(vocab)
    entity_ids: dict[str, int] = {}
    sids = list(g._stories)
    story_no = {sid: i for i, sid in enumerate(sids)}
    arrays.put("df", list(g._df.values()))

    # stories and their members, members laid out story after story; numbers kept in typed arrays (8 bytes a
    # value, where a list holds a 32-byte object: at 10,000 articles the lists alone were 150 MB)
    first, last, esq, vec_n, vec_mode = _ints(), _ints(), _ints(), _ints(), _ints()
    vec_sq, t_val, v_val = _floats(), _floats(), _floats()
    t_off, t_key = array("q", [0]), _ints()
    v_off, vk_off, vk_key = array("q", [0]), array("q", [0]), _ints()
    e_count, e_off, e_key = _ints(), array("q", [0]), _ints()
    m_off = array("q", [0])
    member_ids: list[str] = []
    titles: list[str] = []
    outlets: list[str | None] = []
    published, mt_count, mt_off, mt_key = _ints(), _ints(), array("q", [0]), _ints()
    me_off, me_key = array("q", [0]), _ints()
    for state in g._stories.values():
        first.append(_ordinal(state.first))
        last.append(_ordinal(state.last))
        esq.append(state.entity_square)
        t_key.extend(_ids(state.terms, vocab))
        t_val.extend(state.terms.values())
        t_off.append(len(t_key))
        if state.vector is None:
            vec_mode.append(0)
        elif list(state.vector) == list(state.terms):
            vec_mode.append(1)  # the usual case: the centroid's terms are the story's, in the same order
            v_val.extend(state.vector.values())
        else:
            vec_mode.append(2)
            v_val.extend(state.vector.values())
            vk_key.extend(_ids(state.vector, vocab))
        v_off.append(len(v_val))
        vk_off.append(len(vk_key))
        vec_n.append(state.vector_n)
        vec_sq.append(state.vector_square)
        e_key.extend(_ids(state.entities, entity_ids))
        e_count.extend(state.entities.values())
        e_off.append(len(e_key))
        for m in state.members:
            member_ids.append(m.article_id)
            titles.append(m.title)
            outlets.append(m.outlet)
            published.append(_ordinal(m.published))
            mt_key.extend(_ids(m.keys, vocab))
            mt_count.extend(m.counts)
            mt_off.append(len(mt_key))
            me_key.extend(_ids(sorted(m.entities), entity_ids))
            me_off.append(len(me_key))
        m_off.append(len(member_ids))
    for name, values in (
        ("story_first", first),
        ("story_last", last),
        ("story_entity_square", esq),
        ("story_terms_off", t_off),
        ("story_terms_key", t_key),
        ("story_terms_val", t_val),
        ("story_vector_mode", vec_mode),
        ("story_vector_off", v_off),
        ("story_vector_val", v_val),
        ("story_vector_key_off", vk_off),
        ("story_vector_key", vk_key),
        ("story_vector_n", vec_n),
        ("story_vector_square", vec_sq),
        ("story_entities_off", e_off),
        ("story_entities_key", e_key),
        ("story_entities_count", e_count),
        ("story_members_off", m_off),
        ("member_published", published),
        ("member_terms_off", mt_off),
        ("member_terms_key", mt_key),
        ("member_terms_count", mt_count),
        ("member_entities_off", me_off),
        ("member_entities_key", me_key),
    ):
        arrays.put(name, values)
        del values[:]  # each accumulator freed once its array is made
    member_no = {aid: i for i, aid in enumerate(member_ids)}
    arrays.put("story_of", [member_no[aid] for aid in g._story_of])
    for name, index, keys in (("term", g._term_index, vocab), ("entity", g._entity_index, entity_ids)):
        p_off, p_story = array("q", [0]), _ints()
        for posting in index.values():
            p_story.extend([story_no[sid] for sid in posting])
            p_off.append(len(p_story))
        arrays.put(f"{name}_postings_key", _ids(index, keys))
        arrays.put(f"{name}_postings_off", p_off)
        arrays.put(f"{name}_postings_story", p_story)
    arrays.put("open", [story_no[sid] for sid in g._open])
    duplicates = _dump_duplicates(g.duplicates, member_ids, arrays)

    doc = {
        "n": g._n,
        "newest": _ordinal(g._newest),
        "terms": list(vocab),
        "df_terms": df_terms,
        "entities": list(entity_ids),
        "stories": sids,
        "members": member_ids,
        "titles": titles,
        "outlets": outlets,
        "duplicates": duplicates,
        "arrays": arrays.table,
    }
    # surrogatepass: a title may hold a lone surrogate (decoded with errors="surrogateescape" upstream)
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    text += b" " * (-(len(text) + 4) % 8)  # the arrays start 8-byte aligned
    # the body compressed as it is read, never joined: each array is let go once deflated
    body, packer, packed_parts = arrays.chunks[0], zlib.compressobj(ZLIB_LEVEL), []
    body_bytes = 4 + len(text) + arrays.size[0]
    packed_parts.append(packer.compress(struct.pack("<I", len(text)) + text))
    del text
    while body:
        packed_parts.append(packer.compress(body.pop(0)))
    packed_parts.append(packer.flush())
    packed = b"".join(packed_parts)
    del packed_parts
    raw_parts, raw_crc = arrays.chunks[1], 0
    for part in raw_parts:
        raw_crc = zlib.crc32(part, raw_crc)
    header = {
        "format": STATE_FORMAT,
        "signature": signature_of(g),
        "articles": len(g._story_of),
        "stories": len(g._stories),
        "membership": membership_digest((sid, aid) for aid, sid in g._story_of.items()),
        "newest": g._newest.isoformat() if g._newest else None,
        "body_bytes": body_bytes,
        "packed_bytes": len(packed),
        "raw_bytes": arrays.size[1],
        "raw_crc32": raw_crc,  # the zlib part carries its own checksum
    }
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    return b"".join([MAGIC, struct.pack("<I", len(head)), head, packed, *raw_parts])


def _dump_duplicates(index: DuplicateIndex, member_ids: list[str], arrays: _Arrays) -> dict[str, Any]:
    """Put the duplicate index's arrays; return its JSON part. Exact copies share their first's entry (an
    alias); each own entry keeps its fingerprint and credits; the LSH buckets are kept as they are."""
    known = {aid: i for i, aid in enumerate(member_ids)}
    extra: list[str] = []  # indexed articles that are in no story (their grouping failed after dedup)
    entry_id = []
    entry_no = {}
    own_of: dict[int, int] = {}  # id(entry) -> own number
    alias, fingerprints = [], []
    wire: dict[str, list[str]] = {}
    for i, (aid, entry) in enumerate(index._entries.items()):
        entry_no[aid] = i
        number = known.get(aid)
        if number is None:
            number = len(member_ids) + len(extra)
            extra.append(aid)
        entry_id.append(number)
        own = own_of.get(id(entry))
        if own is not None:  # an exact copy: the same entry as its group's first article
            alias.append(own)
            continue
        own_of[id(entry)] = len(own_of)
        alias.append(-1)
        fingerprints.append(bytes.fromhex(entry.fingerprint))
        if entry.credits:
            wire[str(len(own_of) - 1)] = sorted(entry.credits)
    first_of = []
    for fingerprint, aid in index._first_of.items():
        if index._entries[aid].fingerprint != fingerprint:  # never: an entry is filed under its own text
            raise ValueError(f"duplicate index out of step for {aid}")
        first_of.append(entry_no[aid])
    arrays.put("dup_entry_id", entry_id)
    arrays.put("dup_alias", alias)
    arrays.put("dup_fingerprint", np.frombuffer(b"".join(fingerprints), dtype=np.uint8))
    arrays.put("dup_first_of", first_of)

    lsh = index._lsh
    lsh.merge()  # every band key in the sorted arrays: the same arrays, whenever the last merge was
    arrays.put("lsh_ids", [entry_no[aid] for aid in lsh.ids])
    arrays.put("lsh_key", lsh.keys)
    arrays.put("lsh_number", lsh.numbers)
    return {
        "threshold": index.threshold,
        "containment": index.containment,
        "wire_containment": index.wire_containment,
        "bands": lsh.bands,
        "rows": lsh.rows,
        "extra_ids": extra,
        "credits": wire,
    }


# -- reading ---------------------------------------------------------------------------------------


class _Reader:
    """The body's arrays, each checked for its dtype and bounds before it is handed out."""

    def __init__(self, table: Any, body: bytes, start: int, raw: memoryview) -> None:
        if not isinstance(table, dict):
            raise ValueError("no array table")
        self.table, self.parts = table, ((body, start), (raw, 0))

    def get(self, name: str, length: int | None = None) -> np.ndarray:
        dtype, count, offset, part = self.table[name]
        if dtype != _schema()[name] or part != int(name in _RAW):
            raise ValueError(f"array {name}: bad entry")
        if not isinstance(count, int) or not isinstance(offset, int) or count < 0 or offset < 0:
            raise ValueError(f"array {name}: bad entry")
        if length is not None and count != length:
            raise ValueError(f"array {name}: bad length")
        buffer, start = self.parts[part]
        arr = np.frombuffer(buffer, dtype="<" + dtype, count=count, offset=start + offset)
        return arr.astype(dtype, copy=False)  # native byte order (a no-op on little-endian machines)

    def offsets(self, name: str, parts: int, total: int | None = None) -> list[int]:
        off = self.get(name, parts + 1)
        if off[0] != 0 or np.any(np.diff(off) < 0) or (total is not None and off[-1] != total):
            raise ValueError(f"array {name}: bad offsets")
        return [int(x) for x in off.tolist()]

    def index(self, name: str, bound: int, length: int | None = None, low: int = 0) -> np.ndarray:
        arr = self.get(name, length)
        if arr.size and (int(arr.min()) < low or int(arr.max()) >= bound):
            raise ValueError(f"array {name}: index out of range")
        return arr


def _strs(value: Any, name: str, optional: bool = False) -> list[Any]:
    if not isinstance(value, list) or not all(isinstance(v, str) or (optional and v is None) for v in value):
        raise ValueError(f"{name}: not a list of strings")
    return value


def _day(ordinal: int) -> date | None:
    return date.fromordinal(ordinal) if ordinal != _NO_DATE else None


def _counter(keys: list[Any], values: list[Any]) -> Counter[Any]:
    out: Counter[Any] = Counter()
    dict.update(out, zip(keys, values, strict=True))  # keeps the order, which float sums depend on
    return out


def restore_grouper(data: bytes, settings: Settings, texts: TextSource | None = None) -> StoryGrouper:
    """Return the grouper a blob of ``dump_grouper`` holds (``StoryGrouper.restore``; ``texts``: its duplicate
    index's text source); raise VeilleError ``bad_state`` when the blob is not one, is damaged, or was made
    with another signature than settings'."""
    header, rest = _split(data)
    grouper = StoryGrouper(settings, texts=texts)
    made, wanted = header.get("signature"), signature_of(grouper)
    if made != wanted:
        differ = sorted(
            k for k in wanted if not isinstance(made, dict) or made.get(k) != wanted[k]
        ) or sorted(made or {})
        raise _bad(f"grouper state made with other settings or version ({', '.join(differ)})")
    size, packed, raw = (header.get(k) for k in ("body_bytes", "packed_bytes", "raw_bytes"))
    if not all(isinstance(v, int) and v >= 0 for v in (size, packed, raw)):
        raise _bad("malformed grouper state header")
    assert isinstance(size, int) and isinstance(packed, int) and isinstance(raw, int)  # for mypy
    if packed + raw != len(rest):
        raise _bad("grouper state of another length than its header says (truncated or extended)")
    collecting = gc.isenabled()
    gc.disable()  # a restore makes a million small objects and no cycle: the collector would only rescan them
    try:
        inflate = zlib.decompressobj()
        body = inflate.decompress(rest[:packed], size)  # never more than the header announces
        if len(body) != size or inflate.unconsumed_tail or inflate.unused_data or not inflate.eof:
            raise ValueError("body of another size than announced")
        if zlib.crc32(rest[packed:]) != header.get("raw_crc32"):
            raise ValueError("raw part damaged (checksum)")
        _fill(grouper, body, rest[packed:])
    except VeilleError:
        raise
    except Exception as exc:  # whatever a damaged or forged body trips on, the answer is the same: rebuild
        raise _bad(f"damaged grouper state ({type(exc).__name__}: {exc})") from exc
    finally:
        if collecting:
            gc.enable()
    return grouper


def _fill(g: StoryGrouper, body: bytes, raw: memoryview) -> None:
    """Set an empty grouper's state from a decompressed body and the raw part; raise ValueError (and kin)
    when they are damaged."""
    (size,) = struct.unpack_from("<I", body)
    doc = json.loads(body[4 : 4 + size].decode("utf-8", "surrogatepass"))
    if not isinstance(doc, dict):
        raise ValueError("no document")
    r = _Reader(doc["arrays"], body, 4 + size, raw)
    terms = _strs(doc["terms"], "terms")
    entity_ids = _strs(doc["entities"], "entities")
    sids = _strs(doc["stories"], "stories")
    member_ids = _strs(doc["members"], "members")
    titles = _strs(doc["titles"], "titles")
    outlets = _strs(doc["outlets"], "outlets", optional=True)
    df_terms, n = doc["df_terms"], doc["n"]
    if not isinstance(df_terms, int) or not 0 <= df_terms <= len(terms) or not isinstance(n, int) or n < 0:
        raise ValueError("bad counts")
    if len(titles) != len(member_ids) or len(outlets) != len(member_ids):
        raise ValueError("members, titles and outlets differ in length")
    if len(set(sids)) != len(sids) or len(set(member_ids)) != len(member_ids):
        raise ValueError("repeated story or article ids")
    n_stories, n_members = len(sids), len(member_ids)
    term_of = np.array(terms, dtype=object)
    entity_of = np.array(entity_ids, dtype=object)

    g._n = n
    g._newest = _day(doc["newest"])
    dict.update(g._df, zip(terms[:df_terms], r.get("df", df_terms).tolist(), strict=True))

    first = r.get("story_first", n_stories).tolist()
    last = r.get("story_last", n_stories).tolist()
    esq = r.get("story_entity_square", n_stories).tolist()
    t_off = r.offsets("story_terms_off", n_stories)
    t_key = term_of[r.index("story_terms_key", len(terms), t_off[-1])].tolist()
    t_val = r.get("story_terms_val", t_off[-1]).tolist()
    mode = r.index("story_vector_mode", 3, n_stories).tolist()
    v_off = r.offsets("story_vector_off", n_stories)
    v_val = r.get("story_vector_val", v_off[-1]).tolist()
    vk_off = r.offsets("story_vector_key_off", n_stories)
    vk_key = term_of[r.index("story_vector_key", len(terms), vk_off[-1])].tolist()
    vec_n = r.get("story_vector_n", n_stories).tolist()
    vec_sq = r.get("story_vector_square", n_stories).tolist()
    e_off = r.offsets("story_entities_off", n_stories)
    e_key = entity_of[r.index("story_entities_key", len(entity_ids), e_off[-1])].tolist()
    e_count = r.get("story_entities_count", e_off[-1]).tolist()
    m_off = r.offsets("story_members_off", n_stories, n_members)
    published = r.get("member_published", n_members).tolist()
    mt_off = r.offsets("member_terms_off", n_members)
    mt_key = term_of[r.index("member_terms_key", len(terms), mt_off[-1])].tolist()
    mt_count = r.get("member_terms_count", mt_off[-1]).tolist()
    me_off = r.offsets("member_entities_off", n_members)
    me_key = entity_of[r.index("member_entities_key", len(entity_ids), me_off[-1])].tolist()

    members = [
        Member(
            article_id=member_ids[i],
            title=titles[i],
            outlet=outlets[i],
            published=_day(published[i]),
            entities=frozenset(me_key[me_off[i] : me_off[i + 1]]),
            keys=tuple(mt_key[mt_off[i] : mt_off[i + 1]]),
            counts=tuple(mt_count[mt_off[i] : mt_off[i + 1]]),
        )
        for i in range(n_members)
    ]
    for s, sid in enumerate(sids):
        state = _StoryState(
            sid,
            members=members[m_off[s] : m_off[s + 1]],
            terms=_counter(t_key[t_off[s] : t_off[s + 1]], t_val[t_off[s] : t_off[s + 1]]),
            entities=_counter(e_key[e_off[s] : e_off[s + 1]], e_count[e_off[s] : e_off[s + 1]]),
            first=_day(first[s]),
            last=_day(last[s]),
            entity_square=esq[s],
            vector_square=vec_sq[s],
            vector_n=vec_n[s],
        )
        values = v_val[v_off[s] : v_off[s + 1]]
        if mode[s] == 1:
            state.vector = dict(zip(state.terms, values, strict=True))
        elif mode[s] == 2:
            state.vector = dict(zip(vk_key[vk_off[s] : vk_off[s + 1]], values, strict=True))
        elif values:
            raise ValueError(f"story {sid}: vector values without a vector")
        g._stories[sid] = state

    story_of_member = [s for s in range(n_stories) for _ in range(m_off[s + 1] - m_off[s])]
    order = r.index("story_of", n_members, n_members)
    if np.unique(order).size != n_members:
        raise ValueError("story_of is not a permutation of the members")
    g._story_of = dict(
        zip(
            [member_ids[i] for i in order.tolist()],
            [sids[story_of_member[i]] for i in order.tolist()],
            strict=True,
        )
    )
    sid_of = np.array(sids, dtype=object)
    for name, index, keys in (("term", g._term_index, term_of), ("entity", g._entity_index, entity_of)):
        p_key = r.index(f"{name}_postings_key", len(keys))
        p_off = r.offsets(f"{name}_postings_off", p_key.size)
        p_story = sid_of[r.index(f"{name}_postings_story", n_stories, p_off[-1])].tolist()
        for k, key in enumerate(keys[p_key].tolist()):
            index[key] = dict.fromkeys(p_story[p_off[k] : p_off[k + 1]])
        if len(index) != p_key.size:
            raise ValueError(f"{name} postings: repeated keys")
    g._open = dict.fromkeys(sid_of[r.index("open", n_stories)].tolist())
    _fill_duplicates(g.duplicates, doc["duplicates"], member_ids, r)


def _fill_duplicates(index: DuplicateIndex, doc: Any, member_ids: list[str], r: _Reader) -> None:
    """Set an empty duplicate index from its JSON part and arrays (see ``_dump_duplicates``)."""
    if not isinstance(doc, dict):
        raise ValueError("no duplicate index")
    lsh = index._lsh
    for key, value in (
        ("threshold", index.threshold),
        ("containment", index.containment),
        ("wire_containment", index.wire_containment),
        ("bands", lsh.bands),
        ("rows", lsh.rows),
    ):
        if doc[key] != value:
            raise ValueError(f"duplicate index {key} {doc[key]!r}, expected {value!r}")
    ids = member_ids + _strs(doc["extra_ids"], "extra_ids")
    entry_id = r.index("dup_entry_id", len(ids))
    names = [ids[i] for i in entry_id.tolist()]
    if len(set(names)) != len(names):
        raise ValueError("repeated duplicate index entries")
    alias = r.get("dup_alias", len(names)).tolist()
    own = sum(1 for a in alias if a == -1)
    fingerprints = r.get("dup_fingerprint", own * _FINGERPRINT).tobytes()
    wire = doc["credits"]
    if not isinstance(wire, dict):
        raise ValueError("credits: not a mapping")
    entries: list[_Entry] = []
    for i, name in enumerate(names):
        a = alias[i]
        if a != -1:
            if not 0 <= a < len(entries):
                raise ValueError(f"entry {name}: alias out of range")
            index._entries[name] = entries[a]  # the very object its group's first article holds
            continue
        o = len(entries)
        entry = _Entry(
            fingerprints[o * _FINGERPRINT : (o + 1) * _FINGERPRINT].hex(),
            frozenset(_strs(wire.get(str(o), []), "credits")),
        )
        entries.append(entry)
        index._entries[name] = entry
    for e in r.index("dup_first_of", len(names)).tolist():
        index._first_of[index._entries[names[e]].fingerprint] = names[e]

    lsh.ids = [names[e] for e in r.index("lsh_ids", len(names)).tolist()]
    keys = r.get("lsh_key")
    numbers = r.index("lsh_number", len(lsh.ids), keys.size)
    if keys.size % lsh.bands or keys.size // lsh.bands != len(lsh.ids):
        raise ValueError("LSH keys: not one per band and article")
    if keys.size and not np.all(
        (keys[1:] > keys[:-1]) | ((keys[1:] == keys[:-1]) & (numbers[1:] > numbers[:-1]))
    ):
        raise ValueError("LSH keys: not sorted")
    lsh.keys, lsh.numbers = keys.copy(), numbers.copy()  # their own arrays, not views of the whole body
