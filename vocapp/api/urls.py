"""The API under /api/v1/.

Each app registers its viewsets on ``router`` in its ``api/routes.py`` module, found here by
autodiscovery (as Django admin finds ``admin.py``), so this package never imports an app to its
right.
"""

from django.urls import path
from django.utils.module_loading import autodiscover_modules
from rest_framework.routers import DefaultRouter

from vocapp.tenancy.api.views import OrganizationView


class Router(DefaultRouter):
    include_root_view = False


router = Router(trailing_slash=True)
autodiscover_modules("api.routes")

urlpatterns = [
    path("organization/", OrganizationView.as_view(), name="organization"),
    *router.urls,
]
