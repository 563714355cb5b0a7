"""The embedded broker's errors: the base :class:`EmbeddedBrokerError` and its three cases
(port taken, binary missing, process exited early)."""

from __future__ import annotations


class EmbeddedBrokerError(RuntimeError):
    """The embedded broker could not be started or used."""


class BrokerPortInUseError(EmbeddedBrokerError):
    """The requested port is already taken by another process."""


class BrokerBinaryError(EmbeddedBrokerError):
    """The Tansu binary is missing or not executable."""


class BrokerExitedError(EmbeddedBrokerError):
    """The broker process exited before it accepted connections."""
