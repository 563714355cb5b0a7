"""One chaos run: a broker, workers, a seeded input, a fault, and the figures.

:class:`ChaosRun` owns every process it starts (broker, S3 service, workers, the slow
consumer) and stops them on exit. The input is produced from a background thread while the
workers score it; faults are injected when the committed input offsets cross a fraction of
the input. At the end, the output topics are read whole and compared with the replay
reference (:mod:`loadtest.chaos.reference`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
import uuid
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import orjson

from earlywarn.alerts import write_dev_keys
from earlywarn.broker import EmbeddedBroker
from earlywarn.settings import Topics
from earlywarn.stream.client import KEY_FIELDS, producer
from earlywarn.stream.process import WorkerProcess, metric_in, wait_for
from loadtest.chaos.reference import Reference, final
from loadtest.chaos.s3 import MotoS3

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, TopicPartition

TOPICS = Topics()
INPUTS = (TOPICS.cdr, TOPICS.sms, TOPICS.payments, TOPICS.labels)
KEY_COUNTRIES = ("TH", "MY", "NG", "SG", "ID", "PH", "VN")
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float | None:
    """Resident set size of ``pid`` in MiB (Linux ``/proc``), ``None`` once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def produce_counted(bootstrap: str, events: list[dict[str, Any]]) -> dict[tuple[str, int], int]:
    """Send contract events keyed per the contract; acknowledged records per partition."""
    acked: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()

    def on_ack(md: Any) -> None:
        with lock:
            acked[(md.topic, md.partition)] += 1

    prod = producer(bootstrap, linger_ms=20, batch_size=256 * 1024)
    try:
        for ev in events:
            body = dict(ev)
            topic = body.pop("topic")
            key = body.get(KEY_FIELDS[topic])
            future = prod.send(
                topic, key=str(key).encode() if key is not None else None, value=orjson.dumps(body)
            )
            future.add_callback(on_ack)
        prod.flush(timeout=300)
    finally:
        prod.close(timeout=30)
    if sum(acked.values()) != len(events):
        raise RuntimeError(f"broker acknowledged {sum(acked.values())} of {len(events)}")
    return dict(acked)


@dataclass
class Outputs:
    """The output topics, read whole."""

    operators: list[dict[str, Any]] = field(default_factory=list)
    regulators: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    deadletters: list[dict[str, Any]] = field(default_factory=list)
    regulator_raw: list[bytes] = field(default_factory=list)


