"""The long fuzz run: the properties of tests/fuzz, round after round on fresh random examples, for hours.

    python tests/fuzz/long_run.py --hours 1.2 --out /tmp/fuzz-long

Each round runs every test file of tests/fuzz in a pytest subprocess with VEILLE_FUZZ_EXAMPLES examples
per property (random, not the suite's fixed seed); failing examples are kept in an example database under
``--out`` and the pytest output of a failing round is saved there. ``summary.json`` (rewritten after each
round) holds the executions and failures per property; ``run.log`` the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
STAT = re.compile(
    r"^(?P<test>\S+::\S+):\s*$|^\s+- during \w+ phase \((?P<seconds>[\d.]+) seconds\)"
    r"|^\s+- (?P<passing>\d+) passing, (?P<failing>\d+) failing"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--examples", type=int, default=1000, help="examples per property per round")
    parser.add_argument("--out", type=Path, default=Path("/tmp/fuzz-long"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, VEILLE_FUZZ_EXAMPLES=str(args.examples), VEILLE_FUZZ_DB=str(args.out / "db"))
    totals: dict[str, dict[str, int]] = {}
    started = time.monotonic()
    end = started + args.hours * 3600
    rounds = 0
    with (args.out / "run.log").open("a") as log:
        while time.monotonic() < end:
            rounds += 1
            for path in sorted(HERE.glob("test_fuzz_*.py")):
                command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)]
                command += ["--hypothesis-show-statistics", "-W", "ignore::DeprecationWarning"]
                result = subprocess.run(
                    command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
                )
                test = None
                for line in result.stdout.splitlines():
                    match = STAT.match(line)
                    if match and match["test"]:
                        test = match["test"].split("::")[-1]
                        row = totals.setdefault(
                            test, {"executions": 0, "failing": 0, "rounds": 0, "seconds": 0}
                        )
                        row["rounds"] += 1
                    elif match and test and match["seconds"]:
                        totals[test]["seconds"] += round(float(match["seconds"]))
                    elif match and test:
                        totals[test]["executions"] += int(match["passing"]) + int(match["failing"])
                        totals[test]["failing"] += int(match["failing"])
                if result.returncode != 0:
                    (args.out / f"failure-round{rounds}-{path.stem}.txt").write_text(
                        result.stdout + result.stderr
                    )
                elapsed = time.monotonic() - started
                log.write(f"round {rounds} {path.name} exit {result.returncode} at {elapsed:.0f} s\n")
                log.flush()
                summary = {"rounds": rounds, "seconds": round(elapsed), "examples_per_round": args.examples}
                (args.out / "summary.json").write_text(json.dumps({**summary, "tests": totals}, indent=2))
                if time.monotonic() >= end:
                    break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
