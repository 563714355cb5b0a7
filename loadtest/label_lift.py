"""Label lift: the same scenario replayed with and without its ``earlywarn.labels`` events.

Both runs use :class:`~earlywarn.replay.Replay` (what ``earlywarn replay`` runs) and are
scored by :func:`loadtest.evaluate.evaluate`. The with-labels run also reports what the
labels did inside the engine: vectors learned per channel, positives per label model
against its ``min_positives``, and alerts raised by the label models (``sup-*``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from earlywarn.alerts.pseudonymise import Pseudonymiser
from earlywarn.contract.events import LabelEvent
from earlywarn.replay import Replay
from loadtest.evaluate import Evaluation, evaluate, load_alerts
from loadtest.truth import GroundTruth

LABELS_TOPIC = "earlywarn.labels"


def without_labels(src: Path, dst: Path, named: set[str] | None = None) -> int:
    """Copy ``src`` to ``dst`` leaving out the label events; returns how many were left out.

    The ``entity_id`` of every label left out is added to ``named``, if given.
    """
    dropped = 0
    with src.open("rb") as fin, dst.open("wb") as fout:
        for line in fin:
            obj = orjson.loads(line) if line.strip() else {}
            if obj.get("topic") == LABELS_TOPIC:
                dropped += 1
                if named is not None:
                    named.add(str(obj.get("entity_id")))
                continue
            fout.write(line)
    return dropped


def unnamed_truth(truth: GroundTruth, named: set[str]) -> GroundTruth:
    """A copy of ``truth`` without the campaign entities a label named (recall on the rest)."""
    out = GroundTruth.from_dict(truth.to_dict())
    for camp in out.campaigns:
        camp.entities = [e for e in camp.entities if e.entity_id not in named]
    return out


@dataclass
class LabelUse:
    """What the label events did inside the engine of one run."""

    labels: Counter[str] = field(default_factory=Counter)
    labels_with_vectors: Counter[str] = field(default_factory=Counter)
    vectors_learned: int = 0
    model_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    min_positives: dict[str, int] = field(default_factory=dict)
    supervised_alerts: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": dict(self.labels),
            "labels_with_vectors": dict(self.labels_with_vectors),
            "vectors_learned": self.vectors_learned,
            "model_counts": self.model_counts,
            "min_positives": self.min_positives,
            "supervised_alerts": dict(self.supervised_alerts),
        }


def replay(
    events: Path, alerts_out: Path, *, models_dir: Path | None, use: LabelUse | None = None
) -> None:
    """Replay ``events`` (presorted) into ``alerts_out``; fill ``use`` from the engine."""
    r = Replay(pseudonymiser=Pseudonymiser({}), models_dir=models_dir)
    engine = r.pipeline.engine
    if use is not None:
        inner: Callable[[LabelEvent, Mapping[str, Any]], int] = engine.learn_label

        def learn(ev: LabelEvent, states: Mapping[str, Any]) -> int:
            n = inner(ev, states)
            key = f"{ev.entity_type}:{ev.label}"
            use.labels[key] += 1
            use.labels_with_vectors[key] += n > 0
            use.vectors_learned += n
            return n

        setattr(engine, "learn_label", learn)  # noqa: B010 -- count, then delegate
    with alerts_out.open("w") as out:
        r.run([events], out=out, presorted=True)
    if use is not None:
        for ch, lm in engine.label_models.items():
            use.model_counts[ch] = dict(lm.counts)
            use.min_positives[ch] = lm.min_positives
        for alert in load_alert_dicts(alerts_out):
            feats = {str(x.get("feature", "")) for x in alert.get("reasons", [])}
            for f in feats:
                if f.startswith("sup-"):
                    use.supervised_alerts[f"{f}/{alert['typology']}"] += 1


def load_alert_dicts(path: Path) -> list[dict[str, Any]]:
    """Alerts of a JSONL file as dicts."""
    with path.open("rb") as f:
        return [orjson.loads(line) for line in f if line.strip()]


@dataclass
class LabelLift:
    """Both evaluations and what the labels did."""

    with_labels: Evaluation
    without_labels: Evaluation
    use: LabelUse
    dropped: int
    #: The same two runs against the truth without the entities a label named.
    unnamed_with: Evaluation | None = None
    unnamed_without: Evaluation | None = None

    def rows(self) -> list[dict[str, Any]]:
        """Per evaluation typology: recall and precision with, without and the difference."""
        out = []
        for name, w in self.with_labels.rows.items():
            o = self.without_labels.rows[name]
            if not (w.positives or w.alerts or o.alerts):
                continue
            uw = self.unnamed_with.rows[name].recall if self.unnamed_with else None
            uo = self.unnamed_without.rows[name].recall if self.unnamed_without else None
            out.append(
                {
                    "row": name,
                    "positives": w.positives,
                    "recall_with": w.recall,
                    "recall_without": o.recall,
                    "recall_diff": _diff(w.recall, o.recall),
                    "precision_with": w.precision,
                    "precision_without": o.precision,
                    "precision_diff": _diff(w.precision, o.precision),
                    "alerts_with": w.alerts,
                    "alerts_without": o.alerts,
                    "recall_unnamed_with": uw,
                    "recall_unnamed_without": uo,
                    "recall_unnamed_diff": _diff(uw, uo),
                }
            )
        return out

    def table(self) -> str:
        head = (
            "| typology | positives | recall with | without | Δ | precision with | without | Δ "
            "| alerts with | without | recall, entities no label named: with | without | Δ |"
            "\n|" + "---|" * 13
        )
        lines = [head]
        for r in self.rows():
            lines.append(
                f"| {r['row']} | {r['positives']} | {_f(r['recall_with'])} "
                f"| {_f(r['recall_without'])} | {_f(r['recall_diff'], True)} "
                f"| {_f(r['precision_with'])} | {_f(r['precision_without'])} "
                f"| {_f(r['precision_diff'], True)} | {r['alerts_with']} | {r['alerts_without']} "
                f"| {_f(r['recall_unnamed_with'])} | {_f(r['recall_unnamed_without'])} "
                f"| {_f(r['recall_unnamed_diff'], True)} |"
            )
        return "\n".join(lines)


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _f(v: float | None, signed: bool = False) -> str:
    if v is None:
        return "n/a"
    return f"{v:+.3f}" if signed else f"{v:.3f}"


def label_lift(
    events: Path, truth: Path, work: Path, *, models_dir: Path | None = Path("models")
) -> LabelLift:
    """Replay ``events`` with and without labels into ``work`` and evaluate both."""
    work.mkdir(parents=True, exist_ok=True)
    stripped = work / "events-nolabels.jsonl"
    named: set[str] = set()
    dropped = without_labels(events, stripped, named)
    gt = GroundTruth.load(truth)
    use = LabelUse()
    replay(events, work / "alerts-with-labels.jsonl", models_dir=models_dir, use=use)
    replay(stripped, work / "alerts-without-labels.jsonl", models_dir=models_dir)
    with_alerts = load_alerts(work / "alerts-with-labels.jsonl")
    without_alerts = load_alerts(work / "alerts-without-labels.jsonl")
    rest = unnamed_truth(gt, named)
    return LabelLift(
        evaluate(gt, with_alerts),
        evaluate(gt, without_alerts),
        use,
        dropped,
        evaluate(rest, with_alerts),
        evaluate(rest, without_alerts),
    )
