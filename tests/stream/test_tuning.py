"""The producer drain: one request per broker per linger, batches never held longer."""

from __future__ import annotations

import asyncio
import time

from aiokafka.producer.message_accumulator import MessageAccumulator
from aiokafka.structs import TopicPartition

from earlywarn.stream.tuning import install_node_drain


class _Leaders:
    """Partition leaders as aiokafka's cluster metadata reports them."""

    def __init__(self, leaders: dict[TopicPartition, int]) -> None:
        self.leaders = leaders

    def leader_for_partition(self, tp: TopicPartition) -> int | None:
        return self.leaders.get(tp)


def _accumulator(leaders: dict[TopicPartition, int], linger_ms: int) -> MessageAccumulator:
    return MessageAccumulator(
        _Leaders(leaders), 16384, 0, 30.0, loop=asyncio.get_running_loop(), linger_ms=linger_ms
    )


async def _add(acc: MessageAccumulator, tp: TopicPartition) -> None:
    await acc.add_message(tp, b"k", b"v", timeout=1.0)


def test_installs_once() -> None:
    install_node_drain()
    assert install_node_drain() is False


def test_a_ready_batch_takes_every_batch_of_its_node_along() -> None:
    asyncio.run(_test_a_ready_batch_takes_every_batch_of_its_node_along())


async def _test_a_ready_batch_takes_every_batch_of_its_node_along() -> None:
    install_node_drain()
    a, b, c = (TopicPartition("t", i) for i in range(3))
    acc = _accumulator({a: 0, b: 0, c: 1}, linger_ms=50)
    await _add(acc, a)
    time.sleep(0.06)  # a's linger has run out; b and c were just created
    await _add(acc, b)
    await _add(acc, c)
    nodes, unknown = acc.drain_by_nodes(ignore_nodes=set())
    assert not unknown
    drained = {n: sorted(tp.partition for tp in batches) for n, batches in nodes.items()}
    assert drained == {0: [0, 1]}
    # c (node 1) still lingers; the sender is woken when its linger runs out
    assert acc._wakeup_handle is not None
    time.sleep(0.06)
    nodes, _ = acc.drain_by_nodes(ignore_nodes=set())
    assert {n: list(batches) for n, batches in nodes.items()} == {1: [c]}


def test_nothing_ready_nothing_sent_and_busy_nodes_skipped() -> None:
    asyncio.run(_test_nothing_ready_nothing_sent_and_busy_nodes_skipped())


async def _test_nothing_ready_nothing_sent_and_busy_nodes_skipped() -> None:
    install_node_drain()
    a, b = TopicPartition("t", 0), TopicPartition("t", 1)
    acc = _accumulator({a: 0, b: 1}, linger_ms=1000)
    await _add(acc, a)
    nodes, _ = acc.drain_by_nodes(ignore_nodes=set())
    assert dict(nodes) == {}
    acc2 = _accumulator({a: 0, b: 1}, linger_ms=0)
    await _add(acc2, a)
    await _add(acc2, b)
    nodes, _ = acc2.drain_by_nodes(ignore_nodes={0})  # a request to node 0 is in flight
    assert {n: list(batches) for n, batches in nodes.items()} == {1: [b]}
    nodes, _ = acc2.drain_by_nodes(ignore_nodes=set())
    assert {n: list(batches) for n, batches in nodes.items()} == {0: [a]}


def test_unknown_leader_is_reported_and_kept() -> None:
    asyncio.run(_test_unknown_leader_is_reported_and_kept())


async def _test_unknown_leader_is_reported_and_kept() -> None:
    install_node_drain()
    a = TopicPartition("t", 0)
    acc = _accumulator({}, linger_ms=0)
    await _add(acc, a)
    nodes, unknown = acc.drain_by_nodes(ignore_nodes=set())
    assert unknown and dict(nodes) == {}
    assert a in acc._batches  # not expired yet: kept for when the leader is known


def test_a_small_backlog_that_does_not_move_counts_as_behind() -> None:
    from earlywarn.stream.tuning import CATCHUP_LAG, STALL_CHECKS, count_stalls, is_behind

    a, b = ("earlywarn.internal.by-imei", 0), ("telco.cdr", 1)
    assert not is_behind({a: (0, 7), b: (CATCHUP_LAG, 99)}, {})
    assert is_behind({a: (0, 7), b: (CATCHUP_LAG + 1, 99)}, {})
    # a lags 12 records and stays at offset 7, check after check; b keeps moving
    stalls: dict[tuple[str, int], int] = {}
    previous: dict[tuple[str, int], int | None] = {}
    seen = []
    for i in range(STALL_CHECKS + 1):
        now = {a: (12, 7), b: (50, 100 + i)}
        stalls = count_stalls(now, previous, stalls)
        previous = {k: pos for k, (_, pos) in now.items()}
        seen.append(is_behind(now, stalls))
    assert seen == [False] * STALL_CHECKS + [True]
    assert stalls[b] == 0
    # once a moves (or catches up), it is not stuck any more
    assert count_stalls({a: (5, 9)}, previous, stalls) == {a: 0}
    assert count_stalls({a: (0, 7)}, previous, stalls) == {a: 0}
    # a partition never read, with data waiting, is stuck the same way
    assert count_stalls({a: (12, None)}, {a: None}, {a: 2}) == {a: 3}
