"""Deterministic synthetic form submissions that exercise every routing rule."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

_DOMAINS = [
    "acme-robotics.com",
    "northwind.io",
    "globex.de",
    "initech.co.uk",
    "stmarys-health.org",
    "ledgerly.com",
    "bluefin-bank.com",
    "kangaroo-logistics.com.au",
    "tinytasks.app",
    "sakura-systems.jp",
    "mapleleaf-retail.ca",
    "andes-mining.cl",
    "hooli.com",
    "pied-piper.com",
    "vandelay.com",
    "umbrella-pharma.com",
    "cyberdyne.io",
    "wayne-enterprises.com",
    "nordic-fintech.se",
    "gmail.com",
    "outlook.com",
    "mailinator.com",
    "example.com",
]
_TYPES = [
    "demo_request",
    "contact_sales",
    "pricing",
    "trial_signup",
    "webinar",
    "content_download",
    "newsletter",
    "partner_inquiry",
]
_COUNTRIES = ["US", "United States", "Germany", "UK", "FR", "Japan", "AU", "Brazil", "CA", None]
_STATES = ["CA", "NY", "TX", "WA", "MA", None]
_SIZES = [5, 50, 99, 100, "201-500", 999, 1000, "5000+", None, "lots"]


def submissions(count: int, seed: int = 42) -> Iterator[dict[str, object]]:
    rng = random.Random(seed)
    for i in range(count):
        domain = rng.choice(_DOMAINS) if rng.random() < 0.7 else f"company{rng.randrange(5000)}.com"
        lead: dict[str, object] = {
            "email": f"person{i}@{domain}",
            "first_name": "Pat",
            "last_name": f"Lee{i}",
            "lead_type": rng.choice(_TYPES),
            "utm_source": rng.choice(["google", "linkedin", "direct"]),
        }
        for key, values in (("country", _COUNTRIES), ("state", _STATES), ("company_size", _SIZES)):
            value = rng.choice(values)
            if value is not None:
                lead[key] = value
        if rng.random() < 0.1:
            lead["product_interest"] = "security"
        if rng.random() < 0.01:
            lead["honeypot"] = "x"
        yield lead


def write_jsonl(path: Path, count: int, seed: int = 42) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for lead in submissions(count, seed):
            handle.write(json.dumps(lead))
            handle.write("\n")
    return path
