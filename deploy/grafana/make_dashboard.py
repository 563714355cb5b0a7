"""Write dashboards/earlywarn.json (run: python deploy/grafana/make_dashboard.py).

The dashboard is generated so that every panel follows the same conventions; edit this
file, regenerate, and commit both.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DS = {"type": "prometheus", "uid": "${datasource}"}
RATE = "$__rate_interval"
_next_id = iter(range(1, 1000))


def target(expr: str, legend: str, ref: str = "A") -> dict[str, Any]:
    return {"datasource": DS, "expr": expr, "legendFormat": legend, "refId": ref}


def panel(
    title: str,
    targets: list[dict[str, Any]],
    *,
    x: int,
    y: int,
    w: int = 12,
    h: int = 8,
    kind: str = "timeseries",
    unit: str = "short",
    description: str = "",
    stack: bool = False,
) -> dict[str, Any]:
    refs = "ABCDEFGH"
    for i, t in enumerate(targets):
        t["refId"] = refs[i]
    custom: dict[str, Any] = {}
    if kind == "timeseries":
        custom = {"drawStyle": "line", "fillOpacity": 10 if not stack else 40, "lineWidth": 1}
        if stack:
            custom["stacking"] = {"mode": "normal", "group": "A"}
    return {
        "id": next(_next_id),
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit, "custom": custom}, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "right", "showLegend": True}}
        if kind == "timeseries"
        else {},
    }


def row(title: str, y: int) -> dict[str, Any]:
    return {
        "id": next(_next_id),
        "type": "row",
        "title": title,
        "collapsed": False,
        "gridPos": {"x": 0, "y": y, "w": 24, "h": 1},
        "panels": [],
    }


def build() -> dict[str, Any]:
    q = 'job=~"$job"'
    panels: list[dict[str, Any]] = [
        row("Throughput and lag", 0),
        panel(
            "Events in, per topic",
            [target(f"sum by (topic) (rate(earlywarn_events_total{{{q}}}[{RATE}]))", "{{topic}}")],
            x=0, y=1, unit="ops",
            description="Input events received per second, by topic (earlywarn_events_total).",
        ),
        panel(
            "Consumer lag, per topic",
            [target(f"sum by (topic) (earlywarn_consumer_lag_messages{{{q}}})", "{{topic}}")],
            x=12, y=1,
            description="Messages behind the high watermark (earlywarn_consumer_lag_messages), "
            "summed over partitions. Alert: EarlywarnConsumerLagGrowing.",
        ),
        row("Latency", 9),
        panel(
            "Event-to-alert latency quantiles",
            [
                target(
                    f"histogram_quantile({p}, sum by (le) "
                    f"(rate(earlywarn_event_to_alert_seconds_bucket{{{q}}}[{RATE}])))",
                    f"p{int(float(p) * 100)}",
                )
                for p in ("0.5", "0.95", "0.99")
            ],
            x=0, y=10, w=9, unit="s",
            description="From the triggering event's broker timestamp to the alert handed to "
            "the producer. SLO: 99 % within 5 s.",
        ),
        panel(
            "Alerts within the 5 s SLO (1 h)",
            [target("1 - earlywarn:event_to_alert_slow_ratio:rate1h", "within SLO")],
            x=9, y=10, w=5, kind="stat", unit="percentunit",
            description="Recording rule from deploy/prometheus/rules.yml; target 99 %.",
        ),
        panel(
            "Scoring time p99, per topic",
            [
                target(
                    f"histogram_quantile(0.99, sum by (le, topic) "
                    f"(rate(earlywarn_scoring_seconds_bucket{{{q}}}[{RATE}])))",
                    "{{topic}}",
                )
            ],
            x=14, y=10, w=10, unit="s",
        ),
        row("Alerts", 18),
        panel(
            "Alerts by typology and severity",
            [
                target(
                    f'sum by (typology, severity) (rate(earlywarn_alerts_total{{{q}, '
                    f'typology=~"$typology"}}[{RATE}]))',
                    "{{typology}} / {{severity}}",
                )
            ],
            x=0, y=19, unit="ops", stack=True,
            description="Operator alerts per second. A surge is a campaign or a broken detector "
            "(EarlywarnAlertRateSurge); silence of a busy typology is EarlywarnAlertsStopped.",
        ),
        panel(
            "Regulator copies by jurisdiction, and unrouted",
            [
                target(
                    f"sum by (jurisdiction) (rate(earlywarn_regulator_alerts_total{{{q}}}[{RATE}]))",
                    "{{jurisdiction}}",
                ),
                target(
                    f"sum by (jurisdiction) (rate(earlywarn_regulator_unrouted_total{{{q}}}[{RATE}]))",
                    "unrouted {{jurisdiction}}",
                ),
            ],
            x=12, y=19, unit="ops",
        ),
        row("Dead letters and errors", 27),
        panel(
            "Dead letters by reason",
            [
                target(
                    f"sum by (topic, reason) (rate(earlywarn_deadletters_total{{{q}}}[{RATE}]))",
                    "{{topic}} {{reason}}",
                )
            ],
            x=0, y=28, unit="ops", stack=True,
        ),
        panel(
            "Dead-letter share and processing errors",
            [
                target(
                    f"sum by (topic) (rate(earlywarn_deadletters_total{{{q}}}[{RATE}])) / "
                    f"sum by (topic) (rate(earlywarn_events_total{{{q}}}[{RATE}]))",
                    "dead-lettered {{topic}}",
                ),
                target(
                    f"sum by (topic) (rate(earlywarn_processing_errors_total{{{q}}}[{RATE}])) / "
                    f"sum by (topic) (rate(earlywarn_events_total{{{q}}}[{RATE}]))",
                    "errors {{topic}}",
                ),
            ],
            x=12, y=28, unit="percentunit",
        ),
        row("Models", 36),
        panel(
            "Model drift detections (per hour), per channel",
            [
                target(
                    f"sum by (channel) (increase(earlywarn_drift_events_total{{{q}}}[1h]))",
                    "{{channel}}",
                )
            ],
            x=0, y=37, w=8,
            description="Fed by the scoring core's drift detectors (earlywarn_drift_events_total). "
            "Empty until the scoring core reports drift.",
        ),
        panel(
            "Score distribution",
            [
                target(
                    f'sum by (le) (rate(earlywarn_score_bucket{{{q}, typology=~"$typology"}}'
                    f"[{RATE}]))",
                    "{{le}}",
                )
            ],
            x=8, y=37, w=8, kind="heatmap",
            description="Scores (0..1) of every alert (earlywarn_score histogram), for the "
            "typologies selected above: with a calibrated model artifact, the share of such "
            "alerts that were right in calibration. Empty until the first alert.",
        ),
        panel(
            "Median and p90 score, per typology",
            [
                target(
                    f"histogram_quantile({p}, sum by (le, typology) "
                    f'(rate(earlywarn_score_bucket{{{q}, typology=~"$typology"}}[{RATE}])))',
                    f"p{int(float(p) * 100)} {{{{typology}}}}",
                )
                for p in ("0.5", "0.9")
            ],
            x=16, y=37, w=8,
        ),
        panel(
            "Alerts judged by labels (per day), per typology and outcome",
            [
                target(
                    f"sum by (typology, outcome) (increase(earlywarn_alert_feedback_total"
                    f'{{{q}, typology=~"$typology"}}[1d]))',
                    "{{typology}} {{outcome}}",
                )
            ],
            x=0, y=45, w=24,
            description="Labels from anti-scam centres and operators on alerted entities: "
            "confirmed, refuted (allow-listed), other (a scam of another kind); and missed "
            "(a scam label on an entity never alerted). The live precision and misses that "
            "thresholds and calibration promised.",
        ),
        row("Workers", 53),
        panel(
            "Workers up / ready",
            [
                target(f"sum(up{{{q}}})", "up"),
                target(f"sum(earlywarn_worker_ready{{{q}}})", "ready"),
            ],
            x=0, y=54, w=6, kind="stat",
            description="Scraped workers, and workers with partitions assigned and recovery "
            "done (/readyz).",
        ),
        panel(
            "Assigned partitions, per worker",
            [target(f"earlywarn_worker_assigned_partitions{{{q}}}", "{{instance}}")],
            x=6, y=54, w=6,
        ),
        panel(
            "CPU, per worker",
            [target(f"rate(process_cpu_seconds_total{{{q}}}[{RATE}])", "{{instance}}")],
            x=12, y=54, w=6, unit="percentunit",
        ),
        panel(
            "Resident memory, per worker",
            [target(f"process_resident_memory_bytes{{{q}}}", "{{instance}}")],
            x=18, y=54, w=6, unit="bytes",
        ),
    ]  # fmt: skip
    return {
        "uid": "earlywarn-overview",
        "title": "earlywarn",
        "description": "Streaming scam early warnings: throughput, lag, latency, alerts, "
        "dead letters, models and workers.",
        "tags": ["earlywarn", "kafka", "fraud"],
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Data source",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {"text": "Prometheus", "value": "prometheus"},
                },
                {
                    "name": "job",
                    "label": "Job",
                    "type": "query",
                    "datasource": DS,
                    "query": "label_values(earlywarn_events_total, job)",
                    "refresh": 2,
                    "includeAll": True,
                    "multi": True,
                    "current": {"text": "All", "value": "$__all"},
                },
                {
                    "name": "typology",
                    "label": "Typology",
                    "type": "query",
                    "datasource": DS,
                    "query": "label_values(earlywarn_alerts_total, typology)",
                    "refresh": 2,
                    "includeAll": True,
                    "multi": True,
                    "allValue": ".*",
                    "current": {"text": "All", "value": "$__all"},
                },
            ]
        },
        "annotations": {"list": []},
        "panels": panels,
    }


if __name__ == "__main__":
    out = Path(__file__).with_name("dashboards") / "earlywarn.json"
    out.write_text(json.dumps(build(), indent=2) + "\n")
    print(f"wrote {out}")
