"""Tansu's end-offset bug (BROKER.md #2), shown on raw aiokafka, and the client-side fix."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from earlywarn.broker import (
    EmbeddedBroker,
    install_faust_fix,
    is_faust_fix_installed,
    true_highwaters,
    uninstall_faust_fix,
)

pytestmark = pytest.mark.integration

BATCHES = 4
PER_BATCH = 50
TOTAL = BATCHES * PER_BATCH  # 200


async def _produce_batches(bootstrap: str, tp: TopicPartition, batches: int, size: int) -> None:
    """Produce ``batches`` record batches of ``size`` records each, one batch per request."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for b in range(batches):
            batch = producer.create_batch()
            for i in range(size):
                meta = batch.append(key=None, value=f"{b}:{i}".encode(), timestamp=None)
                assert meta is not None, "batch full: lower the batch size"
            future = await producer.send_batch(batch, tp.topic, partition=tp.partition)
            await future  # acked: the next batch gets its own base offset
    finally:
        await producer.stop()


async def _reported_end_offsets(
    bootstrap: str, tps: list[TopicPartition]
) -> dict[TopicPartition, int]:
    """End offsets as ListOffsets(LATEST) reports them (what Faust's recovery uses)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(tps))
    finally:
        await consumer.stop()


@pytest.fixture
def fix_installed() -> Iterator[None]:
    """Install the Faust patch for one test and remove it afterwards."""
    was_installed = is_faust_fix_installed()
    install_faust_fix()
    yield
    if not was_installed:
        uninstall_faust_fix()


def test_end_offsets_are_low_and_true_highwaters_fixes_them(
    broker: EmbeddedBroker, make_topic: Callable[..., str]
) -> None:
    tp = TopicPartition(make_topic("eo"), 0)

    async def scenario() -> tuple[int, int]:
        await _produce_batches(broker.bootstrap, tp, BATCHES, PER_BATCH)
        reported = await _reported_end_offsets(broker.bootstrap, [tp])
        fixed = await true_highwaters(broker.bootstrap, reported)
        return reported[tp], fixed[tp]

    reported, fixed = asyncio.run(scenario())
    # The bug: base offset of the last batch + 1 (here 3 * 50 + 1 = 151), not 200. If a newer
    # broker reports 200, the bug is gone and install_faust_fix() is no longer needed.
    assert reported == (BATCHES - 1) * PER_BATCH + 1 < TOTAL
    assert fixed == TOTAL


def test_true_highwaters_across_partitions(
    broker: EmbeddedBroker, make_topic: Callable[..., str]
) -> None:
    topic = make_topic("eo3", 3)
    full, empty, single = (TopicPartition(topic, p) for p in range(3))

    async def scenario() -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
        await _produce_batches(broker.bootstrap, full, BATCHES, PER_BATCH)
        await _produce_batches(broker.bootstrap, single, 1, 7)
        reported = await _reported_end_offsets(broker.bootstrap, [full, empty, single])
        return reported, await true_highwaters(broker.bootstrap, reported)

    reported, fixed = asyncio.run(scenario())
    assert reported[empty] == 0
    assert fixed == {full: TOTAL, empty: 0, single: 7}


def test_true_highwaters_without_work_needs_no_broker() -> None:
    tp = TopicPartition("nothing-here", 0)
    # Every partition reported empty: returns at once, no connection attempted.
    assert asyncio.run(true_highwaters("127.0.0.1:1", {tp: 0})) == {tp: 0}
    with pytest.raises(ValueError, match="fetch_max_wait_ms"):
        asyncio.run(true_highwaters("127.0.0.1:1", {tp: 5}, fetch_max_wait_ms=0))


def test_install_faust_fix_is_idempotent(fix_installed: None) -> None:
    assert is_faust_fix_installed()
    assert install_faust_fix() is False  # already in place
    assert is_faust_fix_installed()


def test_faust_highwaters_patch_returns_true_end(
    broker: EmbeddedBroker, make_topic: Callable[..., str]
) -> None:
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread
    from faust.types import TP

    topic = make_topic("faust")
    tp = TP(topic, 0)

    async def highwaters() -> dict[TP, int]:
        # The worker's own consumer, as Faust's consumer thread holds it. Only the parts of
        # the thread that _highwaters touches are stood in.
        consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=None)
        await consumer.start()
        try:
            thread: Any = SimpleNamespace(
                consumer=SimpleNamespace(in_transaction=False),
                _ensure_consumer=lambda: consumer,
            )
            return dict(await AIOKafkaConsumerThread._highwaters(thread, [tp]))
        finally:
            await consumer.stop()

    asyncio.run(_produce_batches(broker.bootstrap, TopicPartition(topic, 0), BATCHES, PER_BATCH))
    was_installed = uninstall_faust_fix()
    try:
        before = asyncio.run(highwaters())  # what Faust's table recovery would wait for
        install_faust_fix()
        after = asyncio.run(highwaters())
    finally:
        if not was_installed:
            uninstall_faust_fix()
    assert before[tp] < TOTAL
    assert after == {tp: TOTAL}
