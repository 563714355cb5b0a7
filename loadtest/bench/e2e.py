"""earlywarn workers end to end on the embedded broker: capacity, sustained rate, latency.

Also runnable as two small helper processes (``python -m loadtest.bench.e2e pace|clock``):
a paced producer that logs when it sent each burst event, and a separate alert consumer
that logs when each alert arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import pickle
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from earlywarn.stream.process import WorkerProcess
from loadtest.bench.traffic import INPUTS, Message

BY_PAYEE = "earlywarn.payments.by-payee"


def scored(worker: WorkerProcess) -> float:
    return sum(worker.metric("earlywarn_events_total", topic=t) for t in INPUTS)


def backlog(worker: WorkerProcess) -> float:
    """Messages the worker is behind on every topic it reads, internal re-keyed hops
    included (its ``earlywarn_consumer_lag_messages`` gauge, refreshed every second)."""
    return worker.metric("earlywarn_consumer_lag_messages")


def wait_idle(workers: list[WorkerProcess], timeout_s: float = 300) -> float:
    """Block until no worker is behind on any topic (two zero reads 1.5 s apart); returns
    the time (``perf_counter``) of the first of those reads."""
    deadline = time.monotonic() + timeout_s
    zero_since: float | None = None
    while time.monotonic() < deadline:
        now = time.perf_counter()
        if sum(backlog(w) for w in workers) > 0:
            zero_since = None
        elif zero_since is None:
            zero_since = now
        elif now - zero_since >= 1.5:
            return zero_since
        time.sleep(0.5)
    raise TimeoutError(f"workers still behind after {timeout_s}s")


def drain_rate(
    workers: list[WorkerProcess], total: int, payments: int, timeout_s: float = 600
) -> dict[str, float]:
    """Events/s while ``workers`` work through ``total`` preloaded events.

    ``inputs_per_s`` stops the clock when every input event (and every payment's payee
    side) is scored; ``per_s`` when the internal re-keyed hops they raised are drained too
    (no lag on any topic), which is what a worker can really keep up with.
    """
    first: tuple[float, float] | None = None
    deadline = time.monotonic() + timeout_s
    done = 0.0
    while time.monotonic() < deadline:
        now = time.perf_counter()
        done = sum(scored(w) for w in workers)
        credits = sum(w.metric("earlywarn_events_total", topic=BY_PAYEE) for w in workers)
        if first is None and done > 0:
            first = (now, done)
        if done >= total and credits >= payments and first is not None:
            idle = wait_idle(workers, timeout_s)
            n = total - first[1]
            return {
                "inputs_per_s": n / max(1e-9, now - first[0]),
                "per_s": n / max(1e-9, idle - first[0]),
            }
        time.sleep(0.5)  # each poll renders /metrics: 4 % of the worker at 0.25 s
    raise TimeoutError(f"workers scored {done} of {total} in {timeout_s}s")


def bounded(samples: list[float], rate: float) -> bool:
    """Whether a lag series stayed bounded: over its second half it never exceeds 2 s of
    input at ``rate`` and ends no more than 1 s of input above where that half began.

    >>> bounded([0, 900, 300, 200, 250, 100], rate=500)
    True
    >>> bounded([0, 100, 400, 700, 900, 1100], rate=500)  # creeping up
    False
    """
    tail = samples[len(samples) // 2 :] or [0.0]
    return max(tail) <= 2 * rate and tail[-1] <= max(tail[0], 1.0) + rate


def sustained(
    worker: WorkerProcess,
    start_pacer: Callable[[float, float], subprocess.Popen[bytes]],
    rate: float,
    seconds: float,
) -> dict[str, Any]:
    """Pace ``rate`` ev/s for ``seconds``, sampling lag every second: input events not yet
    scored, and the worker's backlog on every topic (internal hops included). Bounded when,
    over the second half, neither exceeds 2 s of input nor ends above where it began (+1 s).
    """
    wait_idle([worker])
    base = scored(worker)
    proc = start_pacer(rate, seconds)
    started = time.monotonic()
    lags: list[float] = []
    backlogs: list[float] = []
    while proc.poll() is None:
        time.sleep(1.0)
        produced = min(rate * (time.monotonic() - started), rate * seconds)
        lags.append(max(0.0, produced - (scored(worker) - base)))
        backlogs.append(backlog(worker))
    return {
        "rate": rate,
        "seconds": seconds,
        "max_lag": round(max(lags or [0.0])),
        "final_lag": round(lags[-1] if lags else 0.0),
        "max_backlog": round(max(backlogs or [0.0])),
        "final_backlog": round(backlogs[-1] if backlogs else 0.0),
        "bounded": bounded(lags, rate) and bounded(backlogs, rate),
    }


def latency_quantiles(sent: dict[str, float], arrived: list[tuple[str, float]]) -> dict[str, Any]:
    """p50/p99/p99.9 of alert arrival minus the send time of the event that triggered it."""
    samples = sorted(t - sent[eid] for eid, t in arrived if eid in sent)
    if not samples:
        return {"samples": 0}

    def q(p: float) -> float:
        return samples[min(len(samples) - 1, int(p * len(samples)))] * 1000

    return {
        "samples": len(samples),
        "p50_ms": round(q(0.5), 1),
        "p99_ms": round(q(0.99), 1),
        "p999_ms": round(q(0.999), 1),
        "mean_ms": round(statistics.fmean(samples) * 1000, 1),
    }


# -- helper processes ---------------------------------------------------------------
async def _pace(bootstrap: str, path: Path, rate: float, seconds: float, log: Path) -> None:
    from aiokafka import AIOKafkaProducer

    normal, bursts = pickle.loads(path.read_bytes())
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=2)
    await producer.start()
    sent: dict[str, float] = {}
    slot = 0.01
    per_slot = rate * slot
    total = int(rate * seconds)
    burst_every = max(1, total // max(1, len(bursts) * 30))
    started = time.perf_counter()
    n = i = b = 0
    try:
        while n < total:
            due = int((time.perf_counter() - started) / slot * per_slot) + int(per_slot)
            while n < min(due, total):
                if b < len(bursts) * 30 and n % burst_every == 0:
                    topic, key, value = bursts[b // 30][b % 30]
                    b += 1
                    sent[orjson.loads(value)["event_id"]] = time.time()
                else:
                    topic, key, value = normal[i % len(normal)]
                    i += 1
                await producer.send(topic, key=key, value=value)
                n += 1
            await asyncio.sleep(slot)
        await producer.flush()
    finally:
        await producer.stop()
        log.write_bytes(orjson.dumps(sent))


async def _clock(bootstrap: str, topic: str, log: Path, stop_file: Path) -> None:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="latest",
        group_id=None,
        fetch_max_wait_ms=5,
    )
    await consumer.start()
    arrived: list[tuple[str, float]] = []
    try:
        while not stop_file.exists():
            batches = await consumer.getmany(timeout_ms=100)
            now = time.time()
            for records in batches.values():
                for r in records:
                    alert = orjson.loads(r.value)
                    if alert.get("trigger_event_id"):
                        arrived.append((alert["trigger_event_id"], now))
    finally:
        await consumer.stop()
        log.write_bytes(orjson.dumps(arrived))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m loadtest.bench.e2e")
    sub = p.add_subparsers(dest="cmd", required=True)
    pace = sub.add_parser("pace")
    pace.add_argument("bootstrap")
    pace.add_argument("messages", type=Path)
    pace.add_argument("rate", type=float)
    pace.add_argument("seconds", type=float)
    pace.add_argument("log", type=Path)
    clock = sub.add_parser("clock")
    clock.add_argument("bootstrap")
    clock.add_argument("topic")
    clock.add_argument("log", type=Path)
    clock.add_argument("stop_file", type=Path)
    args = p.parse_args(argv)
    if args.cmd == "pace":
        asyncio.run(_pace(args.bootstrap, args.messages, args.rate, args.seconds, args.log))
    else:
        asyncio.run(_clock(args.bootstrap, args.topic, args.log, args.stop_file))
    return 0


def write_messages(path: Path, normal: list[Message], bursts: list[list[Message]]) -> None:
    path.write_bytes(pickle.dumps((normal, bursts)))


def spawn(*args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "loadtest.bench.e2e", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
        )


if __name__ == "__main__":
    sys.exit(main())
