"""``earlywarn compare paysim|amlsim|labels``: the sub-command :mod:`loadtest.cli` mounts.

``paysim`` and ``amlsim`` run :func:`loadtest.compare.run_comparison` (streaming earlywarn
against a batch baseline on the same test split); ``labels`` runs
:func:`loadtest.label_lift.label_lift` on a simulated scenario (or a given one).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from loadtest.simulate import ScenarioConfig, build_scenario
from loadtest.sink import FileSink, drain


def run_compare(args: argparse.Namespace) -> int:
    """Streaming vs batch on PaySim/AMLSim, or the label lift on a simulated scenario."""
    out = Path(args.out)
    models = None if str(args.models).lower() == "none" else Path(args.models)
    command = f"earlywarn compare {args.what} --out {args.out}" + (
        f" --limit {args.limit}" if args.limit else ""
    )
    if args.what == "labels":
        command += (
            f" --events {args.events}"
            if args.events
            else f" --seed {args.seed} --subscribers {args.subscribers} --days {args.days:g}"
            f" --evasion {args.evasion:g} --label-rate {args.label_rate:g}"
        )
        return _run_label_lift(args, out, models, command)
    from loadtest.compare import data_root, run_comparison

    folder = data_root() / ("paysim_sample" if args.what == "paysim" else "amlsim_fanin")
    if not folder.is_dir():
        print(f"compare: {folder} is absent (set EARLYWARN_DATA_DIR)", file=sys.stderr)
        return 2
    results = None if args.no_results else Path(args.results)
    cmp, path = run_comparison(
        args.what, out, models_dir=models, limit=args.limit, results=results, command=command
    )
    print(cmp.table())
    if path is not None:
        print(f"results: {path}")
    return 0


def _run_label_lift(args: argparse.Namespace, out: Path, models: Path | None, command: str) -> int:
    from loadtest.label_lift import label_lift

    if args.events is None:
        config = ScenarioConfig(
            seed=args.seed,
            subscribers=args.subscribers,
            days=args.days,
            evasion=args.evasion,
            label_rate=args.label_rate,
        )
        scenario = build_scenario(config)
        sink = FileSink(out / "sim")
        counts: dict[str, int] = {}
        drain(scenario.events(), sink, counts)
        sink.close()
        scenario.truth.event_counts = counts
        scenario.truth.save(out / "sim" / "truth.json")
        events, truth = out / "sim" / "events.jsonl", out / "sim" / "truth.json"
    else:
        events = Path(args.events)
        truth = Path(args.truth) if args.truth else events.parent / "truth.json"
    lift = label_lift(events, truth, out, models_dir=models)
    print(f"label events left out of the second run: {lift.dropped}")
    print(lift.table())
    print("what the labels did: " + orjson.dumps(lift.use.to_dict()).decode())
    setup = (
        {"events": str(events)}
        if args.events
        else {k: getattr(args, k) for k in ("seed", "subscribers", "days", "evasion", "label_rate")}
    )
    doc = {
        "dataset": "labels",
        "scenario": setup,
        "rows": lift.rows(),
        "use": lift.use.to_dict(),
        "dropped": lift.dropped,
    }
    (out / "label-lift.json").write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
    print(f"written: {out / 'label-lift.json'}")
    if not args.no_results:
        from loadtest.compare import write_result

        print(f"results: {write_result('labels', doc, Path(args.results), command)}")
    return 0


def add_compare_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``compare paysim|amlsim|labels`` to ``subparsers``."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "compare",
        help="streaming earlywarn vs a batch baseline (paysim, amlsim), or label lift (labels)",
    )
    p.add_argument("what", choices=("paysim", "amlsim", "labels"))
    p.add_argument("--out", default="var/compare/run", help="working directory")
    p.add_argument("--models", default="models", help="artifact directory ('none': built-in)")
    p.add_argument("--limit", type=int, default=None, help="paysim/amlsim: first N rows only")
    p.add_argument("--results", default=str(Path(__file__).parent / "results"))
    p.add_argument("--no-results", action="store_true", help="don't write the results JSON")
    p.add_argument("--events", default=None, help="labels: scenario events.jsonl (else simulate)")
    p.add_argument("--truth", default=None, help="labels: truth.json (default next to events)")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--subscribers", type=int, default=3000)
    p.add_argument("--days", type=float, default=2.0)
    p.add_argument("--evasion", type=float, default=0.7)
    p.add_argument("--label-rate", type=float, default=0.6)
    p.set_defaults(func=run_compare)
    return p
