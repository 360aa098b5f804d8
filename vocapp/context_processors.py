from django.urls import reverse

from vocapp import registry


def allowed_entries(entries, membership) -> list[dict]:
    """The registered links the member's role may open, with their URLs."""
    slug = membership.organization.slug
    return [
        {
            "key": entry.key,
            "label": entry.label,
            "section": entry.section,
            "url": reverse(entry.url_name, kwargs={"org_slug": slug}),
        }
        for entry in entries
        if membership.can(entry.capability)
    ]


def navigation(request):
    """The organization's navigation and settings tabs: entries the member's role may open."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {
        "nav_entries": allowed_entries(registry.navigation, membership),
        "settings_tabs": allowed_entries(registry.settings_tabs, membership),
        "current_organization": membership.organization,
        "current_membership": membership,
    }
