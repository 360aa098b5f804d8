"""The one segment format of the product, validated and compiled to ORM lookups.

A segment is a list of conditions ``{"attribute", "op", "value"}`` joined by AND. ``attribute``
is a contact field (email, phone, first_name, locale, time_zone, external_id) or a declared
attribute; names are checked against that list, so they never reach SQL as text (JSON keys are
passed as query parameters by Django's key transforms).
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import AttributeKind
from .validation import coerce_attribute

OPS = ("eq", "neq", "in", "gte", "lte", "exists", "contains")
BUILTIN_FIELDS = {
    "external_id": AttributeKind.TEXT,
    "email": AttributeKind.TEXT,
    "phone": AttributeKind.TEXT,
    "first_name": AttributeKind.TEXT,
    "locale": AttributeKind.TEXT,
    "time_zone": AttributeKind.TEXT,
}
MAX_CONDITIONS = 20


class SegmentError(ValueError):
    """Invalid conditions: ``errors`` maps ``conditions.<i>.<key>`` to messages."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


def available_attributes(declared: dict) -> dict:
    """Every name a condition may use, with its kind (declared attributes win no clash)."""
    return {**declared, **BUILTIN_FIELDS}


def validate_conditions(conditions, declared: dict) -> list[dict]:
    """Checked and normalised conditions; raises SegmentError naming each bad part."""
    if not isinstance(conditions, list):
        raise SegmentError({"conditions": [_("must be a list of conditions.")]})
    if len(conditions) > MAX_CONDITIONS:
        raise SegmentError(
            {"conditions": [_("%(count)s conditions at most.") % {"count": MAX_CONDITIONS}]}
        )
    kinds = available_attributes(declared)
    errors, cleaned = {}, []
    for index, condition in enumerate(conditions):
        prefix = f"conditions.{index}"
        try:
            cleaned.append(validate_condition(condition, kinds))
        except SegmentError as error:
            errors.update({f"{prefix}.{key}": value for key, value in error.errors.items()})
    if errors:
        raise SegmentError(errors)
    return cleaned


def validate_condition(condition, kinds: dict) -> dict:
    if not isinstance(condition, dict):
        raise SegmentError({"condition": [_("must be an object with attribute, op and value.")]})
    attribute, op = condition.get("attribute"), condition.get("op")
    # A list or object as the name is refused like an unknown name (not hashed: no 500).
    if not isinstance(attribute, str) or attribute not in kinds:
        raise SegmentError(
            {"attribute": [_("'%(name)s' is not a declared attribute.") % {"name": attribute}]}
        )
    if op not in OPS:
        raise SegmentError(
            {
                "op": [
                    _("'%(value)s' is not one of %(choices)s.")
                    % {"value": op, "choices": ", ".join(OPS)}
                ]
            }
        )
    kind = kinds[attribute]
    value = condition.get("value")
    return {"attribute": attribute, "op": op, "value": validate_value(kind, op, value)}


def validate_value(kind, op, value):
    try:
        if op == "exists":
            if not isinstance(value, bool):
                raise ValueError(_("must be true or false."))
            return value
        if op == "in":
            if not isinstance(value, list) or not value:
                raise ValueError(_("must be a non-empty list."))
            return [coerce_attribute(kind, item) for item in value]
        if op == "contains":
            if kind != AttributeKind.TEXT or not isinstance(value, str) or not value:
                raise ValueError(_("'contains' needs a text attribute and some text."))
            return value
        if op in ("gte", "lte") and kind not in (AttributeKind.NUMBER, AttributeKind.DATE):
            raise ValueError(_("'%(op)s' needs a number or date attribute.") % {"op": op})
        if value is None:
            raise ValueError(_("is required."))
        return coerce_attribute(kind, value)
    except ValueError as error:
        # Upper-case the first letter only: capitalize() would turn YYYY-MM-DD into yyyy-mm-dd.
        message = str(error)
        raise SegmentError({"value": [message[:1].upper() + message[1:]]}) from None


def lookup_path(attribute: str) -> str:
    return attribute if attribute in BUILTIN_FIELDS else f"attributes__{attribute}"


def compile_condition(condition: dict) -> Q:
    attribute, op, value = condition["attribute"], condition["op"], condition["value"]
    path = lookup_path(attribute)
    builtin = attribute in BUILTIN_FIELDS
    if op == "exists":
        present = ~Q(**{path: ""}) if builtin else Q(attributes__has_key=attribute)
        return present if value else ~present
    if op == "eq":
        return Q(**{path: value})
    if op == "neq":
        if builtin:
            return ~Q(**{path: value})
        return ~Q(**{path: value}) | ~Q(attributes__has_key=attribute)
    if op == "in":
        return Q(**{f"{path}__in": value})
    if op == "contains":
        return Q(**{f"{path}__icontains": value})
    return Q(**{f"{path}__{op}": value})


def compile_conditions(conditions: list[dict]) -> Q:
    """A Q object for already validated conditions (AND); no condition matches everyone."""
    query = Q()
    for condition in conditions:
        query &= compile_condition(condition)
    return query


def matching_contacts(conditions, declared: dict):
    """The organization's (not erased) contacts matching raw ``conditions``; validates first."""
    from .models import Contact

    cleaned = validate_conditions(conditions, declared)
    return Contact.objects.filter(erased_at__isnull=True).filter(compile_conditions(cleaned))
