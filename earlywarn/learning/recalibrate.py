"""``earlywarn models calibrate``: give an artifact's alert scores a meaning.

Replays simulated runs (``earlywarn simulate`` directories) through an artifact as a
worker would, judges every alert with the evaluator's rules, and fits one curve per
detector and typology (:func:`~earlywarn.learning.calibration.fit_curve`). The curves
are written into a copy of the artifact under a new version, thresholds and all else
unchanged, so the copy raises the same alerts and only their scores change.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from earlywarn.learning.artifact import ARTIFACT, ONLINE, load_artifact, save_artifact
from earlywarn.learning.calibration import Curve, fit_curve

#: One entity's ``(highest raw score, right, weight)``.
Row = tuple[float, bool, float]


def alert_rows(
    alerts: Iterable[Mapping[str, Any]],
    judge: Mapping[str, frozenset[str] | None],
    weight: float = 1.0,
    skip: frozenset[str] = frozenset({"hotspot"}),
) -> dict[str, list[Row]]:
    """Per ``detector/typology``: each alerted entity's highest raw score and whether
    the alert was right (``judge``: :func:`~earlywarn.learning.thresholds.truth_judge`).

    Entities no campaign names are wrong, and weigh ``weight``; a campaign's targets and
    the scam entities of another typology are left out, as the evaluator leaves them out
    of precision; place alerts (``skip``) are not about entities.

    Examples
    --------
    >>> alerts = [
    ...     {"detector": "mule", "typology": "mule", "entity_id": "A", "score": 0.8},
    ...     {"detector": "mule", "typology": "mule", "entity_id": "A", "score": 0.9},
    ...     {"detector": "mule", "typology": "mule", "entity_id": "B", "score": 0.75},
    ...     {"detector": "mule", "typology": "mule", "entity_id": "T", "score": 0.99},
    ...     {"detector": "mule", "typology": "mule", "entity_id": "S", "score": 0.7,
    ...      "raw_score": 0.95},
    ... ]
    >>> judge = {"A": frozenset({"mule"}), "T": None, "S": frozenset({"mule"})}
    >>> alert_rows(alerts, judge, weight=2.0)
    {'mule/mule': [(0.9, True, 1.0), (0.75, False, 2.0), (0.95, True, 1.0)]}
    """
    best: dict[tuple[str, str], float] = {}
    for a in alerts:
        if a["typology"] in skip:
            continue
        key = (f"{a.get('detector', '?')}/{a['typology']}", str(a["entity_id"]))
        score = float(a.get("raw_score", a["score"]))
        best[key] = max(best.get(key, 0.0), score)
    out: dict[str, list[Row]] = defaultdict(list)
    for (det, ent), score in best.items():
        typology = det.rpartition("/")[2]
        if ent not in judge:
            out[det].append((score, False, weight))
        elif (accepted := judge[ent]) is not None and typology in accepted:
            out[det].append((score, True, 1.0))
    return dict(out)


def curves(rows: Mapping[str, list[Row]]) -> dict[str, Curve]:
    """A curve per ``detector/typology`` with enough right alerts."""
    out = {k: fit_curve(v) for k, v in sorted(rows.items())}
    return {k: c for k, c in out.items() if c is not None}


def calibration_card(art: Mapping[str, Any]) -> list[str]:
    """Model-card lines on an artifact's calibration curves (none: no lines)."""
    cal: Mapping[str, Curve] = art.get("calibration") or {}
    if not cal:
        return []
    n: Mapping[str, list[int]] = art.get("calibration_entities", {})
    lines = [
        "",
        "Calibration (`earlywarn models calibrate`): an alert's score is the share of",
        "alerts of its detector and typology at that score that were right (isotonic",
        "regression, each step shrunk by Laplace's rule); `raw_score` keeps the",
        "detector's. Thresholds apply to the raw score.",
        "",
        "| detector/typology | alerted entities | right | score range -> calibrated |",
        "|---|---|---|---|",
    ]
    for k, c in sorted(cal.items()):
        e, r = n.get(k, ["?", "?"])
        lines.append(f"| {k} | {e} | {r} | {c[0][0]}-{c[-1][0]} -> {c[0][1]}-{c[-1][1]} |")
    return lines