class ChaosRun:
    """Broker + workers + input for one scenario.

    Parameters
    ----------
    workdir
        Logs, data dirs and keys go here.
    partitions
        Partitions of every topic.
    durable
        ``s3://`` broker storage on a local ``moto_server`` instead of ``memory://``.
    worker_env
        Extra environment of every worker.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        partitions: int = 2,
        durable: bool = False,
        worker_env: dict[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.partitions = partitions
        self.durable = durable
        self.worker_env = dict(worker_env or {})
        self.app_id = f"chaos-{uuid.uuid4().hex[:8]}"
        self.keys_file = workdir / "keys.json"
        self.s3: MotoS3 | None = None
        self.broker: EmbeddedBroker | None = None
        self.workers: dict[str, WorkerProcess] = {}
        #: Highest events_total seen per worker incarnation (lower bound across kill -9).
        self.scored: Counter[str] = Counter()
        #: Redelivered messages each incarnation skipped as already applied.
        self.skipped: Counter[str] = Counter()
        self._incarnation: dict[str, int] = {}
        self.produced: dict[tuple[str, int], int] = {}
        self._producer: threading.Thread | None = None
        self._produce_error: BaseException | None = None
        self._offsets: KafkaConsumer | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> Self:
        self.workdir.mkdir(parents=True, exist_ok=True)
        write_dev_keys(self.keys_file, KEY_COUNTRIES)
        if self.durable:
            self.s3 = MotoS3(self.workdir / "moto.log").start()
        self.start_broker()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for worker in self.workers.values():
            with contextlib.suppress(Exception):
                worker.stop(timeout_s=15)
        self._close_offsets()
        if self.broker is not None:
            with contextlib.suppress(ProcessLookupError):
                if self.broker.pid is not None:
                    os.kill(self.broker.pid, signal.SIGCONT)
            self.broker.stop()
        if self.s3 is not None:
            self.s3.stop()

    def start_broker(self, port: int = 0) -> EmbeddedBroker:
        storage, env = ("memory://tansu/", None)
        if self.s3 is not None:
            storage, env = self.s3.storage, self.s3.env()
        self.broker = EmbeddedBroker(
            port, storage=storage, env=env, log_path=self.workdir / "tansu.log"
        ).start()
        return self.broker

    @property
    def bootstrap(self) -> str:
        assert self.broker is not None
        return self.broker.bootstrap

    def start_worker(self, name: str = "w1", *, ready: bool = True) -> WorkerProcess:
        """Start (or restart, keeping its data dir) worker ``name``."""
        assert self.broker is not None
        old = self.workers.get(name)
        worker = WorkerProcess(
            broker=self.broker.url,
            web_port=old.web_port if old is not None else free_port(),
            data_dir=self.workdir / name / "data",
            keys_file=self.keys_file,
            log_path=self.workdir / name / "worker.log",
            app_id=self.app_id,
            partitions=self.partitions,
            extra_args=(
                "--models",
                str(REPO / "models"),
                # s3 storage answers nothing to a fetch that ends before its read does
                *(("--fetch-wait-ms", "250") if self.durable else ()),
            ),
            env=self.worker_env,
        )
        self.workers[name] = worker.start()
        self._incarnation[name] = self._incarnation.get(name, 0) + 1
        if ready:
            worker.wait_ready(timeout_s=120)
        return worker

    def _key(self, name: str) -> str:
        return f"{name}#{self._incarnation[name]}"

    def sample(self, name: str) -> float:
        """Scrape worker ``name``'s input counter; remember the highest value seen."""
        worker = self.workers[name]
        try:
            text = worker.metrics_text()
        except OSError:
            return float(self.scored[self._key(name)])
        value = sum(metric_in(text, "earlywarn_events_total", topic=t) for t in INPUTS)
        skipped = metric_in(text, "earlywarn_redelivered_total")
        key = self._key(name)
        self.scored[key] = max(self.scored[key], int(value))
        self.skipped[key] = max(self.skipped[key], int(skipped))
        return value

    def wait_scoring(self, name: str, timeout_s: float, what: str, *, above: float = 0.0) -> float:
        """Wait until the current incarnation of worker ``name`` scored more than ``above``
        input events."""
        worker = self.workers[name]

        def scoring() -> bool:
            if not worker.running:
                raise RuntimeError(f"worker {name} exited:\n{worker.log_text()[-2000:]}")
            return self.sample(name) > above

        return wait_for(scoring, timeout_s, what)

    def scored_total(self) -> int:
        """Input events scored, summed over every worker incarnation (a lower bound)."""
        for name, worker in self.workers.items():
            if worker.running:
                self.sample(name)
        return sum(self.scored.values())

    # -- input -------------------------------------------------------------------------
    def produce(self, events: list[dict[str, Any]], *, background: bool = True) -> None:
        """Produce ``events`` (from a thread by default); counts per partition are kept."""

        def run() -> None:
            try:
                self.produced = produce_counted(self.bootstrap, events)
            except BaseException as exc:  # reported by wait_produced
                self._produce_error = exc

        if background:
            self._producer = threading.Thread(target=run, name="chaos-producer", daemon=True)
            self._producer.start()
        else:
            run()

    def produce_now(self, events: list[dict[str, Any]]) -> None:
        """Produce ``events`` and wait for the broker's acknowledgements."""
        for tp, count in produce_counted(self.bootstrap, events).items():
            self.produced[tp] = self.produced.get(tp, 0) + count

    def wait_scored(self, target: int, timeout_s: float, what: str) -> float:
        """Wait until the workers scored ``target`` input events (over all incarnations)."""
        return wait_for(lambda: self.scored_total() >= target, timeout_s, what)

    def wait_produced(self, timeout_s: float = 600) -> None:
        if self._producer is not None:
            self._producer.join(timeout_s)
            if self._producer.is_alive():
                raise TimeoutError("producer did not finish")
        if self._produce_error is not None:
            raise RuntimeError("producing the input failed") from self._produce_error

    # -- progress ----------------------------------------------------------------------
    def _close_offsets(self) -> None:
        if self._offsets is not None:
            with contextlib.suppress(Exception):
                self._offsets.close(autocommit=False)
            self._offsets = None

    def committed(self) -> dict[tuple[str, int], int]:
        """The workers' committed offsets of the input partitions."""
        if self._offsets is None:
            self._offsets = KafkaConsumer(
                bootstrap_servers=[self.bootstrap],
                group_id=self.app_id,
                enable_auto_commit=False,
                request_timeout_ms=5000,
            )
        out: dict[tuple[str, int], int] = {}
        for topic in INPUTS:
            for p in range(self.partitions):
                value = self._offsets.committed(TopicPartition(topic, p))
                out[(topic, p)] = int(value or 0)
        return out

    def committed_total(self) -> int:
        try:
            return sum(self.committed().values())
        except Exception:  # broker restarting: try again with a new client
            self._close_offsets()
            return -1

    def wait_progress(self, target: int, timeout_s: float, what: str) -> float:
        """Wait until the committed input offsets reach ``target``; sample the workers."""

        def reached() -> bool:
            self.scored_total()
            return self.committed_total() >= target

        return wait_for(reached, timeout_s, what)

    def wait_all_committed(self, timeout_s: float, stall_s: float = 120.0) -> float:
        """Wait until every produced input record is committed (scored at least once).

        Gives up when the workers' scored count has not grown for ``stall_s``, or after
        five times ``timeout_s`` at most: a slow run (a durable broker writes each batch
        to S3) that keeps making progress is waited for; a stuck one is not.
        """
        self.wait_produced()
        last = [-1, time.monotonic()]

        def done() -> bool:
            total, now = self.scored_total(), time.monotonic()
            if total > last[0]:
                last[:] = [total, now]
            elif now - last[1] > stall_s:
                raise TimeoutError(f"no input scored for {stall_s:.0f} s, at {total}")
            try:
                got = self.committed()
            except Exception:
                self._close_offsets()
                return False
            return all(got.get(tp, 0) >= n for tp, n in self.produced.items())

        return wait_for(done, 5 * timeout_s, "every input offset committed")

    def wait_quiet(self, stable_s: float, timeout_s: float) -> float:
        """Wait until no running worker handled a message (input or internal re-keyed
        record) for ``stable_s``: input offsets all committed is not yet the end of the
        re-keyed hops, which lag far behind on a durable broker."""

        def handled() -> float:
            total = 0.0
            for worker in self.workers.values():
                if worker.running:
                    with contextlib.suppress(OSError):
                        total += metric_in(worker.metrics_text(), "earlywarn_events_total")
            return total

        last = [handled(), time.monotonic()]

        def quiet() -> bool:
            now, total = time.monotonic(), handled()
            if total != last[0]:
                last[:] = [total, now]
            return now - last[1] >= stable_s

        return wait_for(quiet, timeout_s, f"no message handled for {stable_s:.0f} s")

    # -- output ------------------------------------------------------------------------
    def read_outputs(
        self, reference: Reference, timeout_s: float = 120, quiet_s: float = 10.0
    ) -> Outputs:
        """Read the output topics until every expected alert is there and nothing new
        arrived for 3 s, or nothing new arrived for ``quiet_s`` (or the deadline)."""
        regulator_topics = [TOPICS.regulator(cc) for cc in KEY_COUNTRIES]
        consumer = KafkaConsumer(
            bootstrap_servers=[self.bootstrap],
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # s3 storage answers nothing to a fetch that ends before its read does
            fetch_max_wait_ms=500 if self.durable else 50,
        )
        wanted = [TOPICS.alerts_operators, TOPICS.deadletter, *regulator_topics]
        out = Outputs()
        assigned: set[TopicPartition] = set()
        expected = set(reference.expected)
        deadline = time.monotonic() + timeout_s
        quiet_since = time.monotonic()
        try:
            while time.monotonic() < deadline:
                tps = {
                    TopicPartition(t, p)
                    for t in wanted
                    for p in consumer.partitions_for_topic(t) or ()
                }
                if tps != assigned:
                    consumer.assign(list(tps))
                    consumer.seek_to_beginning(*(tps - assigned))
                    assigned = tps
                got = 0
                for tp, records in consumer.poll(timeout_ms=500).items():
                    for r in records:
                        got += 1
                        if tp.topic == TOPICS.alerts_operators:
                            out.operators.append(orjson.loads(r.value))
                        elif tp.topic == TOPICS.deadletter:
                            out.deadletters.append(orjson.loads(r.value))
                        else:
                            out.regulators.setdefault(tp.topic, []).append(orjson.loads(r.value))
                            out.regulator_raw.append(bytes(r.value))
                if got:
                    quiet_since = time.monotonic()
                seen = {a["alert_id"] for a in out.operators}
                quiet = time.monotonic() - quiet_since
                if not seen and expected:
                    # Nothing read yet: a durable (s3) broker can take long over its first
                    # fetches from the start of every topic. Wait for the deadline.
                    continue
                if quiet > (3.0 if expected <= seen else quiet_s):
                    break
        finally:
            consumer.close(autocommit=False)
        return out


