from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from vocapp.tenancy.models import Organization


@require_GET
def organization_logo(request, slug):
    """Public: the logo shows on survey pages and emails, which customers open signed out."""
    organization = get_object_or_404(Organization, slug=slug)
    if not organization.logo:
        raise Http404
    try:
        handle = organization.logo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response
