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
"""

from __future__ import annotations

from typing import Any

_MARK = "_earlywarn_fetch_wait"


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