@dataclass
class Figures:
    """One scenario's figures, as in the published table."""

    scenario: str
    events_in: int
    events_scored: int
    committed: bool
    alerts_expected: int
    alerts_seen: int
    missing: int
    unexpected: int
    raw_records: int
    raw_duplicates: int
    recovery_s: list[float]
    #: (typology, entity) pairs the replay alerted on, and those the run raised no alert
    #: for under any id: an alert whose window moved (another id) still reached its reader.
    entities_expected: int
    entities_missing: int
    seconds: float
    notes: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def figures(
    scenario: str,
    run: ChaosRun,
    reference: Reference,
    outputs: Outputs,
    *,
    recovery_s: list[float],
    seconds: float,
    committed: bool,
    notes: dict[str, Any] | None = None,
) -> Figures:
    """Compare what the run wrote with the replay reference."""
    expected = reference.expected
    got = final(outputs.operators)
    distinct = {(a["alert_id"], a["severity"], a.get("revision")) for a in outputs.operators}
    missing = sorted(set(expected) - set(got))
    unexpected = sorted(set(got) - reference.allowed)
    extra = dict(notes or {})
    extra["redelivered_skipped"] = sum(run.skipped.values())
    if missing:
        extra["missing_by_typology"] = dict(Counter(expected[m][0] for m in missing))
        entity = {a["alert_id"]: (a["typology"], a["entity_id"]) for a in reference.alerts}
        raised = {(a["typology"], a["entity_id"]) for a in outputs.operators}
        # A missing alert whose (typology, entity) was raised under another id moved window;
        # one with no alert at all for that entity was lost.
        extra["missing_entity_alerted_other_id"] = sum(1 for m in missing if entity[m] in raised)
    if unexpected:
        extra["unexpected_by_typology"] = dict(Counter(got[u][0] for u in unexpected))
    pairs = {(a["typology"], a["entity_id"]) for a in reference.alerts if a["alert_id"] in expected}
    raised = {(a["typology"], a["entity_id"]) for a in outputs.operators}
    lost = pairs - raised
    if lost:
        extra["entities_missing_by_typology"] = dict(Counter(t for t, _ in lost))
    # Entities the run alerted on that the replay never did (any id, any typology kept).
    new = raised - {(a["typology"], a["entity_id"]) for a in reference.alerts}
    if new:
        extra["entities_not_in_replay_by_typology"] = dict(Counter(t for t, _ in new))
    return Figures(
        scenario=scenario,
        events_in=len(reference.events),
        events_scored=run.scored_total(),
        committed=committed,
        alerts_expected=len(expected),
        alerts_seen=len(set(got) & set(expected)),
        missing=len(missing),
        unexpected=len(unexpected),
        raw_records=len(outputs.operators),
        raw_duplicates=len(outputs.operators) - len(distinct),
        recovery_s=[round(r, 1) for r in recovery_s],
        entities_expected=len(pairs),
        entities_missing=len(lost),
        seconds=round(seconds, 1),
        notes=extra,
    )
