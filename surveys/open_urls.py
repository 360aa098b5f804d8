"""Customers' pages without an invitation's survey (mounted at the root, no sign-in): the
unsubscribe link of every invitation and the open QR/kiosk survey of a touchpoint.

Named without a namespace (``unsubscribe``, ``open_survey``...): ``public`` is the survey
page's (``surveys/public_urls.py``).
"""

from django.urls import path

from .views import open_survey, unsubscribe

urlpatterns = [
    path("u/<str:token>/", unsubscribe.unsubscribe_page, name="unsubscribe"),
    path("q/<str:public_key>/", open_survey.open_survey, name="open_survey"),
    path(
        "q/<str:public_key>/contact/",
        open_survey.open_survey_contact,
        name="open_survey_contact",
    ),
]
