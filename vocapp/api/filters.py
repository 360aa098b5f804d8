"""Query-parameter filters shared by the API's list endpoints."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError


def object_filter(params, name, model, label):
    """The organization's object named by the query parameter ``name``, or a 400 naming it
    (another organization's id is answered like an id that does not exist)."""
    value = params.get(name)
    if value in (None, ""):
        return None
    found = model.objects.filter(pk=value).first() if value.isdecimal() else None
    if found is None:
        raise ValidationError({name: [f"No such {label}."]})
    return found


def choice_filter(params, name, choices):
    """The query parameter ``name`` if it is one of ``choices`` (a TextChoices), None if absent,
    else a 400 naming the choices."""
    value = params.get(name)
    if not value:
        return None
    if value not in choices.values:
        message = _("'%(value)s' is not one of %(choices)s.") % {
            "value": value[:40],
            "choices": ", ".join(choices.values),
        }
        raise ValidationError({name: [message]})
    return value
