"""``earlywarn simulate | evaluate | adapt | compare``: argparse sub-commands the main CLI mounts.

Each ``add_*_parser(subparsers)`` adds one sub-command whose ``func`` takes the parsed
namespace and returns an exit code. ``python -m loadtest.cli <command> ...`` works alone.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from earlywarn.settings import Settings, broker_to_bootstrap
from loadtest.compare_cli import add_compare_parser
from loadtest.scenarios import CAMPAIGNS
from loadtest.simulate import ScenarioConfig, build_scenario
from loadtest.sink import FileSink, KafkaSink, Pacer, Sink, drain

log = logging.getLogger("loadtest")


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="ev", unit_scale=True, mininterval=0.5, file=sys.stderr)


def run_simulate(args: argparse.Namespace) -> int:
    """Generate a scenario to files (``--out``) or Kafka (``--broker``)."""
    if args.broker is None and args.out is None and os.environ.get("EARLYWARN_BROKER"):
        args.broker = os.environ["EARLYWARN_BROKER"]
    if (args.out is None) == (args.broker is None):
        print("simulate: give exactly one of --out DIR or --broker HOST:PORT", file=sys.stderr)
        return 2
    typologies = tuple(t for t in args.typologies.split(",") if t)
    unknown = sorted(set(typologies) - set(CAMPAIGNS))
    if unknown:
        print(
            f"simulate: unknown typologies {unknown}; known: {sorted(CAMPAIGNS)}", file=sys.stderr
        )
        return 2
    config = ScenarioConfig(
        seed=args.seed,
        subscribers=args.subscribers,
        days=args.days,
        start=args.start,
        campaigns_per_typology=args.campaigns,
        typologies=typologies,
        intensity=args.intensity,
        evasion=args.evasion,
        label_rate=args.label_rate,
    )
    wall0 = time.perf_counter()
    scenario = build_scenario(config)
    sink: Sink
    if args.out is not None:
        sink = FileSink(Path(args.out), split_topics=args.split_topics)
        truth_path = Path(args.truth) if args.truth else Path(args.out) / "truth.json"
    else:
        from kafka import KafkaProducer

        pacer = (
            Pacer(args.rate, args.burst_factor, args.burst_every, args.burst_seconds)
            if args.rate > 0
            else None
        )
        bootstrap = broker_to_bootstrap(args.broker).split(",")
        security = Settings.from_env().security.kafka_python()  # EARLYWARN_SECURITY_* etc.
        producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, **security)
        sink = KafkaSink(producer, pacer)
        truth_path = Path(args.truth or "truth.json")
    bar = _progress(config.expected_events(), not args.no_progress)
    counts: dict[str, int] = {}
    try:
        n = drain(scenario.events(), sink, counts, bar.update if bar is not None else None)
    finally:
        sink.close()
        if bar is not None:
            bar.close()
    scenario.truth.event_counts = dict(sorted(counts.items()))
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    scenario.truth.save(truth_path)
    wall = time.perf_counter() - wall0
    print(f"events: {n:,} ({', '.join(f'{t}={c:,}' for t, c in sorted(counts.items()))})")
    print(
        f"subscribers: {scenario.truth.meta['subscribers']:,}; "
        f"campaigns: {len(scenario.truth.campaigns)}; decoy groups: {len(scenario.truth.decoys)}"
    )
    print(f"wall time: {wall:.1f} s; rate: {n / wall:,.0f} events/s; truth: {truth_path}")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """Score an alerts JSONL against a ground-truth file and write the report."""
    from loadtest.evaluate import evaluate, load_alerts
    from loadtest.report import summary_table, write_report
    from loadtest.truth import GroundTruth

    truth = GroundTruth.load(Path(args.truth))
    ev = evaluate(truth, load_alerts(Path(args.alerts)))
    path = write_report(ev, Path(args.out), title=f"earlywarn evaluation ({truth.source})")
    print(summary_table(ev))
    print(f"report: {path}")
    return 0


def run_adapt(args: argparse.Namespace) -> int:
    """Convert a PaySim CSV or an AMLSim folder into events JSONL and ground truth."""
    out = Path(args.out)
    if args.dataset == "paysim":
        from loadtest.adapters.paysim import adapt_paysim

        truth = adapt_paysim(
            Path(args.input), out, start=args.start, currency=args.currency, limit=args.limit
        )
    else:
        from loadtest.adapters.amlsim import adapt_amlsim

        truth = adapt_amlsim(
            Path(args.input),
            out,
            start=args.start,
            currency=args.currency,
            step_hours=args.step_hours,
            limit=args.limit,
        )
    print(
        f"{args.dataset}: {truth.total_events:,} payment events, "
        f"{len(truth.campaigns)} labelled campaigns -> {out}"
    )
    return 0


def add_simulate_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``simulate`` to ``subparsers`` (from :meth:`ArgumentParser.add_subparsers`)."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "simulate", help="generate a seeded scenario with injected scam campaigns"
    )
    p.add_argument("--out", help="directory for events.jsonl (or <topic>.jsonl) and truth.json")
    p.add_argument(
        "--broker",
        help="kafka://host:port (or host:port) instead of files; env EARLYWARN_BROKER",
    )
    p.add_argument("--truth", help="ground-truth path (default OUT/truth.json or ./truth.json)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--subscribers", type=int, default=50_000)
    p.add_argument("--days", type=float, default=3.0)
    p.add_argument("--start", default="2026-11-23T00:00:00Z", help="ISO-8601 start time")
    p.add_argument("--campaigns", type=int, default=3, help="campaigns per typology")
    p.add_argument("--typologies", default=",".join(CAMPAIGNS), help="comma-separated")
    p.add_argument("--intensity", type=float, default=1.0, help="campaign scale, 1 = typical")
    p.add_argument("--evasion", type=float, default=0.3, help="0..1, mean evasion level")
    p.add_argument("--label-rate", type=float, default=0.6, help="share of entities reported")
    p.add_argument("--split-topics", action="store_true", help="one JSONL file per topic")
    p.add_argument(
        "--rate", type=float, default=0.0, help="Kafka: events/s (0 = as fast as possible)"
    )
    p.add_argument(
        "--burst-factor", type=float, default=3.0, help="Kafka: rate multiplier in bursts"
    )
    p.add_argument("--burst-every", type=float, default=60.0, help="Kafka: seconds between bursts")
    p.add_argument("--burst-seconds", type=float, default=5.0, help="Kafka: burst length")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_simulate)
    return p


def add_evaluate_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``evaluate`` to ``subparsers``."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "evaluate", help="score alerts against ground truth; write a Markdown report"
    )
    p.add_argument("--truth", required=True, help="ground-truth JSON")
    p.add_argument("--alerts", required=True, help="alerts JSONL (earlywarn replay --out)")
    p.add_argument("--out", default="report", help="report directory")
    p.set_defaults(func=run_evaluate)
    return p


def add_adapt_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``adapt paysim|amlsim`` to ``subparsers``."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "adapt", help="convert PaySim / AMLSim data to contract events and ground truth"
    )
    p.add_argument("dataset", choices=("paysim", "amlsim"))
    p.add_argument("input", help="PaySim CSV file, or AMLSim folder with nodes/transactions.csv")
    p.add_argument("--out", required=True, help="directory for events.jsonl and truth.json")
    p.add_argument("--start", default="2026-11-01T00:00:00Z", help="time of step 1")
    p.add_argument("--currency", default="USD", help="ISO 4217 (the data sets have none)")
    p.add_argument("--step-hours", type=float, default=24.0, help="AMLSim: hours per step")
    p.add_argument("--limit", type=int, default=None, help="read only the first N rows")
    p.set_defaults(func=run_adapt)
    return p


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m loadtest.cli simulate|evaluate|adapt ...``."""
    parser = argparse.ArgumentParser(prog="loadtest")
    sub = parser.add_subparsers(dest="command", required=True)
    add_simulate_parser(sub)
    add_evaluate_parser(sub)
    add_adapt_parser(sub)
    add_compare_parser(sub)
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
