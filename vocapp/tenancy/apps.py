from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "vocapp.tenancy"
    label = "tenancy"
    verbose_name = _("Organizations and access")

    def ready(self):
        from vocapp import registry

        from .api import schema  # noqa: F401  (registers the OpenAPI auth scheme)
        from .models import ApiKey, Membership, Team

        registry.navigation.register(registry.NavEntry("home", _("Home"), "tenancy:home", order=0))
        registry.navigation.register(
            registry.NavEntry(
                "settings",
                _("Settings"),
                "tenancy:settings",
                capability="manage_organization",
                order=900,
                section="admin",
            )
        )
        # The settings tabs of this app; other apps add theirs (surveys: the delivery policy).
        for key, label, url_name, order in (
            ("organization", _("Organization"), "tenancy:settings", 10),
            ("members", _("Members"), "tenancy:members", 20),
            ("teams", _("Teams"), "tenancy:teams", 30),
            ("api_keys", _("API keys"), "tenancy:api_keys", 40),
            ("audit", _("Audit log"), "tenancy:audit", 900),
        ):
            registry.settings_tabs.register(
                registry.NavEntry(
                    key, label, url_name, capability="manage_organization", order=order
                )
            )
        registry.setup_steps.register(
            registry.SetupStep(
                "members",
                _("Invite your team (members)"),
                lambda org: Membership.objects.filter(organization=org).count() - 1,
                url_name="tenancy:members",
                capability="manage_organization",
                order=10,
            )
        )
        registry.setup_steps.register(
            registry.SetupStep(
                "teams",
                _("Group agents into teams (teams)"),
                lambda org: Team.objects.count(),
                url_name="tenancy:teams",
                capability="manage_organization",
                order=20,
            )
        )
        registry.setup_steps.register(
            registry.SetupStep(
                "api_keys",
                _("Connect your systems (active API keys)"),
                lambda org: ApiKey.objects.filter(revoked_at__isnull=True).count(),
                url_name="tenancy:api_keys",
                capability="manage_organization",
                order=30,
            )
        )
