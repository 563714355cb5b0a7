"""Run the earlywarn core over a payments JSONL in event-time order and keep per-unit scores.

The same :class:`~earlywarn.pipeline.Pipeline` as ``earlywarn replay`` (built by
:class:`~earlywarn.replay.Replay`, in-process, forwards processed at once depth first),
with what is recorded per payment that the alert file alone does not give:

``alert``
    the highest score of the alerts raised while processing this payment (its debit
    side, its credit side and the linked records they forward), 0 if none;
``risk_payer``, ``risk_payee``
    the highest *raw* typology-detector score of its debit (payer) and credit (payee)
    side, alerted or not (``Engine.risk`` after each side, before thresholds and dedup);
``anomaly``
    the payments Half-Space Trees raw score of its debit side (before it learns it);
``learned``, ``learned_payee``
    the probability of ``mule`` (or another class, ``learned_class``) from the payments
    label model on its debit (payer) side and from the payee-side label model on its
    credit side, before the models' per-class gates (0 until a model has learned enough
    labels to score).

and every alert's ``(entity_type, entity_id) -> [(event_time, score), ...]``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from earlywarn.alerts.pseudonymise import Pseudonymiser
from earlywarn.contract.events import PaymentEvent
from earlywarn.learning.artifact import load_engine
from earlywarn.replay import Replay, read_lines
from earlywarn.scoring.models import PAYEE


@dataclass(slots=True)
class PaymentScores:
    """What the streaming system knew about one payment when it processed it."""

    time: float
    payer: str
    payee: str
    alert: float = 0.0
    risk_payer: float = 0.0
    risk_payee: float = 0.0
    anomaly: float = 0.0
    learned: float = 0.0
    learned_payee: float = 0.0

    @property
    def risk(self) -> float:
        """The higher raw detector score of the two sides."""
        return max(self.risk_payer, self.risk_payee)


@dataclass
class StreamRun:
    """Per-payment scores and per-entity alerts of one run."""

    payments: dict[str, PaymentScores] = field(default_factory=dict)
    alerts: dict[tuple[str, str], list[tuple[float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    alerts_by_typology: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    events: int = 0
    invalid: int = 0

    def entity_alerts(self, entity_type: str, entity_id: str) -> list[tuple[float, float]]:
        """``(event_time, score)`` of the alerts on one entity, in time order."""
        return self.alerts.get((entity_type, entity_id), [])


class _Recorder:
    """Wraps a bound ``score_learn`` (what the core calls per event) and keeps the last
    score it returned."""

    def __init__(self, inner: Callable[[Mapping[str, float]], tuple[float, Any]]) -> None:
        self.inner = inner
        self.last = 0.0

    def __call__(self, x: Mapping[str, float]) -> tuple[float, Any]:
        out = self.inner(x)
        self.last = float(out[0])
        return out


def _class_proba(
    proba: Callable[[Any], Mapping[str, float]], into: list[float], cls: str
) -> Callable[[Any], Mapping[str, float]]:
    """``proba`` that also keeps its probability of ``cls`` in ``into[0]``."""

    def wrapped(vector: Any) -> Mapping[str, float]:
        out = proba(vector)
        into[0] = float(out.get(cls, 0.0))
        return out

    return wrapped


def run_stream(
    path: Path | Sequence[Path],
    *,
    models_dir: Path | None = Path("models"),
    presorted: bool = True,
    learned_class: str = "mule",
    label_forms: Mapping[str, str] | None = None,
) -> StreamRun:
    """Process ``path`` (contract events with ``"topic"``) and score every payment.

    Parameters
    ----------
    path
        JSONL of contract events (or several, merged in event time), in event-time
        order when ``presorted``.
    models_dir
        The artifact directory ``earlywarn replay`` uses (``None``: built-in engine).
    presorted
        Stream the file instead of reading and sorting it.
    learned_class
        The label-model class whose probability is recorded as ``learned``.
    label_forms
        Label-model forms over the artifact's (:class:`~earlywarn.scoring.Engine`).
    """
    engine = load_engine(models_dir, label_forms=label_forms) if label_forms else None
    replay = Replay(pseudonymiser=Pseudonymiser({}), engine=engine, models_dir=models_dir)
    pipe, engine = replay.pipeline, replay.pipeline.engine
    recorder: _Recorder | None = None
    hst = engine.anomaly_models.get("payments")
    if hst is not None:
        recorder = _Recorder(hst.score_learn)
        setattr(hst, "score_learn", recorder)  # noqa: B010 -- instance-level wrap, on purpose
    learned: list[float] = [0.0]
    for lm in (engine.label_models.get("payments"), engine.label_models.get(PAYEE)):
        if lm is not None:
            wrapped = _class_proba(lm.proba, learned, learned_class)
            setattr(lm, "proba", wrapped)  # noqa: B010 -- instance wrap
    run = StreamRun()
    paths = [path] if isinstance(path, Path) else list(path)
    for line in read_lines(paths, presorted=presorted):
        if line.problem is not None:
            run.invalid += 1
            continue
        if recorder is not None:
            recorder.last = 0.0
        learned[0] = 0.0
        outcome = pipe.handle(line.topic, line.raw, now=line.time)
        if outcome.event is None:
            run.invalid += 1
            continue
        run.events += 1
        event = outcome.event
        scores: PaymentScores | None = None
        if isinstance(event, PaymentEvent):
            scores = PaymentScores(event.event_time, event.payer_account, event.payee_account)
            scores.risk_payer = float(getattr(engine, "risk", 0.0))
            scores.anomaly = recorder.last if recorder is not None else 0.0
            scores.learned = learned[0]
            run.payments[str(event.event_id)] = scores
        alerts = list(outcome.alerts)
        stack = list(reversed(outcome.forwards))
        while stack:
            fwd = stack.pop()
            learned[0] = 0.0
            done = pipe.handle_internal(fwd.kind, fwd.raw, now=line.time)
            if fwd.kind == "payee" and scores is not None:
                scores.risk_payee = float(getattr(engine, "risk", 0.0))
                scores.learned_payee = learned[0]
            alerts.extend(done.alerts)
            stack.extend(reversed(done.forwards))
        for alert in alerts:
            run.alerts[alert.entity_type, alert.entity_id].append((alert.event_time, alert.score))
            run.alerts_by_typology[alert.typology] += 1
            if scores is not None:
                scores.alert = max(scores.alert, alert.score)
    for values in run.alerts.values():
        values.sort()
    return run


def summary(run: StreamRun) -> dict[str, Any]:
    """Counts of a run, for the JSON result."""
    return {
        "events": run.events,
        "invalid": run.invalid,
        "payments": len(run.payments),
        "alerts_by_typology": dict(sorted(run.alerts_by_typology.items())),
        "alerted_entities": len(run.alerts),
    }
