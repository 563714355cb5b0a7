"""The worker's probe pages (/healthz, /readyz) and its JSON logs, on a real worker."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from earlywarn.pipeline import INTERNAL_TOPICS
from earlywarn.settings import Topics
from earlywarn.stream.process import WorkerProcess, wait_for
from earlywarn.stream.web import liveness, readiness


def get(port: int, path: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


class _Event:
    def __init__(self, value: bool) -> None:
        self.value = value

    def is_set(self) -> bool:
        return self.value


def fake_app(*, recovered: bool, rebalancing: bool = False, assigned: tuple[str, ...] = ()) -> Any:
    tps = [SimpleNamespace(topic=t, partition=0) for t in assigned]
    return SimpleNamespace(
        tables=SimpleNamespace(
            recovery=SimpleNamespace(completed=_Event(recovered), in_recovery=False)
        ),
        rebalancing=rebalancing,
        in_recovery=False,
        consumer=SimpleNamespace(assignment=lambda: tps),
        crashed=False,
    )


def test_readiness_needs_recovery_done_and_no_rebalance_in_progress() -> None:
    assert not readiness(fake_app(recovered=False))["ready"]
    assert not readiness(fake_app(recovered=True, rebalancing=True))["ready"]
    state = readiness(fake_app(recovered=True, assigned=("telco.cdr", "ew-callers-changelog")))
    assert state["ready"] and state["assigned_partitions"] == 1


def test_liveness_fails_once_the_app_crashed() -> None:
    app = fake_app(recovered=True)
    assert liveness(app) == {"live": True}
    app.crashed, app.crash_reason = True, RuntimeError("boom")
    assert liveness(app)["live"] is False


@pytest.mark.integration
def test_worker_serves_probes_and_writes_json_logs(
    start_worker: Callable[..., WorkerProcess],
) -> None:
    worker = start_worker(partitions=2, env={"EARLYWARN_LOG_FORMAT": "json"})
    status, body = get(worker.web_port, "/healthz")
    assert (status, body) == (200, {"live": True})
    wait_for(lambda: get(worker.web_port, "/readyz")[0] == 200, 30, "/readyz 200")
    status, body = get(worker.web_port, "/readyz")
    assert body["ready"] and body["recovered"] and not body["rebalancing"]
    # Two partitions of each of the three inputs and of the internal by-payee topic.
    assert body["assigned_partitions"] == (len(Topics().kinds()) + len(INTERNAL_TOPICS)) * 2
    assert worker.metric("earlywarn_worker_ready") == 1.0
    assert worker.metric("earlywarn_worker_assigned_partitions") == body["assigned_partitions"]
    # Idle on the embedded broker: the fetch wait drops to its short floor, nothing is stuck.
    wait_for(lambda: worker.metric("earlywarn_fetch_wait_seconds") == 0.01, 30, "short fetch wait")
    assert worker.metric("earlywarn_stalled_partitions") == 0.0

    records = []
    for line in worker.log_text().splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    assert records, worker.log_text()[-2000:]
    assert any("Worker ready" in r["msg"] for r in records)
    assert {"ts", "level", "logger", "msg"} <= set(records[0])
