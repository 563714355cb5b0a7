"""The engine's shared machinery: models, thresholds, dedup and the detector run.

:class:`Core` owns the stateless typology detectors, one online anomaly model and one
supervised label model per channel, a drift monitor, and the thresholds and
calibration of its model artifact. :meth:`Core.run` scores one event's features with a
channel's detectors and models and deduplicates what they find against the entity's
state (:mod:`~earlywarn.scoring.detections`). The per-channel steps live beside it
(:mod:`~earlywarn.scoring.telco`, :mod:`~earlywarn.scoring.payments`,
:mod:`~earlywarn.scoring.linked`); :class:`~earlywarn.scoring.engine.Engine` puts them
together.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from earlywarn.contract.alert import severity_rank
from earlywarn.contract.events import CallEvent, LabelEvent, PaymentEvent, SmsEvent
from earlywarn.detectors import Detection, Detector, Finding, default_detectors
from earlywarn.features import EntityState
from earlywarn.learning import CHANNELS, ChannelAnomaly, DriftMonitor, LabelModel
from earlywarn.learning.calibration import calibrate
from earlywarn.learning.thresholds import OFF
from earlywarn.scoring.detections import to_detections
from earlywarn.scoring.forward import Forward, Linked
from earlywarn.scoring.models import SCORE_ONLY, label_models, learn_label, model_hits
from earlywarn.scoring.watch import after

Lookup = Callable[[str], Any]
#: One finding before dedup: detector name, typology, entity type (``""``: the
#: event's), finding, severity, ttl (s) and subject (``""``, ``payee`` or ``id:<id>``).
Hit = tuple[str, str, str, Finding, str, float, str]


def countries(*codes: str | None) -> tuple[str, ...]:
    """The distinct known countries, sorted.

    >>> countries("TH", None, "MY", "TH")
    ('MY', 'TH')
    """
    return tuple(sorted({c for c in codes if c}))


class Core:
    """Detectors, models, thresholds and dedup shared by every channel's step.

    Parameters
    ----------
    detectors
        Typology detectors; each runs on the events of its ``channel``. Defaults to
        :func:`earlywarn.detectors.default_detectors`.
    anomaly
        Whether to run one :class:`~earlywarn.learning.ChannelAnomaly` per channel.
    supervised
        Whether to learn :class:`~earlywarn.learning.LabelModel` s from labels: one per
        channel, and one for the payee side of payments.
    seed
        Seed of the anomaly models.
    dedup_window_s
        An entity gets at most one detection per typology in each window of event time
        of this length, unless the severity rises.
    artifact
        Model artifact settings (see :mod:`earlywarn.learning.artifact`): ``version``,
        per-detector ``thresholds``, ``calibration`` curves (per ``detector/typology``),
        ``known_brands``, and ``label_forms``: per label model (``cdr``, ``sms``,
        ``payments``, ``payee``), its form (see :data:`~earlywarn.learning.supervised.FORMS`;
        default ``linear``).
    label_forms
        Label-model forms that override the artifact's ``label_forms``.
    on_drift
        Called with ``(channel, mean_score)`` when the score distribution drifts.
    """

    def __init__(
        self,
        *,
        detectors: Sequence[Detector] | None = None,
        anomaly: bool = True,
        supervised: bool = True,
        seed: int = 7,
        dedup_window_s: float = 3600.0,
        artifact: Mapping[str, Any] | None = None,
        label_forms: Mapping[str, str] | None = None,
        on_drift: Callable[[str, float], None] | None = None,
    ) -> None:
        self.detectors: tuple[Detector, ...] = tuple(
            default_detectors() if detectors is None else detectors
        )
        self.by_name = {d.name: d for d in self.detectors}
        self._by_channel: dict[str, tuple[Detector, ...]] = {}
        self.dedup_window_s = float(dedup_window_s)
        self.seed = seed
        art = dict(artifact or {})
        self.artifact_version = str(art.get("version", "builtin"))
        self.thresholds: dict[str, float] = dict(art.get("thresholds", {}))
        self.calibration: dict[str, list[list[float]]] = dict(art.get("calibration", {}))
        self.known_brands: tuple[str, ...] = tuple(art.get("known_brands", ()))
        self.supervised_threshold = float(art.get("supervised_threshold", 0.8))
        #: Per label model (``sup-<channel>``), per class: the artifact's thresholds.
        self.supervised_thresholds: dict[str, dict[str, float]] = {
            k: dict(v) for k, v in art.get("supervised_thresholds", {}).items()
        }
        self.anomaly_models: dict[str, ChannelAnomaly] = (
            {ch: ChannelAnomaly(ch, seed=seed) for ch in CHANNELS} if anomaly else {}
        )
        self.label_forms: dict[str, str] = {
            **art.get("label_forms", {}),
            **(label_forms or {}),
        }
        self.label_models: dict[str, LabelModel] = {}
        if supervised:
            self.set_label_models(label_models(self.label_forms))
        #: Called with ``(detector, typology, entity_id, score)`` for every finding and
        #: label-model class probability, below threshold too (``earlywarn models train``).
        self.observe: Callable[[str, str, str, float], None] | None = None
        self.drift = DriftMonitor(on_drift=on_drift)
        self.lookup: Lookup = lambda key: None
        #: Maps a raw identifier to its pseudonym under the shared intel key, if any.
        self.pseudonym: Callable[[str], str] | None = None
        self.risk = 0.0
        self.pending: list[Forward] = []
        self.model_version: dict[str, str] = {d.name: d.version for d in self.detectors}
        self.model_version.update({m.name: m.version for m in self.anomaly_models.values()})
        self.model_version.update({m.name: m.version for m in self.label_models.values()})
        self.model_version["artifact"] = self.artifact_version

    def set_label_models(self, models: Mapping[str, LabelModel]) -> None:
        """Use ``models`` (fresh or from a checkpoint) with this artifact's thresholds.

        A model of :data:`~earlywarn.scoring.models.SCORE_ONLY` the artifact chose no
        thresholds for learns and scores (see :attr:`observe`) but raises nothing.
        """
        chosen = self.supervised_thresholds
        for m in models.values():
            off = m.name in SCORE_ONLY and m.name not in chosen
            m.threshold = OFF if off else self.supervised_threshold
            m.thresholds = dict(chosen.get(m.name, {}))
        self.label_models = dict(models)

    def __repr__(self) -> str:
        return f"Engine(model_version={self.model_version})"

    def _channel(self, channel: str) -> Sequence[Detector]:
        found = self._by_channel.get(channel)
        if found is None:
            found = self._by_channel[channel] = tuple(
                d for d in self.detectors if d.channel == channel
            )
        return found

    def take_forwards(self) -> list[Forward]:
        """The forwards left by the last ``process_*`` calls (and forget them)."""
        out, self.pending = self.pending, []
        return out

    def window_start(self, event_time: float) -> float:
        """Start of the dedup window ``event_time`` falls in."""
        return math.floor(event_time / self.dedup_window_s) * self.dedup_window_s

    def threshold(self, d: Detector) -> float:
        """The detector's threshold: the artifact's when it has one."""
        return float(self.thresholds.get(d.name, d.threshold))

    def claim(
        self,
        own: EntityState,
        typology: str,
        event_time: float,
        severity: str,
        others: Sequence[EntityState] = (),
    ) -> float | None:
        """Record an alert in ``own.alerted``; ``None`` if one already covers it."""
        ws = self.window_start(event_time)
        rank = severity_rank(severity)
        for state in (own, *others):
            prev = state.alerted.get(typology)
            if prev is not None and (prev[0] > ws or (prev[0] == ws and prev[1] >= rank)):
                return None
        own.alerted[typology] = (ws, rank)
        if len(own.alerted) > 16:  # per-payee keys: drop the oldest windows (ties: by key,
            # so a live state and one decoded from its sorted JSON drop the same ones)
            for k, _ in sorted(own.alerted.items(), key=lambda kv: (kv[1], kv[0]))[:-16]:
                del own.alerted[k]
        return ws

    def found(self, d: Detector, f: Finding | None, entity_id: str = "") -> Hit | None:
        """``f`` as a hit if it reaches ``d``'s threshold (on the detector's own score)."""
        if f is None:
            return None
        if self.observe is not None and entity_id:
            self.observe(d.name, d.typology, entity_id, f.score)
        if f.score < self.threshold(d):
            return None
        return (d.name, d.typology, d.entity_type, f, d.severity(f.score), d.ttl_s, d.subject)

    def confidence(self, detector: str, typology: str, score: float) -> float | None:
        """``score`` through the artifact's curve for ``detector/typology``, if it has one
        (:mod:`~earlywarn.learning.calibration`; the alert publishes it as its score)."""
        curve = self.calibration.get(f"{detector}/{typology}")
        return calibrate(score, curve) if curve else None

    def run(
        self,
        event: CallEvent | SmsEvent | PaymentEvent | Linked,
        features: Mapping[str, float],
        *,
        own: EntityState,
        others: Sequence[EntityState] = (),
        entity_id: str,
        entity_type: str,
        jurisdictions: tuple[str, ...],
        reporter: str,
        anomaly_features: Mapping[str, float] | None = None,
        channel: str | None = None,
        extra: Sequence[Hit] = (),
        skip: frozenset[str] = frozenset(),
        learn: bool = True,
        label_model: str | None = None,
    ) -> list[Detection]:
        """Detectors of the channel, its anomaly and label models, then dedup
        (``label_model``: key of the label model, default the channel's)."""
        channel = channel or event.channel
        found = list(extra)
        risk = 0.0
        for d in self._channel(channel):
            if d.name in skip:
                continue
            f = d.score_one(features)
            if f is None:
                continue
            risk = max(risk, f.score)
            about = entity_id
            if d.subject == "payee" and isinstance(event, PaymentEvent):
                about = event.payee_account
            hit = self.found(d, f, about)
            if hit is not None:
                found.append(hit)
        self.risk = risk
        found += model_hits(
            self,
            event,
            features,
            anomaly_features,
            channel=channel,
            own=own,
            entity_id=entity_id,
            learn=learn,
            risk=risk,
            label_model=label_model,
        )
        out = to_detections(
            self,
            event,
            found,
            own=own,
            others=others,
            entity_id=entity_id,
            entity_type=entity_type,
            jurisdictions=jurisdictions,
            reporter=reporter,
        )
        after(self, out, event, channel)
        return out

    def run_hit(
        self,
        event: CallEvent | SmsEvent | PaymentEvent | Linked,
        hit: Hit,
        *,
        own: EntityState,
        jurisdictions: tuple[str, ...],
        reporter: str,
    ) -> list[Detection]:
        """Raise one finding about another entity (``hit``'s subject is ``id:<entity>``),
        deduplicated in ``own``: a device's SIMs, a domain's senders, a mule's victims."""
        return self.run(
            event,
            {},
            own=own,
            entity_id=hit[6].removeprefix("id:"),
            entity_type=hit[2],
            jurisdictions=jurisdictions,
            reporter=reporter,
            learn=False,
            channel="-",
            extra=[hit],
        )

    def learn_label(self, ev: LabelEvent, states: Mapping[str, EntityState | None]) -> int:
        """Learn a late label (:func:`~earlywarn.scoring.models.learn_label`)."""
        return learn_label(self, ev, states)
