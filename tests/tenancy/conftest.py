import pytest
from rest_framework.test import APIClient

from vocapp.tenancy.models import User


def organization_form_data(organization, **changes):
    """The settings form as the page would post it, with ``changes`` applied."""
    data = {
        "name": organization.name,
        "time_zone": organization.time_zone,
        "country": str(organization.country),
        "currency": organization.currency,
        "default_locale": organization.default_locale,
        "business_days": list(organization.business_days),
        "business_opens_at": organization.business_opens_at.strftime("%H:%M"),
        "business_closes_at": organization.business_closes_at.strftime("%H:%M"),
        "brand_colour": organization.brand_colour,
        "level_neutral_from": organization.level_neutral_from,
        "level_enchantment_from": organization.level_enchantment_from,
        "minimum_n": organization.minimum_n,
        "retention_months": organization.retention_months,
    }
    data.update(changes)
    return data


def bearer(full_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {full_key}")
    return client


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root@platform.test", "correct horse battery")
