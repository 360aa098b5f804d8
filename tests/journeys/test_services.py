"""Reorder, move and archive: positions stay 0..n-1, every change is in the audit log, rows stay."""

import pytest
from django.db import IntegrityError, transaction

from journeys import services
from journeys.models import Journey, Persona, Stage, Touchpoint
from vocapp.tenancy.models import AuditEvent

from .conftest import touchpoint_keys

pytestmark = pytest.mark.django_db


def stages_of(journey):
    return list(Stage.objects.filter(journey=journey, archived_at__isnull=True))


def names(items):
    return [item.name for item in items]


def test_move_a_stage_left_and_right(ecommerce_a, manager_a, scope_a):
    discovery, search, purchase = stages_of(ecommerce_a)[:3]

    assert services.move_stage(manager_a, purchase, -1) is True
    assert names(stages_of(ecommerce_a))[:3] == ["Discovery", "Purchase", "Information search"]
    assert services.move_stage(manager_a, discovery, -1) is False  # already first
    last = stages_of(ecommerce_a)[-1]
    assert services.move_stage(manager_a, last, 1) is False  # already last
    assert services.move_stage(manager_a, discovery, 1) is True
    order = stages_of(ecommerce_a)
    assert names(order)[:3] == ["Purchase", "Discovery", "Information search"]
    assert [s.position for s in order] == list(range(len(order)))
    events = AuditEvent.objects.filter(action="stage.moved")
    assert events.count() == 2
    assert events.first().actor == manager_a


def test_set_the_stage_order_from_a_drag_and_drop(ecommerce_a, manager_a, scope_a):
    stages = stages_of(ecommerce_a)
    wanted = [s.pk for s in reversed(stages)]
    services.set_stage_order(manager_a, ecommerce_a, wanted)
    assert [s.pk for s in stages_of(ecommerce_a)] == wanted
    event = AuditEvent.objects.get(action="stage.reordered")
    assert event.changes["order"] == [[s.pk for s in stages], wanted]


@pytest.mark.parametrize("mangle", ["missing", "duplicate", "foreign"])
def test_a_stage_order_that_does_not_match_is_refused(
    mangle, ecommerce_a, manager_a, org_a, scope_a
):
    ids = [s.pk for s in stages_of(ecommerce_a)]
    other = services.create_journey_from_template(org_a, "retail", manager_a)
    bad = {
        "missing": ids[:-1],
        "duplicate": ids + [ids[0]],
        "foreign": ids[:-1] + [stages_of(other)[0].pk],
    }[mangle]
    with pytest.raises(services.InvalidOrder):
        services.set_stage_order(manager_a, ecommerce_a, bad)
    assert [s.pk for s in stages_of(ecommerce_a)] == ids


def test_move_a_touchpoint_up_and_down(ecommerce_a, manager_a, scope_a):
    purchase_stage = Touchpoint.objects.get(key="purchase").stage
    assert touchpoint_keys(purchase_stage) == ["purchase", "order-confirmation"]
    confirmation = Touchpoint.objects.get(key="order-confirmation")

    assert services.move_touchpoint(manager_a, confirmation, -1) is True
    assert touchpoint_keys(purchase_stage) == ["order-confirmation", "purchase"]
    assert services.move_touchpoint(manager_a, confirmation, -1) is False
    assert services.move_touchpoint(manager_a, confirmation, 1) is True
    assert touchpoint_keys(purchase_stage) == ["purchase", "order-confirmation"]
    assert AuditEvent.objects.filter(action="touchpoint.moved").count() == 2


def test_move_a_touchpoint_to_another_stage(ecommerce_a, manager_a, scope_a):
    parcel = Touchpoint.objects.get(key="parcel-received")
    delivery = parcel.stage
    after_sales = Touchpoint.objects.get(key="support-call").stage

    services.move_touchpoint_to_stage(manager_a, parcel, after_sales, position=0)

    assert touchpoint_keys(after_sales) == ["parcel-received", "support-call", "return-request"]
    assert touchpoint_keys(delivery) == ["shipping-notice"]
    assert [tp.position for tp in Touchpoint.objects.filter(stage=after_sales)] == [0, 1, 2]
    event = AuditEvent.objects.get(action="touchpoint.moved", object_id=str(parcel.pk))
    assert event.changes == {"stage": [delivery.pk, after_sales.pk]}


def test_a_drag_across_stages_moves_the_card_and_closes_the_gap(ecommerce_a, manager_a, scope_a):
    shipping = Touchpoint.objects.get(key="shipping-notice")
    parcel = Touchpoint.objects.get(key="parcel-received")
    purchase_stage = Touchpoint.objects.get(key="purchase").stage
    ids = list(Touchpoint.objects.filter(stage=purchase_stage).values_list("pk", flat=True))

    services.set_touchpoint_order(manager_a, purchase_stage, [shipping.pk, *ids])

    assert touchpoint_keys(purchase_stage) == ["shipping-notice", "purchase", "order-confirmation"]
    parcel.refresh_from_db()
    assert parcel.position == 0  # renumbered in the stage it stays in


def test_a_touchpoint_cannot_be_dragged_from_another_journey(
    ecommerce_a, manager_a, org_a, scope_a
):
    other = services.create_journey_from_template(org_a, "retail", manager_a)
    foreign = Touchpoint.objects.filter(stage__journey=other).first()
    stage = stages_of(ecommerce_a)[0]
    ids = list(Touchpoint.objects.filter(stage=stage).values_list("pk", flat=True))
    with pytest.raises(services.InvalidOrder):
        services.set_touchpoint_order(manager_a, stage, [*ids, foreign.pk])
    with pytest.raises(services.InvalidOrder):
        services.move_touchpoint_to_stage(manager_a, foreign, stage)
    assert Touchpoint.objects.get(pk=foreign.pk).stage.journey == other


