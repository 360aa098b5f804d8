"""``/s/<token>/``: the survey of one invitation, answered on the customer's phone.

The token is the secret (128 random bits, platform-wide unique): no sign-in. Expired, already
answered and withdrawn links get a kind page instead of the survey; the page itself is
``answering_page.answer_survey_page``, shared with the open surveys of ``/q/``.
"""

from django.views.decorators.http import require_http_methods

from vocapp.ratelimit import rate_limit, too_many_requests
from vocapp.tenancy.scope import organization_scope

from ..answering import link_state, root_of
from ..models import Invitation
from .answering_page import (
    SurveyPage,
    answer_survey_page,
    channel_of,
    closed_json,
    invitation_response,
    render_closed,
)

# One customer answers a handful of questions: far more posts than that on one link is a script.
POSTS_PER_MINUTE = 60


@require_http_methods(["GET", "HEAD", "POST"])
def survey_by_token(request, token):
    invitation = (
        Invitation.objects.unscoped()
        .select_related("organization", "contact", "follows__touchpoint", "touchpoint")
        .filter(token=token)
        .first()
    )
    if invitation is None:
        return render_closed(request, organization=None, reason="unknown", status=404)
    if request.method == "POST":
        limit = rate_limit(f"survey-link:{token}", limit=POSTS_PER_MINUTE, window=60)
        if not limit.allowed:
            return too_many_requests(limit.retry_after)
    organization = invitation.organization
    hints = [invitation.contact.locale]
    with organization_scope(organization):
        state = link_state(invitation)
    if not state.answerable:
        if request.method == "POST" and request.POST.get("only"):
            return closed_json(state.reason)
        return render_closed(
            request,
            organization=organization,
            reason=state.reason,
            locale_hints=hints,
            status=200 if state.reason == "answered" else 410,
        )
    root = root_of(invitation)
    page = SurveyPage(
        organization=organization,
        version=root.survey_version,
        channel=channel_of(invitation),
        get_response=invitation_response(invitation),
        touchpoint=root.touchpoint,
        invitation=invitation,
        locale_hints=hints,
    )
    return answer_survey_page(request, page)
