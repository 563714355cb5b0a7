"""Kubernetes manifests: schema-checked offline, plus the structure the worker relies on.

Built-in kinds are validated (strictly: unknown fields fail) against the Kubernetes JSON
schemas that the ``kubernetes-validate`` package ships. KEDA's ScaledObject is a CRD with no
schema there: it is checked against ``SCALEDOBJECT_SCHEMA`` below, the subset of KEDA's
v1alpha1 CRD this deployment uses, written down from KEDA's documentation.
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import DEPLOY, find_tool

K8S = DEPLOY / "k8s"
K8S_VERSION = "1.30.0"
WEB_PORT = 6066

SCALEDOBJECT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "ScaledObject"},
        "metadata": {"type": "object", "required": ["name"]},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["scaleTargetRef", "triggers"],
            "properties": {
                "scaleTargetRef": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "name": {"type": "string"},
                        "envSourceContainerName": {"type": "string"},
                    },
                },
                "minReplicaCount": {"type": "integer", "minimum": 0},
                "maxReplicaCount": {"type": "integer", "minimum": 1},
                "idleReplicaCount": {"type": "integer", "minimum": 0},
                "pollingInterval": {"type": "integer", "minimum": 1},
                "cooldownPeriod": {"type": "integer", "minimum": 0},
                "initialCooldownPeriod": {"type": "integer", "minimum": 0},
                "fallback": {"type": "object"},
                "advanced": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "restoreToOriginalReplicaCount": {"type": "boolean"},
                        "horizontalPodAutoscalerConfig": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "name": {"type": "string"},
                                "behavior": {"type": "object"},
                            },
                        },
                        "scalingModifiers": {"type": "object"},
                    },
                },
                "triggers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["type", "metadata"],
                        "properties": {
                            "type": {"type": "string"},
                            "name": {"type": "string"},
                            "metricType": {"enum": ["AverageValue", "Value", "Utilization"]},
                            "useCachedMetrics": {"type": "boolean"},
                            "authenticationRef": {"type": "object"},
                            # KEDA trigger metadata values are all strings.
                            "metadata": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}


def rendered() -> list[dict[str, Any]]:
    """``kubectl kustomize`` output if kubectl is here, else the listed files as they are."""
    kubectl = find_tool("kubectl")
    if kubectl is not None:
        result = subprocess.run(
            [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return [d for d in yaml.safe_load_all(result.stdout) if d]
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for name in kustomization["resources"]:
        docs += [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    return docs


def by_kind(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for d in docs:
        out.setdefault(d["kind"], d)
    return out


def example_secret() -> dict[str, Any]:
    return dict(yaml.safe_load((K8S / "secret-keys.example.yaml").read_text()))


def test_builtin_kinds_pass_the_kubernetes_schema_strictly() -> None:
    kv = pytest.importorskip(
        "kubernetes_validate",
        reason="kubernetes-validate not installed (pip install kubernetes-validate; .ci/run does)",
    )
    docs = [*rendered(), example_secret()]
    checked = set()
    for doc in docs:
        if doc["apiVersion"].startswith("keda.sh/"):
            continue
        kv.validate(doc, K8S_VERSION, strict=True)
        checked.add(doc["kind"])
    assert checked >= {
        "Namespace", "ConfigMap", "Secret", "Deployment", "Service",
        "PodDisruptionBudget", "Job",
    }  # fmt: skip


def test_the_schema_check_catches_a_misspelt_probe() -> None:
    kv = pytest.importorskip("kubernetes_validate")
    deployment = copy.deepcopy(by_kind(rendered())["Deployment"])
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kv.ValidationError):
        kv.validate(deployment, K8S_VERSION, strict=True)


def test_scaledobject_matches_keda_schema_and_scales_on_the_group_lag() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    kinds = by_kind(rendered())
    so = kinds["ScaledObject"]
    jsonschema.validate(so, SCALEDOBJECT_SCHEMA)
    config = kinds["ConfigMap"]["data"]
    deployment = kinds["Deployment"]
    assert so["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    (trigger,) = so["spec"]["triggers"]
    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["consumerGroup"] == config["EARLYWARN_APP_ID"]
    assert int(trigger["metadata"]["lagThreshold"]) > 0
    assert trigger["metadata"]["allowIdleConsumers"] == "false"
    # No more workers than partitions: extra consumers would sit idle.
    assert 2 <= so["spec"]["minReplicaCount"] <= so["spec"]["maxReplicaCount"]
    assert so["spec"]["maxReplicaCount"] <= int(config["EARLYWARN_PARTITIONS"])
    bad = copy.deepcopy(so)
    bad["spec"]["triggers"][0]["metadata"]["lagThreshold"] = 5000
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCALEDOBJECT_SCHEMA)


def test_worker_has_requests_probes_on_the_web_port_keys_and_runs_as_non_root() -> None:
    kinds = by_kind(rendered())
    config = kinds["ConfigMap"]["data"]
    pod = kinds["Deployment"]["spec"]["template"]["spec"]
    (worker,) = pod["containers"]
    ports = {p["name"]: p["containerPort"] for p in worker["ports"]}
    assert ports == {"http": WEB_PORT}
    assert int(config["EARLYWARN_WEB_PORT"]) == WEB_PORT
    assert worker["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert worker["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert {"cpu", "memory"} <= set(worker["resources"]["requests"])
    assert "memory" in worker["resources"]["limits"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert worker["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"configMapRef": {"name": kinds["ConfigMap"]["metadata"]["name"]}} in worker["envFrom"]
    mounts = {m["name"]: m["mountPath"] for m in worker["volumeMounts"]}
    keys_dir = config["EARLYWARN_KEYS_FILE"].rsplit("/", 1)[0]
    assert mounts["keys"] == keys_dir
    assert mounts["data"] == config["EARLYWARN_DATA_DIR"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["keys"]["secret"]["secretName"] == example_secret()["metadata"]["name"]
    assert config["TOPIC_REPLICATION_FACTOR"] == "3"
    assert config["EARLYWARN_EMBEDDED"] == "false"


def test_pdb_and_service_select_the_worker_pods() -> None:
    kinds = by_kind(rendered())
    labels = kinds["Deployment"]["spec"]["template"]["metadata"]["labels"]
    for kind in ("PodDisruptionBudget", "Service"):
        spec = kinds[kind]["spec"]
        selector = spec["selector"].get("matchLabels", spec["selector"])
        assert selector.items() <= labels.items(), kind
    assert kinds["PodDisruptionBudget"]["spec"]["maxUnavailable"] == 1
    assert kinds["Service"]["spec"]["ports"][0]["port"] == WEB_PORT


def test_example_secret_has_the_keys_file_shape_and_no_usable_key(tmp_path: Path) -> None:
    from earlywarn.alerts.pseudonymise import load_keys

    secret = example_secret()
    doc = json.loads(secret["stringData"]["keys.json"])
    for country, entry in doc.items():
        assert len(country) == 2 and country.isupper()
        assert set(entry) == {"key_id", "key"}
    # The placeholders must never load as keys (fail closed if applied by mistake).
    keys_path = tmp_path / "keys.json"
    keys_path.write_text(secret["stringData"]["keys.json"])
    with pytest.raises(ValueError):
        load_keys(keys_path)


def test_topics_job_runs_the_topic_script_from_the_generated_configmap() -> None:
    docs = rendered()
    job = by_kind(docs)["Job"]
    pod = job["spec"]["template"]["spec"]
    script_cm = pod["volumes"][0]["configMap"]["name"]
    configmaps = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
    assert script_cm in configmaps
    assert configmaps[script_cm]["data"]["topics.sh"] == (K8S / "topics.sh").read_text()
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    assert env["REPLICATION"]["value"] == "3"
