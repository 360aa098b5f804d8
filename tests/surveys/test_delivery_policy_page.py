"""The delivery policy settings page: admins change it (and the change is audited), every other
role reads it; bad input is named next to its field, never a server error."""

import pytest
from django.urls import reverse

from surveys.models import DeliveryPolicy
from vocapp.contacts.models import AttributeDefinition
from vocapp.tenancy.models import AuditEvent
from vocapp.tenancy.scope import organization_scope

from .conftest import form_values, in_scope, url

pytestmark = pytest.mark.django_db


def policy_of(organization):
    return in_scope(organization, lambda: DeliveryPolicy.objects.filter().first())


def page_post(client) -> dict:
    """The page's form as a browser would send it back untouched."""
    page = client.get(url("delivery_policy"))
    assert page.status_code == 200
    form, rules = page.context["form"], page.context["rules"]
    data = form_values(form, rules.management_form, *rules.forms)
    for name in ("sms_days", "email_days"):  # checkboxes: one value per ticked box
        days = form[name].value()
        for index in range(len(days)):
            del data[f"{name}_{index}"]
        data[name] = [str(day) for day in days]
    return data


def rule_rows(data: dict, *rows) -> dict:
    for index, (attribute, value, days) in enumerate(rows):
        data[f"fatigue-{index}-attribute"] = attribute
        data[f"fatigue-{index}-value"] = value
        data[f"fatigue-{index}-days"] = days
    return data


@pytest.fixture
def tier(org_a):
    with organization_scope(org_a):
        AttributeDefinition.objects.create(name="tier", label="Loyalty tier")
        AttributeDefinition.objects.create(name="is_pro", kind="boolean")
        AttributeDefinition.objects.create(name="company")


def test_an_admin_sees_the_defaults_and_saves_a_policy_in_the_shape_the_scheduler_reads(
    client_as, admin_a, org_a, tier
):
    client = client_as(admin_a)
    data = page_post(client)
    assert data["fatigue_days"] == 30 and data["sms_start"] == "08:00"
    assert data["sms_days"] == ["0", "1", "2", "3", "4", "5"]
    assert policy_of(org_a) is None  # reading the page creates nothing
    data.update(
        sms_consent_basis="legitimate_interest",
        fatigue_days="45",
        account_attribute="company",
        account_cap_days="60",
        dedup_hours="48",
        cold_per_year="1",
        sms_days=["0", "2", "4"],
        sms_start="09:30",
        sms_end="18:00",
        email_window_on="on",
        email_days=["5", "6"],
        email_start="10:00",
        email_end="12:00",
    )
    data.pop("sms_holidays", None)
    rule_rows(data, ("tier", " vip ", "90"), ("is_pro", "yes", "120"))

    response = client.post(url("delivery_policy"), data)

    assert response.status_code == 302
    assert response["Location"] == url("delivery_policy")
    policy = policy_of(org_a)
    assert policy.sms_consent_basis == "legitimate_interest"
    assert (policy.fatigue_days, policy.dedup_hours, policy.cold_per_year) == (45, 48, 1)
    assert (policy.account_attribute, policy.account_cap_days) == ("company", 60)
    assert policy.fatigue_rules == [
        {"attribute": "tier", "value": "vip", "days": 90},
        # Stored as the contact's attribute is, so that the scheduler's comparison matches.
        {"attribute": "is_pro", "value": True, "days": 120},
    ]
    assert policy.sms_window == {
        "days": [0, 2, 4],
        "start": "09:30",
        "end": "18:00",
        "holidays": False,
    }
    assert policy.email_window == {
        "days": [5, 6],
        "start": "10:00",
        "end": "12:00",
        "holidays": True,
    }
    event = in_scope(org_a, lambda: AuditEvent.objects.get(action="delivery_policy.updated"))
    assert event.actor == admin_a
    assert event.changes["fatigue_days"] == [30, 45]
    assert event.changes["email_window"][0] is None
    assert "email_consent_basis" not in event.changes
    page = client.get(url("delivery_policy")).content.decode()
    assert 'value="vip"' in page and "Delivery policy saved." in page


