from django.urls import path

from .views import channels, invitations, listening, outbox, policy, surveys
from .views import kiosks as kiosk_views
from .views.dashboards import pages as dashboards

app_name = "surveys"

urlpatterns = [
    path("dashboard/", dashboards.OverviewView.as_view(), name="overview"),
    path(
        "dashboard/journeys/<int:pk>/",
        dashboards.JourneyScoresView.as_view(),
        name="journey_scores",
    ),
    path(
        "dashboard/touchpoints/<int:pk>/",
        dashboards.TouchpointScoresView.as_view(),
        name="touchpoint_scores",
    ),
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
    path("outbox/", outbox.OutboxView.as_view(), name="outbox"),
    path("settings/delivery/", policy.DeliveryPolicyView.as_view(), name="delivery_policy"),
    path("settings/channels/", channels.ChannelsView.as_view(), name="channels"),
    path(
        "settings/channels/accounts/",
        channels.AccountAddView.as_view(),
        name="channel_account_add",
    ),
    path(
        "settings/channels/accounts/<int:pk>/remove/",
        channels.AccountRemoveView.as_view(),
        name="channel_account_remove",
    ),
    path(
        "settings/channels/senders/",
        channels.SenderAddView.as_view(),
        name="channel_sender_add",
    ),
    path(
        "settings/channels/senders/<int:pk>/active/",
        channels.SenderActiveView.as_view(),
        name="channel_sender_active",
    ),
    path("settings/channels/test-sms/", channels.TestSmsView.as_view(), name="channel_test_sms"),
    # A touchpoint's open survey (/q/<key>/): its QR code and its kiosk devices.
    path(
        "touchpoints/<int:pk>/open-survey/",
        kiosk_views.OpenSurveyView.as_view(),
        name="touchpoint_open_survey",
    ),
    path(
        "touchpoints/<int:pk>/qr.png",
        kiosk_views.QrCodeView.as_view(kind="png"),
        name="touchpoint_qr_png",
    ),
    path(
        "touchpoints/<int:pk>/qr.svg",
        kiosk_views.QrCodeView.as_view(kind="svg"),
        name="touchpoint_qr_svg",
    ),
    path("kiosks/<int:pk>/revoke/", kiosk_views.KioskRevokeView.as_view(), name="kiosk_revoke"),
]
