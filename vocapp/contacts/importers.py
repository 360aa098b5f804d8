"""The contacts importer, registered in the import framework."""

from django.utils.translation import gettext_lazy as _

from vocapp import registry

from .models import AttributeDefinition, OptOutSource
from .upsert import upsert_contacts

CONTACT_COLUMNS = (
    "external_id",
    "email",
    "phone",
    "first_name",
    "locale",
    "time_zone",
    "sms_consent",
    "email_consent",
    "sms_opted_out",
    "email_opted_out",
)
BOOLEAN_COLUMNS = {"sms_consent", "email_consent", "sms_opted_out", "email_opted_out"}
TRUE_WORDS = {"1", "true", "yes", "y", "oui", "o", "x"}
FALSE_WORDS = {"0", "false", "no", "n", "non"}


def declared_attribute_columns(organization) -> list[str]:
    return [
        f"attributes.{name}"
        for name in AttributeDefinition.objects.order_by("name").values_list("name", flat=True)
    ]


def parse_boolean(value: str):
    lowered = value.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    return value  # left as text: validation names the field and the value


def csv_row_to_contact(row: dict) -> dict:
    contact, attributes = {}, {}
    for column, value in row.items():
        if column.startswith("attributes."):
            attributes[column.split(".", 1)[1]] = value
        elif column in BOOLEAN_COLUMNS:
            contact[column] = parse_boolean(value)
        else:
            contact[column] = value
    if attributes:
        contact["attributes"] = attributes
    return contact


def import_contact_rows(rows: list[dict], *, job) -> list[dict]:
    results = upsert_contacts([csv_row_to_contact(row) for row in rows], source=OptOutSource.API)
    return [{"status": result.status, "errors": result.errors} for result in results]


def register():
    registry.import_row_handlers.register(
        registry.ImportRowHandler(
            key="contacts",
            label=_("Contacts"),
            columns=CONTACT_COLUMNS,
            required_columns=("external_id",),
            handle_rows=import_contact_rows,
            extra_columns=declared_attribute_columns,
            order=10,
        )
    )
