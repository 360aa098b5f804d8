"""``/u/<token>/``: the unsubscribe link of an invitation (public).

GET only asks (mail scanners and link previews follow links: a GET must change nothing); the
customer's POST opts the address out. Mailbox providers send the RFC 8058 one-click POST, a body
of exactly ``List-Unsubscribe=One-Click`` without any CSRF token: that body alone skips the CSRF
check, every other POST needs the page's token.
"""

from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from vocapp.tenancy.scope import organization_scope

from ..rendering import DEFAULT_BRAND_COLOUR, branding, ink_for, survey_locale
from ..unsubscribing import (
    invitation_for_token,
    is_unsubscribed,
    masked,
    target_of,
    unsubscribe,
)

ONE_CLICK = ("List-Unsubscribe", "One-Click")


def is_one_click(request) -> bool:
    """The RFC 8058 body, and nothing else (an extra field needs the CSRF token again)."""
    if request.method != "POST" or request.FILES:
        return False
    items = list(request.POST.lists())
    return items == [(ONE_CLICK[0], [ONE_CLICK[1]])]


@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_page(request, token):
    if is_one_click(request):
        return answer(request, token, act=True)
    return confirmed_page(request, token)


@csrf_protect
def confirmed_page(request, token):
    return answer(request, token, act=request.method == "POST")


def answer(request, token, *, act: bool):
    invitation = invitation_for_token(token)
    if invitation is None:
        # No organization to brand the page with: the product's own colours.
        context = {"brand_colour": DEFAULT_BRAND_COLOUR, "brand_ink": ink_for(DEFAULT_BRAND_COLOUR)}
        return render(request, "surveys/public/unsubscribe_unknown.html", context, status=404)
    organization = invitation.organization
    locale = survey_locale(invitation.contact.locale, organization)
    with organization_scope(organization), translation.override(locale):
        target = target_of(invitation)
        if target is None:
            state = "nothing"
        elif act:
            unsubscribe(target)
            state = "done"
        else:
            state = "already" if is_unsubscribed(target) else "ask"
        context = {
            **branding(organization),
            "locale": locale,
            "state": state,
            "channel": target.channel if target else "",
            "address": masked(target.channel, target.address) if target else "",
        }
        return render(request, "surveys/public/unsubscribe.html", context)
