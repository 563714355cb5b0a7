"""What earlywarn is judged against, on the same broker in the same run.

* raw ceiling: a plain aiokafka consumer that reads the input topics and forwards every
  message in batches (``getmany`` + buffered ``send``), doing nothing else;
* textbook peer: a Faust agent per input topic that decodes each event as JSON and does
  ``await topic.send()`` per event (:mod:`loadtest.bench.peer_app`).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from loadtest.bench.traffic import INPUTS, Message


async def _preload(bootstrap: str, messages: list[Message], rename: str = "") -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    await producer.start()
    try:
        futures = [
            await producer.send(rename + topic, key=key, value=value)
            for topic, key, value in messages
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def preload(bootstrap: str, messages: list[Message], *, prefix: str = "") -> float:
    """Produce ``messages`` (aiokafka, acks=all); returns messages/s."""
    started = time.perf_counter()
    asyncio.run(_preload(bootstrap, messages, prefix))
    return len(messages) / (time.perf_counter() - started)


async def _raw_forward(bootstrap: str, topics: list[str], total: int, out: str) -> float:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=10,
        max_partition_fetch_bytes=4 << 20,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await consumer.start()
    await producer.start()
    try:
        tps = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        seen = 0
        pending = []
        started = time.perf_counter()
        while seen < total:
            batches = await consumer.getmany(timeout_ms=100, max_records=5000)
            for records in batches.values():
                for r in records:
                    pending.append(await producer.send(out, key=r.key, value=r.value))
                seen += len(records)
        await asyncio.gather(*pending)
        return total / (time.perf_counter() - started)
    finally:
        await consumer.stop()
        await producer.stop()


def raw_ceiling(bootstrap: str, total: int, *, prefix: str = "") -> float:
    """Events/s of the raw aiokafka read-and-forward loop over the preloaded inputs."""
    topics = [prefix + t for t in INPUTS]
    return asyncio.run(_raw_forward(bootstrap, topics, total, prefix + "bench.raw-out"))


def textbook_peer(bootstrap: str, total: int, workdir: Path, *, prefix: str = "") -> float:
    """Events/s of the textbook Faust agent (JSON decode, ``await send`` per event)."""
    result = workdir / "peer-result.txt"
    env = {
        **os.environ,
        "PEER_BROKER": f"kafka://{bootstrap}",
        "PEER_TOTAL": str(total),
        "PEER_PREFIX": prefix,
        "PEER_RESULT": str(result),
        "PEER_DATADIR": str(workdir),
    }
    log = (workdir / "peer.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "loadtest.bench.peer_app"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 600
        while not result.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"textbook peer failed; see {workdir / 'peer.log'}")
            time.sleep(0.2)
        return float(result.read_text())
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()
