"""Worker tuning Faust has no setting for.

Faust's aiokafka driver asks every fetch to wait up to 1.5 s for data
(``fetch_max_wait_ms=1500``, hard-coded). Kafka answers a fetch as soon as data is
there, but the embedded broker holds it far longer: one record took 410 ms (median) to
reach an aiokafka consumer with a 1,500 ms wait and 3 ms with a 5 ms wait. Every hop of
an event (input topic, then each internal re-keyed topic) pays that, so it set the
~400 ms floor under event-to-alert latency. :func:`install_fetch_wait` lowers the wait
for the worker's consumer; apply it only for the embedded broker.

Agents read ``stream.events()`` one at a time. Batching them with ``Stream.take_events``
(each event processed under its own ``current_event`` context) passed the stream-vs-
replay test but failed ``tests/reliability/test_faults.py``'s join/leave table check
(a worker's live ``subscribers`` table differed from the one rebuilt from its
changelog, twice in two runs; passed with ``events()``), and gave no drain gain that
could be told from the noise, so it is not used.

aiokafka sends a partition's batch when that batch's own linger runs out, so a worker
that writes a record or two to each of dozens of partitions per event sends about one
produce request per record; :func:`install_node_drain` sends every waiting batch of a
broker together, as Kafka's Java producer does (20k-event drain: 637 and 674 events/s
without it, 939 and 1,069 with it, runs alternated).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, TypeVar

_MARK = "_earlywarn_fetch_wait"
_K = TypeVar("_K", bound=Hashable)


def _consumer_thread_class() -> Any:
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    return AIOKafkaConsumerThread


def install_fetch_wait(max_wait_ms: int = 10) -> bool:
    """Make Faust's worker consumers wait at most ``max_wait_ms`` per fetch.

    Returns ``False`` when it was already installed (the first value stays).
    """
    cls = _consumer_thread_class()
    original = cls._create_worker_consumer
    if getattr(original, _MARK, False):
        return False

    def create(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        consumer._fetch_max_wait_ms = int(max_wait_ms)  # read when its fetcher starts
        return consumer

    setattr(create, _MARK, True)
    cls._create_worker_consumer = create
    return True


#: Fetch wait while a worker is behind: recovering tables or working through a backlog.
CATCHUP_WAIT_MS = 500
#: Messages behind the high watermark, on any partition, that count as a backlog.
CATCHUP_LAG = 1000
#: Checks in a row (0.5 s apart) a lagging partition may stay still before it is stuck.
STALL_CHECKS = 4


def count_stalls(
    partitions: Mapping[_K, tuple[int, int | None]],
    previous: Mapping[_K, int | None],
    stalls: Mapping[_K, int],
) -> dict[_K, int]:
    """For each partition, how many checks in a row it has lagged without moving.

    ``partitions`` maps each partition to ``(lag, position)``; ``previous`` holds the
    positions at the last check and ``stalls`` the counts it returned then.

    >>> count_stalls({"a": (3, 10), "b": (3, 10), "c": (0, 4)}, {"a": 10, "b": 9, "c": 4},
    ...              {"a": 1, "b": 2, "c": 5})
    {'a': 2, 'b': 0, 'c': 0}
    """
    return {
        key: stalls.get(key, 0) + 1
        if lag > 0 and key in previous and previous[key] == position
        else 0
        for key, (lag, position) in partitions.items()
    }


def stuck_partitions(stalls: Mapping[_K, int]) -> int:
    """How many partitions have lagged without moving for :data:`STALL_CHECKS` checks.

    >>> stuck_partitions({"a": STALL_CHECKS, "b": STALL_CHECKS - 1, "c": 0})
    1
    """
    return sum(1 for n in stalls.values() if n >= STALL_CHECKS)


def is_behind(partitions: Mapping[_K, tuple[int, int | None]], stalls: Mapping[_K, int]) -> bool:
    """Whether a worker should use :data:`CATCHUP_WAIT_MS`.

    Behind when a partition lags more than :data:`CATCHUP_LAG`, or has lagged without
    moving for :data:`STALL_CHECKS` checks in a row (:func:`count_stalls`): with the short
    wait the embedded broker can fail to serve even a few hundred records of a topic
    written in small batches, and then that partition never moves (``make bench``: an
    internal topic's backlog sat unread for 5 minutes once the input stopped). Counting
    a partition as behind after one still check instead flipped the wait every 0.5 s
    under load (one full bench each: inputs drained at 906 against 1,237 events/s).

    Examples
    --------
    >>> is_behind({"a": (5000, 10)}, {"a": 0})
    True
    >>> is_behind({"a": (300, 10)}, {"a": STALL_CHECKS - 1})  # a small backlog, just still
    False
    >>> is_behind({"a": (300, 10)}, {"a": STALL_CHECKS})  # a small backlog, stuck
    True
    """
    return any(lag > CATCHUP_LAG for lag, _ in partitions.values()) or (
        stuck_partitions({k: n for k, n in stalls.items() if k in partitions}) > 0
    )


def set_fetch_wait(consumer: Any, wait_ms: int) -> bool:
    """Set the fetch wait of a running Faust consumer; ``False`` if it has no fetcher yet.

    The embedded broker takes longer to serve a fetch from far behind the end of a topic
    of many small batches (a changelog) than a short wait allows, and then answers
    nothing: with a 10 ms wait an aiokafka consumer read none of 30,000 one-record
    batches in 60 s; with 50 ms or more it read them all in 0.6 s. So a worker waits
    :data:`CATCHUP_WAIT_MS` while it is behind and its short wait only once it has caught
    up (:meth:`earlywarn.stream.app.Worker` checks twice a second).
    """
    try:
        fetcher = consumer._thread._consumer._fetcher
    except AttributeError:
        return False
    if fetcher is None:
        return False
    fetcher._fetch_max_wait_ms = int(wait_ms)  # read for every fetch request it builds
    return True


def install_node_drain() -> bool:
    """Drain every partition's batch of a broker once any of them is ready to send.

    aiokafka (0.14) lets each partition's batch linger on its own clock and sends only
    those whose linger ran out, so a worker writing a few records to each of dozens of
    partitions (changelogs, re-keyed topics, alerts) sends a produce request nearly per
    record. Kafka's Java producer drains all partitions of a ready node into one request.
    This does the same; a batch is never held longer than its linger. Idempotent.
    """
    import collections

    from aiokafka.producer.message_accumulator import MessageAccumulator

    if getattr(MessageAccumulator.drain_by_nodes, _MARK, False):
        return False

    def drain_by_nodes(self: Any, ignore_nodes: Any, muted_partitions: Any = frozenset()) -> Any:
        nodes: dict[Any, dict[Any, Any]] = collections.defaultdict(dict)
        unknown_leaders_exist = False
        remaining: float | None = None
        leaders: dict[Any, Any] = {}
        ready: set[Any] = set()
        for tp in list(self._batches.keys()):
            if tp in muted_partitions:
                continue
            leader = self._cluster.leader_for_partition(tp)
            if leader is None or leader == -1:
                if self._batches[tp][0].expired():
                    batch = self._pop_batch(tp)
                    err = (
                        _errors().NotLeaderForPartitionError()
                        if leader is None
                        else _errors().LeaderNotAvailableError()
                    )
                    batch.failure(exception=err)
                unknown_leaders_exist = True
                continue
            if ignore_nodes and leader in ignore_nodes:
                continue
            leaders[tp] = leader
            linger = self._batches[tp][0].remaining_linger()
            if not linger:
                ready.add(leader)
        for tp, leader in leaders.items():
            if leader not in ready:
                linger = self._batches[tp][0].remaining_linger()
                if linger:
                    remaining = min(remaining, linger) if remaining else linger
                continue
            batch = self._pop_batch(tp)
            if not batch.is_empty():
                nodes[leader][tp] = batch
            else:
                batch.done_noack()
        if not self._waiter_future.done():
            self._waiter_future.set_result(None)
        self._waiter_future = self._loop.create_future()
        if self._wakeup_handle:
            self._wakeup_handle.cancel()
            self._wakeup_handle = None
        if remaining:
            self._wakeup_handle = self._loop.call_later(
                remaining, self._wakeup, self._waiter_future
            )
        return nodes, unknown_leaders_exist

    setattr(drain_by_nodes, _MARK, True)
    MessageAccumulator.drain_by_nodes = drain_by_nodes  # type: ignore[method-assign]
    return True


def _errors() -> Any:
    from aiokafka import errors

    return errors
