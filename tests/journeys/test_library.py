"""Journey templates: one click gives the usual stages and touchpoints, moments of truth too."""

import pytest

from journeys.library import LANGUAGES, TEMPLATES
from journeys.models import Channel, Direction, JourneyKind, Nature, Stage, Touchpoint
from journeys.services import UnknownTemplate, create_journey_from_template
from vocapp.tenancy.models import AuditEvent

pytestmark = pytest.mark.django_db

REQUIRED = {"ecommerce", "retail", "customer-service", "b2b", "employee"}


def test_the_library_has_the_five_templates_with_english_and_french_texts():
    assert set(TEMPLATES) >= REQUIRED
    names = {TEMPLATES[key].label("en") for key in REQUIRED}
    assert names == {
        "E-commerce purchase",
        "Retail store visit",
        "Customer service contact",
        "B2B service",
        "Employee journey",
    }
    for template in TEMPLATES.values():
        texts = [template.name, template.description]
        for stage in template.stages:
            texts.append(stage.name)
            for tp in stage.touchpoints:
                texts += [tp.name, tp.goal]
                assert tp.channel in Channel.values
                assert tp.direction in Direction.values
                assert tp.nature in Nature.values
                assert 1 <= tp.importance <= 5
        for text in texts:
            assert set(text) == set(LANGUAGES), f"{template.key}: {text}"
            assert all(value.strip() for value in text.values())
        assert template.moments_of_truth >= 1
        assert len(template.stages) >= 4


def test_the_employee_template_makes_an_employee_journey():
    assert TEMPLATES["employee"].kind == JourneyKind.EMPLOYEE
    assert TEMPLATES["ecommerce"].kind == JourneyKind.CUSTOMER


@pytest.mark.parametrize("key", sorted(REQUIRED))
def test_each_template_creates_its_stages_and_touchpoints(key, org_a, manager_a, scope_a):
    template = TEMPLATES[key]
    journey = create_journey_from_template(org_a, key, manager_a)

    assert journey.name == template.label("en")
    assert journey.kind == template.kind
    stages = list(Stage.objects.filter(journey=journey))
    assert [s.name for s in stages] == template.stage_names("en")
    assert [s.position for s in stages] == list(range(len(stages)))
    touchpoints = Touchpoint.objects.filter(stage__journey=journey).order_by(
        "stage__position", "position"
    )
    expected = [tp for stage in template.stages for tp in stage.touchpoints]
    assert [tp.key for tp in touchpoints] == [tp.key for tp in expected]
    assert [tp.name for tp in touchpoints] == [tp.name["en"] for tp in expected]
    assert [tp.is_moment_of_truth for tp in touchpoints] == [tp.moment_of_truth for tp in expected]
    assert any(tp.is_moment_of_truth for tp in touchpoints)
    assert all(tp.goal and tp.public_key for tp in touchpoints)
    event = AuditEvent.objects.get(action="journey.created", object_id=str(journey.pk))
    assert event.actor == manager_a
    assert event.changes["template"] == key
    assert len(event.changes["touchpoints"]) == len(expected)


def test_the_ecommerce_template_has_the_keys_the_demo_relies_on(ecommerce_a, scope_a):
    keys = set(Touchpoint.objects.filter(stage__journey=ecommerce_a).values_list("key", flat=True))
    assert {"purchase", "parcel-received", "support-call"} <= keys
    parcel = Touchpoint.objects.get(key="parcel-received")
    assert parcel.is_moment_of_truth
    assert parcel.importance == 5
    assert parcel.stage.name == "Delivery"


def test_two_journeys_from_templates_do_not_collide_on_keys(org_a, manager_a, scope_a):
    first = create_journey_from_template(org_a, "ecommerce", manager_a)
    second = create_journey_from_template(org_a, "ecommerce", manager_a, name="Second shop")
    # "support-call" is also in the customer-service template: a third suffix.
    third = create_journey_from_template(org_a, "customer-service", manager_a)

    def keys(journey):
        return set(Touchpoint.objects.filter(stage__journey=journey).values_list("key", flat=True))

    assert "parcel-received" in keys(first)
    assert "parcel-received-2" in keys(second)
    assert "support-call-2" in keys(second)
    assert "support-call-3" in keys(third)
    assert second.name == "Second shop"
    all_keys = list(Touchpoint.objects.values_list("key", flat=True))
    assert len(all_keys) == len(set(all_keys))


def test_keys_are_per_organization(org_a, org_b, manager_a, outsider, scope_a):
    create_journey_from_template(org_a, "ecommerce", manager_a)
    journey_b = create_journey_from_template(org_b, "ecommerce", outsider)
    keys_b = set(
        Touchpoint.objects.unscoped().filter(stage__journey=journey_b).values_list("key", flat=True)
    )
    assert "parcel-received" in keys_b


def test_a_french_organization_gets_french_names(org_a, manager_a, scope_a):
    org_a.default_locale = "fr"
    org_a.save()
    journey = create_journey_from_template(org_a, "ecommerce", manager_a)
    assert journey.name == "Achat en ligne"
    assert list(Stage.objects.filter(journey=journey).values_list("name", flat=True))[3] == (
        "Livraison"
    )
    assert Touchpoint.objects.get(key="parcel-received").name == "Reçoit le colis"


def test_an_unknown_template_is_refused_and_creates_nothing(org_a, manager_a, scope_a):
    with pytest.raises(UnknownTemplate):
        create_journey_from_template(org_a, "space-travel", manager_a)
    assert not Stage.objects.exists()