def add_calibrate_parser(sub: Any) -> None:
    """Mount ``models calibrate`` on the ``models`` subparsers."""
    ca = sub.add_parser("calibrate", help="fit alert-score calibration curves to an artifact")
    ca.add_argument("base", help="the artifact version to calibrate (its alerts are judged)")
    ca.add_argument("--dir", type=Path, default=Path("models"))
    ca.add_argument("--version", default=None, help="the new version (default <base>-cal)")
    ca.add_argument(
        "--from",
        dest="sources",
        type=Path,
        action="append",
        required=True,
        help="a simulated directory (events.jsonl, truth.json); repeatable",
    )
    ca.add_argument(
        "--scale-to",
        type=int,
        default=50_000,
        help="subscribers of the deployment: a run's wrong alerts weigh this over its "
        "subscribers (default: make eval's 50,000)",
    )
    ca.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="runs replayed at once, one process each (default: the CPUs)",
    )
    ca.add_argument("--allow-held-out", action="store_true", help=argparse.SUPPRESS)
    ca.set_defaults(func=_calibrate)


def judged_run(base_dir: Path, src: Path, scale_to: int) -> dict[str, list[Row]]:
    """:func:`alert_rows` of one simulated run replayed through artifact ``base_dir``."""
    from earlywarn.alerts import Pseudonymiser
    from earlywarn.learning.artifact import warm_start
    from earlywarn.learning.thresholds import truth_judge
    from earlywarn.replay import Replay
    from loadtest.truth import GroundTruth

    truth = GroundTruth.load(src / "truth.json")
    out = io.StringIO()
    replay = Replay(pseudonymiser=Pseudonymiser({}), engine=warm_start(base_dir))
    replay.run([src / "events.jsonl"], out=out, presorted=True)
    alerts = (orjson.loads(line) for line in out.getvalue().splitlines() if line)
    weight = scale_to / int(truth.meta.get("subscribers") or scale_to)
    return alert_rows(alerts, truth_judge(truth), weight)


def _calibrate(args: argparse.Namespace) -> int:
    from earlywarn.learning.cli import HELD_OUT_SEEDS, model_card
    from loadtest.truth import GroundTruth

    base_dir = args.dir / args.base
    if args.version == args.base:
        print("models calibrate: --version must differ from the base", file=sys.stderr)
        return 2
    needed = (base_dir / ARTIFACT, *(s / "truth.json" for s in args.sources))
    missing = [p for p in needed if not p.exists()]
    if missing:
        print(f"models calibrate: not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    truths = [GroundTruth.load(s / "truth.json") for s in args.sources]
    seeds = sorted({int(t.meta.get("seed", -1)) for t in truths})
    if set(seeds) & HELD_OUT_SEEDS and not args.allow_held_out:
        print(f"models calibrate: seed {seeds} is held out for evaluation", file=sys.stderr)
        return 2
    runs = [(base_dir, src, args.scale_to) for src in args.sources]
    jobs = max(1, min(args.jobs, len(runs)))
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            judged = list(pool.map(judged_run, *zip(*runs, strict=True)))
    else:
        judged = [judged_run(*run) for run in runs]
    pooled: dict[str, list[Row]] = defaultdict(list)
    for per_run in judged:  # in the order of --from, whichever finished first
        for k, rows in per_run.items():
            pooled[k] += rows
    art = load_artifact(base_dir)
    version = args.version or f"{args.base}-cal"
    art.update(
        version=version,
        calibration=curves(pooled),
        calibrated=datetime.now(UTC).isoformat(timespec="seconds"),
        calibrated_from=args.base,
        calibration_data=[
            {k: t.meta.get(k) for k in ("seed", "subscribers", "days")} | {"events": t.total_events}
            for t in truths
        ],
        calibration_entities={k: [len(v), sum(r[1] for r in v)] for k, v in sorted(pooled.items())},
    )
    path = args.dir / version
    save_artifact(path, art)
    if (base_dir / ONLINE).exists():
        shutil.copy2(base_dir / ONLINE, path / ONLINE)
    (path / "MODEL_CARD.md").write_text(model_card(art))
    print(path)
    return 0
