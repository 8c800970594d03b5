"""Two ``veille run`` at once on one SQLite store do the work once (issue 22).

Real processes (``python -m veille run --workers 1``) started together on twelve texts of the bundled sample:
extraction and understanding are shared through claims, linking, grouping and comparing happen in one
process at a time (a store-level lock; the other waits, then finds nothing pending). Every stage's items
processed, summed over the two runs, equal one run's, and the tables equal one run's row by row.
"""

from __future__ import annotations

import shutil

from test_workers import _finish, _tables, _veille


def test_two_runs_at_once_do_each_item_once(tmp_path, sample_dir):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for path in [
        *sorted((sample_dir / "seeds").glob("*.txt")),
        *sorted((sample_dir / "rpm2").glob("T*.txt"))[::20],
    ]:
        shutil.copy(path, inputs / path.name)
    one, two = str(tmp_path / "one.db"), str(tmp_path / "two.db")
    for db in (one, two):
        _finish(_veille(db, "ingest", str(inputs)))
    single = _finish(_veille(one, "run", "--workers", "1"))
    pair = [_veille(two, "run", "--workers", "1"), _veille(two, "run", "--workers", "1")]
    runs = [_finish(p) for p in pair]
    assert single["group"]["processed"] == 12 and single["compare"]["processed"] > 0
    for stage in ("extract", "understand", "link", "group", "compare"):
        done = sum(run[stage]["processed"] for run in runs)
        assert done == single[stage]["processed"], (stage, [run[stage] for run in runs])
        assert sum(run[stage]["ok"] for run in runs) == single[stage]["ok"], stage
    a, b = _tables(one), _tables(two)
    for name in a:
        assert a[name] == b[name], f"table {name} differs between one run and two at once"
