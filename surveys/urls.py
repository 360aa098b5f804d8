from django.urls import path

from .views import invitations, listening, policy, surveys

app_name = "surveys"

urlpatterns = [
    path("surveys/", surveys.SurveyListView.as_view(), name="list"),
    path("surveys/new/", surveys.SurveyNewView.as_view(), name="new"),
    path("surveys/<int:pk>/", surveys.SurveyEditView.as_view(), name="edit"),
    path("surveys/<int:pk>/preview/", surveys.SurveyPreviewView.as_view(), name="preview"),
    path("surveys/<int:pk>/archive/", surveys.SurveyArchiveView.as_view(), name="archive"),
    path("listening/", listening.RuleListView.as_view(), name="rules"),
    path("listening/rules/new/", listening.RuleFormView.as_view(), name="rule_new"),
    path("listening/rules/<int:pk>/", listening.RuleFormView.as_view(), name="rule_edit"),
    path(
        "listening/rules/<int:pk>/archive/",
        listening.RuleArchiveView.as_view(),
        name="rule_archive",
    ),
    path("listening/campaigns/", listening.CampaignListView.as_view(), name="campaigns"),
    path("listening/campaigns/new/", listening.CampaignFormView.as_view(), name="campaign_new"),
    path(
        "listening/campaigns/<int:pk>/",
        listening.CampaignFormView.as_view(),
        name="campaign_edit",
    ),
    path(
        "listening/campaigns/<int:pk>/archive/",
        listening.CampaignArchiveView.as_view(),
        name="campaign_archive",
    ),
    path(
        "listening/campaigns/<int:pk>/invitations/",
        invitations.CampaignInvitationsView.as_view(),
        name="campaign_invitations",
    ),
    path(
        "touchpoints/<int:pk>/invitations/",
        invitations.TouchpointInvitationsView.as_view(),
        name="touchpoint_invitations",
    ),
    path("settings/delivery/", policy.DeliveryPolicyView.as_view(), name="delivery_policy"),
]
