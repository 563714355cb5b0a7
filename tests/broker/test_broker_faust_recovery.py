"""End to end: a Faust worker recovering a table loses the changelog tail without the fix."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from earlywarn.broker import EmbeddedBroker, create_topics

pytestmark = [pytest.mark.integration, pytest.mark.slow]

WORKER = Path(__file__).with_name("faust_recovery_worker.py")
BATCHES, PER_BATCH = 4, 50


async def _fill_changelog(bootstrap: str, topic: str) -> None:
    """Write 200 distinct table keys as four acked batches of 50."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for b in range(BATCHES):
            batch = producer.create_batch()
            for i in range(PER_BATCH):
                n = b * PER_BATCH + i
                key, value = json.dumps(f"k{n}").encode(), json.dumps(n).encode()
                assert batch.append(key=key, value=value, timestamp=None) is not None
            await (await producer.send_batch(batch, topic, partition=0))
    finally:
        await producer.stop()


def _recovered_rows(broker: EmbeddedBroker, tmp_path: Path, mode: str) -> int:
    app_id = f"rec-{mode}-{uuid.uuid4().hex[:8]}"
    changelog = f"{app_id}-counts-changelog"
    create_topics(broker.bootstrap, {changelog: 1, f"{app_id}-in": 1})
    asyncio.run(_fill_changelog(broker.bootstrap, changelog))
    result = tmp_path / f"{mode}.rows"
    args = [broker.bootstrap, app_id, str(tmp_path / mode), str(result), mode]
    out = subprocess.run(
        [sys.executable, str(WORKER), *args], capture_output=True, text=True, timeout=120
    )
    assert result.exists(), f"worker exited {out.returncode} without a count:\n{out.stderr[-3000:]}"
    return int(result.read_text())


def test_table_recovery_without_fix_loses_the_tail(broker: EmbeddedBroker, tmp_path: Path) -> None:
    # Recovery stops at the reported end offset: base of the last batch + 1.
    assert _recovered_rows(broker, tmp_path, "nofix") == (BATCHES - 1) * PER_BATCH + 1


def test_table_recovery_with_fix_is_complete(broker: EmbeddedBroker, tmp_path: Path) -> None:
    assert _recovered_rows(broker, tmp_path, "fix") == BATCHES * PER_BATCH
