"""``record_audit``: the one way changes of configuration are written to the audit log."""

from django.forms.models import model_to_dict

from .models import ApiKey, AuditEvent, Organization, User
from .scope import organization_scope


def describe_actor(actor) -> tuple[User | None, str]:
    if isinstance(actor, User):
        return actor, actor.email
    if isinstance(actor, ApiKey):
        return None, f"API key {actor.name} (vk_{actor.prefix}_…)"
    return None, str(actor) if actor else "system"


def organization_of(obj) -> Organization:
    if isinstance(obj, Organization):
        return obj
    return obj.organization


def changed_fields(before: dict, after: dict) -> dict:
    """``{"field": [old, new]}`` for every field whose value differs."""
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def snapshot(obj, fields=None) -> dict:
    """JSON-ready field values of ``obj`` to diff with ``changed_fields``."""
    data = model_to_dict(obj, fields=fields)
    return {name: _jsonable(value) for name, value in data.items()}


def _jsonable(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if hasattr(value, "pk"):
        return value.pk
    return str(value)


def record_audit(actor, action: str, obj, changes: dict | None = None) -> AuditEvent:
    """Write one audit event about ``obj`` (a model instance of an organization) by ``actor``.

    ``actor`` is a User, an ApiKey or None (the system). ``changes`` is JSON-ready.
    """
    organization = organization_of(obj)
    user, label = describe_actor(actor)
    with organization_scope(organization):
        return AuditEvent.objects.create(
            organization=organization,
            actor=user,
            actor_label=label[:200],
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk or ""),
            object_repr=str(obj)[:200],
            changes=changes or {},
        )
