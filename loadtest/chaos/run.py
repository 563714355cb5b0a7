"""``python -m loadtest.chaos.run`` (``make chaos``): every fault scenario at full size,
the hostile-input fuzz and the state floods; prints the figures table and writes
``loadtest/results/chaos-<date>.json``.

Examples
--------
``python -m loadtest.chaos.run --events 20000 --only kill9_worker,broker_freeze``
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from loadtest.chaos import scenarios
from loadtest.chaos.abuse import FLOODS, flood
from loadtest.chaos.harness import REPO, Figures
from loadtest.chaos.hostile import fuzz_decode

COLUMNS = (
    ("scenario", "scenario"),
    ("events_in", "events in"),
    ("events_scored", "scored (>=)"),
    ("committed", "all committed"),
    ("alerts_expected", "alerts expected"),
    ("alerts_seen", "seen (dedup)"),
    ("missing", "missing"),
    ("unexpected", "not in replay"),
    ("entities_expected", "entities expected"),
    ("entities_missing", "entities missing"),
    ("raw_records", "raw records"),
    ("raw_duplicates", "raw dups"),
    ("recovery_s", "recovery s"),
    ("seconds", "run s"),
)


def table(rows: list[Figures]) -> str:
    """The figures as a Markdown table."""
    head = "| " + " | ".join(title for _, title in COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in COLUMNS) + "|"
    lines = [head, rule]
    for row in rows:
        values = row.as_dict()
        cells = []
        for key, _ in COLUMNS:
            value = values[key]
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value) or "-"
            cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m loadtest.chaos.run", description=__doc__)
    p.add_argument("--events", type=int, default=200_000, help="input size of each scenario")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--freeze", type=float, default=30.0, help="broker SIGSTOP seconds")
    p.add_argument("--only", default="", help="comma-separated scenario names")
    p.add_argument("--fuzz", type=int, default=5_000, help="fuzz inputs per topic (0: skip)")
    p.add_argument("--flood", type=int, default=100_000, help="events of the caller flood")
    p.add_argument("--workdir", type=Path, default=None)
    p.add_argument("--keep", action="store_true", help="keep each scenario's logs and data")
    p.add_argument("--out", type=Path, default=REPO / "loadtest" / "results")
    args = p.parse_args(argv)

    names = [n for n in args.only.split(",") if n] or list(scenarios.SCENARIOS)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="earlywarn-chaos-"))
    rows: list[Figures] = []
    given = sys.argv[1:] if argv is None else argv
    report: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "command": " ".join(["python -m loadtest.chaos.run", *given]),
        "events": args.events,
        "seed": args.seed,
        "scenarios": {},
    }
    for name in names:
        kwargs: dict[str, Any] = {"seed": args.seed}
        if name in ("broker_freeze", "backpressure"):
            kwargs["freeze_s"] = args.freeze
        print(f"== {name}: {args.events} events", flush=True)
        started = time.monotonic()
        try:
            result = scenarios.SCENARIOS[name](workdir / name, args.events, **kwargs)
        except Exception as exc:  # one failed scenario must not hide the others' figures
            print(f"   FAILED after {time.monotonic() - started:.0f}s: {exc!r}", flush=True)
            report["scenarios"][name] = {"error": repr(exc)[:2000]}
            continue
        rows.append(result.figures)
        report["scenarios"][name] = result.figures.as_dict()
        print(table([result.figures]).splitlines()[-1], flush=True)
        print("   notes: " + orjson.dumps(result.figures.notes).decode()[:800], flush=True)
        if not args.keep:
            scenarios.remove(workdir / name)
    if args.fuzz:
        fz = fuzz_decode(args.fuzz, seed=args.seed)
        report["fuzz"] = fz.__dict__
        print(f"== fuzz: {fz.inputs} inputs tried in {fz.seconds:.0f}s, {fz.accepted} accepted, "
              f"rejected by reason {fz.rejected_by_reason}", flush=True)  # fmt: skip
    if args.flood:
        floods: dict[str, Any] = {}
        for name in FLOODS:
            n = args.flood if name == "caller" else max(1, args.flood // 4)
            fl = flood(name, n)
            floods[name] = {"events": n, "seconds": round(fl.seconds, 1), "largest": fl.samples}
            print(f"== flood {name}: {n} events, largest state bytes at the end "
                  f"{fl.largest()} (at 10%: {fl.largest(0)})", flush=True)  # fmt: skip
        report["floods"] = floods
    print()
    print(table(rows))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"chaos-{report['date']}.json"
    path.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    print(f"\nwritten {path}")
    return 0 if all("error" not in v for v in report["scenarios"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
