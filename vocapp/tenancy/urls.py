from django.urls import include, path

from .views import account, branding, home, settings

app_name = "tenancy"

organization_patterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("settings/", settings.OrganizationSettingsView.as_view(), name="settings"),
    path("settings/members/", settings.MembersView.as_view(), name="members"),
    path("settings/members/<int:pk>/role/", settings.MemberRoleView.as_view(), name="member_role"),
    path(
        "settings/members/<int:pk>/remove/",
        settings.MemberRemoveView.as_view(),
        name="member_remove",
    ),
    path(
        "settings/invites/<int:pk>/revoke/",
        settings.InviteRevokeView.as_view(),
        name="invite_revoke",
    ),
    path("settings/teams/", settings.TeamsView.as_view(), name="teams"),
    path("settings/teams/<int:pk>/", settings.TeamEditView.as_view(), name="team_edit"),
    path("settings/teams/<int:pk>/delete/", settings.TeamDeleteView.as_view(), name="team_delete"),
    path("settings/api-keys/", settings.ApiKeysView.as_view(), name="api_keys"),
    path(
        "settings/api-keys/<int:pk>/revoke/",
        settings.ApiKeyRevokeView.as_view(),
        name="api_key_revoke",
    ),
    path("settings/audit/", settings.AuditLogView.as_view(), name="audit"),
]

urlpatterns = [
    path("o/<slug:org_slug>/", include(organization_patterns)),
    path("", account.pick_organization, name="pick_organization"),
    path("join/<str:token>/", account.JoinView.as_view(), name="join"),
    path("brand/<slug:slug>/logo.png", branding.organization_logo, name="logo"),
]
