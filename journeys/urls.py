from django.urls import path

from .views import journeys, personas, stages, touchpoints

app_name = "journeys"

urlpatterns = [
    path("journeys/", journeys.JourneyListView.as_view(), name="list"),
    path("journeys/new/", journeys.JourneyFormView.as_view(), name="new"),
    path(
        "journeys/from-template/",
        journeys.JourneyFromTemplateView.as_view(),
        name="from_template",
    ),
    path("journeys/<int:pk>/", journeys.JourneyMapView.as_view(), name="map"),
    path("journeys/<int:pk>/edit/", journeys.JourneyFormView.as_view(), name="edit"),
    path("journeys/<int:pk>/archive/", journeys.JourneyArchiveView.as_view(), name="archive"),
    path(
        "journeys/<int:pk>/stages/new/",
        stages.StageFormView.as_view(creating=True),
        name="stage_new",
    ),
    path("journeys/<int:pk>/stages/order/", stages.StageOrderView.as_view(), name="stage_order"),
    path("stages/<int:pk>/edit/", stages.StageFormView.as_view(), name="stage_edit"),
    path("stages/<int:pk>/move/", stages.StageMoveView.as_view(), name="stage_move"),
    path("stages/<int:pk>/archive/", stages.StageArchiveView.as_view(), name="stage_archive"),
    path(
        "stages/<int:pk>/touchpoints/new/",
        touchpoints.TouchpointFormView.as_view(creating=True),
        name="touchpoint_new",
    ),
    path(
        "stages/<int:pk>/touchpoints/order/",
        touchpoints.TouchpointOrderView.as_view(),
        name="touchpoint_order",
    ),
    path("touchpoints/<int:pk>/", touchpoints.TouchpointDetailView.as_view(), name="touchpoint"),
    path(
        "touchpoints/<int:pk>/edit/",
        touchpoints.TouchpointFormView.as_view(),
        name="touchpoint_edit",
    ),
    path(
        "touchpoints/<int:pk>/move/",
        touchpoints.TouchpointMoveView.as_view(),
        name="touchpoint_move",
    ),
    path(
        "touchpoints/<int:pk>/archive/",
        touchpoints.TouchpointArchiveView.as_view(),
        name="touchpoint_archive",
    ),
    path("personas/", personas.PersonaListView.as_view(), name="personas"),
    path("personas/new/", personas.PersonaFormView.as_view(), name="persona_new"),
    path("personas/<int:pk>/edit/", personas.PersonaFormView.as_view(), name="persona_edit"),
    path(
        "personas/<int:pk>/archive/",
        personas.PersonaArchiveView.as_view(),
        name="persona_archive",
    ),
]
