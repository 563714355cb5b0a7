"""Contract payload builders shared by every event source.

Each source owns an :class:`Emitter` with its own rank and event-id prefix. An emitted
record is ``(t_ms, rank, seq, topic, payload)``: the first three fields order the merged
stream deterministically and are unique, so payloads are never compared.
"""

from __future__ import annotations

from typing import Any

from earlywarn.contract.events import TOPIC_CDR, TOPIC_LABELS, TOPIC_PAYMENTS, TOPIC_SMS
from loadtest.clock import iso_ms
from loadtest.countries import COUNTRIES
from loadtest.population import Account

Emitted = tuple[int, int, int, str, dict[str, Any]]

_WHOLE_UNITS = frozenset(("IDR", "VND"))


def money(usd: float, country: str) -> tuple[float, str]:
    """Convert a US-dollar amount to the local currency, rounded the local way.

    Examples
    --------
    >>> money(10.0, "ID")
    (160000.0, 'IDR')
    >>> money(10.0, "SG")
    (13.5, 'SGD')
    """
    spec = COUNTRIES[country]
    local = usd * spec.usd_rate
    if spec.currency in _WHOLE_UNITS:
        return float(max(1000, round(local, -3))), spec.currency
    return max(0.01, round(local, 2)), spec.currency


class Emitter:
    """Builds contract payloads for one event source.

    Parameters
    ----------
    rank
        Tie-break rank of this source in the merged stream.
    prefix
        Prefix of this source's event ids (unique per source).
    """

    __slots__ = ("prefix", "rank", "seq")

    def __init__(self, rank: int, prefix: str) -> None:
        self.rank = rank
        self.prefix = prefix
        self.seq = 0

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def call(
        self,
        t_ms: int,
        operator: str,
        caller: str,
        callee: str,
        answered: bool,
        duration_s: float,
        imei: str | None = None,
        cell: str | None = None,
    ) -> Emitted:
        """A ``telco.cdr`` record; ``imei``/``cell`` only when the caller is on-net."""
        seq = self._next()
        payload: dict[str, Any] = {
            "event_id": f"{self.prefix}{seq:x}",
            "event_time": iso_ms(t_ms),
            "operator": operator,
            "caller": caller,
            "callee": callee,
            "answered": answered,
            "duration_s": duration_s if answered else 0,
        }
        if imei is not None:
            payload["caller_imei"] = imei
            payload["caller_roaming"] = False
        if cell is not None:
            payload["cell_id"] = cell
        return (t_ms, self.rank, seq, TOPIC_CDR, payload)

    def sms(
        self,
        t_ms: int,
        operator: str,
        sender: str,
        recipient: str,
        *,
        url_domain: str | None = None,
        template_hash: str | None = None,
        segments: int = 1,
        imei: str | None = None,
        cell: str | None = None,
    ) -> Emitted:
        """A ``telco.sms`` record (metadata only; ``has_url`` follows ``url_domain``)."""
        seq = self._next()
        payload: dict[str, Any] = {
            "event_id": f"{self.prefix}{seq:x}",
            "event_time": iso_ms(t_ms),
            "operator": operator,
            "sender": sender,
            "recipient": recipient,
            "has_url": url_domain is not None,
            "segments": segments,
        }
        if url_domain is not None:
            payload["url_domain"] = url_domain
        if template_hash is not None:
            payload["template_hash"] = template_hash
        if imei is not None:
            payload["sender_imei"] = imei
        if cell is not None:
            payload["cell_id"] = cell
        return (t_ms, self.rank, seq, TOPIC_SMS, payload)

    def payment(
        self,
        t_ms: int,
        payer: Account,
        payee: Account,
        usd: float,
        rail: str | None = None,
        status: str = "completed",
    ) -> Emitted:
        """A ``payments.events`` record from ``payer`` to ``payee`` in the payer's currency."""
        seq = self._next()
        amount, currency = money(usd, payer.country)
        payload: dict[str, Any] = {
            "event_id": f"{self.prefix}{seq:x}",
            "event_time": iso_ms(t_ms),
            "institution": payer.institution,
            "payer_account": payer.account_id,
            "payee_account": payee.account_id,
            "amount": amount,
            "currency": currency,
            "rail": rail or payer.rail,
            "payer_country": payer.country,
            "payee_country": payee.country,
            "status": status,
        }
        if payer.msisdn is not None:
            payload["payer_msisdn"] = payer.msisdn
        if payee.msisdn is not None:
            payload["payee_msisdn"] = payee.msisdn
        return (t_ms, self.rank, seq, TOPIC_PAYMENTS, payload)

    def label(
        self,
        t_ms: int,
        entity_type: str,
        entity_id: str,
        label: str,
        source: str,
        typology: str | None,
    ) -> Emitted:
        """An ``earlywarn.labels`` record reported at ``t_ms``."""
        seq = self._next()
        payload: dict[str, Any] = {
            "entity_type": entity_type,
            "entity_id": entity_id,
            "label": label,
            "source": source,
            "reported_time": iso_ms(t_ms),
        }
        if typology is not None:
            payload["typology"] = typology
        return (t_ms, self.rank, seq, TOPIC_LABELS, payload)
