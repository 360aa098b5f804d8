from django.urls import reverse

from vocapp import registry


def navigation(request):
    """The organization's navigation: registered entries the member's role may open."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    slug = membership.organization.slug
    entries = [
        {
            "key": entry.key,
            "label": entry.label,
            "section": entry.section,
            "url": reverse(entry.url_name, kwargs={"org_slug": slug}),
        }
        for entry in registry.navigation
        if membership.can(entry.capability)
    ]
    return {
        "nav_entries": entries,
        "current_organization": membership.organization,
        "current_membership": membership,
    }
