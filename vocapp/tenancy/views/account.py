"""Signing in, choosing an organization, joining one from an invitation."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django.views.generic import TemplateView

from vocapp.ratelimit import client_ip, rate_limit
from vocapp.tenancy.forms import EmailAuthenticationForm, JoinForm
from vocapp.tenancy.models import Membership, User
from vocapp.tenancy.services import accept_invite, find_invite

LOGIN_ATTEMPTS_PER_MINUTE = 10
# A reset link is asked for rarely: more is a mailbox being flooded or addresses being probed.
RESET_REQUESTS_PER_HOUR_PER_ADDRESS = 3
RESET_REQUESTS_PER_HOUR_PER_CLIENT = 20


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        result = rate_limit(
            f"login:{client_ip(request)}", limit=LOGIN_ATTEMPTS_PER_MINUTE, window=60
        )
        if not result.allowed:
            return self.too_many_attempts(result.retry_after)
        return super().post(request, *args, **kwargs)

    def too_many_attempts(self, retry_after: int):
        """The sign-in page again (people read it, not programs), saying why and for how long.

        The form is not validated: over the limit, no password is checked at all.
        """
        form = self.form_class(
            request=self.request, initial={"username": self.request.POST.get("username", "")}
        )
        refusal = ngettext(
            "Too many sign-in attempts; try again in %(seconds)d second.",
            "Too many sign-in attempts; try again in %(seconds)d seconds.",
            retry_after,
        ) % {"seconds": retry_after}
        context = self.get_context_data(form=form, refusal=refusal)
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(retry_after)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    email_template_name = "emails/password-reset-body.txt"
    subject_template_name = "emails/password-reset-subject.txt"

    def post(self, request, *args, **kwargs):
        result = rate_limit(
            f"password-reset:{client_ip(request)}",
            limit=RESET_REQUESTS_PER_HOUR_PER_CLIENT,
            window=3600,
        )
        if not result.allowed:
            refusal = ngettext(
                "Too many requests; try again in %(minutes)d minute.",
                "Too many requests; try again in %(minutes)d minutes.",
                (result.retry_after + 59) // 60,
            ) % {"minutes": (result.retry_after + 59) // 60}
            response = self.render_to_response(self.get_context_data(refusal=refusal), status=429)
            response["Retry-After"] = str(result.retry_after)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        """Past a few links an hour for one address, say the same and send nothing more: the
        answer never tells whether the address has an account."""
        address = form.cleaned_data["email"].strip().lower()
        result = rate_limit(
            f"password-reset-address:{address}",
            limit=RESET_REQUESTS_PER_HOUR_PER_ADDRESS,
            window=3600,
        )
        if not result.allowed:
            return redirect(self.get_success_url())
        return super().form_valid(form)


def pick_organization(request):
    if not request.user.is_authenticated:
        return redirect("login")
    memberships = list(Membership.objects.filter(user=request.user).select_related("organization"))
    if len(memberships) == 1:
        return redirect("tenancy:home", org_slug=memberships[0].organization.slug)
    return render(request, "tenancy/picker.html", {"memberships": memberships})


@method_decorator(require_http_methods(["GET", "POST"]), name="dispatch")
class JoinView(TemplateView):
    template_name = "tenancy/join.html"

    def dispatch(self, request, token):
        self.invite = find_invite(token)
        if self.invite is None or not self.invite.is_pending:
            return render(request, "tenancy/join_invalid.html", status=404)
        self.existing_user = User.objects.filter(email=self.invite.email).first()
        return super().dispatch(request, token)

    def get(self, request, token):
        return self.render_page(JoinForm(email=self.invite.email))

    def post(self, request, token):
        if self.existing_user is not None:
            if request.user != self.existing_user:
                # The account exists: only its owner, signed in, may accept for it.
                return self.render_page(None, status=403)
            return self.finish(request, self.existing_user)
        form = JoinForm(request.POST, email=self.invite.email)
        if not form.is_valid():
            return self.render_page(form)
        user = User.objects.create_user(
            self.invite.email,
            form.cleaned_data["password"],
            full_name=form.cleaned_data["full_name"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return self.finish(request, user)

    def finish(self, request, user):
        membership = accept_invite(self.invite, user)
        messages.success(request, _("Welcome to %(name)s.") % {"name": membership.organization})
        return redirect("tenancy:home", org_slug=membership.organization.slug)

    def render_page(self, form, status=200):
        user = self.request.user
        signed_in_as_invitee = self.existing_user is not None and user == self.existing_user
        signed_in_as_other = user.is_authenticated and user.email != self.invite.email
        return self.render_to_response(
            {
                "invite": self.invite,
                "organization": self.invite.organization,
                "form": form if self.existing_user is None else None,
                "existing_user": self.existing_user,
                "signed_in_as_invitee": signed_in_as_invitee,
                "signed_in_as_other": signed_in_as_other,
            },
            status=status,
        )
