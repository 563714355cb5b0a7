"""TLS/SASL settings: from the environment, to every client library, secrets never shown."""

from __future__ import annotations

import ssl
from pathlib import Path

import faust
import pytest

from earlywarn.security import KafkaSecurity, SecurityConfigError
from earlywarn.settings import Settings, Topics
from earlywarn.stream.app import faust_config

SECRET = "s3cr3t-pa55"


def test_plaintext_by_default_adds_nothing() -> None:
    s = Settings()
    assert s.security.kafka_python() == {} and s.security.aiokafka() == {}
    assert "broker_credentials" not in faust_config(s)


def test_sasl_ssl_from_env_reaches_every_client_and_never_shows_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pw = tmp_path / "sasl.pw"
    pw.write_text(SECRET + "\n")
    ca = Path(ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt")
    env = {
        "EARLYWARN_SECURITY_PROTOCOL": "sasl_ssl",
        "EARLYWARN_SSL_CAFILE": str(ca),
        "EARLYWARN_SASL_MECHANISM": "scram-sha-512",
        "EARLYWARN_SASL_USERNAME": "earlywarn",
        "EARLYWARN_SASL_PASSWORD_FILE": str(pw),
    }
    settings = Settings.from_env(env)
    sec = settings.security
    kp = sec.kafka_python()
    assert kp["security_protocol"] == "SASL_SSL" and kp["sasl_mechanism"] == "SCRAM-SHA-512"
    assert kp["sasl_plain_username"] == "earlywarn" and kp["sasl_plain_password"] == SECRET
    assert isinstance(kp["ssl_context"], ssl.SSLContext)
    assert kp["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    assert sec.aiokafka()["sasl_plain_password"] == SECRET
    creds = faust_config(settings)["broker_credentials"]
    assert isinstance(creds, faust.SASLCredentials)
    assert creds.protocol.value == "SASL_SSL" and creds.mechanism.value == "SCRAM-SHA-512"
    for text in (repr(settings), repr(sec), str(sec)):
        assert SECRET not in text
    # The password may come from the environment instead of a file.
    monkeypatch.setenv("EARLYWARN_SASL_PASSWORD", "from-env")
    no_file = Settings.from_env({k: v for k, v in env.items() if "PASSWORD" not in k})
    assert no_file.security.kafka_python()["sasl_plain_password"] == "from-env"


def test_tls_gives_faust_ssl_credentials() -> None:
    settings = Settings(security_protocol="SSL")
    creds = faust_config(settings)["broker_credentials"]
    assert isinstance(creds, faust.SSLCredentials)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"protocol": "TLS"}, "not one of"),
        ({"protocol": "SASL_SSL", "sasl_username": "u", "sasl_password": "p"}, "mechanism"),
        ({"protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN"}, "username and a password"),
        ({"protocol": "SSL", "cafile": Path("/nonexistent/ca.pem")}, "does not exist"),
    ],
)
def test_inconsistent_settings_are_refused_clearly(kwargs: dict[str, object], problem: str) -> None:
    with pytest.raises(SecurityConfigError, match=problem) as err:
        KafkaSecurity(**kwargs)  # type: ignore[arg-type]
    assert SECRET not in str(err.value)


def test_unreadable_password_file_names_the_file(tmp_path: Path) -> None:
    settings = Settings(security_protocol="SASL_SSL", sasl_password_file=tmp_path / "nope")
    with pytest.raises(SecurityConfigError, match="nope"):
        _ = settings.security


def test_topic_names_from_the_environment() -> None:
    t = Settings.from_env(
        {"EARLYWARN_TOPICS_CDR": "b.cdr", "EARLYWARN_TOPICS_INTERNAL_PREFIX": "b."}
    ).topics
    assert t.cdr == "b.cdr" and t.kinds()["b.cdr"] == "cdr" and t.sms == Topics().sms
    assert t.internal("earlywarn.internal.by-imei") == "b.earlywarn.internal.by-imei"
