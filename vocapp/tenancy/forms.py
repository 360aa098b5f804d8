import io
import uuid

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from PIL import Image

from .models import WEEKDAYS, ApiScope, Membership, Organization, Team, User
from .roles import Role

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 512
# Larger uploads are refused before decoding (4096² RGBA is already 64 MB of memory).
LOGO_MAX_INPUT_SIDE = 4096


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self):
        return self.cleaned_data["username"].lower()


def reencode_logo(upload) -> SimpleUploadedFile:
    """Accept a PNG or JPEG of at most 1 MB; return it re-encoded as PNG without metadata.

    Re-encoding drops whatever else a file may carry (scripts in polyglot files, EXIF location).
    The dimensions are checked before decoding: a few kilobytes can decode to gigabytes.
    """
    not_png_or_jpeg = forms.ValidationError(_("The logo must be a PNG or JPEG image."))
    too_large = forms.ValidationError(
        _("The logo must be at most %(side)d × %(side)d pixels."),
        params={"side": LOGO_MAX_INPUT_SIDE},
    )
    if upload.size > LOGO_MAX_BYTES:
        raise forms.ValidationError(_("The logo must be 1 MB at most."))
    upload.seek(0)
    try:
        image = Image.open(upload)
    except Image.DecompressionBombError:
        raise too_large from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise not_png_or_jpeg from None
    if image.format not in {"PNG", "JPEG"}:
        raise not_png_or_jpeg
    if max(image.size) > LOGO_MAX_INPUT_SIDE:
        raise too_large
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError):
        raise not_png_or_jpeg from None
    image = image.convert("RGBA")
    image.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return SimpleUploadedFile(f"{uuid.uuid4().hex}.png", buffer.getvalue(), "image/png")


class OrganizationForm(forms.ModelForm):
    # A plain file field, not an ImageField: reencode_logo alone decides what is acceptable, so
    # every refusal says what is expected (PNG or JPEG, 1 MB) instead of Django's generic text.
    logo = forms.FileField(
        label=capfirst(Organization._meta.get_field("logo").verbose_name),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    business_days = forms.TypedMultipleChoiceField(
        label=_("Business days"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "time_zone",
            "country",
            "currency",
            "default_locale",
            "business_days",
            "business_opens_at",
            "business_closes_at",
            "logo",
            "brand_colour",
            "level_neutral_from",
            "level_enchantment_from",
            "minimum_n",
            "retention_months",
        ]
        widgets = {
            "business_opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "business_closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "brand_colour": forms.TextInput(attrs={"type": "color"}),
        }

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "content_type"):
            return reencode_logo(logo)
        return logo


class InviteMemberForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)

    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if Membership.objects.filter(organization=self.organization, user__email=email).exists():
            raise forms.ValidationError(_("This person is already a member."))
        return email


class MembershipRoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]


def organization_users(organization):
    return User.objects.filter(memberships__organization=organization).order_by("email")


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "lead", "members"]
        widgets = {"members": forms.CheckboxSelectMultiple}

    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)
        users = organization_users(organization)
        self.fields["lead"].queryset = users
        self.fields["members"].queryset = users
        self.fields["lead"].label_from_instance = lambda user: user.get_full_name()
        self.fields["members"].label_from_instance = lambda user: user.get_full_name()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Team.objects.filter(name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("A team with this name already exists."))
        return name

    def clean(self):
        cleaned = super().clean()
        lead, members = cleaned.get("lead"), cleaned.get("members")
        if lead and members is not None and lead not in members:
            cleaned["members"] = list(members) + [lead]
        return cleaned


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What uses it, e.g. 'Shop back-office'.")
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiScope.INGEST],
    )


class JoinForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password, User(email=self.email))
        return password
