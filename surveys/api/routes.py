from vocapp.api.urls import router

from .interactions import InteractionViewSet, InvitationViewSet
from .metrics import MetricsViewSet
from .responses import ResponseViewSet
from .views import CampaignViewSet, ListeningRuleViewSet, SurveyViewSet

router.register("surveys", SurveyViewSet, basename="survey")
router.register("listening-rules", ListeningRuleViewSet, basename="listening-rule")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("interactions", InteractionViewSet, basename="interaction")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("responses", ResponseViewSet, basename="response")
router.register("metrics", MetricsViewSet, basename="metrics")
