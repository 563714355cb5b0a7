"""The online models' step of :meth:`~earlywarn.scoring.core.Core.run`, and late labels.

Per channel, the unsupervised anomaly model scores and learns every event, and the
supervised label model keeps the entity's feature vector, learns a sample of ordinary
traffic as ``none``, and looks for a learned scam class. Each raises a finding only
from its threshold in the model artifact (per class for label models); every score is
reported to :attr:`~earlywarn.scoring.core.Core.observe` first, below threshold too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from earlywarn.contract.events import CallEvent, LabelEvent, PaymentEvent, SmsEvent
from earlywarn.features import CALL_FEATURES, SMS_FEATURES, EntityState
from earlywarn.features.payments import ACCOUNT_FEATURES
from earlywarn.learning.supervised import NONE, label_class, sampled
from earlywarn.scoring.forward import Linked

if TYPE_CHECKING:
    from earlywarn.scoring.core import Core, Hit

VECTOR_FEATURES: dict[str, tuple[str, ...]] = {
    "cdr": CALL_FEATURES,
    "sms": (*SMS_FEATURES, "sender_suspect"),
    "payments": ACCOUNT_FEATURES,
}


def model_hits(
    core: Core,
    event: CallEvent | SmsEvent | PaymentEvent | Linked,
    features: Mapping[str, float],
    anomaly_features: Mapping[str, float] | None,
    *,
    channel: str,
    own: EntityState,
    entity_id: str,
    learn: bool,
    risk: float,
) -> list[Hit]:
    """The anomaly and label models' findings on one event (``risk``: the detectors'
    highest score, which feeds the drift monitor of a channel without anomaly model)."""
    found: list[Hit] = []
    model = core.anomaly_models.get(channel)
    if model is not None and anomaly_features is not None:
        raw, af = model.score_learn(anomaly_features)
        core.drift.update(channel, raw)
        if af is not None and core.observe is not None:
            core.observe(model.name, model.typology, entity_id, af.score)
        # anomalies are not scams: an anomaly finding alerts only from the artifact's
        # threshold, where one was chosen on simulator data
        if af is not None and af.score >= core.thresholds.get(model.name, 0.0):
            sev = model.severity(af.score)
            found.append((model.name, model.typology, "", af, sev, model.ttl_s, ""))
    elif channel in VECTOR_FEATURES:
        core.drift.update(channel, risk)
    lm = core.label_models.get(channel)
    if learn and lm is not None and channel in VECTOR_FEATURES:
        vector = [float(features.get(k, 0.0)) for k in VECTOR_FEATURES[channel]]
        own.sample_vector(event.event_time, vector)
        if sampled(event.event_id, 200):
            lm.learn(vector, NONE)
        probs = lm.scores(vector)
        if core.observe is not None:
            for cls, p in probs.items():
                core.observe(lm.name, cls, entity_id, p)
        hit = lm.find(vector, probs)
        if hit is not None:
            typ, sf = hit
            found.append((lm.name, typ, "", sf, "medium", lm.ttl_s, ""))
    return found


def learn_label(core: Core, ev: LabelEvent, states: Mapping[str, EntityState | None]) -> int:
    """Learn a late label from the feature vectors kept in the entity's states.

    ``states`` maps channels (``cdr``, ``sms``, ``payments``) to the labelled entity's
    state in that channel. Vectors older than ``max_age_s`` before the label are
    still used: a label is about the entity, whenever it was seen. Returns how many
    vectors were learned.
    """
    n = 0
    for channel, state in states.items():
        lm = core.label_models.get(channel)
        cls = label_class(ev.label, ev.typology, channel)
        if lm is None or state is None or cls is None:
            continue
        for v in state.vectors:
            lm.learn(v[1:], cls)
            n += 1
    return n
