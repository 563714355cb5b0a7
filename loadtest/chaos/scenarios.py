"""The fault scenarios. Each runs a seeded input of ``n`` events, injects its fault and
returns :class:`~loadtest.chaos.harness.Figures` compared with the replay reference.

Faults are injected when the committed input offsets cross fractions of the input, so
they land mid-run whatever the machine's speed.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from earlywarn.stream.process import wait_for
from loadtest.chaos.harness import (
    REPO,
    ChaosRun,
    Figures,
    Outputs,
    figures,
    rss_mb,
)
from loadtest.chaos.reference import Reference, events_for, replay


@dataclass
class Result:
    """Figures plus what a test may want to look at afterwards."""

    figures: Figures
    reference: Reference
    outputs: Outputs
    tables: dict[str, Any]
    worker_logs: list[str]
    metrics_text: str
    keys_file_text: str


Scenario = Callable[..., Result]


def _reference(n: int, seed: int, run: ChaosRun) -> Reference:
    return replay(events_for(n, seed), run.keys_file, REPO / "models")


def _finish(
    name: str,
    run: ChaosRun,
    reference: Reference,
    started: float,
    recovery: list[float],
    notes: dict[str, Any],
    *,
    timeout_s: float,
) -> Result:
    committed = True
    try:
        run.wait_all_committed(timeout_s)
    except TimeoutError as exc:
        committed = False
        notes["uncommitted"] = {"why": str(exc), **_lagging(run)}
    try:  # and the re-keyed hops drained
        quiet_s, limit_s = (20.0, 5 * timeout_s) if run.durable else (5.0, timeout_s)
        notes["drain_s"] = round(run.wait_quiet(quiet_s, limit_s), 1)
    except TimeoutError:
        notes["drain_s"] = None
    outputs = run.read_outputs(reference, timeout_s=min(300.0, timeout_s))
    last = next(w for w in reversed(list(run.workers.values())) if w.running)
    tables = last.settled_tables(120)
    notes["tables_equal_replay"] = sorted(
        t for t, d in reference.tables.items() if tables.get(t) == d
    )
    notes["tables_differ"] = sorted(t for t, d in reference.tables.items() if tables.get(t) != d)
    figs = figures(
        name,
        run,
        reference,
        outputs,
        recovery_s=recovery,
        seconds=time.monotonic() - started,
        committed=committed,
        notes=notes,
    )
    return Result(
        figures=figs,
        reference=reference,
        outputs=outputs,
        tables=tables,
        worker_logs=[w.log_text() for w in run.workers.values()],
        metrics_text=last.metrics_text(),
        keys_file_text=run.keys_file.read_text(),
    )


def _lagging(run: ChaosRun) -> dict[str, str]:
    """``"topic:partition" -> "committed/produced"`` of the input partitions behind."""
    try:
        got = run.committed()
    except Exception as exc:  # the broker is down: say so instead
        return {"committed": f"unreadable: {exc!r}"}
    return {
        f"{topic}:{p}": f"{got.get((topic, p), 0)}/{n}"
        for (topic, p), n in sorted(run.produced.items())
        if got.get((topic, p), 0) < n
    }


def _timeout(n: int) -> float:
    return 120.0 + n / 200.0


def _chunks(events: list[dict[str, Any]], parts: int) -> list[list[dict[str, Any]]]:
    size = -(-len(events) // parts)
    return [events[i : i + size] for i in range(0, len(events), size)]


class _Feeder:
    """Feeds the input chunk by chunk; a fault lands while a chunk is half scored, and the
    next chunk is produced right after it, so the workers always have work to recover."""

    def __init__(self, run: ChaosRun, events: list[dict[str, Any]], parts: int) -> None:
        self.run = run
        self.chunks = _chunks(events, parts)
        self.sent = 0
        self.timeout_s = _timeout(len(events))

    def next(self) -> None:
        chunk = self.chunks.pop(0)
        self.run.produce_now(chunk)
        self.sent += len(chunk)

    def rest(self) -> None:
        while self.chunks:
            self.next()


def _mid(feeder: _Feeder, chunk_len: int, what: str) -> None:
    feeder.run.wait_scored(feeder.sent - chunk_len // 2, feeder.timeout_s, what)


def baseline(
    workdir: Path, n: int, seed: int = 7, partitions: int = 1, durable: bool = False
) -> Result:
    """No fault: the control every other scenario is read against."""
    with ChaosRun(workdir, partitions=partitions, durable=durable) as run:
        reference = _reference(n, seed, run)
        started = time.monotonic()
        run.start_worker("w1")
        run.produce_now(reference.events)
        name = "baseline_durable" if durable else ("baseline" if partitions == 1 else "baseline_2p")
        return _finish(name, run, reference, started, [], {}, timeout_s=_timeout(n))


def baseline_2p(workdir: Path, n: int, seed: int = 7) -> Result:
    """No fault on two partitions: the control of the join/leave scenario."""
    return baseline(workdir, n, seed, partitions=2)


def baseline_durable(workdir: Path, n: int, seed: int = 7, partitions: int = 1) -> Result:
    """No fault on the durable (``s3://``) broker: the control of the broker kill."""
    return baseline(workdir, n, seed, partitions, durable=True)


def kill_worker(
    workdir: Path, n: int, seed: int = 7, kills: int = 3, partitions: int = 1
) -> Result:
    """``kill -9`` the worker ``kills`` times mid-run, restarting it each time.

    Recovery is the time from the kill until the restarted worker scores again (it waits
    out the dead member's session timeout and recovers its tables from the changelogs).
    """
    with ChaosRun(workdir, partitions=partitions) as run:
        reference = _reference(n, seed, run)
        started = time.monotonic()
        run.start_worker("w1")
        feeder = _Feeder(run, reference.events, kills + 1)
        chunk = len(feeder.chunks[0])
        recovery: list[float] = []
        for k in range(1, kills + 1):
            feeder.next()
            _mid(feeder, chunk, f"half a chunk scored before kill {k}")
            run.sample("w1")
            run.workers["w1"].kill()
            killed = time.monotonic()
            run.start_worker("w1", ready=False)
            run.wait_scoring("w1", feeder.timeout_s, f"scoring after kill {k}")
            recovery.append(time.monotonic() - killed)
        feeder.rest()
        return _finish(
            "kill9_worker",
            run,
            reference,
            started,
            recovery,
            {"kills": kills},
            timeout_s=_timeout(n),
        )


def freeze_broker(
    workdir: Path, n: int, seed: int = 7, freeze_s: float = 30.0, partitions: int = 1
) -> Result:
    """``SIGSTOP`` the broker for ``freeze_s`` mid-run, then ``SIGCONT``; no restarts.

    Recovery is the time from ``SIGCONT`` until the worker scores again.
    """
    with ChaosRun(workdir, partitions=partitions) as run:
        reference = _reference(n, seed, run)
        started = time.monotonic()
        worker = run.start_worker("w1")
        feeder = _Feeder(run, reference.events, 2)
        chunk = len(feeder.chunks[0])
        feeder.next()
        _mid(feeder, chunk, "half the input scored before the freeze")
        assert run.broker is not None and run.broker.pid is not None
        pid = run.broker.pid
        run._close_offsets()
        os.kill(pid, signal.SIGSTOP)
        before = run.sample("w1")
        time.sleep(freeze_s)  # the fault itself: nothing to poll while the broker is stopped
        during = run.sample("w1") - before
        os.kill(pid, signal.SIGCONT)
        thawed = time.monotonic()
        at_thaw = run.sample("w1")
        feeder.next()
        run.wait_scoring("w1", feeder.timeout_s, "scoring after SIGCONT", above=at_thaw)
        recovery = [time.monotonic() - thawed]
        notes: dict[str, Any] = {
            "freeze_s": freeze_s,
            "worker_restarts": 0,
            "scored_while_frozen": during,
        }
        result = _finish(
            "broker_freeze", run, reference, started, recovery, notes, timeout_s=_timeout(n)
        )
        result.figures.notes["worker_still_first_process"] = worker.running
        return result


def restart_broker(workdir: Path, n: int, seed: int = 7, partitions: int = 1) -> Result:
    """``kill -9`` a durable (``s3://``) broker mid-run and restart it on the same port.

    The workers keep running and keep their data dirs (with durable storage the
    changelogs are still there). Recovery is the time from the kill until the worker
    scores again.
    """
    with ChaosRun(workdir, partitions=partitions, durable=True) as run:
        reference = _reference(n, seed, run)
        started = time.monotonic()
        worker = run.start_worker("w1")
        feeder = _Feeder(run, reference.events, 2)
        chunk = len(feeder.chunks[0])
        feeder.next()
        _mid(feeder, chunk, "half the input scored before the broker kill")
        assert run.broker is not None
        port = run.broker.port
        run._close_offsets()
        at_kill = run.sample("w1")
        run.broker.kill()
        killed = time.monotonic()
        run.start_broker(port)
        feeder.next()
        run.wait_scoring("w1", feeder.timeout_s, "scoring after broker restart", above=at_kill)
        recovery = [time.monotonic() - killed]
        notes: dict[str, Any] = {"storage": "s3 (moto_server)"}
        result = _finish(
            "broker_kill9_durable", run, reference, started, recovery, notes, timeout_s=_timeout(n)
        )
        result.figures.notes["worker_restarts"] = 0 if worker.running else 1
        return result


def join_leave(workdir: Path, n: int, seed: int = 7, partitions: int = 2) -> Result:
    """A second worker joins mid-run and leaves (SIGTERM) later; then a worker with an
    empty data dir rebuilds the state from the changelogs, which must equal the live one.

    Recovery: join until the second worker is ready; leave until the first scores again.
    """
    with ChaosRun(workdir, partitions=partitions) as run:
        reference = _reference(n, seed, run)
        started = time.monotonic()
        run.start_worker("w1")
        feeder = _Feeder(run, reference.events, 3)
        chunk = len(feeder.chunks[0])
        feeder.next()
        _mid(feeder, chunk, "half a chunk scored before the join")
        joined = time.monotonic()
        run.start_worker("w2")
        recovery = [time.monotonic() - joined]
        feeder.next()
        _mid(feeder, chunk, "half a chunk scored before the leave")
        run.sample("w2")
        left = time.monotonic()
        run.workers["w2"].stop()
        before = run.sample("w1")
        feeder.next()
        run.wait_scoring("w1", feeder.timeout_s, "w1 scoring after leave", above=before)
        recovery.append(time.monotonic() - left)
        result = _finish(
            "join_leave",
            run,
            reference,
            started,
            recovery,
            {"partitions": partitions},
            timeout_s=_timeout(n),
        )
        # The state the rebalances left behind, as a worker with an empty data dir rebuilds
        # it from the changelogs, must be the live worker's.
        run.workers["w1"].stop()
        fresh = run.start_worker("w3")
        recovered = fresh.tables()
        result.figures.notes["recovered_tables_equal_live"] = recovered == result.tables
        result.figures.notes["recovered_tables_differ"] = sorted(
            t for t in result.tables if recovered.get(t) != result.tables[t]
        )
        return result


def _slow_consumer(bootstrap: str, topic: str, rate: float, stop: threading.Event) -> list[int]:
    """Read ``topic`` in a consumer group at most ``rate`` records/s; returns counts/s."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=[bootstrap],
        group_id="chaos-slow-reader",
        auto_offset_reset="earliest",
        max_poll_records=max(1, int(rate // 10)),
        fetch_max_wait_ms=50,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    counts: list[int] = []
    try:
        while not stop.is_set():
            tick = time.monotonic()
            got = sum(len(v) for v in consumer.poll(timeout_ms=100).values())
            counts.append(got)
            stop.wait(max(0.0, 0.1 - (time.monotonic() - tick)))
    finally:
        consumer.close()
    return counts


def backpressure(
    workdir: Path,
    n: int,
    seed: int = 7,
    freeze_s: float = 10.0,
    reader_rate: float = 50.0,
    partitions: int = 1,
) -> Result:
    """A slow alert consumer, and a full producer buffer (broker paused with a backlog):
    the worker's RSS is sampled every 0.5 s throughout."""
    with ChaosRun(workdir, partitions=partitions) as run:
        reference = _reference(n, seed, run)
        started = time.monotonic()
        worker = run.start_worker("w1")
        assert worker.proc is not None
        pid = worker.proc.pid
        samples: list[tuple[float, float]] = []
        stop = threading.Event()

        def sample_rss() -> None:
            while not stop.is_set():
                mb = rss_mb(pid)
                if mb is not None:
                    samples.append((round(time.monotonic() - started, 1), round(mb, 1)))
                stop.wait(0.5)

        sampler = threading.Thread(target=sample_rss, daemon=True)
        sampler.start()
        reader_counts: list[int] = []
        reader = threading.Thread(
            target=lambda: reader_counts.extend(
                _slow_consumer(run.bootstrap, "earlywarn.alerts.operators", reader_rate, stop)
            ),
            daemon=True,
        )
        reader.start()
        idle_mb = rss_mb(pid) or 0.0
        feeder = _Feeder(run, reference.events, 2)
        chunk = len(feeder.chunks[0])
        feeder.next()
        _mid(feeder, chunk, "half the input scored before the pause")
        assert run.broker is not None and run.broker.pid is not None
        run._close_offsets()
        os.kill(run.broker.pid, signal.SIGSTOP)
        time.sleep(freeze_s)  # the fault: the worker's producer buffer fills meanwhile
        os.kill(run.broker.pid, signal.SIGCONT)
        thawed = time.monotonic()
        at_thaw = run.sample("w1")
        feeder.next()
        run.wait_scoring("w1", feeder.timeout_s, "scoring after resume", above=at_thaw)
        recovery = [time.monotonic() - thawed]
        notes: dict[str, Any] = {"freeze_s": freeze_s, "reader_rate": reader_rate}
        result = _finish(
            "backpressure", run, reference, started, recovery, notes, timeout_s=_timeout(n)
        )
        stop.set()
        sampler.join(5)
        reader.join(15)
        values = [mb for _, mb in samples]
        half = values[len(values) // 2 :] or [0.0]
        result.figures.notes.update(
            rss_idle_mb=round(idle_mb, 1),
            rss_peak_mb=max(values or [0.0]),
            rss_end_mb=values[-1] if values else 0.0,
            rss_second_half_max_mb=max(half),
            rss_samples=len(values),
            rss_series=samples[:: max(1, len(samples) // 40)],
            slow_reader_read=sum(reader_counts),
            slow_reader_lag=len(result.outputs.operators) - sum(reader_counts),
        )
        return result


def checkpoint_restart(workdir: Path, n: int, seed: int = 7) -> Result:
    """Online models survive a restart: the worker checkpoints every second; it is stopped
    after the first half of the input and restarted on the same data dir for the second.
    One partition, so the models learn in replay order and the second half's alerts (ids
    and scores, anomaly ones included) must equal the uninterrupted replay's."""
    env = {"EARLYWARN_CHECKPOINT_INTERVAL_S": "1"}
    with ChaosRun(workdir, partitions=1, worker_env=env) as run:
        reference = _reference(n, seed, run)
        started = time.monotonic()
        events = reference.events
        half = len(events) // 2
        first = run.start_worker("w1")
        run.produce_now(events[:half])
        run.wait_all_committed(_timeout(n))
        first.settled_tables(120)
        ckpt = run.workdir / "w1" / "data" / "checkpoint" / "online.pkl"
        mark = time.time()
        wait_for(lambda: ckpt.exists() and ckpt.stat().st_mtime > mark + 0.1, 60, "a checkpoint")
        stopped = time.monotonic()
        first.stop()
        run.start_worker("w1")
        recovery = [time.monotonic() - stopped]
        run.produce_now(events[half:])
        result = _finish(
            "checkpoint_restart",
            run,
            reference,
            started,
            recovery,
            {"restart_at_event": half},
            timeout_s=_timeout(n),
        )
        later = {
            a["alert_id"]: round(a["score"], 9)
            for a in reference.alerts
            if a["event_time"] >= events[half]["event_time"]
        }
        got = {a["alert_id"]: round(a["score"], 9) for a in result.outputs.operators}
        common = [k for k in later if k in got]
        same = sum(1 for k in common if got[k] == later[k])
        result.figures.notes.update(
            second_half_alerts=len(later),
            second_half_common=len(common),
            second_half_same_score=same,
            anomaly_alerts_second_half=sum(
                1
                for a in reference.alerts
                if a["typology"] == "anomaly" and a["event_time"] >= events[half]["event_time"]
            ),
        )
        return result


SCENARIOS: dict[str, Scenario] = {
    "baseline": baseline,
    "kill9_worker": kill_worker,
    "broker_freeze": freeze_broker,
    "baseline_2p": baseline_2p,
    "baseline_durable": baseline_durable,
    "broker_kill9_durable": restart_broker,
    "join_leave": join_leave,
    "backpressure": backpressure,
    "checkpoint_restart": checkpoint_restart,
}


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
