"""One error shape for every API answer that is not a success.

``{"error": "<code>", "detail": "<sentence>", "fields": {"<field>": ["<message>"]}}`` — never
HTML, never a 500 for bad input.
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db.models import ProtectedError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def error_body(code, detail, fields=None):
    return {"error": code, "detail": str(detail), "fields": fields or {}}


def too_large_message() -> str:
    return _("The request body is larger than 10 MB.")


def too_large_response():
    return JsonResponse(error_body("request_too_large", too_large_message()), status=413)


def flatten_field_errors(data, prefix=""):
    """Turn DRF's nested error structure into ``{"a.b": ["message"], "rows.3.email": [...]}``."""
    fields = {}
    if isinstance(data, dict):
        for name, value in data.items():
            key = f"{prefix}.{name}" if prefix else str(name)
            fields.update(flatten_field_errors(value, key))
    elif isinstance(data, list) and data and all(isinstance(item, str) for item in data):
        fields[prefix or "non_field_errors"] = [str(item) for item in data]
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if value:
                key = f"{prefix}.{index}" if prefix else str(index)
                fields.update(flatten_field_errors(value, key))
    else:
        fields[prefix or "non_field_errors"] = [str(data)]
    return fields


def describe_validation_error(fields):
    names = [name for name in fields if name != "non_field_errors"]
    if not names:
        messages = fields.get("non_field_errors", [_("The request is invalid.")])
        return messages[0]
    return _("Some fields are invalid: %(fields)s.") % {"fields": ", ".join(names)}


def in_use_body(error: ProtectedError) -> dict:
    """Deleting what other objects still point to: name them, so the client knows what to do."""
    users = sorted({str(obj._meta.verbose_name_plural) for obj in error.protected_objects})
    return error_body(
        "in_use",
        _(
            "This object is still used by other objects (%(objects)s): "
            "change or archive those first."
        )
        % {"objects": ", ".join(users)},
    )


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("request_too_large", too_large_message()),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, ProtectedError):
        return Response(in_use_body(exc), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found: no such object in this organization."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten_field_errors(exc.detail)
        response.data = error_body("invalid", describe_validation_error(fields), fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "error")
        if isinstance(exc, exceptions.APIException) and isinstance(exc.get_codes(), str):
            code = exc.get_codes()
        response.data = error_body(code, detail)
    return response
