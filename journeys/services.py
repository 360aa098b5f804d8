"""Writes on the journey map: create, update, reorder, move and archive, each audit-logged.

Views, the API, the demo seeder and tests all call these functions. Every function runs inside the
organization's scope (the caller's request or task has entered it). ``actor`` is a User, an ApiKey
or None (the system).

Nothing is hard-deleted: archiving sets ``archived_at`` on the object and on what hangs under it
(a journey's stages and touchpoints, a stage's touchpoints), so that "not archived" is the one test
that every list, the map and the listening plan apply, and every row stays for the answers already
attached to it.
"""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from vocapp.tenancy.audit import changed_fields, record_audit, snapshot
from vocapp.tenancy.scope import organization_scope

from .library import get_template, localized
from .models import Journey, Persona, Stage, Touchpoint

KEY_MAX = Touchpoint._meta.get_field("key").max_length


class UnknownTemplate(ValueError):
    pass


class InvalidOrder(ValueError):
    pass


def audit_fields(obj) -> list[str]:
    """Fields worth diffing in the audit log (all editable ones)."""
    return [
        f.name
        for f in obj._meta.concrete_fields
        if f.editable and f.name not in ("id", "organization")
    ]


def _action(obj, verb: str) -> str:
    return f"{obj._meta.model_name}.{verb}"


# --- keys --------------------------------------------------------------------------------------


def key_from_name(name: str) -> str:
    base = slugify(name)[:KEY_MAX].strip("-_") or "touchpoint"
    if not base[0].isalnum():
        base = f"tp-{base}"[:KEY_MAX]
    return base


def unique_touchpoint_key(base: str, *, exclude_pk=None, taken: set | None = None) -> str:
    """``base``, or ``base-2``, ``base-3``… the first one no touchpoint of the organization uses
    (archived ones included: a key once given keeps pointing at its touchpoint's answers)."""
    base = base[:KEY_MAX]
    existing = Touchpoint.objects.filter(key__startswith=base[: KEY_MAX - 4])
    if exclude_pk:
        existing = existing.exclude(pk=exclude_pk)
    used = set(existing.values_list("key", flat=True)) | (taken or set())
    if base not in used:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: KEY_MAX - len(suffix)] + suffix
        if candidate not in used:
            return candidate
        number += 1


# --- create and update -------------------------------------------------------------------------


def _next_position(queryset) -> int:
    top = queryset.aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


@transaction.atomic
def create(actor, obj):
    """Save a new persona, journey, stage or touchpoint (placed last among its siblings)."""
    if isinstance(obj, Stage):
        obj.position = _next_position(Stage.objects.filter(journey=obj.journey))
    elif isinstance(obj, Touchpoint):
        obj.position = _next_position(Touchpoint.objects.filter(stage=obj.stage))
        save_with_a_free_key(obj)
    if obj.pk is None:
        obj.save()
    record_audit(actor, _action(obj, "created"), obj, snapshot(obj, audit_fields(obj)))
    return obj


def save_with_a_free_key(touchpoint, attempts=3):
    """Save a new touchpoint under its key or the next free one. Two requests may pick the same
    free key at the same instant: the loser takes the next one instead of failing."""
    base, taken = touchpoint.key or key_from_name(touchpoint.name), set()
    for attempt in range(attempts):
        touchpoint.key = unique_touchpoint_key(base, taken=taken)
        try:
            with transaction.atomic():
                touchpoint.save()
            return
        except IntegrityError:
            if attempt == attempts - 1:
                raise
            taken.add(touchpoint.key)


@transaction.atomic
def update(actor, obj, before: dict):
    """Save ``obj`` edited in place; ``before`` is ``snapshot(obj, audit_fields(obj))`` taken
    before the edit. A touchpoint that changed stage goes last in its new stage."""
    if isinstance(obj, Touchpoint) and before.get("stage") not in (None, obj.stage_id):
        obj.position = _next_position(Touchpoint.objects.filter(stage=obj.stage))
    obj.save()
    if isinstance(obj, Touchpoint) and before.get("stage") not in (None, obj.stage_id):
        _renumber(Touchpoint.objects.filter(stage_id=before["stage"], archived_at__isnull=True))
    changes = changed_fields(before, snapshot(obj, audit_fields(obj)))
    if changes:
        record_audit(actor, _action(obj, "updated"), obj, changes)
    return obj


