"""Query-parameter filters shared by the API's list endpoints."""

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
