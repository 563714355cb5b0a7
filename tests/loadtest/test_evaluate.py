"""Evaluation metrics on hand-built cases whose answers are known."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from loadtest_helpers import Written

from loadtest.cli import main
from loadtest.clock import MS_HOUR, iso_ms, parse_ms
from loadtest.evaluate import ACCEPTED, AlertRecord, evaluate, row_of
from loadtest.report import calibration_table, false_alert_table, summary_table, write_report
from loadtest.truth import Campaign, Decoy, GroundTruth, TruthEntity

T0 = parse_ms("2026-11-23T00:00:00Z")


def _truth() -> GroundTruth:
    imp = Campaign("A", "impersonation", T0, T0 + 24 * MS_HOUR)
    imp.add("msisdn", "S1", "scammer")
    imp.add("account", "V1", "victim", ("msisdn", "M1"))
    imp.add("account", "MU1", "mule")
    imp.add("msisdn", "TG", "target")
    wan = Campaign("B", "wangiri", T0 + MS_HOUR, T0 + 9 * MS_HOUR)
    wan.add("msisdn", "W1", "scammer")
    wan.add("msisdn", "W2", "scammer")
    decoy = Decoy("D", "call_centre", [TruthEntity("msisdn", "CC1", "decoy")])
    return GroundTruth(
        "test",
        T0,
        T0 + 72 * MS_HOUR,
        [imp, wan],
        [decoy],
        entity_counts={"msisdn": 1000},
        event_counts={"telco.cdr": 500_000, "payments.events": 500_000, "earlywarn.labels": 10},
    )


def _alert(
    entity_type: str, entity_id: str, typology: str, hours: float, score: float = 0.9
) -> AlertRecord:
    return AlertRecord(entity_type, entity_id, typology, score, T0 + int(hours * MS_HOUR))


ALERTS = [
    _alert("msisdn", "S1", "impersonation", 2.0),
    _alert("msisdn", "M1", "victim_in_progress", 3.0),  # alias of the victim's account
    _alert("msisdn", "W1", "wangiri", 1.5),
    _alert("msisdn", "W1", "wangiri", 4.0),  # a second alert on the same entity
    _alert("msisdn", "CC1", "wangiri", 5.0, 0.4),  # decoy: false alert
    _alert("msisdn", "TG", "victim_in_progress", 6.0),  # target: neutral
    _alert("account", "X", "mule", 7.0, 0.3),  # no ground truth: false positive
]


def test_row_mapping() -> None:
    assert row_of("impersonation", "scammer") == "impersonation"
    assert row_of("pig_butchering", "victim") == "victim_in_progress"
    assert row_of("sim_swap", "victim") == "sim_swap"
    assert row_of("mule", "mule") == "mule"
    assert row_of("wangiri", "target") is None
    assert row_of("x", "decoy") is None
    assert "victim_in_progress" in ACCEPTED["sim_swap"]


def test_precision_recall_f1() -> None:
    ev = evaluate(_truth(), ALERTS)
    w = ev.rows["wangiri"]
    assert (w.positives, w.detected, w.alerted_entities, w.false_entities) == (2, 1, 2, 1)
    assert w.precision == pytest.approx(0.5)
    assert w.recall == pytest.approx(0.5)
    assert w.f1 == pytest.approx(0.5)
    # impersonation accepts wangiri alerts: W1 is cross-typology, and CC1's false wangiri
    # alert counts against the wangiri row, not this one
    imp = ev.rows["impersonation"]
    assert (imp.recall, imp.precision, imp.cross_entities, imp.false_entities) == (1.0, 1.0, 2, 0)
    assert imp.decoy_alerts == 0
    vic = ev.rows["victim_in_progress"]
    assert (vic.recall, vic.precision, vic.cross_entities) == (1.0, 1.0, 1)
    mule = ev.rows["mule"]
    assert (mule.recall, mule.precision) == (0.0, 0.0)
    assert mule.f1 is None
    assert ev.rows["smishing"].recall is None and ev.rows["smishing"].precision is None
    everything = ev.rows["all"]
    assert (everything.positives, everything.detected) == (5, 3)
    assert everything.recall == pytest.approx(0.6)
    assert everything.precision == pytest.approx(3 / 5)  # S1 V1 W1 vs CC1 X; TG neutral


def test_time_to_detect() -> None:
    ev = evaluate(_truth(), ALERTS)
    assert ev.rows["wangiri"].ttd_hours == [pytest.approx(0.5)]
    assert ev.rows["impersonation"].ttd_hours == [pytest.approx(2.0)]
    assert ev.rows["victim_in_progress"].ttd_hours == [pytest.approx(3.0)]
    everything = ev.rows["all"]
    assert (everything.campaigns, everything.detected_campaigns) == (2, 2)
    assert everything.ttd_median_h == pytest.approx(1.25)
    assert everything.ttd_p90_h == pytest.approx(0.5 + 0.9 * 1.5)
    assert ev.rows["mule"].ttd_median_h is None


def test_alerts_before_campaign_start_do_not_count_for_ttd() -> None:
    early = [_alert("msisdn", "W1", "wangiri", 0.5), _alert("msisdn", "W2", "wangiri", 3.0)]
    w = evaluate(_truth(), early).rows["wangiri"]
    assert w.ttd_hours == [pytest.approx(2.0)]
    assert w.detected == 1


def test_false_alerts_per_million_and_volume() -> None:
    ev = evaluate(_truth(), ALERTS)
    assert ev.total_events == 1_000_000  # labels are not input events
    assert ev.rows["wangiri"].decoy_alerts == 1
    assert ev.rows["wangiri"].fp_per_million == pytest.approx(1.0)
    assert ev.rows["all"].fp_per_million == pytest.approx(1.0)
    assert ev.rows["wangiri"].alerts_per_1k_entities == pytest.approx(3.0)  # 3 of 1000
    assert ev.rows["all"].alerts_per_1k_entities == pytest.approx(7.0)


def test_false_alerts_are_listed_by_the_detector_that_raised_them() -> None:
    alerts = [
        *ALERTS,
        AlertRecord("account", "X", "mule", 0.8, T0, "sup-payments"),
        AlertRecord("account", "Y", "mule", 0.8, T0, "sup-payments"),
        AlertRecord("msisdn", "CC1", "anomaly", 0.95, T0, "hst-cdr"),
        AlertRecord("account", "MU1", "mule", 0.8, T0, "sup-payments"),  # right: not listed
        AlertRecord("account", "Z", "mule", 0.8, T0, "payer_mule_risk", "mule-victims"),
    ]
    ev = evaluate(_truth(), alerts)
    assert ev.false_by_reason == {
        ("wangiri", "", "decoy"): 1,
        ("mule", "", "false"): 1,
        ("mule", "sup-payments", "false"): 2,
        ("mule", "mule-victims", "false"): 1,  # the alert names its detector
        ("anomaly", "hst-cdr", "decoy"): 1,
    }
    table = false_alert_table(ev)
    assert "| mule | sup-payments | 2 | 0 |" in table
    assert "| anomaly | hst-cdr | 1 | 1 |" in table


def test_alert_scores_are_judged_per_detector_and_entity_as_precision_judges_them() -> None:
    alerts = [
        *ALERTS,
        AlertRecord("msisdn", "W1", "wangiri", 0.97, T0, "", "wangiri-route"),  # another detector
        AlertRecord("msisdn", "S1", "mule", 0.99, T0, "", "mule"),  # another typology's scammer
    ]
    ev = evaluate(_truth(), alerts)
    # S1, M1 (the victim's alias) and W1 right; W1 once more by the route detector; the
    # decoy and X wrong; the target TG and S1's mule alert left out
    assert sorted(ev.judged_scores) == [
        (0.3, False),
        (0.4, False),
        (0.9, True),
        (0.9, True),
        (0.9, True),
        (0.97, True),
    ]
    table = calibration_table(ev)
    assert "| 0.00-0.50 | 2 | 0.350 | 0.000 |" in table
    assert "| 0.90-0.95 | 3 | 0.900 | 1.000 |" in table
    assert "| 0.95-1.00 | 1 | 0.970 | 1.000 |" in table
    assert "Brier score 0.0468 over 6" in table  # (0.09 + 0.16 + 3 * 0.01 + 0.0009) / 6


def test_score_distributions() -> None:
    ev = evaluate(_truth(), ALERTS)
    assert sorted(ev.scores_scam) == [0.9, 0.9, 0.9]
    assert sorted(ev.scores_normal) == [0.3, 0.4]


def test_report_and_cli(tmp_path: Path) -> None:
    truth_path, alerts_path = tmp_path / "truth.json", tmp_path / "alerts.jsonl"
    _truth().save(truth_path)
    with alerts_path.open("wb") as f:
        for a in ALERTS:
            f.write(
                orjson.dumps(
                    {
                        "alert_id": "x",
                        "created_time": iso_ms(a.event_ms),
                        "event_time": iso_ms(a.event_ms),
                        "entity_type": a.entity_type,
                        "entity_id": a.entity_id,
                        "typology": a.typology,
                        "severity": "high",
                        "score": a.score,
                        "reasons": [{"feature": "distinct_callees_10m", "value": 9.0}],
                    }
                )
                + b"\n"
            )
    assert (
        main(
            [
                "evaluate",
                "--truth",
                str(truth_path),
                "--alerts",
                str(alerts_path),
                "--out",
                str(tmp_path / "rep"),
            ]
        )
        == 0
    )
    report = (tmp_path / "rep" / "report.md").read_text()
    assert "| wangiri | 2 | 0.500 | 0.500 | 0.500 | 1/1 | 0.50 |" in report
    assert "| wangiri | distinct_callees_10m | 1 | 1 |" in report  # the decoy's alert
    for png in ("recall_vs_time.png", "scores.png"):
        assert (tmp_path / "rep" / png).read_bytes()[:4] == b"\x89PNG"
    ev = evaluate(_truth(), ALERTS)
    assert summary_table(ev) in report
    assert write_report(ev, tmp_path / "rep2").exists()


def test_perfect_alerts_on_a_simulated_scenario(small: Written) -> None:
    alerts = []
    for c in small.truth.campaigns:
        for e in c.entities:
            row = row_of(c.typology, e.role)
            if row is not None:
                typology = sorted(ACCEPTED[row])[0]
                alerts.append(AlertRecord(e.entity_type, e.entity_id, typology, 1.0, c.start_ms))
    ev = evaluate(small.truth, alerts)
    for m in ev.rows.values():
        if m.positives:
            assert m.recall == 1.0, m.row
            assert m.detected_campaigns == m.campaigns
            assert m.ttd_p90_h == 0.0
    assert ev.rows["all"].precision == 1.0
    assert ev.rows["all"].decoy_alerts == 0


def test_hotspot_alerts_are_counted_apart_not_as_false_entities() -> None:
    base = evaluate(_truth(), ALERTS)
    with_places = evaluate(_truth(), [*ALERTS, _alert("cell", "TH-AIS-0001", "hotspot", 8.0)])
    assert with_places.place_alerts == 1 and base.place_alerts == 0
    assert with_places.rows["all"].precision == base.rows["all"].precision
    assert with_places.rows["all"].alerts == base.rows["all"].alerts
