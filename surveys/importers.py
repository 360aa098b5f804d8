"""The interactions importer: a CSV of events through the import framework, stored by ``ingest``.

One row is one interaction and its contact. ``attributes.<name>`` columns, whatever the name, are
the interaction's attributes (the framework offers every such column of the file). A row sent
again (same ``external_id``, same values) is a replay: counted as unchanged, nothing scheduled.
"""

from django.utils.translation import gettext_lazy as _

from vocapp import registry
from vocapp.contacts.importers import parse_boolean

from .ingestion import ingest

ATTRIBUTES = "attributes."
INTERACTION_COLUMNS = ("external_id", "touchpoint", "occurred_at")
# CSV column -> field of the event's contact.
CONTACT_COLUMNS = {
    "contact_external_id": "external_id",
    "email": "email",
    "phone": "phone",
    "first_name": "first_name",
    "locale": "locale",
    "time_zone": "time_zone",
    "sms_consent": "sms_consent",
    "email_consent": "email_consent",
}
BOOLEAN_COLUMNS = {"sms_consent", "email_consent"}
# The import framework's words: a replay stores nothing new, so it is "unchanged" (not counted).
STATUSES = {
    "created": "created",
    "replayed": "unchanged",
    "conflict": "rejected",
    "rejected": "rejected",
}


def csv_row_to_event(row: dict) -> dict:
    """Cells are text and empty ones absent: ``ingest`` validates the rest like an API call."""
    event, contact, attributes = {}, {}, {}
    for column, value in row.items():
        if column.startswith(ATTRIBUTES):
            attributes[column.removeprefix(ATTRIBUTES)] = value
        elif column in CONTACT_COLUMNS:
            contact[CONTACT_COLUMNS[column]] = (
                parse_boolean(value) if column in BOOLEAN_COLUMNS else value
            )
        else:
            event[column] = value
    event["contact"] = contact
    if attributes:
        event["attributes"] = attributes
    return event


def column_of(error_field: str) -> str:
    """The file's column for an error of ``ingest`` ("contact.phone" is the "phone" column)."""
    if error_field == "contact.external_id":
        return "contact_external_id"
    return error_field.removeprefix("contact.")


def import_interaction_rows(rows: list[dict], *, job) -> list[dict]:
    results = ingest([csv_row_to_event(row) for row in rows])
    return [
        {
            "status": STATUSES[result.status],
            "errors": {column_of(name): messages for name, messages in result.errors.items()},
        }
        for result in results
    ]


def register():
    registry.import_row_handlers.register(
        registry.ImportRowHandler(
            key="interactions",
            label=_("Interactions"),
            columns=(*INTERACTION_COLUMNS, *CONTACT_COLUMNS, f"{ATTRIBUTES}*"),
            required_columns=("touchpoint", "occurred_at", "contact_external_id"),
            handle_rows=import_interaction_rows,
            order=20,
        )
    )
