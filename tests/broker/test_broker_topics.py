"""Explicit, idempotent topic creation."""

from __future__ import annotations

import uuid

import pytest
from kafka.admin import KafkaAdminClient

from earlywarn.broker import EmbeddedBroker, create_topics


def _partitions(bootstrap: str, names: list[str]) -> dict[str, int]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return {t["name"]: len(t["partitions"]) for t in admin.describe_topics(names)}
    finally:
        admin.close()


@pytest.mark.integration
def test_create_topics_is_idempotent(broker: EmbeddedBroker) -> None:
    tag = uuid.uuid4().hex[:8]
    a, b, c = f"a-{tag}", f"b-{tag}", f"c-{tag}"

    assert sorted(create_topics(broker.bootstrap, {a: 3, b: 1})) == [a, b]
    assert create_topics(broker.bootstrap, {a: 3, b: 1}) == []  # all exist: nothing to do
    assert create_topics(broker.bootstrap, {a: 3, c: 2}) == [c]  # only the missing one
    assert create_topics(broker.bootstrap, {}) == []

    assert _partitions(broker.bootstrap, [a, b, c]) == {a: 3, b: 1, c: 2}


@pytest.mark.integration
def test_make_topic_fixture(broker: EmbeddedBroker, make_topic: object) -> None:
    assert callable(make_topic)
    name = make_topic("fx", 4)
    assert _partitions(broker.bootstrap, [name]) == {name: 4}
