"""The API under /api/v1/: each app adds its viewsets to ``router`` in its ``api/urls.py``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from vocapp.tenancy.api.views import OrganizationView


class Router(DefaultRouter):
    include_root_view = False


router = Router(trailing_slash=True)

urlpatterns = [
    path("organization/", OrganizationView.as_view(), name="organization"),
    *router.urls,
]