def test_saving_it_unchanged_records_no_audit_event_and_the_email_window_can_be_turned_off(
    client_as, admin_a, org_a
):
    client = client_as(admin_a)
    assert client.post(url("delivery_policy"), page_post(client)).status_code == 302
    assert in_scope(org_a, lambda: AuditEvent.objects.count()) == 0

    data = page_post(client)
    data["email_window_on"] = "on"
    client.post(url("delivery_policy"), data)
    assert policy_of(org_a).email_window["days"] == [0, 1, 2, 3, 4, 5]
    data = page_post(client)
    assert data["email_window_on"] == "on"
    del data["email_window_on"]
    client.post(url("delivery_policy"), data)
    assert policy_of(org_a).email_window is None
    assert in_scope(org_a, lambda: AuditEvent.objects.count()) == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sms_start": "20:00", "sms_end": "08:00"}, "sms_end", "The window must close after"),
        ({"sms_days": []}, "sms_days", "Choose at least one day."),
        ({"sms_start": "25:99"}, "sms_start", "Enter a valid time."),
        ({"sms_end": ""}, "sms_end", "Give the closing time"),
        (
            {"email_window_on": "on", "email_start": "12:00", "email_end": "12:00"},
            "email_end",
            "The window must close after",
        ),
        ({"cold_per_year": "3"}, "cold_per_year", "less than or equal to 2"),
        ({"fatigue_days": "0"}, "fatigue_days", "greater than or equal to 1"),
        ({"fatigue_days": "many"}, "fatigue_days", "Enter a whole number."),
        ({"dedup_hours": "1000"}, "dedup_hours", "less than or equal to 720"),
        ({"account_attribute": ""}, "account_attribute", "Choose the attribute that names"),
        ({"account_attribute": "nope"}, "account_attribute", "Select a valid choice."),
        ({"sms_consent_basis": "maybe"}, "sms_consent_basis", "Select a valid choice."),
    ],
)
def test_invalid_input_is_named_next_to_its_field_and_nothing_is_saved(
    client_as, admin_a, org_a, changes, field, message
):
    client = client_as(admin_a)
    data = page_post(client)
    data.update({"account_cap_days": "30", "fatigue_days": "40", **changes})

    response = client.post(url("delivery_policy"), data)

    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert message.split("’")[0] in response.content.decode()
    policy = policy_of(org_a)  # made on first use, with the defaults
    assert policy.fatigue_days == 30 and policy.account_cap_days is None
    assert in_scope(org_a, lambda: AuditEvent.objects.count()) == 0


@pytest.mark.parametrize(
    ("rows", "field", "message"),
    [
        ([("locale", "fr", "366")], "days", "less than or equal to 365"),
        ([("locale", "fr", "0")], "days", "greater than or equal to 1"),
        ([("locale", "fr", "")], "days", "Give the number of days"),
        ([("", "vip", "90")], "attribute", "Choose the attribute this rule looks at."),
        ([("email", "a@b.c", "90")], "attribute", "Select a valid choice."),
        ([("undeclared", "x", "90")], "attribute", "Select a valid choice."),
        ([("tier", "", "90")], "value", "Give the value"),
        ([("is_pro", "perhaps", "90")], "value", "does not fit the attribute (Yes / no)"),
    ],
)
def test_a_fatigue_rule_must_name_a_declared_attribute_a_value_and_1_to_365_days(
    client_as, admin_a, org_a, tier, rows, field, message
):
    client = client_as(admin_a)
    data = rule_rows(page_post(client), *rows)

    response = client.post(url("delivery_policy"), data)

    assert response.status_code == 400
    rules = response.context["rules"]
    assert message in " ".join(rules.forms[0].errors[field])
    assert "Check the fatigue rules by attribute below." in response.content.decode()
    assert policy_of(org_a).fatigue_rules == []


