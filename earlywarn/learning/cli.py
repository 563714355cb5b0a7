"""``earlywarn models list|train|promote|calibrate``: the model lifecycle from the command line.

``train`` replays seeded simulator runs (fresh, or ``--from`` directories written by
``earlywarn simulate``) with every score recorded, below threshold too, and picks each
detector's and each label-model class's threshold with scikit-learn
(:mod:`earlywarn.learning.thresholds`: ``precision_recall_curve`` over entity-level
maximum scores, the lowest threshold reaching the target precision), then writes a new
versioned artifact with a model card. Thresholds live in the artifact, never in code.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from earlywarn.learning.artifact import ARTIFACT, latest, load_artifact, promote, save_artifact
from earlywarn.learning.recalibrate import add_calibrate_parser, calibration_card

if TYPE_CHECKING:
    from earlywarn.replay import Replay
    from loadtest.truth import GroundTruth

DEFAULT_DIR = Path("models")
#: Sender ids of brands that send SMS in the region, whose imitations are suspect:
#: banks and wallets, shops, and (since v2-sim7) the couriers and operators that
#: parcel and account lures imitate too.
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
    "Tokopedia",
    "Kerry",
    "PosLaju",
    "JNE",
    "LBC",
    "GHN",
    "NinjaVan",
    "SingPost",
    "TrueMove",
    "Maxis",
    "Viettel",
)


def add_models_parser(subparsers: Any) -> None:
    """Mount ``models list|train|promote|calibrate`` on an argparse subparsers object."""
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
    tr.add_argument(
        "--from",
        dest="sources",
        type=Path,
        action="append",
        default=[],
        help="a simulated directory (events.jsonl, truth.json) to train on; repeatable",
    )
    tr.add_argument("--base", default=None, help="artifact whose thresholds the replay uses")
    tr.add_argument(
        "--scale-to",
        type=int,
        default=50_000,
        help="subscribers of the deployment the precision is for: a run's ordinary "
        "entities weigh this over its subscribers (default: make eval's 50,000)",
    )
    tr.add_argument(
        "--label-form",
        action="append",
        default=[],
        metavar="MODEL=FORM",
        help="a label model's form, e.g. payments=forest (models: cdr, sms, payments, "
        "payee; forms: linear, forest); repeatable; recorded in the artifact",
    )
    tr.add_argument("--allow-held-out", action="store_true", help=argparse.SUPPRESS)
    tr.set_defaults(func=_train)
    pr = sub.add_parser("promote", help="make a version the one workers warm-start from")
    pr.add_argument("version")
    pr.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    pr.set_defaults(func=_promote)
    add_calibrate_parser(sub)


def _list(args: argparse.Namespace) -> int:
    current = latest(args.dir)
    for path in sorted(args.dir.glob(f"*/{ARTIFACT}")):
        art = load_artifact(path.parent)
        mark = "*" if current == path.parent else " "
        forms = ", ".join(f"{k}={v}" for k, v in sorted((art.get("label_forms") or {}).items()))
        cal = art.get("calibrated_from", "?") if art.get("calibration") else ""
        print(
            f"{mark} {art.get('version')}  trained {art.get('trained', '?')}"
            + (f"  label models: {forms}" if forms else "")
            + (f"  calibrated from {cal}" if cal else "")
        )
    return 0


def _promote(args: argparse.Namespace) -> int:
    print(promote(args.dir, args.version))
    return 0


#: Simulator seeds held out for evaluation (``make eval``'s 99, and 2027): never trained on.
HELD_OUT_SEEDS = frozenset({99, 2027})


def _runs(args: argparse.Namespace) -> list[tuple[GroundTruth, Callable[[Replay], object]]]:
    """The training runs: simulated directories (``--from``) or one fresh simulation."""
    from loadtest.simulate import ScenarioConfig, build_scenario
    from loadtest.sink import jsonl_line
    from loadtest.truth import GroundTruth

    out: list[tuple[GroundTruth, Callable[[Replay], object]]] = []
    sink = io.StringIO  # alerts are not needed, only the observed scores
    for src in args.sources:
        files = [src / "events.jsonl"]

        def replay(r: Replay, f: list[Path] = files) -> object:
            return r.run(f, out=sink(), presorted=True)

        out.append((GroundTruth.load(src / "truth.json"), replay))
    if not args.sources:
        cfg = ScenarioConfig(seed=args.seed, subscribers=args.subscribers, days=args.days)
        scenario = build_scenario(cfg)
        lines = [jsonl_line(ev[3], ev[4]) for ev in scenario.events()]
        out.append((scenario.truth, lambda r: r.run_lines(lines, out=sink())))
    return out


def _train(args: argparse.Namespace) -> int:
    from earlywarn.alerts import Pseudonymiser
    from earlywarn.detectors import default_detectors
    from earlywarn.learning import thresholds as th
    from earlywarn.replay import Replay
    from earlywarn.scoring import Engine
    from earlywarn.scoring.models import label_models

    base = load_artifact(args.dir / args.base) if args.base else {}
    try:
        forms = {**base.get("label_forms", {}), **_forms(args.label_form)}
        label_names = [m.name for m in label_models(forms).values()]  # the payee side's too
    except ValueError as e:
        print(f"models train: {e}", file=sys.stderr)
        return 2
    runs = _runs(args)
    seeds = sorted({int(t.meta.get("seed", args.seed)) for t, _ in runs})
    if set(seeds) & HELD_OUT_SEEDS and not args.allow_held_out:
        print(f"models train: seed {seeds} is held out for evaluation", file=sys.stderr)
        return 2
    pooled: dict[tuple[str, str], list[th.Scored]] = defaultdict(list)
    for truth, run in runs:
        engine = Engine(
            artifact={**base, "version": "train", "known_brands": BRANDS, "label_forms": forms}
        )
        log = th.ScoreLog()
        engine.observe = log
        run(Replay(pseudonymiser=Pseudonymiser({}), engine=engine))
        weight = args.scale_to / int(truth.meta.get("subscribers") or args.scale_to)
        judge, decoys = th.truth_judge(truth), th.truth_decoys(truth)
        for key, rows in th.labelled(log, judge, weight, decoys).items():
            pooled[key] += rows
    detectors = default_detectors()
    names = {d.name for d in detectors}
    chosen = th.choose_thresholds(
        {k: v for k, v in pooled.items() if k[0] in names}, args.precision
    )
    # A detector's threshold is only ever raised above its built-in default (recall).
    thresholds = {
        d.name: max(d.threshold, chosen.get((d.name, d.typology), d.threshold)) for d in detectors
    }
    channels = ("cdr", "sms", "payments")
    supervised = th.model_thresholds(pooled, args.precision, label_names)
    # Anomaly models alert only above a score that reached the precision (else never).
    anomaly = th.model_thresholds(pooled, args.precision, [f"hst-{ch}" for ch in channels], 0.0)
    thresholds.update({m: c["anomaly"] for m, c in anomaly.items() if "anomaly" in c})
    version = args.version or datetime.now(UTC).strftime("v%Y%m%d-%H%M%S")
    art = {
        "version": version,
        "trained": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_data": [
            {k: t.meta.get(k) for k in ("seed", "subscribers", "days")} | {"events": t.total_events}
            for t, _ in runs
        ],
        "base": args.base,
        "target_precision": args.precision,
        "precision_for_subscribers": args.scale_to,
        "thresholds": thresholds,
        "typology_thresholds": {f"{d}/{t}": v for (d, t), v in sorted(chosen.items())},
        "calibration": {},
        "known_brands": list(BRANDS),
        "supervised_threshold": 0.8,
        "supervised_thresholds": supervised,
        "label_forms": forms,
        "entities_scored": {
            f"{d}/{t}": [len(v), sum(r[1] for r in v)] for (d, t), v in sorted(pooled.items())
        },
    }
    path = args.dir / version
    save_artifact(path, art)
    (path / "MODEL_CARD.md").write_text(model_card(art))
    print(path)
    return 0


def _forms(pairs: list[str]) -> dict[str, str]:
    """``--label-form`` values as ``{model: form}``.

    >>> _forms(["payments=forest", "payee=forest"])
    {'payments': 'forest', 'payee': 'forest'}
    >>> _forms(["forest"])
    Traceback (most recent call last):
    ...
    ValueError: --label-form takes MODEL=FORM, e.g. payments=forest, not 'forest'
    """
    out: dict[str, str] = {}
    for pair in pairs:
        model, sep, form = pair.partition("=")
        if not sep or not model or not form:
            raise ValueError(f"--label-form takes MODEL=FORM, e.g. payments=forest, not {pair!r}")
        out[model.strip()] = form.strip()
    return out


def model_card(art: Mapping[str, Any]) -> str:
    """A short Markdown model card of an artifact: training data and thresholds.

    Examples
    --------
    >>> print(model_card({"version": "v", "trained": "t", "training_data": [{"seed": 7}],
    ...                   "target_precision": 0.9, "thresholds": {"mule": 0.7},
    ...                   "supervised_thresholds": {"sup-cdr": {"simbox": 1.01}}}))
    ... # doctest: +ELLIPSIS
    # earlywarn model v
    ...
    | mule | 0.7 |
    | sup-cdr: simbox | off |
    """
    runs = [
        "- " + ", ".join(f"{k} {v}" for k, v in run.items()) for run in art.get("training_data", [])
    ]
    scale = art.get("precision_for_subscribers")
    lines = [
        f"# earlywarn model {art['version']}",
        "",
        f"Trained {art['trained']} on simulator runs:",
        "",
        *runs,
        "",
        "Thresholds: the lowest score at which the entity-level precision reaches "
        f"{art['target_precision']}",
        "(scikit-learn `precision_recall_curve`, midway down to the next score seen)"
        + (f", for {scale:,} subscribers" if scale else "")
        + ";",
        "above every decoy seen; a detector's never below its built-in default. An",
        "online-model class that reaches the target at no threshold is off.",
        "",
        "| detector | threshold |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in sorted(art["thresholds"].items())]
    forms = art.get("label_forms") or {}
    for model, classes in sorted(art.get("supervised_thresholds", {}).items()):
        lines += [
            f"| {model}: {c} | {'off' if v > 1.0 else v} |" for c, v in sorted(classes.items())
        ]
    if forms:
        lines += ["", "Label-model forms (others linear):", ""]
        lines += [f"- {k}: {v}" for k, v in sorted(forms.items())]
    lines += calibration_card(art)
    return "\n".join(lines) + "\n"
