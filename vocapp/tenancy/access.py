"""Access helpers: another organization's object is a 404, a role too low is a 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Membership, Organization
from .scope import require_organization


def membership_for(user, organization: Organization) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(organization=organization, user=user).first()


def resolve_membership(user, slug: str) -> Membership:
    """The user's membership of the organization ``slug``; 404 when missing or not a member."""
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("organization")
        .filter(organization__slug=slug, user=user)
        .first()
    )
    if membership is None:
        raise Http404("No such organization.")
    return membership


def require_capability(membership: Membership, capability: str) -> None:
    if not membership.can(capability):
        raise PermissionDenied("Your role does not allow this.")


def get_object_for_member(request, model, pk, capability: str = "view"):
    """The scoped object ``pk`` of ``model``: 404 outside the organization, 403 below the role."""
    require_organization()
    obj = get_object_or_404(model.objects.all(), pk=pk)
    require_capability(request.membership, capability)
    return obj
