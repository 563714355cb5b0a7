"""The textbook peer: decode each event as JSON and ``await topic.send()`` per event.

Run by :func:`loadtest.bench.peers.textbook_peer`; writes its events/s to ``PEER_RESULT``.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import faust

PREFIX = os.environ.get("PEER_PREFIX", "")
TOTAL = int(os.environ.get("PEER_TOTAL", "0"))
app = faust.App(
    "textbook-peer",
    broker=os.environ.get("PEER_BROKER", "kafka://127.0.0.1:9092"),
    store="memory://",
    datadir=os.environ.get("PEER_DATADIR", "var/peer"),
    web_enabled=False,
    broker_session_timeout=6.0,
    broker_heartbeat_interval=1.0,
    consumer_auto_offset_reset="earliest",
    key_serializer="raw",
    value_serializer="raw",
)
out = app.topic(PREFIX + "bench.peer-out", value_type=bytes)
state = {"seen": 0, "started": 0.0}


async def forward(stream: Any) -> None:
    async for value in stream:
        if not state["seen"]:
            state["started"] = time.perf_counter()
        event = json.loads(value)
        await out.send(value=json.dumps(event).encode())
        state["seen"] += 1
        if state["seen"] == TOTAL:
            rate = TOTAL / (time.perf_counter() - state["started"])
            with open(os.environ["PEER_RESULT"], "w") as fh:
                fh.write(f"{rate:.1f}")


for name in ("telco.cdr", "telco.sms", "payments.events"):
    app.agent(app.topic(PREFIX + name, value_type=bytes), name=f"peer-{name}")(forward)

if __name__ == "__main__":
    faust.Worker(app, loglevel="warning", quiet=True).execute_from_commandline()