def test_at_most_ten_fatigue_rules_and_no_rule_twice(client_as, admin_a, org_a, tier):
    client = client_as(admin_a)
    data = page_post(client)
    rows = [("tier", f"t{n}", "60") for n in range(11)]
    data["fatigue-TOTAL_FORMS"] = "11"
    response = client.post(url("delivery_policy"), rule_rows(data, *rows))
    assert response.status_code == 400
    assert "At most 10 rules." in response.content.decode()

    data = rule_rows(page_post(client), ("tier", "vip", "60"), ("tier", "vip", "90"))
    response = client.post(url("delivery_policy"), data)
    assert response.status_code == 400
    assert "Rows 1 and 2 are the same rule: keep one." in response.content.decode()

    data = rule_rows(page_post(client), *rows[:10])
    data["fatigue-TOTAL_FORMS"] = "10"
    assert client.post(url("delivery_policy"), data).status_code == 302
    assert len(policy_of(org_a).fatigue_rules) == 10
    # Ten rules fill the page: no empty row is offered any more.
    assert len(client.get(url("delivery_policy")).context["rules"].forms) == 10


def test_clearing_a_row_removes_its_rule(client_as, admin_a, org_a, tier):
    client = client_as(admin_a)
    data = rule_rows(page_post(client), ("tier", "vip", "90"), ("tier", "gold", "60"))
    client.post(url("delivery_policy"), data)
    data = rule_rows(page_post(client), ("", "", ""))
    assert client.post(url("delivery_policy"), data).status_code == 302
    assert policy_of(org_a).fatigue_rules == [{"attribute": "tier", "value": "gold", "days": 60}]


def test_a_tampered_form_gets_a_400_not_a_server_error(client_as, admin_a, org_a):
    client = client_as(admin_a)
    data = page_post(client)
    for name in [name for name in data if name.startswith("fatigue-")]:
        del data[name]
    data["sms_days"] = ["9", "x"]
    response = client.post(url("delivery_policy"), data)
    assert response.status_code == 400
    assert client.post(url("delivery_policy"), {}).status_code == 400


@pytest.mark.parametrize("member", ["agent_a", "manager_a"])
def test_other_roles_read_the_policy_but_cannot_change_it(client_as, request, org_a, member):
    client = client_as(request.getfixturevalue(member))

    page = client.get(url("delivery_policy"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "<fieldset disabled>" in text
    assert "Save the delivery policy" not in text
    assert "You can read the delivery policy; admins change it." in text
    # Their settings tabs hold only what they may open.
    assert reverse("tenancy:members", kwargs={"org_slug": "alpha"}) not in text

    data = page_post(client)
    data["fatigue_days"] = "90"
    assert client.post(url("delivery_policy"), data).status_code == 403
    assert policy_of(org_a) is None


def test_the_settings_tabs_of_an_admin_include_the_delivery_policy(client_as, admin_a):
    page = client_as(admin_a).get(reverse("tenancy:members", kwargs={"org_slug": "alpha"}))
    text = page.content.decode()
    assert f'<a href="{url("delivery_policy")}">Delivery policy</a>' in text
    assert 'aria-current="page">Members</a>' in text


def test_each_organization_has_its_own_policy(client_as, admin_a, outsider, org_a, org_b):
    data = page_post(client_as(admin_a))
    data["fatigue_days"] = "90"
    client_as(admin_a).post(url("delivery_policy"), data)

    client = client_as(outsider)
    beta = reverse("surveys:delivery_policy", kwargs={"org_slug": "beta"})
    assert client.get(beta).context["form"]["fatigue_days"].value() == 30
    assert client.get(url("delivery_policy")).status_code == 404
    assert client.post(url("delivery_policy"), data).status_code == 404
    assert policy_of(org_a).fatigue_days == 90
    assert policy_of(org_b) is None
