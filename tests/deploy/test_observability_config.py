"""Prometheus rules (promtool), the Grafana dashboard, and the metric names they rely on."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml
from deploy_support import DEPLOY

from earlywarn.metrics import Metrics

RULES = DEPLOY / "prometheus" / "rules.yml"
RULES_TEST = DEPLOY / "prometheus" / "tests" / "rules_test.yml"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "earlywarn.json"

#: What issue 8 asks the rules to cover, mapped to the alert names that do.
REQUIRED_ALERTS = {
    "lag growing": "EarlywarnConsumerLagGrowing",
    "latency SLO burn": "EarlywarnLatencySLOFastBurn",
    "dead-letter spike": "EarlywarnDeadLetterSpike",
    "alert-rate anomaly": "EarlywarnAlertRateSurge",
    "drift": "EarlywarnModelDrift",
    "worker down": "EarlywarnWorkerDown",
}


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120)


def alerts() -> dict[str, dict[str, Any]]:
    doc = yaml.safe_load(RULES.read_text())
    return {r["alert"]: r for g in doc["groups"] for r in g["rules"] if "alert" in r}


def exported_metric_names() -> set[str]:
    """Every sample name the worker can export (counters with _total, histogram parts)."""
    names: set[str] = set()
    for family in Metrics().registry.collect():
        base = family.name
        if family.type == "counter":
            names |= {base + "_total", base + "_created"}
        elif family.type == "histogram":
            names |= {base + s for s in ("_bucket", "_count", "_sum", "_created")}
        else:
            names.add(base)
    return names


def metric_names_in(expr: str) -> set[str]:
    return set(re.findall(r"\b(earlywarn_[a-z_]+)\b", expr))


def test_rules_pass_promtool_check(promtool: str) -> None:
    result = run(promtool, "check", "rules", RULES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_rule_passes_its_promtool_unit_tests(promtool: str) -> None:
    result = run(promtool, "test", "rules", RULES_TEST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_every_alert_has_a_unit_test_and_the_issue_list_is_covered() -> None:
    tested = {
        t["alertname"]
        for group in yaml.safe_load(RULES_TEST.read_text())["tests"]
        for t in group.get("alert_rule_test", [])
        if t.get("exp_alerts")
    }
    defined = set(alerts())
    assert set(REQUIRED_ALERTS.values()) <= defined
    assert defined == tested, f"alerts without a firing test: {defined - tested}"
    for name, rule in alerts().items():
        assert rule["labels"]["severity"] in ("page", "ticket"), name
        assert rule["annotations"]["runbook"] == f"deploy/README.md#{name.lower()}"


def test_rules_and_dashboard_use_only_metrics_the_worker_exports() -> None:
    exported = exported_metric_names()
    exprs = [r["expr"] for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]
    dashboard = json.loads(DASHBOARD.read_text())
    exprs += [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    used = set().union(*(metric_names_in(e) for e in exprs))
    assert used, "no earlywarn metric referenced"
    assert used <= exported, f"unknown metrics: {used - exported}"


def test_runbook_anchors_exist_in_the_deploy_readme() -> None:
    readme = (DEPLOY / "README.md").read_text()
    headings = {
        re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
        for h in re.findall(r"^#+ (.+)$", readme, flags=re.M)
    }
    for name in alerts():
        assert name.lower() in headings, f"README has no '### {name}' section"


def test_dashboard_covers_what_sre_teams_watch() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    text = json.dumps(panels)
    for needle in (
        "earlywarn_events_total",  # throughput per topic
        "earlywarn_consumer_lag_messages",  # consumer lag
        "histogram_quantile(0.99, sum by (le) (rate(earlywarn_event_to_alert_seconds_bucket",
        "sum by (typology, severity) (rate(earlywarn_alerts_total",
        "sum by (topic, reason) (rate(earlywarn_deadletters_total",
        "earlywarn_drift_events_total",
        "earlywarn_score_bucket",
        "earlywarn_worker_ready",
    ):
        assert needle in text, needle
    for p in panels:
        assert p["datasource"]["uid"] == "${datasource}"
        assert p["targets"], p["title"]
        g = p["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24, p["title"]


def test_dashboard_json_is_what_the_generator_writes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_dashboard", DEPLOY / "grafana" / "make_dashboard.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert json.loads(DASHBOARD.read_text()) == module.build()


def test_grafana_provisioning_points_at_the_dashboard_and_prometheus() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    grafana = compose["services"]["grafana"]
    mounts = {v.split(":")[0]: v.split(":")[1] for v in grafana["volumes"]}
    providers = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "dashboards" / "earlywarn.yml").read_text()
    )["providers"]
    dash_dir = providers[0]["options"]["path"]
    assert mounts["./grafana/dashboards"] == dash_dir
    assert mounts["./grafana/provisioning"] == "/etc/grafana/provisioning"
    sources = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )["datasources"]
    assert sources[0]["url"] == "http://prometheus:9090"
    assert sources[0]["uid"] == "prometheus"


def test_prometheus_config_passes_promtool(promtool: str) -> None:
    result = run(promtool, "check", "config", DEPLOY / "prometheus" / "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    assert jobs["earlywarn"]["dns_sd_configs"][0]["port"] == 6066
