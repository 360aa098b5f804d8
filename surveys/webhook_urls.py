from django.urls import include, path

from . import webhooks

app_name = "webhooks"

urlpatterns = [
    path("twilio/status/", webhooks.twilio_status, name="twilio_status"),
    path("twilio/inbound/", webhooks.twilio_inbound, name="twilio_inbound"),
    path("anymail/", include("anymail.urls")),
]
