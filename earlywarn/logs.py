"""Structured logs: one JSON object per line, a correlation id, and no raw identifiers.

``setup_logging("json")`` (or ``EARLYWARN_LOG_FORMAT=json``) makes every log record, from
earlywarn, Faust, aiokafka or anything else, one line of JSON on stderr::

    {"ts": "2026-11-23T09:30:00.123Z", "level": "INFO", "logger": "earlywarn.pipeline",
     "msg": "alert raised", "alert_id": "al-...", "event_id": "n-a4"}

Correlation ids come from :func:`log_context` (a context variable, so each Faust agent task
has its own) or from ``extra={"alert_id": ..., "event_id": ...}`` on one call; ``alert_id``
and ``event_id`` are the two correlation fields, joining logs to alerts and to the input.

A :class:`RedactionFilter` on the handler is defence in depth: code should never log a phone
number or an account, but if it does (a message text, an ``extra`` field, an exception),
E.164 numbers, 15-digit IMEIs and the values of known identifier fields (``caller``,
``payer_account``, ...) are masked before anything is written. It runs in the text format
too.

Faust's worker replaces the root logger's handlers when it starts; :func:`setup_logging`
re-installs its own handler after that, so the worker's logs keep the chosen format.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TextIO

import orjson

FORMATS = ("text", "json")
ENV_FORMAT = "EARLYWARN_LOG_FORMAT"
ENV_LEVEL = "EARLYWARN_LOGLEVEL"
REDACTED = "<redacted>"

#: Correlation fields: kept (they identify log lines, not people) and lifted to top level.
CORRELATION_FIELDS = ("alert_id", "event_id")

#: Fields whose values are personal or account identifiers: always masked.
ID_FIELDS = frozenset(
    {
        "caller", "callee", "sender", "recipient", "msisdn", "phone", "number",
        "payer_account", "payee_account", "payer_msisdn", "payee_msisdn", "account",
        "caller_imei", "imei", "entity_id", "indicator", "key", "raw",
    }
)  # fmt: skip

# An E.164 number: "+", a country code and up to 15 digits, maybe with separators.
_E164 = re.compile(r"\+[1-9](?:[\s.\-()]?\d){6,14}\b")
# An IMEI: exactly 15 digits standing alone.
_IMEI = re.compile(r"(?<![\w.])\d{15}(?![\w.])")
# Free-text matching leaves out the generic names (key, raw, number, phone).
_TEXT_FIELDS = ID_FIELDS - {"key", "raw", "number", "phone"}
_FIELD_NAMES = "|".join(sorted(_TEXT_FIELDS, key=len, reverse=True))
# "caller": "+66...", 'caller': '...', caller=... and caller: ... in free text.
_QUOTED_FIELD = re.compile(
    rf"""(?P<k>(?P<q>["'])(?:{_FIELD_NAMES})(?P=q)\s*:\s*)(?P<v>"[^"]*"|'[^']*'|[^,}}\s]+)"""
)
_BARE_FIELD = re.compile(rf"(?P<k>(?<![\w\"'])(?:{_FIELD_NAMES})\s*[=:]\s*)(?P<v>[^\s,;}}\]]+)")

_context: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "earlywarn_log_context", default=None
)

# The standard LogRecord attributes; anything else on a record came from ``extra``.
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def redact(text: str) -> str:
    """Mask E.164 numbers, IMEIs and values of known identifier fields in ``text``.

    >>> redact("call from +66 81 234 5678 to callee=+6281234567890")
    'call from <redacted> to callee=<redacted>'
    >>> redact('{"payer_account": "TH-0001234", "amount": 5}')
    '{"payer_account": "<redacted>", "amount": 5}'
    >>> redact("offset 1234 of partition 3")
    'offset 1234 of partition 3'
    """
    text = _E164.sub(REDACTED, text)
    text = _IMEI.sub(REDACTED, text)
    text = _QUOTED_FIELD.sub(_mask_quoted, text)
    return _BARE_FIELD.sub(lambda m: m.group("k") + REDACTED, text)


def _mask_quoted(m: re.Match[str]) -> str:
    value = m.group("v")
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{m.group('k')}{quote}{REDACTED}{quote}"


def redact_value(name: str, value: Any) -> Any:
    """An ``extra`` field's value as it may be logged."""
    if name in ID_FIELDS:
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {str(k): redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value("", v) for v in value]
    return value


@contextlib.contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Attach correlation ids (``alert_id``, ``event_id``) to every record logged inside.

    >>> with log_context(event_id="n-a4"):
    ...     current_context()
    {'event_id': 'n-a4'}
    """
    merged = {**(_context.get() or {}), **{k: str(v) for k, v in fields.items() if v is not None}}
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, str]:
    return dict(_context.get() or {})


class RedactionFilter(logging.Filter):
    """Rewrite a record so that no raw identifier reaches a handler (never drops one)."""

    _exc_formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_earlywarn_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken %-format: log what we have
            message = f"{record.msg!s} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._exc_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name in list(vars(record)):
            if name not in _RECORD_ATTRS and not name.startswith("_"):
                setattr(record, name, redact_value(name, getattr(record, name)))
        record._earlywarn_redacted = True
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {
        k: v
        for k, v in vars(record).items()
        if k not in _RECORD_ATTRS and not k.startswith("_") and k not in CORRELATION_FIELDS
    }


def _correlation(record: logging.LogRecord) -> dict[str, str]:
    out = current_context()
    for name in CORRELATION_FIELDS:
        value = getattr(record, name, None)
        if value is not None:
            out[name] = str(value)
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, msg, correlation ids, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        ts = dt.datetime.fromtimestamp(record.created, tz=dt.UTC)
        doc: dict[str, Any] = {
            "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        doc.update(_correlation(record))
        extras = _extras(record)
        if extras:
            doc["extra"] = extras
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            doc["exc"] = record.exc_text
        if record.stack_info:
            doc["stack"] = record.stack_info
        return orjson.dumps(doc, default=str).decode()


class TextFormatter(logging.Formatter):
    """The classic one-line format, with correlation ids appended as ``key=value``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = _correlation(record)
        if ids:
            line += " " + " ".join(f"{k}={v}" for k, v in sorted(ids.items()))
        return line


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks earlywarn's own handler so it can be found and re-installed."""


_installed: _Handler | None = None


def make_handler(fmt: str = "text", stream: TextIO | None = None) -> _Handler:
    """A stream handler with the chosen format and the redaction filter."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {FORMATS}, not {fmt!r}")
    handler = _Handler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactionFilter())
    return handler


def resolve_format(fmt: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """``fmt``, else ``EARLYWARN_LOG_FORMAT``, else ``text``; validated."""
    env = os.environ if env is None else env
    chosen = (fmt or env.get(ENV_FORMAT) or "text").strip().lower()
    if chosen not in FORMATS:
        raise ValueError(f"log format must be one of {FORMATS}, not {chosen!r}")
    return chosen


def setup_logging(
    fmt: str | None = None, level: str | int | None = None, stream: TextIO | None = None
) -> logging.Handler:
    """Make the root logger write ``fmt`` (``text`` or ``json``) through the redaction filter.

    Replaces the root handlers; ``level`` defaults to ``EARLYWARN_LOGLEVEL`` or WARNING.
    Returns the handler. Also keeps the handler in place when Faust's worker later
    reconfigures logging (it clears the root handlers and adds its own console handler).
    """
    global _installed
    handler = make_handler(resolve_format(fmt), stream)
    root = logging.getLogger()
    root.handlers = [handler]
    chosen = level if level is not None else os.environ.get(ENV_LEVEL, "WARNING")
    root.setLevel(chosen.upper() if isinstance(chosen, str) else chosen)
    _installed = handler
    _pin_through_faust()
    return handler


def _pin_through_faust() -> None:
    """After mode (Faust's service library) sets up logging, put our handler back."""
    try:
        import mode.utils.logging as mode_logging
    except ImportError:  # pragma: no cover - mode comes with faust
        return
    original: Callable[..., int] = mode_logging.setup_logging
    if getattr(original, "_earlywarn_pinned", False):
        return

    def setup_then_pin(*args: Any, **kwargs: Any) -> int:
        level = original(*args, **kwargs)
        if _installed is not None:
            root = logging.getLogger()
            root.handlers = [_installed]
        return level

    setup_then_pin._earlywarn_pinned = True  # type: ignore[attr-defined]
    mode_logging.setup_logging = setup_then_pin
