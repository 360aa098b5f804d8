"""The demo journey "Online order", made from the e-commerce template with stable keys.

surveys' demo seeder attaches its listening rules to these touchpoint keys: ``purchase``,
``order-confirmation``, ``shipping-notice``, ``parcel-received``, ``first-use``, ``support-call``,
``return-request`` (and ``ad-seen``, ``website-visit``, ``product-page``).
"""

from vocapp.contacts.models import Segment
from vocapp.tenancy.models import Membership
from vocapp.tenancy.roles import Role

from .models import Journey, Persona, Touchpoint
from .services import create_journey_from_template

DEMO_JOURNEY = "Online order"
DEMO_PERSONA = "Busy city shopper"
# Touchpoint key -> role of the demo member who owns it (first member with that role).
OWNERS = {
    "purchase": Role.CX_MANAGER,
    "order-confirmation": Role.CX_MANAGER,
    "shipping-notice": Role.CX_MANAGER,
    "parcel-received": Role.CX_MANAGER,
    "first-use": Role.ADMIN,
    "support-call": Role.AGENT,
    "return-request": Role.AGENT,
}
DETAILS = {
    "parcel-received": {
        "customer_actions": "Opens the door or picks the parcel up at a relay point.",
        "emotions": "Impatience, then relief or disappointment.",
        "friction_points": "Late delivery, missed slot, damaged box.",
        "internal_processes": "Warehouse picking, carrier hand-over, tracking.",
        "target_score": 85,
    },
    "support-call": {
        "customer_actions": "Calls the hotline, explains the problem.",
        "emotions": "Annoyed, wants a quick answer.",
        "friction_points": "Waiting time, being transferred, repeating the story.",
        "internal_processes": "Call routing, order look-up, refunds.",
        "target_score": 75,
    },
}


def seed_journeys(organization, *, rng, today):
    """Idempotent: the journey is made once (found again by name), the persona by name."""
    persona, _ = Persona.objects.get_or_create(
        organization=organization,
        name=DEMO_PERSONA,
        defaults={
            "description": "Orders on the phone between two meetings; lives in Paris.",
            "goals": "Get the right product, delivered on time, without calling anyone.",
            "frustrations": "Vague delivery slots, having to chase a refund.",
            "segment": Segment.objects.filter(name="Paris customers").first(),
        },
    )
    if Journey.objects.filter(name=DEMO_JOURNEY).exists():
        return
    journey = create_journey_from_template(
        organization, "ecommerce", None, name=DEMO_JOURNEY, persona=persona
    )
    members = {}
    for membership in (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("created_at", "pk")
    ):
        members.setdefault(membership.role, membership.user)
    for key, role in OWNERS.items():
        Touchpoint.objects.filter(stage__journey=journey, key=key).update(
            owner=members.get(role), **DETAILS.get(key, {})
        )
