"""The port the embedded broker was asked for: whether it can be bound now, and the error
when it cannot."""

from __future__ import annotations

import errno
import socket

from earlywarn.broker._proc import HOST
from earlywarn.broker.errors import BrokerPortInUseError


def _bindable(port: int) -> int | None:
    """``port`` if a listener could bind it now, as the broker does (``SO_REUSEADDR``), so a
    restart on the port of a killed broker is not refused for its TIME_WAIT connections."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return None
            raise
        return port


def _port_in_use_error(port: int) -> BrokerPortInUseError:
    return BrokerPortInUseError(
        f"Port {port} on {HOST} is already in use, so the embedded broker cannot listen there. "
        f"Stop whatever is using it, or choose another port with `--port` (0 picks a free one)."
    )
