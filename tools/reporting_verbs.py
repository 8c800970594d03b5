"""Print the Verb∋Net rows of veille/understand/data/reporting_verbs.tsv (the French reporting verbs).

    pip install verbenet==1.0.0      # Verb∋Net (CC BY-SA 4.0); a tool dependency, not a veille one
    python tools/reporting_verbs.py > rows.tsv

A member of a Verb∋Net class is a reporting verb when the class (or the class it inherits from) is a class
of saying by its own codes: its LVF code (Dubois & Dubois-Charlier) is first in class C, communication; or
its Lexicon-Grammar table is 9 (N0 V Qu P à N2, the verbs of saying); or it is conjecture-29.5 (opinion
verbs, N0 V Qu Pind). The class must also have a frame with a clause complement (que P, si P, comment P,
V-inf) and a human subject (its table does not say "N0 =: Nnr": "Cela indique que …" has no speaker).

The frame column: "que" for a verb whose reporting classes are all conjecture-29.5 (it reports a finite
clause; its infinitive is an intention: "prévoit de partir"); "any" when no Verb∋Net class of the verb is
outside the classes of saying and one of its frames has the message as object (NP V NP.Topic: "a annoncé
la fermeture …"); else "clause". The hand-made supplement rows of the data file are not printed here.
"""

from __future__ import annotations

import re
from typing import Any

import verbenet

CLAUSE = {"P", "PIND", "PSUBJ", "VINF"}  # a clause complement: que P, si P, comment P, (de) V-inf


def says(ladl: str | None, lvf: str | None, class_id: str) -> bool:
    """True when the class is a class of saying by its LVF code, its Lexicon-Grammar table or its id."""
    codes = [c.strip() for c in re.split(r"\bou\b", lvf or "")]
    tables = [t.strip() for t in re.split(r"\bou\b", ladl or "")]
    return (
        codes[0].startswith("C")  # LVF class C (communication) first
        or any(re.match(r"9(\[|$)", t) for t in tables)  # Lexicon-Grammar table 9: N0 V Qu P à N2
        or class_id.startswith("conjecture-29.5")  # opinion verbs N0 V Qu Pind (croire, estimer, juger)
    )


def reporting_rows() -> list[tuple[str, str, str]]:
    """Return (lemma, frame, classes) for every Verb∋Net reporting verb, sorted by lemma."""
    reporting: dict[str, set[str]] = {}
    other: set[str] = set()
    messages: set[str] = set()

    def visit(cls: dict[str, Any], ladl: str | None, lvf: str | None, frames: list[dict[str, Any]]) -> None:
        ladl, lvf, frames = cls["ladl"] or ladl, cls["lvf"] or lvf, frames + cls["frames"]
        clause = any(s["element"] in CLAUSE for f in frames for s in f["syntax"])
        message = any(
            s["element"] == "NP" and s["role"] == "Topic" and k > 0
            for f in frames
            for k, s in enumerate(f["syntax"])
        )
        for member in cls["members"]:
            lemma = (member if isinstance(member, str) else member["name"]).split()[0]
            if not says(ladl, lvf, cls["id"]):
                other.add(lemma)  # another sense (lancer: throw-17.1, give-13.1)
            elif clause and "N0 =: Nnr" not in (ladl or ""):
                reporting.setdefault(lemma, set()).add(cls["id"])
                if message:
                    messages.add(lemma)
        for sub in cls.get("subclasses", []):
            visit(sub, ladl, lvf, frames)

    for top in verbenet.load():
        visit(top, None, None, [])
    rows = []
    for lemma in sorted(reporting):
        if all(c.startswith("conjecture-29.5") for c in reporting[lemma]):
            frame = "que"
        else:
            frame = "any" if lemma in messages and lemma not in other else "clause"
        rows.append((lemma, frame, " ".join(sorted(reporting[lemma]))))
    return rows


if __name__ == "__main__":
    for row in reporting_rows():
        print("\t".join(row))
