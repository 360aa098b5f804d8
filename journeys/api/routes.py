from vocapp.api.urls import router

from .views import JourneyViewSet, PersonaViewSet, StageViewSet, TouchpointViewSet

router.register("personas", PersonaViewSet, basename="persona")
router.register("journeys", JourneyViewSet, basename="journey")
router.register("stages", StageViewSet, basename="stage")
router.register("touchpoints", TouchpointViewSet, basename="touchpoint")
