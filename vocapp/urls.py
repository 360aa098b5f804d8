from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from vocapp import health
from vocapp import views as core_views
from vocapp.tenancy.views.account import LoginView, PasswordResetView

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api_docs"),
    path("api/v1/", include(("vocapp.api.urls", "api"), namespace="api")),
    path("admin/", admin.site.urls),
    path("webhooks/", include("surveys.webhook_urls")),
    path("o/<slug:org_slug>/", include("vocapp.contacts.urls")),
    path("o/<slug:org_slug>/", include("journeys.urls")),
    path("o/<slug:org_slug>/", include("surveys.urls")),
    # Customers' pages (no sign-in): /s/<token>/ and the other public survey pages.
    path("", include("surveys.public_urls")),
    # Unsubscribe links (/u/<token>/) and open QR/kiosk surveys (/q/<touchpoint public key>/).
    path("", include("surveys.open_urls")),
    path("", include("vocapp.tenancy.urls")),
]

handler404 = core_views.not_found
handler500 = core_views.server_error
