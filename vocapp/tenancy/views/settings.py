"""Organization settings pages (admins): the organization, members, teams, API keys, audit log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from vocapp.tenancy import services
from vocapp.tenancy.forms import (
    ApiKeyForm,
    InviteMemberForm,
    MembershipRoleForm,
    OrganizationForm,
    TeamForm,
)
from vocapp.tenancy.models import ApiKey, AuditEvent, Membership, MembershipInvite, Team

from .base import OrganizationPageMixin


class AdminPageMixin(OrganizationPageMixin):
    capability = "manage_organization"


class OrganizationSettingsView(AdminPageMixin, View):
    template_name = "tenancy/settings/organization.html"

    def get(self, request, org_slug):
        return self.render_form(OrganizationForm(instance=self.organization))

    def post(self, request, org_slug):
        form = OrganizationForm(request.POST, request.FILES, instance=self.organization)
        if not form.is_valid():
            return self.render_form(form, status=400)
        services.update_organization(request.user, self.organization, form)
        messages.success(request, _("Settings saved."))
        return redirect("tenancy:settings", org_slug=org_slug)

    def render_form(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {"form": form, "organization": self.organization, "section": "organization"},
            status=status,
        )


class MembersView(AdminPageMixin, View):
    template_name = "tenancy/settings/members.html"

    def get(self, request, org_slug):
        return self.render_page(InviteMemberForm(organization=self.organization))

    def post(self, request, org_slug):
        form = InviteMemberForm(request.POST, organization=self.organization)
        if not form.is_valid():
            return self.render_page(form, status=400)
        services.invite_member(request.user, self.organization, **form.cleaned_data)
        messages.success(request, _("Invitation sent to %(email)s.") % form.cleaned_data)
        return redirect("tenancy:members", org_slug=org_slug)

    def render_page(self, form, status=200):
        memberships = (
            Membership.objects.filter(organization=self.organization)
            .select_related("user")
            .order_by("user__email")
        )
        rows = [(m, MembershipRoleForm(instance=m, prefix=f"m{m.pk}")) for m in memberships]
        invites = [i for i in MembershipInvite.objects.all() if i.is_pending]
        return render(
            self.request,
            self.template_name,
            {
                "organization": self.organization,
                "rows": rows,
                "invites": invites,
                "form": form,
                "section": "members",
            },
            status=status,
        )


def organization_membership(request, pk) -> Membership:
    """A membership of the request's organization; 404 for any other."""
    return get_object_or_404(
        Membership.objects.select_related("user", "organization"),
        pk=pk,
        organization=request.organization,
    )


class MemberRoleView(AdminPageMixin, View):
    def post(self, request, org_slug, pk):
        membership = organization_membership(request, pk)
        form = MembershipRoleForm(request.POST, instance=membership, prefix=f"m{pk}")
        if form.is_valid():
            role = form.cleaned_data["role"]
            membership.refresh_from_db()
            try:
                services.change_role(request.user, membership, role)
                messages.success(request, _("Role changed."))
            except ValidationError as error:
                messages.error(request, error.messages[0])
        else:
            messages.error(request, _("Choose a valid role."))
        return redirect("tenancy:members", org_slug=org_slug)


class MemberRemoveView(AdminPageMixin, View):
    def post(self, request, org_slug, pk):
        membership = organization_membership(request, pk)
        try:
            services.remove_member(request.user, membership)
            messages.success(
                request, _("%(email)s was removed.") % {"email": membership.user.email}
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        return redirect("tenancy:members", org_slug=org_slug)


class InviteRevokeView(AdminPageMixin, View):
    def post(self, request, org_slug, pk):
        invite = get_object_or_404(MembershipInvite.objects.all(), pk=pk)
        services.revoke_invite(request.user, invite)
        messages.success(request, _("Invitation withdrawn."))
        return redirect("tenancy:members", org_slug=org_slug)


class TeamsView(AdminPageMixin, View):
    template_name = "tenancy/settings/teams.html"

    def get(self, request, org_slug):
        return self.render_page(TeamForm(organization=self.organization))

    def post(self, request, org_slug):
        form = TeamForm(
            request.POST,
            organization=self.organization,
            instance=Team(organization=self.organization),
        )
        if not form.is_valid():
            return self.render_page(form, status=400)
        services.save_team(request.user, form)
        messages.success(request, _("Team created."))
        return redirect("tenancy:teams", org_slug=org_slug)

    def render_page(self, form, status=200):
        teams = Team.objects.select_related("lead").prefetch_related("members")
        return render(
            self.request,
            self.template_name,
            {
                "organization": self.organization,
                "teams": teams,
                "form": form,
                "section": "teams",
            },
            status=status,
        )


class TeamEditView(AdminPageMixin, View):
    template_name = "tenancy/settings/team_edit.html"

    def get(self, request, org_slug, pk):
        team = get_object_or_404(Team.objects.all(), pk=pk)
        return self.render_page(team, TeamForm(instance=team, organization=self.organization))

    def post(self, request, org_slug, pk):
        team = get_object_or_404(Team.objects.all(), pk=pk)
        form = TeamForm(request.POST, instance=team, organization=self.organization)
        if not form.is_valid():
            return self.render_page(team, form, status=400)
        services.save_team(request.user, form)
        messages.success(request, _("Team saved."))
        return redirect("tenancy:teams", org_slug=org_slug)

    def render_page(self, team, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "organization": self.organization,
                "team": team,
                "form": form,
                "section": "teams",
            },
            status=status,
        )


class TeamDeleteView(AdminPageMixin, View):
    def post(self, request, org_slug, pk):
        team = get_object_or_404(Team.objects.all(), pk=pk)
        services.delete_team(request.user, team)
        messages.success(request, _("Team deleted."))
        return redirect("tenancy:teams", org_slug=org_slug)


class ApiKeysView(AdminPageMixin, View):
    template_name = "tenancy/settings/api_keys.html"

    def get(self, request, org_slug):
        return self.render_page(ApiKeyForm())

    def post(self, request, org_slug):
        form = ApiKeyForm(request.POST)
        if not form.is_valid():
            return self.render_page(form, status=400)
        api_key, full_key = services.create_api_key(
            request.user,
            self.organization,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
        )
        # Rendered, not redirected: the full key exists only in this one response.
        response = self.render_page(ApiKeyForm(), new_key=full_key, new_key_object=api_key)
        response["Cache-Control"] = "no-store"
        return response

    def render_page(self, form, status=200, **extra):
        return render(
            self.request,
            self.template_name,
            {
                "organization": self.organization,
                "keys": ApiKey.objects.select_related("created_by"),
                "form": form,
                "section": "api_keys",
                **extra,
            },
            status=status,
        )


class ApiKeyRevokeView(AdminPageMixin, View):
    def post(self, request, org_slug, pk):
        api_key = get_object_or_404(ApiKey.objects.all(), pk=pk)
        services.revoke_api_key(request.user, api_key)
        messages.success(request, _("Key revoked: it no longer works."))
        return redirect("tenancy:api_keys", org_slug=org_slug)


class AuditLogView(AdminPageMixin, TemplateView):
    template_name = "tenancy/settings/audit.html"
    page_size = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        events = AuditEvent.objects.select_related("actor")
        action = self.request.GET.get("action", "").strip()
        if action:
            events = events.filter(action__startswith=action)
        page = Paginator(events, self.page_size).get_page(self.request.GET.get("page"))
        context.update(page=page, action=action, section="audit")
        return context
