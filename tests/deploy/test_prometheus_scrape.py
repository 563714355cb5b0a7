"""A real Prometheus (Debian's package) scrapes a real worker during a simulated run.

Fresh embedded broker, one worker, the seeded sample fed in two batches; Prometheus scrapes
every second and evaluates the deploy rules. Through its HTTP API the key series must exist
and move between the batches, and ``promtool check metrics`` must accept ``/metrics``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import DEPLOY, find_tool, free_port

from earlywarn.broker import EmbeddedBroker
from earlywarn.pipeline import INTERNAL_TOPICS
from earlywarn.sample import MALFORMED, sample_events
from earlywarn.settings import Topics
from earlywarn.stream.client import produce_events, produce_raw
from earlywarn.stream.process import WorkerProcess, wait_for

pytestmark = pytest.mark.integration
INPUTS = ("telco.cdr", "telco.sms", "payments.events")


class Prometheus:
    """A Prometheus server on a free loopback port with its own storage directory."""

    def __init__(self, binary: str, workdir: Path, target: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "prometheus.log"
        rules = workdir / "rules.yml"
        rules.write_text((DEPLOY / "prometheus" / "rules.yml").read_text())
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(rules)],
            "scrape_configs": [
                {
                    "job_name": "earlywarn",
                    "scrape_interval": "1s",
                    "scrape_timeout": "1s",
                    "static_configs": [{"targets": [target]}],
                }
            ],
        }
        config_path = workdir / "prometheus.yml"
        config_path.write_text(yaml.safe_dump(config))
        self.args = [
            binary,
            f"--config.file={config_path}",
            f"--storage.tsdb.path={workdir / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--storage.tsdb.retention.time=1h",
        ]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Prometheus:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(self._ready, 30, "Prometheus /-/ready")
        return self

    def _ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"prometheus exited:\n{self.log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    def query(self, promql: str) -> list[dict[str, Any]]:
        url = f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        with urllib.request.urlopen(url, timeout=5) as resp:
            body = json.loads(resp.read())
        assert body["status"] == "success", body
        return list(body["data"]["result"])

    def value(self, promql: str) -> float | None:
        """The single value of a scalar-like query, or None when it has no result."""
        result = self.query(promql)
        if not result:
            return None
        assert len(result) == 1, result
        return float(result[0]["value"][1])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


@pytest.fixture
def prometheus_binary() -> str:
    path = find_tool("prometheus")
    if path is None:
        pytest.skip(
            "prometheus not found: install Debian's prometheus package "
            "(apt-get install -y prometheus); .ci/run does"
        )
    return path


@pytest.fixture
def scraped_worker(
    start_worker: Callable[..., WorkerProcess], prometheus_binary: str, tmp_path: Path
) -> Iterator[tuple[WorkerProcess, Prometheus]]:
    worker = start_worker(partitions=2)
    workdir = tmp_path / "prometheus"
    workdir.mkdir()
    prom = Prometheus(prometheus_binary, workdir, f"127.0.0.1:{worker.web_port}").start()
    try:
        yield worker, prom
    finally:
        prom.stop()


def at_least(prom: Prometheus, promql: str, minimum: float) -> Callable[[], bool]:
    def check() -> bool:
        value = prom.value(promql)
        return value is not None and value >= minimum

    return check


def test_prometheus_sees_the_key_series_exist_and_move(
    scraped_worker: tuple[WorkerProcess, Prometheus],
    fresh_broker: EmbeddedBroker,
    promtool: str,
) -> None:
    worker, prom = scraped_worker
    wait_for(at_least(prom, 'up{job="earlywarn"}', 1), 20, "the worker scraped and up")
    wait_for(at_least(prom, "earlywarn_worker_ready", 1), 20, "worker ready in Prometheus")
    sources = len(Topics().kinds()) + len(INTERNAL_TOPICS)  # input and re-keyed topics
    assert prom.value("earlywarn_worker_assigned_partitions") == sources * 2  # 2 partitions each
    assert prom.value("process_resident_memory_bytes") is not None

    events = sample_events(seed=11)
    first, second = events[: len(events) // 2], events[len(events) // 2 :]
    events_in = (
        'sum(earlywarn_events_total{job="earlywarn", topic=~"telco.cdr|telco.sms|payments.events"})'
    )

    produce_events(fresh_broker.bootstrap, first)
    wait_for(at_least(prom, events_in, len(first)), 45, "first batch counted by Prometheus")
    after_first = prom.value(events_in)
    assert after_first is not None

    produce_events(fresh_broker.bootstrap, second)
    for topic in INPUTS:
        produce_raw(
            fresh_broker.bootstrap, topic, [(None, r) for t, r, _ in MALFORMED if t == topic]
        )
    wait_for(
        at_least(prom, events_in, len(events) + len(MALFORMED)), 45, "second batch in Prometheus"
    )
    final = prom.value(events_in)
    assert final is not None and final > after_first

    # Throughput moved, per topic, over the scrape window.
    rates = {
        r["metric"]["topic"]: float(r["value"][1])
        for r in prom.query(
            'sum by (topic) (increase(earlywarn_events_total{job="earlywarn"}[2m]))'
        )
    }
    assert all(rates.get(t, 0) > 0 for t in INPUTS), rates

    wait_for(at_least(prom, "sum(earlywarn_alerts_total)", 1), 30, "alerts in Prometheus")
    alerts = prom.query("sum by (typology, severity) (earlywarn_alerts_total)")
    assert {r["metric"]["typology"] for r in alerts} >= {"wangiri", "mule"}, alerts
    assert (prom.value("sum(earlywarn_event_to_alert_seconds_count)") or 0) >= 1
    p99 = prom.value(
        "histogram_quantile(0.99, sum by (le) (earlywarn_event_to_alert_seconds_bucket))"
    )
    assert p99 is not None and p99 > 0
    assert (prom.value("sum(earlywarn_scoring_seconds_count)") or 0) >= len(events)
    wait_for(at_least(prom, "sum(earlywarn_deadletters_total)", len(MALFORMED)), 20, "dead letters")
    reasons = {r["metric"]["reason"] for r in prom.query("earlywarn_deadletters_total")}
    assert reasons, "no dead-letter reason label"
    # Lag comes from a 5 s timer; the deploy's recording rule aggregates it per topic.
    wait_for(
        lambda: bool(prom.query("earlywarn:consumer_lag_messages:sum")),
        30,
        "consumer lag series and its recording rule",
    )
    wait_for(
        lambda: all(
            float(r["value"][1]) == 0 for r in prom.query("earlywarn:consumer_lag_messages:sum")
        ),
        30,
        "lag back to zero after the run",
    )

    # The exposition format passes promtool's checks (including its lint).
    result = subprocess.run(
        [promtool, "check", "metrics"],
        input=worker.metrics_text(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stdout + result.stderr
