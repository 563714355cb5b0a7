"""Structured logs: JSON lines with correlation ids, and no raw identifier gets through."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from earlywarn import cli
from earlywarn.logs import (
    REDACTED,
    log_context,
    make_handler,
    redact,
    resolve_format,
    setup_logging,
)

PHONE = "+66812345678"
ACCOUNT = "TH-ACC-00012345"
IMEI = "356741085048204"


@pytest.fixture
def capture() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing JSON through earlywarn's handler into a buffer."""
    buf = io.StringIO()
    logger = logging.getLogger(f"earlywarn.test.{id(buf)}")
    logger.handlers = [make_handler("json", buf)]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, buf
    logger.handlers = []


def lines(buf: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buf.getvalue().splitlines()]


def test_json_line_has_timestamp_level_logger_message_and_correlation_ids(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buf = capture
    with log_context(event_id="n-a4"):
        logger.info("scored %d detectors", 3)
        with log_context(alert_id="al-7f3"):
            logger.warning("alert raised", extra={"typology": "wangiri"})
    logger.info("outside")
    first, second, third = lines(buf)
    assert first["msg"] == "scored 3 detectors"
    assert first["level"] == "INFO"
    assert first["logger"] == logger.name
    assert first["ts"].endswith("Z") and first["ts"][10] == "T"
    assert first["event_id"] == "n-a4" and "alert_id" not in first
    assert (second["alert_id"], second["event_id"]) == ("al-7f3", "n-a4")
    assert second["extra"] == {"typology": "wangiri"}
    assert "event_id" not in third and "alert_id" not in third


def test_extra_correlation_ids_are_lifted_to_top_level(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buf = capture
    logger.info("dead-lettered", extra={"event_id": "e-9", "reason": "bad_phone"})
    (line,) = lines(buf)
    assert line["event_id"] == "e-9"
    assert line["extra"] == {"reason": "bad_phone"}


def test_no_raw_identifier_reaches_the_output(
    capture: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, buf = capture
    logger.info("call from %s to callee=%s", PHONE, "+62 812-3456-7890")
    logger.info("payment", extra={"payer_account": ACCOUNT, "caller": PHONE, "amount": 12.5})
    logger.info("decoded %s", {"caller": PHONE, "caller_imei": IMEI, "answered": True})
    logger.info("device %s seen", IMEI)
    try:
        raise ValueError(f"bad phone {PHONE!r} for payer_account={ACCOUNT}")
    except ValueError:
        logger.exception("processing failed")
    out = buf.getvalue()
    for raw in (PHONE, "812-3456-7890", ACCOUNT, IMEI):
        assert raw not in out, raw
    parsed = lines(buf)
    assert parsed[0]["msg"] == f"call from {REDACTED} to callee={REDACTED}"
    assert parsed[1]["extra"] == {
        "payer_account": REDACTED,
        "caller": REDACTED,
        "amount": 12.5,
    }
    assert "ValueError" in parsed[4]["exc"]
    assert REDACTED in parsed[4]["exc"]


def test_redaction_leaves_ordinary_numbers_and_ids_alone() -> None:
    text = "partition 3 offset 123456789 lag 42 alert_id=al-1 event_id=n-a4 took 0.25s"
    assert redact(text) == text


def test_text_format_also_redacts_and_appends_correlation_ids() -> None:
    buf = io.StringIO()
    logger = logging.getLogger("earlywarn.test.text")
    logger.handlers = [make_handler("text", buf)]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    with log_context(alert_id="al-1"):
        logger.info("number %s", PHONE)
    logger.handlers = []
    out = buf.getvalue().strip()
    assert PHONE not in out
    assert out.endswith(f"number {REDACTED} alert_id=al-1")


def test_format_from_argument_then_environment_then_default() -> None:
    assert resolve_format(None, {}) == "text"
    assert resolve_format(None, {"EARLYWARN_LOG_FORMAT": "JSON"}) == "json"
    assert resolve_format("text", {"EARLYWARN_LOG_FORMAT": "json"}) == "text"
    with pytest.raises(ValueError, match="log format"):
        resolve_format("xml", {})


def test_handler_survives_faust_reconfiguring_the_root_logger() -> None:
    import mode.utils.logging as mode_logging

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    buf = io.StringIO()
    try:
        handler = setup_logging("json", "INFO", stream=buf)
        # What faust.Worker does on start: clear root handlers, install a console handler.
        mode_logging.setup_logging(loglevel="info", logfile=io.StringIO())
        assert root.handlers == [handler]
        logging.getLogger("faust.test").info("Worker ready for %s", PHONE)
        (line,) = lines(buf)
        assert line["msg"] == f"Worker ready for {REDACTED}"
    finally:
        root.handlers, _ = saved
        root.setLevel(saved[1])


def test_cli_takes_log_format_flag_and_rejects_a_bad_env_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str | None] = []
    monkeypatch.setattr(cli, "cmd_keys_init", lambda args: 0)
    monkeypatch.setattr("earlywarn.logs.setup_logging", lambda fmt: seen.append(fmt))
    assert cli.main(["--log-format", "json", "keys", "init", "unused.json"]) == 0
    assert cli.main(["keys", "init", "unused.json"]) == 0
    assert seen == ["json", None]  # None: setup_logging reads EARLYWARN_LOG_FORMAT itself
    monkeypatch.undo()

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    monkeypatch.setattr(cli, "cmd_keys_init", lambda args: 0)
    monkeypatch.setenv("EARLYWARN_LOG_FORMAT", "yaml")
    try:
        with pytest.raises(SystemExit) as exc:
            cli.main(["keys", "init", "unused.json"])
        assert exc.value.code == 2
    finally:
        root.handlers, _ = saved
        root.setLevel(saved[1])
