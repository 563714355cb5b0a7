"""Kafka connection security (TLS and SASL) for every client earlywarn opens.

One :class:`KafkaSecurity` is built from the settings and turned into the options of each
client library: kafka-python (admin, producers, readers), aiokafka, and Faust's
``broker_credentials``. Secrets come only from files or the environment; they never appear
in a ``repr``, a log line or an error message.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROTOCOLS: tuple[str, ...] = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS: tuple[str, ...] = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


class SecurityConfigError(ValueError):
    """The Kafka security settings are inconsistent or a file is missing."""


@dataclass(frozen=True, slots=True)
class KafkaSecurity:
    """TLS and SASL options of a Kafka connection.

    Parameters
    ----------
    protocol
        ``PLAINTEXT`` (default), ``SSL``, ``SASL_PLAINTEXT`` or ``SASL_SSL``.
    cafile
        CA bundle that signed the brokers' certificates (TLS). ``None``: the system roots.
    certfile, keyfile
        Client certificate and key, for brokers that require mutual TLS.
    sasl_mechanism
        ``PLAIN``, ``SCRAM-SHA-256`` or ``SCRAM-SHA-512``.
    sasl_username, sasl_password
        SASL credentials; the password is never shown.

    Examples
    --------
    >>> s = KafkaSecurity("SASL_SSL", sasl_mechanism="PLAIN", sasl_username="u",
    ...                   sasl_password="hunter2")
    >>> "hunter2" in repr(s)
    False
    >>> KafkaSecurity().kafka_python()
    {}
    """

    protocol: str = "PLAINTEXT"
    cafile: Path | None = None
    certfile: Path | None = None
    keyfile: Path | None = None
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise SecurityConfigError(
                f"security protocol {self.protocol!r} is not one of {', '.join(PROTOCOLS)}"
            )
        if self.sasl:
            if self.sasl_mechanism not in SASL_MECHANISMS:
                raise SecurityConfigError(
                    f"{self.protocol} needs a SASL mechanism, one of {', '.join(SASL_MECHANISMS)}"
                )
            if not self.sasl_username or self.sasl_password is None:
                raise SecurityConfigError(
                    f"{self.protocol} needs a SASL username and a password "
                    "(EARLYWARN_SASL_PASSWORD_FILE or EARLYWARN_SASL_PASSWORD)"
                )
        for name in ("cafile", "certfile", "keyfile"):
            path = getattr(self, name)
            if path is not None and not Path(path).is_file():
                raise SecurityConfigError(f"ssl {name} {path} does not exist")
        if (self.certfile is None) != (self.keyfile is None):
            raise SecurityConfigError(
                "a client certificate needs both ssl_certfile and ssl_keyfile"
            )

    @property
    def tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @property
    def sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    def ssl_context(self) -> ssl.SSLContext | None:
        """A client TLS context (server certificate and host name verified), or ``None``."""
        if not self.tls:
            return None
        ctx = ssl.create_default_context(
            purpose=ssl.Purpose.SERVER_AUTH,
            cafile=str(self.cafile) if self.cafile is not None else None,
        )
        if self.certfile is not None and self.keyfile is not None:
            ctx.load_cert_chain(str(self.certfile), str(self.keyfile))
        return ctx

    def _sasl(self) -> dict[str, Any]:
        if not self.sasl:
            return {}
        return {
            "sasl_mechanism": self.sasl_mechanism,
            "sasl_plain_username": self.sasl_username,
            "sasl_plain_password": self.sasl_password,
        }

    def _client_options(self) -> dict[str, Any]:
        if self.protocol == "PLAINTEXT":
            return {}
        opts: dict[str, Any] = {"security_protocol": self.protocol, **self._sasl()}
        if self.tls:
            opts["ssl_context"] = self.ssl_context()
        return opts

    def kafka_python(self) -> dict[str, Any]:
        """Options for kafka-python clients (``KafkaProducer``, ``KafkaConsumer``, admin)."""
        return self._client_options()

    def aiokafka(self) -> dict[str, Any]:
        """Options for aiokafka clients (the same option names as kafka-python's)."""
        return self._client_options()

    def faust_credentials(self) -> Any:
        """Faust ``broker_credentials`` (``None`` for plaintext)."""
        if self.protocol == "PLAINTEXT":
            return None
        import faust

        if self.sasl:
            return faust.SASLCredentials(
                username=self.sasl_username,
                password=self.sasl_password,
                ssl_context=self.ssl_context(),
                mechanism=self.sasl_mechanism,
            )
        return faust.SSLCredentials(self.ssl_context())


def read_secret(path: Path | None, env_value: str | None) -> str | None:
    """A secret from a file (trailing newline dropped) or, failing that, an env value."""
    if path is not None:
        try:
            return Path(path).read_text().rstrip("\r\n")
        except OSError as err:
            raise SecurityConfigError(
                f"cannot read the SASL password file {path}: {err.strerror}"
            ) from None
    return env_value
