"""Pages customers open from a message or a QR code, without signing in (mounted at the root)."""

from django.urls import path

from .views import public

app_name = "public"

urlpatterns = [
    path("s/<str:token>/", public.survey_by_token, name="survey"),
]
