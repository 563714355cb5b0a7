"""Static facts about the simulated ASEAN markets: numbering, operators, money.

Numbers, operators and institutions are plausible but invented identifiers; only the
numbering plans (country code, mobile prefixes, length) follow the real ones, so every
generated number passes ``phonenumbers.is_valid_number``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Country:
    """One simulated market.

    Attributes
    ----------
    code
        ISO 3166-1 alpha-2.
    dial
        Country calling code without ``+``.
    mobile_prefixes
        National mobile prefixes (after the country code).
    national_len
        Digits after the country code.
    weight
        Share of the simulated population.
    utc_offset_h
        Local time offset, for daily rhythms.
    currency, usd_rate
        ISO 4217 code and units per US dollar, to scale amounts.
    operators, banks, wallets
        Reporting operator and institution ids.
    bulk_senders
        Legitimate alphanumeric sender ids (banks' OTPs, delivery notices, shops).
    shop_domain
        Registrable domain of a legitimate delivery-notice URL.
    """

    code: str
    dial: str
    mobile_prefixes: tuple[str, ...]
    national_len: int
    weight: float
    utc_offset_h: int
    currency: str
    usd_rate: float
    operators: tuple[str, ...]
    banks: tuple[str, ...]
    wallets: tuple[str, ...]
    bulk_senders: tuple[str, ...]
    shop_domain: str


COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in (
        Country("TH", "66", ("81", "82", "86", "89", "91", "95", "61", "63"), 9, 0.17, 7,
                "THB", 35.0, ("TH-AIS", "TH-TRUE"), ("TH-KBANK", "TH-SCB", "TH-BBL"),
                ("TH-TRUEMONEY",), ("KBank", "SCB", "Kerry", "Shopee", "TrueMove"),
                "shopee.co.th"),
        Country("MY", "60", ("12", "13", "16", "17", "19", "14"), 9, 0.12, 8,
                "MYR", 4.5, ("MY-MAXIS", "MY-CELCOM"), ("MY-MAYBANK", "MY-CIMB"),
                ("MY-TNG",), ("Maybank", "CIMB", "PosLaju", "Lazada", "Maxis"),
                "lazada.com.my"),
        Country("ID", "62", ("812", "813", "821", "852", "857", "878", "838"), 11, 0.28, 7,
                "IDR", 16000.0, ("ID-TSEL", "ID-XL"), ("ID-BCA", "ID-BRI", "ID-MANDIRI"),
                ("ID-GOPAY", "ID-OVO", "ID-DANA"), ("BCA", "BRImo", "JNE", "Tokopedia", "GoPay"),
                "tokopedia.com"),
        Country("PH", "63", ("917", "918", "905", "927", "939", "998", "966"), 10, 0.2, 8,
                "PHP", 57.0, ("PH-GLOBE", "PH-SMART"), ("PH-BDO", "PH-BPI"),
                ("PH-GCASH", "PH-MAYA"), ("BDO", "BPI", "GCash", "LBC", "Shopee"),
                "shopee.ph"),
        Country("VN", "84", ("91", "98", "97", "90", "93", "86", "70", "32", "35"), 9, 0.16, 7,
                "VND", 25000.0, ("VN-VIETTEL", "VN-VINA"), ("VN-VCB", "VN-TCB"),
                ("VN-MOMO",), ("Vietcombank", "Techcombank", "GHN", "MoMo", "Viettel"),
                "tiki.vn"),
        Country("SG", "65", ("81", "82", "87", "90", "91", "93", "97", "98"), 8, 0.07, 8,
                "SGD", 1.35, ("SG-SINGTEL", "SG-STARHUB"), ("SG-DBS", "SG-OCBC"),
                ("SG-GRABPAY",), ("DBS", "OCBC", "NinjaVan", "SingPost", "Grab"),
                "ninjavan.co"),
    )
}  # fmt: skip

#: Foreign number ranges used by wangiri and spoofed impersonation callers.
FOREIGN: dict[str, tuple[str, tuple[str, ...], int]] = {
    "TN": ("216", ("2", "5", "9"), 8),
    "MD": ("373", ("60", "68", "69", "78"), 8),
    "CI": ("225", ("07", "05", "01"), 10),
}

#: Typical IMEI type allocation codes (first 8 digits) of popular handsets.
TACS: tuple[str, ...] = (
    "35332811", "35391110", "86769104", "35925406", "86891703", "35674108", "35209710",
    "86453205", "35875409", "35328510",
)  # fmt: skip

#: Type allocation codes of GSM gateway (SIM box) hardware.
GATEWAY_TACS: tuple[str, ...] = ("86220103", "86001701")

#: Legitimate everyday URL domains in person-to-person messages.
P2P_DOMAINS: tuple[str, ...] = ("youtube.com", "facebook.com", "tiktok.com", "google.com")


def local_hour(utc_hour: int, country: Country) -> int:
    """Hour of day in ``country`` at UTC hour ``utc_hour``.

    Examples
    --------
    >>> local_hour(20, COUNTRIES["TH"])
    3
    """
    return (utc_hour + country.utc_offset_h) % 24
