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
from earlywarn.features.victims import PUSH_RAILS
from earlywarn.learning.supervised import NONE, LabelModel, label_class, sampled
from earlywarn.scoring.forward import Linked

if TYPE_CHECKING:
    from earlywarn.scoring.core import Core, Hit

VECTOR_FEATURES: dict[str, tuple[str, ...]] = {
    "cdr": CALL_FEATURES,
    "sms": (*SMS_FEATURES, "sender_suspect"),
    "payments": ACCOUNT_FEATURES,
}
#: Appended to the payments vector kept and learned: the hour of day of the payment (UTC;
#: a deployment's traffic has its own daily rhythm, which a forest learns in any time
#: zone). Only the ``forest`` form reads it: one logistic curve over the hour cannot rise
#: at night and fall by day, so a linear model is built over :data:`VECTOR_FEATURES`
#: alone.
HOUR_OF_DAY = "hour_of_day"
#: The label model of an account's payee side: the same payments vector, its own model.
#: A mule shows in what it collects as much as in what it sends on, but the two sides'
#: vectors differ; one model learning both flagged ordinary accounts on either side
#: (tuning seed 11 at 50k: mule precision 0.986 -> 0.869).
PAYEE = "payee"
#: Label models that raise nothing until an artifact trained with them chose their
#: thresholds on simulator data (``earlywarn models train``): the payee side's is newer
#: than the promoted artifact.
SCORE_ONLY: frozenset[str] = frozenset({f"sup-{PAYEE}"})

#: Label-model classes that raise something only on a payment by these rails. A victim in
#: progress is talked into a push payment to a person or wallet: on a card payment or a
#: cash withdrawal the class warned no victim on tuning seeds 11-16 with ordinary crypto
#: buyers, and raised 15 false alerts. Nor is a crypto on-ramp deposit a victim's by
#: itself: ordinary people buy crypto, and a model that learned pig-butchering victims'
#: deposits took their first deposits for victims' (tuning seeds 11 and 12: 15 and 26
#: false victim alerts). Deposits are judged by their growth and by who groomed the
#: depositor (:mod:`earlywarn.scoring.grooming`).
CLASS_RAILS: dict[str, frozenset[str]] = {
    "victim_in_progress": PUSH_RAILS - {"crypto_onramp"},
}


def label_models(forms: Mapping[str, str] | None = None) -> dict[str, LabelModel]:
    """Fresh label models: one per channel, and the payments payee side's.

    ``forms``: per model key (a channel or :data:`PAYEE`), its form (default ``linear``).

    >>> ms = label_models({PAYEE: "forest"})
    >>> ms["payments"].form, ms[PAYEE].form, ms[PAYEE].features[-1]
    ('linear', 'forest', 'hour_of_day')
    >>> label_models({"fax": "forest"})
    Traceback (most recent call last):
    ...
    ValueError: label-model forms for unknown models: fax (cdr, sms, payments, payee)
    """
    forms = dict(forms or {})
    keys = (*VECTOR_FEATURES, PAYEE)
    unknown = sorted(set(forms) - set(keys))
    if unknown:
        raise ValueError(
            f"label-model forms for unknown models: {', '.join(unknown)} ({', '.join(keys)})"
        )
    models: dict[str, LabelModel] = {}
    for key in keys:
        channel, form = ("payments" if key == PAYEE else key), forms.get(key, "linear")
        features = VECTOR_FEATURES[channel]
        if channel == "payments" and form != "linear":
            features = (*features, HOUR_OF_DAY)
        name = f"sup-{PAYEE}" if key == PAYEE else None
        models[key] = LabelModel(channel, features, name=name, form=form)
    return models


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
    label_model: str | None = None,
) -> list[Hit]:
    """The anomaly and label models' findings on one event (``risk``: the detectors'
    highest score, which feeds the drift monitor of a channel without anomaly model;
    ``label_model``: the key of the label model to use, default the channel's)."""
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
    elif model is None and channel in VECTOR_FEATURES:
        core.drift.update(channel, risk)
    lm = core.label_models.get(label_model or channel)
    if learn and lm is not None and channel in VECTOR_FEATURES:
        vector = [float(features.get(k, 0.0)) for k in VECTOR_FEATURES[channel]]
        if channel == "payments":
            vector.append(float(int(event.event_time // 3600.0) % 24))
        own.sample_vector(event.event_time, vector)
        # positive-unlabelled: ordinary traffic stands in for "none", known scams don't
        if sampled(event.event_id, 200) and not own.confirmed:
            lm.learn(vector, NONE)
        rail = event.rail if isinstance(event, PaymentEvent) else ""
        probs = {
            c: 0.0 if c in CLASS_RAILS and rail not in CLASS_RAILS[c] else p
            for c, p in lm.scores(vector).items()
        }
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

    ``states`` maps label models (``cdr``, ``sms``, ``payments``, :data:`PAYEE`) to the
    labelled entity's state they learn from (for :data:`PAYEE`, its credit state). Every
    kept vector is learned, however old: a label is about the entity, whenever it was
    seen. A state a scam (or victim) label confirms is marked
    :attr:`~earlywarn.features.EntityState.confirmed`, so its later vectors are not
    learned as ordinary traffic (the caller saves it). Returns how many vectors were
    learned.
    """
    n = 0
    for key, state in states.items():
        lm = core.label_models.get(key)
        cls = label_class(ev.label, ev.typology, "payments" if key == PAYEE else key)
        if key == PAYEE and ev.label == "victim":
            cls = None  # a victim shows in what it paid, not in what it was paid
        if state is not None and cls is not None and cls != NONE:
            state.confirmed = True
        if lm is None or state is None or cls is None:
            continue
        for v in state.vectors:
            lm.learn(v[1:], cls)
            n += 1
    return n
