"""How long a fetch must be allowed to wait on the embedded broker (bugs 7 and 8 of
``tests/RELIABILITY.md``).

``python -m loadtest.chaos.fetchwait catchup N WAITS``: N one-record batches, then a
consumer reads them from the start once per wait (ms). ``... tail N WAITS``: a consumer
tails a topic on ``s3://`` storage (a local moto server) while N records are produced.
Each prints how many records were read and how long it took (60 s at most).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from earlywarn.broker import EmbeddedBroker
from loadtest.chaos.s3 import MotoS3

LIMIT_S = 60.0


async def _read(bootstrap: str, n: int, wait_ms: int, group: str | None) -> tuple[int, float]:
    consumer = AIOKafkaConsumer(
        "t",
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=wait_ms,
        enable_auto_commit=False,
        group_id=group,
    )
    await consumer.start()
    got, started = 0, time.monotonic()
    try:
        while got < n and time.monotonic() - started < LIMIT_S:
            batch = await consumer.getmany(timeout_ms=500)
            got += sum(len(v) for v in batch.values())
    finally:
        await consumer.stop()
    return got, time.monotonic() - started


async def catchup(bootstrap: str, n: int, waits: list[int]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    for i in range(n):  # one record per batch, as a worker's changelog gets them
        await producer.send_and_wait("t", b"x" * 600, key=b"k%d" % (i % 1000))
    await producer.stop()
    for wait in waits:
        got, took = await _read(bootstrap, n, wait, None)
        print(f"catchup n={n} wait={wait} ms: read {got} in {took:.1f} s", flush=True)


async def tail(bootstrap: str, n: int, wait: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()

    async def produce() -> None:
        for i in range(n):
            await producer.send("t", b"x%d" % i, key=b"k")
            if i % 10 == 9:
                await asyncio.sleep(0.02)
        await producer.flush()

    task = asyncio.create_task(produce())
    got, took = await _read(bootstrap, n, wait, "tail")
    await task
    await producer.stop()
    print(f"tail (s3) n={n} wait={wait} ms: read {got} in {took:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m loadtest.chaos.fetchwait", description=__doc__)
    p.add_argument("mode", choices=("catchup", "tail"))
    p.add_argument("n", type=int)
    p.add_argument("waits", help="comma-separated fetch waits, ms")
    args = p.parse_args(argv)
    waits = [int(w) for w in args.waits.split(",")]
    work = Path(tempfile.mkdtemp(prefix="ew-fetchwait-"))
    for wait in waits if args.mode == "tail" else [0]:
        s3 = MotoS3(work / f"moto{wait}.log").start() if args.mode == "tail" else None
        storage, env = (s3.storage, s3.env()) if s3 is not None else ("memory://tansu/", None)
        try:
            with EmbeddedBroker(0, storage=storage, env=env) as broker:
                admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
                admin.create_topics([NewTopic("t", 1, 1)])
                admin.close()
                if args.mode == "tail":
                    asyncio.run(tail(broker.bootstrap, args.n, wait))
                else:
                    asyncio.run(catchup(broker.bootstrap, args.n, waits))
        finally:
            if s3 is not None:
                s3.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
