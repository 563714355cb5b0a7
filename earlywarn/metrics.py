"""Prometheus metrics of a worker (and of replay runs).

Labels are low-cardinality by construction: topic names, reason codes, typologies,
severities, countries. No phone number, account id or event id is ever a label.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
)  # fmt: skip
#: Detector and model scores are in [0, 1]; alerts start at a detector's threshold.
SCORE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0)


class Metrics:
    """All metrics of one process, on their own registry.

    Examples
    --------
    >>> m = Metrics()
    >>> m.events.labels(topic="telco.cdr").inc()
    >>> b"earlywarn_events_total" in m.render()
    True
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.events = Counter(
            "earlywarn_events", "Input events received, by topic.", ["topic"], registry=r
        )
        self.deadletters = Counter(
            "earlywarn_deadletters",
            "Messages sent to the dead-letter topic, by source topic and reason.",
            ["topic", "reason"],
            registry=r,
        )
        self.alerts = Counter(
            "earlywarn_alerts",
            "Operator alerts raised, by typology and severity.",
            ["typology", "severity"],
            registry=r,
        )
        self.regulator_alerts = Counter(
            "earlywarn_regulator_alerts",
            "Pseudonymised alert copies published, by jurisdiction.",
            ["jurisdiction"],
            registry=r,
        )
        self.unrouted = Counter(
            "earlywarn_regulator_unrouted",
            "Regulator copies not published because the jurisdiction has no key.",
            ["jurisdiction"],
            registry=r,
        )
        self.scoring_seconds = Histogram(
            "earlywarn_scoring_seconds",
            "Time to decode, update state and score one event.",
            ["topic"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.event_to_alert_seconds = Histogram(
            "earlywarn_event_to_alert_seconds",
            "From the triggering event's broker timestamp to the alert being handed to the "
            "producer.",
            ["typology"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.consumer_lag = Gauge(
            "earlywarn_consumer_lag_messages",
            "Messages behind the high watermark, by topic and partition.",
            ["topic", "partition"],
            registry=r,
        )
        self.fetch_wait = Gauge(
            "earlywarn_fetch_wait_seconds",
            "Longest a fetch now waits for data, where the worker tunes it (embedded broker: "
            "short once caught up, long while behind or while a partition is stuck).",
            registry=r,
        )
        self.stalled_partitions = Gauge(
            "earlywarn_stalled_partitions",
            "Partitions that lagged without moving for 2 s or more at the last check.",
            registry=r,
        )
        self.processing_errors = Counter(
            "earlywarn_processing_errors",
            "Events whose processing raised; each is dead-lettered, the worker goes on.",
            ["topic"],
            registry=r,
        )
        self.redelivered = Counter(
            "earlywarn_redelivered",
            "Messages delivered again after a crash or rebalance whose state change was "
            "already applied; skipped, so nothing is counted or alerted twice.",
            ["topic"],
            registry=r,
        )

        # -- model health: fed by the scoring core (earlywarn.scoring / learning) -------
        # Declared here so dashboards and alert rules can rely on the names; until the
        # scoring core observes them they export no samples.
        self.drift_events = Counter(
            "earlywarn_drift_events",
            "Concept-drift detections of the online models, by channel (cdr, sms, payments).",
            ["channel"],
            registry=r,
        )
        self.alert_feedback = Counter(
            "earlywarn_alert_feedback",
            "Alerted typologies of entities that a later label judged, by typology and "
            "outcome (confirmed, refuted: allow-listed, other: a scam of another kind; "
            "missed: a scam, mule or victim label on an entity not alerted by then).",
            ["typology", "outcome"],
            registry=r,
        )
        self.scores = Histogram(
            "earlywarn_score",
            "Scores of the alerts raised (0..1; calibrated where the artifact is), by typology.",
            ["typology"],
            buckets=SCORE_BUCKETS,
            registry=r,
        )
        # -- worker health: set by the worker's web pages at scrape time ----------------
        self.worker_ready = Gauge(
            "earlywarn_worker_ready",
            "1 when partitions are assigned and table recovery is done (as /readyz), else 0.",
            registry=r,
        )
        self.assigned_partitions = Gauge(
            "earlywarn_worker_assigned_partitions",
            "Input partitions assigned to this worker (changelog and leader topics excluded).",
            registry=r,
        )

        if registry is None:
            # CPU, memory and open files of this process.
            ProcessCollector(registry=r)

    def render(self) -> bytes:
        """The text exposition format."""
        return bytes(generate_latest(self.registry))
