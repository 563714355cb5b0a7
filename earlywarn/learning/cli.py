"""``earlywarn models list|train|promote``: the model lifecycle from the command line.

``train`` simulates a seeded scenario, replays it with every detector's threshold
lowered so sub-threshold scores are seen, and picks each typology's threshold with
scikit-learn (``precision_recall_curve`` over entity-level maximum scores: the lowest
threshold reaching the target precision), then writes a new versioned artifact with a
model card. Thresholds live in the artifact, never in code.
"""

from __future__ import annotations

import argparse
import io
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from earlywarn.learning.artifact import ARTIFACT, latest, load_artifact, promote, save_artifact

DEFAULT_DIR = Path("models")
BRANDS = (
    "KBank",
    "SCB",
    "Maybank",
    "CIMB",
    "BCA",
    "BRImo",
    "BDO",
    "BPI",
    "GCash",
    "DBS",
    "OCBC",
    "Vietcombank",
    "Techcombank",
    "MoMo",
    "GoPay",
    "Shopee",
    "Lazada",
    "Grab",
)


def add_models_parser(subparsers: Any) -> None:
    """Mount ``models list|train|promote`` on an argparse subparsers object."""
    p = subparsers.add_parser("models", help="list, train and promote model artifacts")
    sub = p.add_subparsers(dest="models_cmd", required=True)
    ls = sub.add_parser("list", help="list artifacts (* = promoted)")
    ls.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    ls.set_defaults(func=_list)
    tr = sub.add_parser("train", help="choose thresholds on a simulated scenario")
    tr.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    tr.add_argument("--version", default=None)
    tr.add_argument("--seed", type=int, default=7)
    tr.add_argument("--subscribers", type=int, default=5000)
    tr.add_argument("--days", type=float, default=1.0)
    tr.add_argument("--precision", type=float, default=0.9)
    tr.set_defaults(func=_train)
    pr = sub.add_parser("promote", help="make a version the one workers warm-start from")
    pr.add_argument("version")
    pr.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    pr.set_defaults(func=_promote)


def _list(args: argparse.Namespace) -> int:
    current = latest(args.dir)
    for path in sorted(args.dir.glob(f"*/{ARTIFACT}")):
        art = load_artifact(path.parent)
        mark = "*" if current == path.parent else " "
        print(f"{mark} {art.get('version')}  trained {art.get('trained', '?')}")
    return 0


def _promote(args: argparse.Namespace) -> int:
    print(promote(args.dir, args.version))
    return 0


def choose_thresholds(
    scores: dict[str, list[tuple[float, bool]]], precision: float
) -> dict[str, float]:
    """Per typology, the lowest score threshold whose precision reaches ``precision``.

    ``scores`` maps a typology to ``(max score, is positive)`` per alerted entity.

    Examples
    --------
    >>> choose_thresholds({"x": [(0.9, True), (0.8, True), (0.75, False), (0.6, False)]}, 0.9)
    {'x': 0.8}
    """
    from sklearn.metrics import precision_recall_curve

    out: dict[str, float] = {}
    for typ, pairs in sorted(scores.items()):
        y = [int(p) for _, p in pairs]
        if not any(y) or all(y):
            continue
        prec, _, thr = precision_recall_curve(y, [s for s, _ in pairs])
        ok = [float(t) for p, t in zip(prec[:-1], thr, strict=True) if p >= precision]
        if ok:
            out[typ] = round(min(ok), 4)
    return out


def _train(args: argparse.Namespace) -> int:
    from earlywarn.alerts import Pseudonymiser
    from earlywarn.detectors import default_detectors
    from earlywarn.replay import Replay
    from earlywarn.scoring import Engine
    from loadtest.evaluate import evaluate  # noqa: F401  (same truth semantics)
    from loadtest.simulate import ScenarioConfig, build_scenario

    cfg = ScenarioConfig(seed=args.seed, subscribers=args.subscribers, days=args.days)
    scenario = build_scenario(cfg)
    truth = scenario.truth
    import orjson

    from loadtest.sink import jsonl_line

    lines = [jsonl_line(ev[3], ev[4]) for ev in scenario.events()]
    low = {d.name: 0.4 for d in default_detectors()}
    engine = Engine(artifact={"version": "train", "thresholds": low, "known_brands": BRANDS})
    out = io.StringIO()
    Replay(pseudonymiser=Pseudonymiser({}), engine=engine).run_lines(lines, out=out)
    positive: dict[str, str] = {}
    for c in truth.campaigns:
        for e in c.entities:
            if e.role in ("scammer", "mule", "victim"):
                for ent in (e.entity_id, *(a[1] for a in e.aliases)):
                    positive[ent] = c.typology
    best: dict[tuple[str, str], float] = defaultdict(float)
    for line in out.getvalue().splitlines():
        a = orjson.loads(line)
        key = (a["typology"], a["entity_id"])
        best[key] = max(best[key], float(a["score"]))
    scores: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for (typ, ent), s in best.items():
        scores[typ].append((s, ent in positive))
    by_typ = choose_thresholds(scores, args.precision)
    thresholds = {
        d.name: max(d.threshold, by_typ.get(d.typology, d.threshold)) for d in default_detectors()
    }
    version = args.version or datetime.now(UTC).strftime("v%Y%m%d-%H%M%S")
    art = {
        "version": version,
        "trained": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_data": {
            "simulator_seed": args.seed,
            "subscribers": args.subscribers,
            "days": args.days,
        },
        "target_precision": args.precision,
        "thresholds": thresholds,
        "typology_thresholds": by_typ,
        "calibration": {},
        "known_brands": list(BRANDS),
        "supervised_threshold": 0.8,
        "entities_scored": {t: len(v) for t, v in scores.items()},
    }
    path = args.dir / version
    save_artifact(path, art)
    card = [
        f"# earlywarn model {version}",
        "",
        f"Trained {art['trained']} on the simulator (seed {args.seed}, "
        f"{args.subscribers} subscribers, {args.days} days).",
        "",
        "| detector | threshold |",
        "|---|---|",
    ]
    card += [f"| {k} | {v} |" for k, v in sorted(thresholds.items())]
    (path / "MODEL_CARD.md").write_text("\n".join(card) + "\n")
    print(path)
    return 0
