"""A touchpoint's open survey on the staff side: its link, its QR code (PNG and SVG) and its
kiosk devices (created by CX managers, whose secret link is shown once, and revoked)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from journeys.models import Touchpoint

from ..kiosk_forms import KioskDeviceForm
from ..kiosks import create_device, revoke_device
from ..models import KioskDevice
from ..open_surveys import (
    device_link,
    open_survey_for,
    open_survey_link,
    qr_png,
    qr_svg,
)
from .base import SurveysPage


def live_touchpoint(pk):
    """The organization's touchpoint that is not archived (an archived one has no open link)."""
    return get_object_or_404(
        Touchpoint.objects.filter(archived_at__isnull=True).select_related("stage__journey"),
        pk=pk,
    )


class OpenSurveyView(SurveysPage):
    """GET for every role; creating a kiosk device needs ``configure``."""

    section = "journeys"

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST":
            self.capability = "configure"
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, org_slug, pk):
        return self.render_open_survey(live_touchpoint(pk), KioskDeviceForm())

    def post(self, request, org_slug, pk):
        touchpoint = live_touchpoint(pk)
        form = KioskDeviceForm(request.POST)
        if not form.is_valid():
            return self.render_open_survey(touchpoint, form, status=400)
        device, token = create_device(request.user, touchpoint, form.cleaned_data["label"])
        # Rendered, not redirected: the device's link exists only in this one response.
        return self.render_open_survey(
            touchpoint,
            KioskDeviceForm(),
            new_device=device,
            new_link=device_link(touchpoint, token),
        )

    def render_open_survey(self, touchpoint, form, status=200, **extra):
        context = {
            "touchpoint": touchpoint,
            "survey": open_survey_for(touchpoint),
            "link": open_survey_link(touchpoint),
            "kiosk_link": open_survey_link(touchpoint, kiosk=True),
            "devices": KioskDevice.objects.filter(touchpoint=touchpoint),
            "form": form,
            **extra,
        }
        response = self.render_page("surveys/open_survey.html", context, status=status)
        response["Cache-Control"] = "no-store"
        return response


class KioskRevokeView(SurveysPage):
    capability = "configure"

    def post(self, request, org_slug, pk):
        device = get_object_or_404(KioskDevice.objects.select_related("touchpoint"), pk=pk)
        if revoke_device(request.user, device):
            messages.success(request, _("Device revoked: its link no longer works as a kiosk."))
        if device.touchpoint.archived_at is not None:  # its open-survey page is gone
            return redirect("journeys:list", org_slug=org_slug)
        return redirect(
            "surveys:touchpoint_open_survey", org_slug=org_slug, pk=device.touchpoint_id
        )


class QrCodeView(SurveysPage):
    """The touchpoint's QR code, to print (PNG) or to hand to a designer (SVG)."""

    kind = "png"  # or svg

    def get(self, request, org_slug, pk):
        touchpoint = live_touchpoint(pk)
        link = open_survey_link(touchpoint)
        if self.kind == "png":
            response = HttpResponse(qr_png(link), content_type="image/png")
        else:
            response = HttpResponse(
                qr_svg(link, title=touchpoint.name), content_type="image/svg+xml"
            )
        filename = f"qr-{touchpoint.key}.{self.kind}"
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response