def test_archiving_a_touchpoint_hides_it_and_keeps_the_row(ecommerce_a, manager_a, scope_a):
    purchase = Touchpoint.objects.get(key="purchase")
    stage = purchase.stage
    services.archive(manager_a, purchase)

    assert touchpoint_keys(stage) == ["order-confirmation"]
    kept = Touchpoint.objects.get(pk=purchase.pk)
    assert kept.archived_at is not None
    assert kept.key == "purchase" and kept.name == "Places the order and pays"
    assert Touchpoint.objects.get(key="order-confirmation").position == 0
    assert AuditEvent.objects.filter(action="touchpoint.archived").count() == 1
    # Its key stays reserved: a new touchpoint named alike gets a suffix.
    new = services.create(
        manager_a,
        Touchpoint(
            organization=ecommerce_a.organization, stage=stage, key="purchase", name="Pays again"
        ),
    )
    assert new.key == "purchase-2"


def test_archiving_a_journey_archives_its_stages_and_touchpoints(ecommerce_a, manager_a, scope_a):
    count = Touchpoint.objects.filter(stage__journey=ecommerce_a).count()
    services.archive(manager_a, ecommerce_a)

    journey = Journey.objects.get(pk=ecommerce_a.pk)
    assert journey.archived_at is not None
    assert not Stage.objects.filter(journey=journey, archived_at__isnull=True).exists()
    assert not Touchpoint.objects.filter(stage__journey=journey, archived_at__isnull=True).exists()
    assert Touchpoint.objects.filter(stage__journey=journey).count() == count
    event = AuditEvent.objects.get(action="journey.archived")
    assert event.changes == {"stages": 6, "touchpoints": count}
    # Archiving twice changes nothing and logs nothing more.
    services.archive(manager_a, journey)
    assert AuditEvent.objects.filter(action="journey.archived").count() == 1


def test_archiving_a_stage_archives_its_touchpoints(ecommerce_a, manager_a, scope_a):
    delivery = Touchpoint.objects.get(key="parcel-received").stage
    services.archive(manager_a, delivery)
    assert names(stages_of(ecommerce_a)) == [
        "Discovery",
        "Information search",
        "Purchase",
        "First use",
        "After-sales contact",
    ]
    assert [s.position for s in stages_of(ecommerce_a)] == [0, 1, 2, 3, 4]
    assert Touchpoint.objects.get(key="parcel-received").archived_at is not None


def test_stages_and_touchpoints_cannot_be_deleted_under_a_journey(ecommerce_a, scope_a):
    """PROTECT: the rows answers hang on are never cascaded away."""
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        ecommerce_a.delete()
    stage = stages_of(ecommerce_a)[0]
    with pytest.raises(ProtectedError):
        stage.delete()


def test_create_and_update_place_and_audit(ecommerce_a, manager_a, admin_a, scope_a):
    stage = stages_of(ecommerce_a)[0]
    tp = services.create(
        manager_a,
        Touchpoint(organization=ecommerce_a.organization, stage=stage, name="Newsletter signup!"),
    )
    assert tp.key == "newsletter-signup"
    assert tp.position == 1
    created = AuditEvent.objects.get(action="touchpoint.created")
    assert created.changes["name"] == "Newsletter signup!"

    before = services.snapshot(tp, services.audit_fields(tp))
    tp.importance = 5
    tp.owner = admin_a
    services.update(manager_a, tp, before)
    updated = AuditEvent.objects.get(action="touchpoint.updated")
    assert updated.changes == {"importance": [3, 5], "owner": [None, admin_a.pk]}


def test_the_database_refuses_a_duplicate_key(ecommerce_a, scope_a):
    stage = stages_of(ecommerce_a)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Touchpoint.objects.create(stage=stage, name="Copy", key="purchase")


def test_archiving_a_persona_keeps_its_journeys(org_a, manager_a, scope_a):
    persona = services.create(manager_a, Persona(organization=org_a, name="Night owl"))
    journey = services.create(
        manager_a, Journey(organization=org_a, name="Late orders", persona=persona)
    )
    services.archive(manager_a, persona)
    journey.refresh_from_db()
    assert journey.persona_id == persona.pk
    assert Persona.objects.get(pk=persona.pk).archived_at is not None


def test_a_touchpoint_created_in_a_race_for_its_key_takes_the_next_free_one(
    ecommerce_a, manager_a, scope_a, monkeypatch
):
    """Another request took "purchase" between the key's choice and the INSERT: no 500."""
    stage = stages_of(ecommerce_a)[0]
    real_choice = services.unique_touchpoint_key
    first_call = []

    def stale_choice(base, **kwargs):
        if not first_call:
            first_call.append(base)
            return "purchase"  # free a moment ago, taken by now
        return real_choice(base, **kwargs)

    monkeypatch.setattr(services, "unique_touchpoint_key", stale_choice)
    touchpoint = services.create(
        manager_a,
        Touchpoint(organization=ecommerce_a.organization, stage=stage, name="Pay", key="purchase"),
    )
    assert touchpoint.key == "purchase-2"
    assert Touchpoint.objects.filter(key="purchase").count() == 1
