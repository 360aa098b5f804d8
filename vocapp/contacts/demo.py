"""Demo contacts for `make run`: a French retailer's customers with a few declared attributes."""

import unicodedata
from datetime import timedelta

from .models import AttributeDefinition, AttributeKind, Segment
from .upsert import upsert_contacts

FIRST_NAMES = [
    "Camille",
    "Léa",
    "Hugo",
    "Louis",
    "Chloé",
    "Jules",
    "Manon",
    "Nathan",
    "Inès",
    "Lucas",
    "Emma",
    "Gabriel",
    "Sarah",
    "Arthur",
    "Zoé",
    "Adam",
    "Olivia",
    "James",
    "Amelia",
    "Noah",
]
CITIES = ["Paris", "Lyon", "Lille", "Bordeaux", "Nantes", "Marseille", "Toulouse"]
TIERS = ["standard", "standard", "standard", "silver", "silver", "gold"]
ATTRIBUTES = [
    ("loyalty_tier", "Loyalty tier", AttributeKind.TEXT),
    ("city", "City", AttributeKind.TEXT),
    ("customer_since", "Customer since", AttributeKind.DATE),
    ("lifetime_orders", "Orders so far", AttributeKind.NUMBER),
]
CONTACT_COUNT = 240


def seed_contacts(organization, *, rng, today):
    for name, label, kind in ATTRIBUTES:
        AttributeDefinition.objects.get_or_create(
            organization=organization, name=name, defaults={"label": label, "kind": kind}
        )
    rows = [demo_contact(index, rng, today) for index in range(CONTACT_COUNT)]
    rejected = [result.errors for result in upsert_contacts(rows) if result.status == "rejected"]
    if rejected:
        raise ValueError(f"demo contacts rejected: {rejected[:3]}")
    for name, conditions in (
        ("Gold members", [{"attribute": "loyalty_tier", "op": "eq", "value": "gold"}]),
        ("Paris customers", [{"attribute": "city", "op": "eq", "value": "Paris"}]),
        (
            "Loyal customers (5+ orders)",
            [{"attribute": "lifetime_orders", "op": "gte", "value": 5}],
        ),
    ):
        Segment.objects.get_or_create(
            organization=organization, name=name, defaults={"conditions": conditions}
        )


def ascii_name(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def demo_contact(index, rng, today):
    first_name = FIRST_NAMES[index % len(FIRST_NAMES)]
    english = first_name in {"Olivia", "James", "Amelia", "Noah"}
    since = today - timedelta(days=rng.randint(30, 2000))
    return {
        "external_id": f"CUST-{10000 + index}",
        "first_name": first_name,
        "email": f"{ascii_name(first_name)}.{index}@example.com",
        "phone": f"+336{12000000 + index * 7:08d}",
        "locale": "en" if english else "fr",
        "time_zone": "Europe/London" if english and index % 2 else "Europe/Paris",
        "email_consent": True,
        "sms_consent": index % 5 != 0,
        "email_opted_out": True if index % 37 == 0 else None,
        "attributes": {
            "loyalty_tier": rng.choice(TIERS),
            "city": rng.choice(CITIES),
            "customer_since": since.isoformat(),
            "lifetime_orders": rng.randint(1, 14),
        },
    }