# --- order -------------------------------------------------------------------------------------


def active_stages(journey):
    return Stage.objects.filter(journey=journey, archived_at__isnull=True).order_by(
        "position", "id"
    )


def active_touchpoints(stage):
    return Touchpoint.objects.filter(stage=stage, archived_at__isnull=True).order_by(
        "position", "id"
    )


def _renumber(queryset, ordered=None) -> list:
    """Positions 0..n-1 following ``ordered`` (default: the current order); writes only changes."""
    items = list(ordered if ordered is not None else queryset.order_by("position", "id"))
    for position, item in enumerate(items):
        if item.position != position:
            type(item).objects.filter(pk=item.pk).update(position=position)
            item.position = position
    return items


def _ids(items) -> list[int]:
    return [item.pk for item in items]


@transaction.atomic
def move_stage(actor, stage, delta: int) -> bool:
    """Move a stage ``delta`` places (-1: left, +1: right). False when already at the end."""
    return _move(actor, stage, list(active_stages(stage.journey)), delta, "stage.moved")


@transaction.atomic
def move_touchpoint(actor, touchpoint, delta: int) -> bool:
    """Move a touchpoint ``delta`` places in its stage (-1: up, +1: down)."""
    siblings = list(active_touchpoints(touchpoint.stage))
    return _move(actor, touchpoint, siblings, delta, "touchpoint.moved")


def _move(actor, obj, siblings, delta, action) -> bool:
    ids = _ids(siblings)
    index = ids.index(obj.pk)
    target = index + delta
    if not 0 <= target < len(siblings) or delta == 0:
        return False
    before = ids[:]
    siblings.insert(target, siblings.pop(index))
    _renumber(None, siblings)
    record_audit(actor, action, obj, {"order": [before, _ids(siblings)]})
    return True


@transaction.atomic
def set_stage_order(actor, journey, stage_ids: list[int]) -> list:
    """Drag and drop: the journey's stages in the order given (every active stage, once)."""
    stages = list(active_stages(journey))
    by_id = {stage.pk: stage for stage in stages}
    if sorted(stage_ids) != sorted(by_id) or len(set(stage_ids)) != len(stage_ids):
        raise InvalidOrder("Give every stage of the journey exactly once.")
    before = _ids(stages)
    ordered = _renumber(None, [by_id[pk] for pk in stage_ids])
    if before != stage_ids:
        record_audit(actor, "stage.reordered", journey, {"order": [before, stage_ids]})
    return ordered


@transaction.atomic
def set_touchpoint_order(actor, stage, touchpoint_ids: list[int]) -> list:
    """Drag and drop: ``stage``'s touchpoints in the order given. Touchpoints of the journey's
    other stages in the list move into ``stage``; the stage's own active touchpoints must all be
    listed (a touchpoint leaves a stage by being listed in another one)."""
    if len(set(touchpoint_ids)) != len(touchpoint_ids):
        raise InvalidOrder("A touchpoint is listed twice.")
    found = {
        tp.pk: tp
        for tp in Touchpoint.objects.filter(
            pk__in=touchpoint_ids,
            stage__journey=stage.journey,
            stage__archived_at__isnull=True,
            archived_at__isnull=True,
        ).select_related("stage")
    }
    if set(found) != set(touchpoint_ids):
        raise InvalidOrder("Only touchpoints of this journey can be placed in this stage.")
    current = _ids(active_touchpoints(stage))
    if not set(current) <= set(touchpoint_ids):
        raise InvalidOrder("Every touchpoint of the stage must be listed.")
    left = {tp.stage_id for tp in found.values() if tp.stage_id != stage.pk}
    for tp in found.values():
        if tp.stage_id != stage.pk:
            old_stage = tp.stage
            Touchpoint.objects.filter(pk=tp.pk).update(stage=stage)
            tp.stage = stage
            record_audit(actor, "touchpoint.moved", tp, {"stage": [old_stage.pk, stage.pk]})
    ordered = _renumber(None, [found[pk] for pk in touchpoint_ids])
    for stage_id in left:
        _renumber(Touchpoint.objects.filter(stage_id=stage_id, archived_at__isnull=True))
    if current != touchpoint_ids:
        record_audit(actor, "touchpoint.reordered", stage, {"order": [current, touchpoint_ids]})
    return ordered


