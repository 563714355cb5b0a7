"""``make bench``: every figure of issue 6 in one run, printed as a table and saved as JSON.

Each row says how it was measured. Broker, producers and workers share this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from earlywarn.alerts import write_dev_keys
from earlywarn.broker import EmbeddedBroker, create_topics
from earlywarn.stream.process import WorkerProcess
from loadtest.bench import core, e2e, peers
from loadtest.bench.traffic import INPUTS, scenario_messages, wangiri_bursts

RESULTS = Path(__file__).resolve().parents[1] / "results"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker(broker: EmbeddedBroker, work: Path, name: str, keys: Path) -> WorkerProcess:
    return WorkerProcess(
        broker=broker.url,
        web_port=_port(),
        data_dir=work / name / "data",
        keys_file=keys,
        log_path=work / name / "worker.log",
        app_id="bench",
        partitions=4,
    )


def run(events: int, seconds: float, memory_counts: tuple[int, ...]) -> dict[str, Any]:
    res: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {_cpus()} cores",
        "events": events,
        "load_avg_start": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"building {events:,} simulated events ...", flush=True)
    messages = scenario_messages(events)
    payments = sum(1 for m in messages if m[0] == "payments.events")
    print("core throughput ...", flush=True)
    res["core"] = core.core_throughput(messages)
    print("memory per entity ...", flush=True)
    res["memory"] = core.memory_per_entity(memory_counts)
    work = Path(tempfile.mkdtemp(prefix="ew-bench-"))
    keys = work / "keys.json"
    write_dev_keys(keys, ("TH", "MY", "ID", "PH", "VN", "SG", "NG"))
    with EmbeddedBroker(port=0, log_path=work / "broker.log") as broker:
        create_topics(broker.bootstrap, dict.fromkeys(INPUTS, 4))
        print("preload, raw ceiling, textbook peer ...", flush=True)
        res["preload_per_s"] = round(peers.preload(broker.bootstrap, messages))
        res["raw_ceiling"] = round(peers.raw_ceiling(broker.bootstrap, len(messages)))
        res["textbook_peer"] = round(peers.textbook_peer(broker.bootstrap, len(messages), work))
        print("earlywarn worker: drain ...", flush=True)
        worker = _worker(broker, work, "w1", keys).start()
        try:
            worker.wait_ready()
            rates = e2e.drain_rate([worker], len(messages), payments)
            drain = rates["per_s"]
            res["worker_drain"] = round(drain)
            res["worker_drain_inputs"] = round(rates["inputs_per_s"])
            bursts = list(wangiri_bursts(400))
            msgs = work / "messages.pkl"
            e2e.write_messages(msgs, messages, bursts)

            def pacer(rate: float, secs: float) -> Any:
                return e2e.spawn(
                    "pace",
                    broker.bootstrap,
                    str(msgs),
                    str(rate),
                    str(secs),
                    str(work / f"sent-{rate:.0f}.json"),
                    log=work / "pace.log",
                )

            print("earlywarn worker: sustained rate ...", flush=True)
            best: dict[str, Any] | None = None
            for share in (0.9, 0.75, 0.6, 0.45):
                trial = e2e.sustained(worker, pacer, round(drain * share), seconds)
                res.setdefault("sustained_trials", []).append(trial)
                if trial["bounded"]:
                    best = trial
                    break
            res["sustained"] = best
            # Latency at 50 % and 80 % of the sustained rate; when no rate tried kept lag
            # bounded, of the lowest rate tried (recorded as latency_reference).
            ref = best["rate"] if best is not None else res["sustained_trials"][-1]["rate"]
            res["latency_reference"] = {"rate": ref, "sustained": best is not None}
            if ref:
                for share in (0.5, 0.8):
                    rate = round(ref * share)
                    print(f"latency at {rate} ev/s ...", flush=True)
                    e2e.wait_idle([worker])  # start caught up, internal hops included
                    res[f"latency_{int(share * 100)}"] = _latency(
                        broker, work, messages, rate, seconds
                    )
        finally:
            worker.stop()
    with EmbeddedBroker(port=0, log_path=work / "broker2.log") as broker:
        print("scale-out: 1 vs 2 workers ...", flush=True)
        create_topics(broker.bootstrap, dict.fromkeys(INPUTS, 4))
        peers.preload(broker.bootstrap, messages)
        two = [_worker(broker, work, f"s{i}", keys).start() for i in range(2)]
        try:
            for w in two:
                w.wait_ready()
            rate2 = e2e.drain_rate(two, len(messages), payments)["per_s"]
            scored = sum(e2e.scored(w) for w in two)
            keys_two = {t: sum(w.tables()[t]["keys"] for w in two) for t in ("callers", "debits")}
        finally:
            for w in two:
                w.stop()
    res["scale_out"] = {
        "one_worker": res["worker_drain"],
        "two_workers": round(rate2),
        "events_scored": scored,
        "events_sent": len(messages),
        "table_keys": keys_two,
    }
    return res


def _latency(
    broker: EmbeddedBroker, work: Path, messages: list[Any], rate: int, seconds: float
) -> Any:
    """Alerts need callers that have not alerted yet (dedup window): fresh bursts per run."""
    stop, arrived = work / f"stop-{rate}", work / f"arrived-{rate}.json"
    msgs = work / f"messages-{rate}.pkl"
    e2e.write_messages(msgs, messages, list(wangiri_bursts(400, seed=rate)))

    def pacer(rate: float, secs: float) -> Any:
        sent = str(work / f"sent-{rate:.0f}.json")
        return e2e.spawn(
            "pace", broker.bootstrap, str(msgs), str(rate), str(secs), sent, log=work / "pace.log"
        )

    clock = e2e.spawn(
        "clock",
        broker.bootstrap,
        "earlywarn.alerts.operators",
        str(arrived),
        str(stop),
        log=work / "clock.log",
    )
    time.sleep(2.0)  # the clock consumer starts at the topic's end: let it join first
    proc = pacer(rate, seconds)
    proc.wait()
    time.sleep(3.0)  # the last alerts of the run are still on their way
    stop.touch()
    clock.wait(30)
    sent = json.loads((work / f"sent-{rate}.json").read_text())
    got = [tuple(x) for x in json.loads(arrived.read_text())]
    return {"rate": rate, **e2e.latency_quantiles(sent, got)}


def _cpus() -> int:
    return os.cpu_count() or 0


CORE_HOW = "Pipeline over encoded events and every forward they raise, one process, no Kafka"
MEM_HOW = "one call from each of N callers; RSS delta / N"
LAT_HOW = "produce time of the triggering event -> alert read by a separate process"


def rows(res: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(figure, value, how it was measured) for every figure in ``res``."""
    out: list[tuple[str, str, str]] = []
    for ch in ("cdr", "sms", "payments", "mixed"):
        c = res["core"][ch]
        value = (
            f"{c['events_per_s']:,} ev/s wall, {c.get('events_per_cpu_s', 0):,} per CPU s"
            f" ({c.get('internal_records', 0) / max(1, c['events']):.2f} internal records/event)"
        )
        out.append((f"core throughput, {ch}", value, CORE_HOW))
    for n, m in res["memory"].items():
        value = (
            f"{m['rss_bytes_per_entity']} B RSS/entity ({m['state_bytes_per_entity']} B state),"
            f" {m['us_per_event']} us/event"
        )
        out.append((f"memory at {int(n):,} entities", value, MEM_HOW))
    out.append(("raw ceiling", f"{res['raw_ceiling']:,} ev/s", "aiokafka getmany + buffered send"))
    out.append(("textbook peer", f"{res['textbook_peer']:,} ev/s", "Faust agent, await send/event"))
    drain = res["worker_drain"]
    value = (
        f"{drain:,} ev/s ({drain / res['raw_ceiling']:.1%} of raw,"
        f" {drain / res['textbook_peer']:.2f}x peer)"
    )
    how = "1 worker, 4 partitions, all detectors on; until no lag on any topic, internal hops too"
    if "worker_drain_inputs" in res:
        how += f" (inputs alone scored at {res['worker_drain_inputs']:,} ev/s)"
    out.append(("earlywarn worker, drain", value, how))
    s = res.get("sustained")
    out.append(
        (
            f"sustained, lag bounded {res.get('seconds', 60):.0f} s",
            f"{s['rate']:,} ev/s" if s else "none of the rates tried",
            "paced aiokafka producer; input lag and backlog on every topic (internal hops"
            " too) from worker metrics every second",
        )
    )
    for key in ("latency_50", "latency_80"):
        if key in res:
            lat = res[key]
            value = (
                f"p50 {lat.get('p50_ms')} ms, p99 {lat.get('p99_ms')} ms,"
                f" p99.9 {lat.get('p999_ms')} ms ({lat['samples']} alerts)"
            )
            out.append((f"event->alert at {lat['rate']:,} ev/s", value, LAT_HOW))
    so = res["scale_out"]
    value = (
        f"1: {so['one_worker']:,} ev/s, 2: {so['two_workers']:,} ev/s;"
        f" scored {so['events_scored']:.0f} of {so['events_sent']}"
    )
    out.append(("scale-out, 1 vs 2 workers", value, "same group, 4 partitions"))
    return out


def render(res: dict[str, Any]) -> str:
    head = f"earlywarn bench {res['date']} on {res['machine']}; {res['events']:,} events"
    if "load_avg_start" in res:
        head += f"; load avg {res['load_avg_start']} at start, {res.get('load_avg_end')} at end"
    lines = [head, "| figure | value | how |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows(res)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m loadtest.bench.run")
    p.add_argument("--events", type=int, default=100_000)
    p.add_argument("--seconds", type=float, default=60.0, help="sustained-rate window")
    p.add_argument("--quick", action="store_true", help="20k events, 20 s windows")
    args = p.parse_args(argv)
    if args.quick:
        res = run(20_000, 20.0, (10_000, 100_000))
        res["seconds"] = 20.0
    else:
        res = run(args.events, args.seconds, (10_000, 100_000, 1_000_000))
        res["seconds"] = args.seconds
    res["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    table = render(res)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{res['date'][:10]}{'-quick' if args.quick else ''}.json"
    out.write_text(json.dumps(res, indent=2) + "\n")
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
