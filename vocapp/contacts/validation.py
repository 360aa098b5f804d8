"""Normalising one contact row (API, bulk or CSV) into clean values and field-named errors.

Pure functions: no database access, so a batch of 10,000 rows is validated without a query.
"""

import datetime
import math
from dataclasses import dataclass, field

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from vocapp.tenancy.models import known_time_zones

from .models import AttributeKind

FIELDS = (
    "external_id",
    "email",
    "phone",
    "first_name",
    "locale",
    "time_zone",
    "attributes",
    "sms_consent",
    "email_consent",
    "sms_opted_out",
    "email_opted_out",
)
TEXT_LIMITS = {"external_id": 100, "first_name": 100}
ATTRIBUTE_TEXT_LIMIT = 500
SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}


def at_most(count: int) -> str:
    return _("must be %(count)s characters at most.") % {"count": count}


@dataclass
class CleanRow:
    """The fields a row provided (absent fields are not keys) and the errors found."""

    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    def add_error(self, name, message):
        self.errors.setdefault(name, []).append(message)


def normalise_phone(value: str, region: str) -> str:
    """E.164 form of ``value``; national numbers are read in ``region``. Raises ValueError."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValueError(_("'%(value)s' is not a phone number.") % {"value": value}) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_("'%(value)s' is not a valid phone number.") % {"value": value})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str) -> str:
    value = value.strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise ValueError(
            _("'%(value)s' is not a valid email address.") % {"value": value}
        ) from None
    return value


def normalise_locale(value: str) -> str:
    language = value.strip().replace("_", "-").split("-")[0].lower()
    if language not in SUPPORTED_LANGUAGES:
        supported = ", ".join(sorted(SUPPORTED_LANGUAGES))
        raise ValueError(
            _("'%(value)s' is not a supported language (%(supported)s).")
            % {"value": value, "supported": supported}
        )
    return language


def normalise_time_zone(value: str) -> str:
    if value not in known_time_zones():
        raise ValueError(
            _("'%(value)s' is not a known time zone (e.g. Europe/Paris).") % {"value": value}
        )
    return value


def coerce_attribute(kind: str, value):
    """The stored form of an attribute value of ``kind``. Raises ValueError."""
    if kind == AttributeKind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(_("must be a number."))
        try:
            number = float(value) if isinstance(value, str) else value
        except ValueError:
            raise ValueError(_("must be a number.")) from None
        if not math.isfinite(number):
            # NaN and infinities are not JSON: PostgreSQL would refuse the row (a 500).
            raise ValueError(_("must be a number."))
        return int(number) if float(number).is_integer() else number
    if kind == AttributeKind.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "yes", "1", "oui"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"false", "no", "0", "non"}:
            return False
        raise ValueError(_("must be true or false."))
    if kind == AttributeKind.DATE:
        try:
            return datetime.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(_("must be a date as YYYY-MM-DD.")) from None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(_("must be text."))
    text = str(value)
    if len(text) > ATTRIBUTE_TEXT_LIMIT:
        raise ValueError(at_most(ATTRIBUTE_TEXT_LIMIT))
    return text


def clean_attributes(row: CleanRow, value, definitions: dict) -> None:
    if value is None:
        row.values["attributes"] = None
        return
    if not isinstance(value, dict):
        row.add_error("attributes", _("must be an object of declared attributes."))
        return
    cleaned = {}
    for name, item in value.items():
        definition = definitions.get(name)
        if definition is None:
            row.add_error(
                f"attributes.{name}", _("'%(name)s' is not a declared attribute.") % {"name": name}
            )
            continue
        if item is None:
            cleaned[name] = None
            continue
        try:
            cleaned[name] = coerce_attribute(definition, item)
        except ValueError as error:
            row.add_error(f"attributes.{name}", f"'{name}' {error}")
    row.values["attributes"] = cleaned


def clean_text(row: CleanRow, name: str, value) -> None:
    if value is None:
        row.values[name] = ""
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool) and name == "external_id":
        value = str(value)
    if not isinstance(value, str):
        row.add_error(name, _("must be text."))
        return
    value = value.strip()
    if len(value) > TEXT_LIMITS[name]:
        row.add_error(name, at_most(TEXT_LIMITS[name]))
        return
    row.values[name] = value


NORMALISERS = {
    "email": normalise_email,
    "locale": normalise_locale,
    "time_zone": normalise_time_zone,
}


def clean_row(raw, *, region: str, definitions: dict) -> CleanRow:
    """Validate one row. ``definitions`` maps declared attribute names to their kind."""
    row = CleanRow()
    if not isinstance(raw, dict):
        row.add_error("non_field_errors", _("Each contact must be a JSON object."))
        return row
    for name in raw:
        if name not in FIELDS:
            row.add_error(name, _("'%(name)s' is not a contact field.") % {"name": name})
    external_id = raw.get("external_id")
    if external_id is None or external_id == "":
        row.add_error("external_id", _("This field is required."))
    else:
        clean_text(row, "external_id", external_id)
    for name, value in raw.items():
        if name in ("external_id",) or name not in FIELDS:
            continue
        clean_field(row, name, value, region=region, definitions=definitions)
    return row


def clean_field(row: CleanRow, name: str, value, *, region: str, definitions: dict) -> None:
    if name == "first_name":
        clean_text(row, name, value)
    elif name == "attributes":
        clean_attributes(row, value, definitions)
    elif name.endswith(("_consent", "_opted_out")):
        if value is not None and not isinstance(value, bool):
            row.add_error(name, _("must be true, false or null."))
        else:
            row.values[name] = value
    elif value is None or value == "":
        row.values[name] = ""
    elif not isinstance(value, str):
        row.add_error(name, _("must be text."))
    else:
        try:
            if name == "phone":
                row.values[name] = normalise_phone(value, region)
            else:
                row.values[name] = NORMALISERS[name](value)
        except ValueError as error:
            row.add_error(name, str(error))