@transaction.atomic
def move_touchpoint_to_stage(actor, touchpoint, stage, position: int | None = None):
    """Put ``touchpoint`` in ``stage`` (of the same journey) at ``position`` (default: last)."""
    if stage.journey_id != touchpoint.stage.journey_id or stage.archived_at is not None:
        raise InvalidOrder("A touchpoint moves only to an active stage of its journey.")
    ids = [pk for pk in _ids(active_touchpoints(stage)) if pk != touchpoint.pk]
    position = len(ids) if position is None else max(0, min(position, len(ids)))
    ids.insert(position, touchpoint.pk)
    return set_touchpoint_order(actor, stage, ids)


@transaction.atomic
def place_stage(actor, stage, position: int):
    """Put ``stage`` at ``position`` among its journey's active stages (API ``position``)."""
    ids = [pk for pk in _ids(active_stages(stage.journey)) if pk != stage.pk]
    ids.insert(max(0, min(position, len(ids))), stage.pk)
    return set_stage_order(actor, stage.journey, ids)


@transaction.atomic
def place_touchpoint(actor, touchpoint, position: int):
    return move_touchpoint_to_stage(actor, touchpoint, touchpoint.stage, position)


# --- archive -----------------------------------------------------------------------------------


@transaction.atomic
def archive(actor, obj):
    """Hide ``obj`` (and what hangs under it) from lists, the map and the API lists; keep rows."""
    if obj.archived_at is not None:
        return obj
    now = timezone.now()
    obj.archived_at = now
    type(obj).objects.filter(pk=obj.pk).update(archived_at=now)
    details = {}
    if isinstance(obj, Journey):
        details["stages"] = Stage.objects.filter(journey=obj, archived_at__isnull=True).update(
            archived_at=now
        )
        details["touchpoints"] = Touchpoint.objects.filter(
            stage__journey=obj, archived_at__isnull=True
        ).update(archived_at=now)
    elif isinstance(obj, Stage):
        details["touchpoints"] = Touchpoint.objects.filter(
            stage=obj, archived_at__isnull=True
        ).update(archived_at=now)
        _renumber(active_stages(obj.journey))
    elif isinstance(obj, Touchpoint):
        _renumber(active_touchpoints(obj.stage))
    elif isinstance(obj, Persona):
        details["journeys_unlinked"] = Journey.objects.filter(persona=obj).count()
    record_audit(actor, _action(obj, "archived"), obj, details)
    return obj


# --- templates ---------------------------------------------------------------------------------


@transaction.atomic
def create_journey_from_template(organization, template_key, actor, name=None, persona=None):
    """A journey with the template's stages and touchpoints, in the organization's language.

    Touchpoint keys already used in the organization get a suffix (``parcel-received-2``).
    """
    template = get_template(template_key)
    if template is None:
        raise UnknownTemplate(f"No journey template named {template_key!r}.")
    with organization_scope(organization):
        return _build_from_template(organization, template, actor, name, persona)


def _build_from_template(organization, template, actor, name, persona):
    locale = organization.default_locale
    journey = Journey.objects.create(
        organization=organization,
        name=(name or template.label(locale))[:120],
        kind=template.kind,
        description=template.summary(locale),
        persona=persona,
    )
    taken: set[str] = set()
    touchpoints = []
    for stage_position, stage_template in enumerate(template.stages):
        stage = Stage.objects.create(
            organization=organization,
            journey=journey,
            name=localized(stage_template.name, locale),
            position=stage_position,
        )
        for position, item in enumerate(stage_template.touchpoints):
            key = unique_touchpoint_key(item.key, taken=taken)
            taken.add(key)
            touchpoints.append(
                Touchpoint(
                    organization=organization,
                    stage=stage,
                    name=localized(item.name, locale),
                    key=key,
                    channel=item.channel,
                    direction=item.direction,
                    nature=item.nature,
                    goal=localized(item.goal, locale),
                    is_moment_of_truth=item.moment_of_truth,
                    importance=item.importance,
                    position=position,
                )
            )
    Touchpoint.objects.bulk_create(touchpoints)
    record_audit(
        actor,
        "journey.created",
        journey,
        {
            "template": template.key,
            "stages": len(template.stages),
            "touchpoints": {tp.key: tp.name for tp in touchpoints},
        },
    )
    return journey
