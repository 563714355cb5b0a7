"""The transport-free detection core: events in, deduplicated detections out.

:class:`Engine` holds no per-entity state of its own: the pipeline passes in each
entity's state (kept in changelog tables) and stores the one handed back. The engine
owns the stateless typology detectors, one online anomaly model and one supervised
label model per channel, a drift monitor, and the thresholds and calibration of its
model artifact, so the same events in the same order always give the same detections.

Links across entities (a SIM's device, an SMS's URL domain, a call's callee, a
payment's payer number, an alert's cell) are re-keyed onto their own states: each
``process_*`` call leaves :class:`Forward` records in :attr:`Engine.pending`, which the
pipeline publishes (stream) or processes at once (replay) with ``process_linked``.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from earlywarn.contract.alert import severity_rank
from earlywarn.contract.events import CallEvent, LabelEvent, PaymentEvent, SmsEvent
from earlywarn.detectors import Detection, Detector, Finding, brand_imitation, default_detectors
from earlywarn.features import (
    CALL_FEATURES,
    SMS_FEATURES,
    CallerState,
    CreditState,
    DebitState,
    EntityState,
    SenderState,
    account_features,
    key_id,
)
from earlywarn.features.linked import DomainState, HotspotState, ImeiState, SubscriberState
from earlywarn.features.payments import ACCOUNT_FEATURES
from earlywarn.learning import CHANNELS, ChannelAnomaly, DriftMonitor, LabelModel
from earlywarn.learning.supervised import NONE, label_class, sampled

#: At most this many event ids support one detection.
MAX_EVIDENCE = 20
#: Typologies that never feed the watchlist or hot spots (they are about places or are
#: too weak to act on).
_NO_WATCH = frozenset(("hotspot", "anomaly"))
#: Detected typologies whose contact with a subscriber puts the subscriber at risk.
CONTACT_TYPOLOGIES = frozenset(("impersonation", "smishing", "wangiri", "pig_butchering"))
#: Detected typologies of accounts that victims pay.
PAYEE_TYPOLOGIES = frozenset(("mule", "pig_butchering"))
#: Telco typologies whose number's device (IMEI) is alerted too.
DEVICE_TYPOLOGIES = frozenset(("smishing", "impersonation", "wangiri", "simbox"))
VECTOR_FEATURES: dict[str, tuple[str, ...]] = {
    "cdr": CALL_FEATURES,
    "sms": (*SMS_FEATURES, "sender_suspect"),
    "payments": ACCOUNT_FEATURES,
}
Lookup = Callable[[str], Any]


def _countries(*countries: str | None) -> tuple[str, ...]:
    return tuple(sorted({c for c in countries if c}))


@dataclass(slots=True, frozen=True)
class Forward:
    """A record to re-key onto another entity's state.

    ``kind`` names the state (``payee``, ``imei``, ``domain``, ``msisdn``, ``hotspot``,
    ``watch``); ``key`` is the entity to key it by; ``raw`` the message (the original
    payment for ``payee``, compact JSON otherwise).
    """

    kind: str
    key: str
    raw: bytes


def _fwd(kind: str, key: str, obj: Mapping[str, Any]) -> Forward:
    return Forward(kind, key, orjson.dumps({**obj, "_k": key}))


def calibrate(score: float, curve: Sequence[Sequence[float]] | None) -> float:
    """Map a raw detector score through a monotone calibration curve ``[[x, y], ...]``.

    >>> calibrate(0.8, [[0.0, 0.0], [0.7, 0.5], [0.9, 0.95]])
    0.725
    >>> calibrate(0.8, None)
    0.8
    """
    if not curve:
        return score
    xs = [p[0] for p in curve]
    i = bisect.bisect_right(xs, score)
    if i == 0:
        return float(curve[0][1])
    if i == len(curve):
        return float(curve[-1][1])
    (x0, y0), (x1, y1) = curve[i - 1], curve[i]
    return float(y0 + (y1 - y0) * (score - x0) / (x1 - x0)) if x1 > x0 else float(y1)


class Engine:
    """Feature updates, typology detectors, online models and alert dedup, per event.

    Parameters
    ----------
    detectors
        Typology detectors; each runs on the events of its ``channel``. Defaults to
        :func:`earlywarn.detectors.default_detectors`.
    anomaly
        Whether to run one :class:`~earlywarn.learning.ChannelAnomaly` per channel.
    supervised
        Whether to learn one :class:`~earlywarn.learning.LabelModel` per channel from labels.
    seed
        Seed of the anomaly models.
    dedup_window_s
        An entity gets at most one detection per typology in each window of event time
        of this length, unless the severity rises.
    artifact
        Model artifact settings (see :mod:`earlywarn.learning.artifact`): ``version``,
        per-detector ``thresholds`` and ``calibration`` curves, ``known_brands``.
    on_drift
        Called with ``(channel, mean_score)`` when the score distribution drifts.

    Examples
    --------
    >>> engine = Engine(anomaly=False)
    >>> state = None
    >>> for i in range(40):
    ...     ev = CallEvent(f"e{i}", 1_790_000_000.0 + 10 * i, "TH-AIS", "+66900000001",
    ...                    f"+2327600{i:04d}", answered=False, duration_s=0.0,
    ...                    caller_country="TH", callee_country="SL")
    ...     state, found = engine.process_call(ev, state)
    ...     if found:
    ...         print(i, found[0].typology, found[0].severity, found[0].jurisdictions)
    14 wangiri medium ('SL', 'TH')
    16 wangiri high ('SL', 'TH')
    17 wangiri critical ('SL', 'TH')
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
        on_drift: Callable[[str, float], None] | None = None,
    ) -> None:
        self.detectors: tuple[Detector, ...] = tuple(
            default_detectors() if detectors is None else detectors
        )
        self.by_name = {d.name: d for d in self.detectors}
        self.dedup_window_s = float(dedup_window_s)
        self.seed = seed
        art = dict(artifact or {})
        self.artifact_version = str(art.get("version", "builtin"))
        self.thresholds: dict[str, float] = dict(art.get("thresholds", {}))
        self.calibration: dict[str, list[list[float]]] = dict(art.get("calibration", {}))
        self.known_brands: tuple[str, ...] = tuple(art.get("known_brands", ()))
        self.supervised_threshold = float(art.get("supervised_threshold", 0.8))
        self.anomaly_models: dict[str, ChannelAnomaly] = (
            {ch: ChannelAnomaly(ch, seed=seed) for ch in CHANNELS} if anomaly else {}
        )
        self.label_models: dict[str, LabelModel] = (
            {
                ch: LabelModel(ch, VECTOR_FEATURES[ch], threshold=self.supervised_threshold)
                for ch in CHANNELS
            }
            if supervised
            else {}
        )
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

    def __repr__(self) -> str:
        return f"Engine(model_version={self.model_version})"

    def checkpoint(self, path: Any) -> None:
        """Write this engine's artifact settings and online models to directory ``path``."""
        from pathlib import Path

        from earlywarn.learning.artifact import checkpoint

        checkpoint(self, Path(path))

    @classmethod
    def from_artifact(cls, path: Any, **kwargs: Any) -> Engine:
        """Warm-start an engine from an artifact directory (:mod:`earlywarn.learning.artifact`)."""
        from pathlib import Path

        from earlywarn.learning.artifact import warm_start

        return warm_start(Path(path), **kwargs)

    def _channel(self, channel: str) -> list[Detector]:
        return [d for d in self.detectors if d.channel == channel]

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

    def _claim(
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
        if len(own.alerted) > 16:  # per-payee keys: drop the oldest windows
            for k, _ in sorted(own.alerted.items(), key=lambda kv: kv[1])[:-16]:
                del own.alerted[k]
        return ws

    def _found(
        self, d: Detector, f: Finding | None
    ) -> tuple[str, str, str, Finding, str, float, str] | None:
        if f is None:
            return None
        score = calibrate(f.score, self.calibration.get(d.name))
        if score < self.threshold(d):
            return None
        if score != f.score:
            f = Finding(score=score, reasons=f.reasons, recommended_action=f.recommended_action)
        return (d.name, d.typology, d.entity_type, f, d.severity(score), d.ttl_s, d.subject)

    def _run(
        self,
        event: CallEvent | SmsEvent | PaymentEvent | _Linked,
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
        extra: Sequence[tuple[str, str, str, Finding, str, float, str]] = (),
        skip: frozenset[str] = frozenset(),
        learn: bool = True,
    ) -> list[Detection]:
        """Detectors of the channel, its anomaly and label models, then dedup."""
        evidence = [i for s in (*others, own) for i in s.evidence_ids()]
        channel = channel or event.channel
        found = list(extra)
        risk = 0.0
        for d in self._channel(channel):
            if d.name in skip:
                continue
            f = d.score_one(features)
            if f is not None:
                risk = max(risk, f.score)
            hit = self._found(d, f)
            if hit is not None:
                found.append(hit)
        self.risk = risk
        model = self.anomaly_models.get(channel)
        if model is not None and anomaly_features is not None:
            raw = model.score_one(anomaly_features)
            af = model.find_one(anomaly_features, raw)
            model.learn_one(anomaly_features, raw)
            self.drift.update(channel, raw)
            if af is not None:
                found.append(
                    (model.name, model.typology, "", af, model.severity(af.score), model.ttl_s, "")
                )
        elif channel in VECTOR_FEATURES:
            self.drift.update(channel, risk)
        lm = self.label_models.get(channel)
        if learn and lm is not None and channel in VECTOR_FEATURES:
            vector = [float(features.get(k, 0.0)) for k in VECTOR_FEATURES[channel]]
            own.sample_vector(event.event_time, vector)
            if sampled(event.event_id, 200):
                lm.learn(vector, NONE)
            hit2 = lm.find(vector)
            if hit2 is not None:
                typ, sf = hit2
                found.append((lm.name, typ, "", sf, "medium", lm.ttl_s, ""))
        out: list[Detection] = []
        for name, typology, etype, f, severity, ttl, subject in found:
            eid, et, claim = entity_id, etype or entity_type, typology
            if subject == "payee" and isinstance(event, PaymentEvent):
                eid, et, claim = event.payee_account, "account", f"{typology}>{key_id(eid)}"
            elif subject.startswith("id:"):
                eid, claim = subject[3:], f"{typology}>{key_id(subject[3:])}"
            ws = self._claim(own, claim, event.event_time, severity, others)
            if ws is None:
                continue
            out.append(
                Detection(
                    detector=name,
                    typology=typology,
                    entity_type=et,
                    entity_id=eid,
                    score=f.score,
                    severity=severity,
                    reasons=f.reasons,
                    recommended_action=f.recommended_action,
                    event_id=_event_id(event),
                    event_time=event.event_time,
                    evidence_event_ids=tuple(evidence)[-MAX_EVIDENCE:],
                    window_start=ws,
                    ttl_s=ttl,
                    jurisdictions=jurisdictions,
                    reporter=reporter,
                    channel=event.channel,
                    model_version=self.model_version,
                )
            )
        imei = getattr(event, "caller_imei", None) or getattr(event, "sender_imei", None)
        for det in list(out):
            if imei and det.typology in DEVICE_TYPOLOGIES and det.entity_type != "imei":
                claim = f"{det.typology}>{key_id(imei)}"
                ws = self._claim(own, claim, event.event_time, det.severity)
                if ws is not None:
                    out.append(
                        Detection(
                            **{
                                **_fields(det),
                                "entity_type": "imei",
                                "entity_id": imei,
                                "detector": f"{det.detector}-device",
                                "window_start": ws,
                            }
                        )
                    )
        self._after(out, event, channel)
        return out

    def _after(self, found: list[Detection], event: Any, channel: str) -> None:
        """Feed the watchlist and the hot spots with what was just detected."""
        for d in found:
            if d.typology in _NO_WATCH:
                continue
            self.pending.append(
                _fwd(
                    "watch",
                    f"w:{key_id(d.entity_id)}",
                    {"s": d.score, "y": d.typology, "x": d.event_time + d.ttl_s},
                )
            )
            places = []
            cell = getattr(event, "cell_id", None)
            if cell:
                places.append(f"cell:{cell}")
            if len(d.jurisdictions) == 2:
                places.append("route:" + ">".join(d.jurisdictions))
            for place in places:
                self.pending.append(
                    _fwd(
                        "hotspot",
                        place,
                        {
                            "t": d.event_time,
                            "n": d.entity_id,
                            "y": d.typology,
                            "e": d.event_id,
                            "j": list(d.jurisdictions),
                            "o": d.reporter,
                        },
                    )
                )

    def _intel(
        self, entity: str, t: float
    ) -> tuple[str, str, str, Finding, str, float, str] | None:
        """A finding when shared intel names ``entity`` and has not expired."""
        hit = self.lookup(f"i:{key_id(entity)}")
        if not hit and self.pseudonym is not None:
            hit = self.lookup(f"p:{self.pseudonym(entity)}")
        if not hit or float(hit.get("x", 0.0)) < t:
            return None
        conf = float(hit.get("s", 0.0))
        if conf < 0.5:
            return None
        from earlywarn.contract.alert import Explanation

        typ = str(hit.get("y") or "intel")
        reason = Explanation(
            feature="shared_intel",
            value=round(conf, 4),
            threshold_or_baseline=0.5,
            detail=f"reported by {hit.get('c', '?')} as {typ} with confidence {conf:.2f}",
        )
        f = Finding(score=conf, reasons=(reason,), recommended_action="warn_customer")
        sev = "high" if conf >= 0.85 else "medium"
        return ("intel", typ, "", f, sev, 24 * 3600.0, "")

    def watch_risk(self, digest: int, t: float, typologies: frozenset[str] | None = None) -> float:
        """Current risk of an entity by its digest: local detections and shared intel.

        Local detections count only for ``typologies`` (all when ``None``); shared
        intel always counts.
        """
        best = 0.0
        for prefix in ("w", "i"):
            hit = self.lookup(f"{prefix}:{digest}")
            if not hit or float(hit.get("x", 0.0)) < t:
                continue
            if prefix == "w" and typologies is not None and hit.get("y") not in typologies:
                continue
            best = max(best, float(hit.get("s", 0.0)))
        return best

    # -- input channels -------------------------------------------------------
    def process_call(
        self, ev: CallEvent, state: CallerState | None
    ) -> tuple[CallerState, list[Detection]]:
        """Update the caller's state with one call and return new detections."""
        state = state if state is not None else CallerState()
        first_contact = key_id(ev.callee) not in state.known
        state.update(ev)
        features = state.features()
        intel = self._intel(ev.caller, ev.event_time)
        jur = _countries(ev.caller_country, ev.callee_country)
        found = self._run(
            ev,
            features,
            own=state,
            entity_id=ev.caller,
            entity_type="msisdn",
            jurisdictions=jur,
            reporter=ev.operator,
            anomaly_features=features,
            extra=(intel,) if intel else (),
        )
        base = {
            "t": ev.event_time,
            "e": ev.event_id,
            "o": ev.operator,
            "j": list(jur),
        }
        if ev.caller_imei:
            self.pending.append(_fwd("imei", ev.caller_imei, {**base, "m": ev.caller}))
            if state.imei_changed == ev.event_time:
                self.pending.append(
                    _fwd("msisdn", ev.caller, {**base, "k": "device", "i": ev.caller_imei})
                )
        if first_contact and ev.answered:
            self.pending.append(
                _fwd("msisdn", ev.callee, {**base, "k": "contact", "p": ev.caller, "x": 0.0})
            )
        return state, found

    def process_sms(
        self, ev: SmsEvent, state: SenderState | None
    ) -> tuple[SenderState, list[Detection]]:
        """Update the sender's state with one message and return new detections."""
        state = state if state is not None else SenderState()
        state.update(ev)
        features = state.features()
        features["sender_suspect"] = (
            brand_imitation(ev.sender, self.known_brands) if ev.sender_is_alphanumeric else 1.0
        )
        intel = self._intel(ev.sender, ev.event_time)
        jur = _countries(ev.sender_country, ev.recipient_country)
        found = self._run(
            ev,
            features,
            own=state,
            entity_id=ev.sender,
            entity_type="sender_id" if ev.sender_is_alphanumeric else "msisdn",
            jurisdictions=jur,
            reporter=ev.operator,
            anomaly_features=features,
            extra=(intel,) if intel else (),
        )
        base = {
            "t": ev.event_time,
            "e": ev.event_id,
            "o": ev.operator,
            "j": list(jur),
        }
        if ev.url_domain:
            suspect = any(d.typology == "smishing" for d in found)
            self.pending.append(
                _fwd(
                    "domain",
                    ev.url_domain,
                    {**base, "s": ev.sender, "r": ev.recipient, "x": suspect},
                )
            )
        if ev.has_url:
            self.pending.append(
                _fwd("msisdn", ev.recipient, {**base, "k": "contact", "p": ev.sender, "x": 0.0})
            )
        if ev.sender_imei:
            self.pending.append(_fwd("imei", ev.sender_imei, {**base, "m": ev.sender}))
        return state, found

    def process_debit(
        self, ev: PaymentEvent, debit: DebitState | None, credit: CreditState | None
    ) -> tuple[DebitState, list[Detection]]:
        """Payer side: update the payer's debit state (``credit`` is only read).

        The payments anomaly model scores and learns here only, on debit-side features,
        so its sequence is the payer topic's order. A payment to a payee already flagged
        (mule, scam deposit account) raises ``victim_in_progress`` on the payer here.
        """
        debit = debit if debit is not None else DebitState()
        debit.update(ev)
        features = account_features(debit, credit)
        extra = []
        for entity in (ev.payer_account, ev.payee_account):
            intel = self._intel(entity, ev.event_time)
            if intel and entity == ev.payer_account:
                extra.append(intel)
        payee_risk = self.watch_risk(key_id(ev.payee_account), ev.event_time, PAYEE_TYPOLOGIES)
        mule = self.by_name.get("mule")
        if mule is not None and features["new_payee"]:
            payer_risk = self.watch_risk(key_id(ev.payer_account), ev.event_time, _MULE)
            if payer_risk >= 0.85:
                extra.append(_layer_finding(mule, payer_risk))
        vip = self.by_name.get("victim-in-progress")
        if vip is not None and payee_risk > 0:
            hit = self._found(
                vip, vip.score_one({"payee_risk": payee_risk, "new_payee": features["new_payee"]})
            )
            if hit is not None:
                extra.append(hit)
        jur = _countries(ev.payer_country, ev.payee_country)
        found = self._run(
            ev,
            features,
            own=debit,
            others=(credit,) if credit is not None else (),
            entity_id=ev.payer_account,
            entity_type="account",
            jurisdictions=jur,
            reporter=ev.institution,
            anomaly_features=debit.features(),
            extra=extra,
        )
        pig = [d for d in found if d.typology == "pig_butchering"]
        if pig and vip is not None:  # the payer of an escalating deposit run is a victim
            f = Finding(pig[0].score, pig[0].reasons, "hold_payment")
            found += self._run_extra(ev, debit, vip, f, ev.payer_account, jur, ev.institution)
        if ev.payer_msisdn:
            self.pending.append(
                _fwd(
                    "msisdn",
                    ev.payer_msisdn,
                    {
                        "k": "pay",
                        "t": ev.event_time,
                        "e": ev.event_id,
                        "o": ev.institution,
                        "j": list(jur),
                        "a": ev.payer_account,
                        "b": ev.payee_account,
                        "n": features["new_payee"],
                        "r": features["amount_vs_max_prior"],
                    },
                )
            )
        return debit, found

    def _run_extra(
        self,
        ev: PaymentEvent,
        own: EntityState,
        d: Detector,
        f: Finding,
        entity: str,
        jur: tuple[str, ...],
        reporter: str,
    ) -> list[Detection]:
        ws = self._claim(own, f"{d.typology}>{key_id(entity)}", ev.event_time, d.severity(f.score))
        if ws is None:
            return []
        det = Detection(
            detector=d.name,
            typology=d.typology,
            entity_type="account",
            entity_id=entity,
            score=f.score,
            severity=d.severity(f.score),
            reasons=f.reasons,
            recommended_action=f.recommended_action,
            event_id=ev.event_id,
            event_time=ev.event_time,
            evidence_event_ids=tuple(own.evidence_ids()),
            window_start=ws,
            ttl_s=d.ttl_s,
            jurisdictions=jur,
            reporter=reporter,
            channel=ev.channel,
            model_version=self.model_version,
        )
        return [det]

    def process_credit(
        self, ev: PaymentEvent, credit: CreditState | None, debit: DebitState | None
    ) -> tuple[CreditState, list[Detection]]:
        """Payee side: update the payee's credit state (``debit`` is only read)."""
        credit = credit if credit is not None else CreditState()
        credit.update(ev)
        found = self._run(
            ev,
            account_features(debit, credit),
            own=credit,
            others=(debit,) if debit is not None else (),
            entity_id=ev.payee_account,
            entity_type="account",
            jurisdictions=_countries(ev.payer_country, ev.payee_country),
            reporter=ev.institution,
            channel="payments",
            skip=frozenset(("pig-butchering",)),
            learn=False,
        )
        return credit, found

    # -- re-keyed (linked) states ------------------------------------------------
    def process_linked(
        self, kind: str, key: str, payload: Mapping[str, Any], state: EntityState | None
    ) -> tuple[EntityState, list[Detection]]:
        """Update the ``kind`` state of ``key`` with one forwarded record.

        Kinds: ``imei`` (SIMs per device), ``domain`` (URL domains), ``msisdn`` (the
        subscriber as a potential victim: contacts, device changes, payments) and
        ``hotspot`` (alerts per cell or country pair).
        """
        ev = _Linked(str(payload.get("e", "")), float(payload["t"]), kind, payload.get("c"))
        jur = tuple(payload.get("j", ()))
        reporter = str(payload.get("o", ""))
        if kind == "imei":
            imei = state if isinstance(state, ImeiState) else ImeiState()
            msisdn = str(payload["m"])
            imei.update(ev.event_time, msisdn, ev.event_id)
            feats = imei.features()
            found = self._run(
                ev,
                feats,
                own=imei,
                entity_id=key,
                entity_type="imei",
                jurisdictions=jur,
                reporter=reporter,
                learn=False,
            )
            hit = any(d.typology == "simbox" for d in found) or (
                bool(imei.flagged) and self._device_hit(feats)
            )
            if hit and imei.flag(msisdn) and True:
                d0 = self.by_name["simbox-device"]
                f = d0.score_one(feats)
                if f is not None:
                    found += self._run(
                        ev,
                        {},
                        own=imei,
                        entity_id=key,
                        entity_type="msisdn",
                        jurisdictions=jur,
                        reporter=reporter,
                        learn=False,
                        channel="-",
                        extra=[
                            (
                                d0.name,
                                d0.typology,
                                "msisdn",
                                f,
                                d0.severity(f.score),
                                d0.ttl_s,
                                f"id:{msisdn}",
                            )
                        ],
                    )
            return imei, found
        if kind == "domain":
            dom = state if isinstance(state, DomainState) else DomainState()
            dom.update(
                ev.event_time,
                str(payload["s"]),
                str(payload["r"]),
                ev.event_id,
                bool(payload.get("x")),
            )
            found = self._run(
                ev,
                dom.features(),
                own=dom,
                entity_id=key,
                entity_type="url_domain",
                jurisdictions=jur,
                reporter=reporter,
                learn=False,
            )
            return dom, found
        if kind == "hotspot":
            hot = state if isinstance(state, HotspotState) else HotspotState()
            hot.update(ev.event_time, str(payload["n"]), str(payload["y"]))
            etype = "cell" if key.startswith("cell:") else "country_pair"
            found = self._run(
                ev,
                hot.features(),
                own=hot,
                entity_id=key.split(":", 1)[1],
                entity_type=etype,
                jurisdictions=jur,
                reporter=reporter,
                learn=False,
                channel="hotspot",
            )
            return hot, found
        if kind == "msisdn":
            sub = state if isinstance(state, SubscriberState) else SubscriberState()
            return sub, self._subscriber(sub, ev, payload, jur, reporter)
        raise ValueError(f"unknown linked kind {kind!r}")

    def _device_hit(self, feats: Mapping[str, float]) -> bool:
        d = self.by_name.get("simbox-device")
        return d is not None and self._found(d, d.score_one(feats)) is not None

    def _subscriber(
        self,
        sub: SubscriberState,
        ev: _Linked,
        payload: Mapping[str, Any],
        jur: tuple[str, ...],
        reporter: str,
    ) -> list[Detection]:
        k, t = payload.get("k"), ev.event_time
        if k == "contact":
            sub.contact(t, str(payload["p"]), float(payload.get("x", 0.0)))
            return []
        if k == "device":
            sub.device(t, str(payload["i"]))
            return []
        new_payee = sub.new_payee(str(payload["b"])) and bool(payload.get("n"))
        risk, when = 0.0, 0.0
        for c_t, digest, score in sub.recent_contacts(t, 3 * 3600.0):
            r = max(score, self.watch_risk(int(digest), t, CONTACT_TYPOLOGIES))
            if r > risk:
                risk, when = r, c_t
        feats = {
            "contact_risk": risk,
            "contact_age_s": t - when if risk > 0 else 86400.0,
            "new_payee": 1.0 if new_payee else 0.0,
            "amount_vs_max_prior": float(payload.get("r", 0.0)),
            "device_change_s": t - sub.device_change[0] if sub.device_change else -1.0,
        }
        account = str(payload["a"])
        found = self._run(
            ev,
            feats,
            own=sub,
            entity_id=account,
            entity_type="account",
            jurisdictions=jur,
            reporter=reporter,
            learn=False,
            channel="subscriber",
        )
        if sub.device_change and any(d.typology == "sim_swap" for d in found):
            swap = next(d for d in found if d.typology == "sim_swap")
            imei = sub.device_change[1]
            ws = self._claim(sub, f"sim_swap>{key_id(imei)}", t, swap.severity)
            if ws is not None:
                found.append(
                    Detection(
                        **{
                            **_fields(swap),
                            "entity_type": "imei",
                            "entity_id": imei,
                            "detector": "sim-swap-device",
                            "window_start": ws,
                        }
                    )
                )
        return found

    # -- labels ------------------------------------------------------------------
    def learn_label(self, ev: LabelEvent, states: Mapping[str, EntityState | None]) -> int:
        """Learn a late label from the feature vectors kept in the entity's states.

        ``states`` maps channels (``cdr``, ``sms``, ``payments``) to the labelled entity's
        state in that channel. Vectors older than ``max_age_s`` before the label are
        still used: a label is about the entity, whenever it was seen. Returns how many
        vectors were learned.
        """
        n = 0
        for channel, state in states.items():
            lm = self.label_models.get(channel)
            cls = label_class(ev.label, ev.typology, channel)
            if lm is None or state is None or cls is None:
                continue
            for v in state.vectors:
                lm.learn(v[1:], cls)
                n += 1
        return n


@dataclass(slots=True, frozen=True)
class _Linked:
    """The event-like record a linked state is processed with."""

    event_id: str
    event_time: float
    channel: str
    cell_id: str | None = None


_MULE = frozenset(("mule",))


def _layer_finding(mule: Detector, risk: float) -> tuple[str, str, str, Finding, str, float, str]:
    """A mule finding on the payee of an account already flagged as a mule."""
    from earlywarn.contract.alert import Explanation

    reason = Explanation(
        feature="payer_mule_risk",
        value=round(risk, 4),
        threshold_or_baseline=0.85,
        detail=f"received money from an account flagged as a mule (score {risk:.2f})",
    )
    f = Finding(score=risk * 0.95, reasons=(reason,), recommended_action="hold_payment")
    return ("mule-layer", "mule", "account", f, mule.severity(f.score), mule.ttl_s, "payee")


def _event_id(event: Any) -> str:
    return str(event.event_id)


def _fields(d: Detection) -> dict[str, Any]:
    return {f: getattr(d, f) for f in Detection.__dataclass_fields__}
