from vocapp.api.urls import router

from .views import CampaignViewSet, ListeningRuleViewSet, SurveyViewSet

router.register("surveys", SurveyViewSet, basename="survey")
router.register("listening-rules", ListeningRuleViewSet, basename="listening-rule")
router.register("campaigns", CampaignViewSet, basename="campaign")
