from django import forms
from django.utils.translation import gettext_lazy as _

from vocapp.contacts.models import Segment
from vocapp.tenancy.models import User

from .models import Journey, Persona, Stage, Touchpoint
from .services import unique_touchpoint_key


def organization_members(organization):
    return User.objects.filter(memberships__organization=organization).order_by(
        "full_name", "email"
    )


def tenant_choice(model, label, **kwargs):
    """A choice among the organization's objects; the queryset is set per form (in scope)."""
    return forms.ModelChoiceField(queryset=model.objects.unscoped().none(), label=label, **kwargs)


class PersonaForm(forms.ModelForm):
    segment = tenant_choice(
        Segment,
        _("Segment"),
        required=False,
        help_text=_("The contacts this persona stands for (optional)."),
    )

    class Meta:
        model = Persona
        fields = ["name", "description", "goals", "frustrations", "segment"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "goals": forms.Textarea(attrs={"rows": 3}),
            "frustrations": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = Segment.objects.all()
        self.fields["segment"].empty_label = _("No segment")


class JourneyForm(forms.ModelForm):
    persona = tenant_choice(Persona, _("Persona"), required=False)

    class Meta:
        model = Journey
        fields = ["name", "kind", "persona", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        personas = Persona.objects.filter(archived_at__isnull=True)
        if self.instance.persona_id:
            personas = Persona.objects.filter(pk=self.instance.persona_id) | personas
        self.fields["persona"].queryset = personas
        self.fields["persona"].empty_label = _("No persona")


class StageForm(forms.ModelForm):
    class Meta:
        model = Stage
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class TouchpointForm(forms.ModelForm):
    """A touchpoint; its owner must be a member of the organization, its key unique in it."""

    stage = tenant_choice(Stage, _("Stage"))

    class Meta:
        model = Touchpoint
        fields = [
            "name",
            "stage",
            "key",
            "channel",
            "direction",
            "nature",
            "is_moment_of_truth",
            "importance",
            "target_score",
            "owner",
            "goal",
            "customer_actions",
            "emotions",
            "friction_points",
            "internal_processes",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in (
                "goal",
                "customer_actions",
                "emotions",
                "friction_points",
                "internal_processes",
            )
        }
        help_texts = {
            "is_moment_of_truth": _(
                "A moment that makes or breaks the relationship: listen to it first."
            ),
            "importance": _("1 (minor) to 5 (critical)."),
            "target_score": _("The level (0–100) you aim for at this touchpoint."),
        }

    def __init__(self, *args, organization, journey, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["key"].required = False
        self.fields["key"].help_text = _(
            "How your systems name it in the API, e.g. parcel-received. Leave empty to make one "
            "from the name."
        )
        self.fields["stage"].queryset = Stage.objects.filter(
            journey=journey, archived_at__isnull=True
        )
        self.fields["stage"].empty_label = None
        self.fields["owner"].queryset = organization_members(organization)
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name()
        self.fields["owner"].empty_label = _("Nobody yet")
        self.fields["importance"].widget = forms.NumberInput(attrs={"min": 1, "max": 5})
        self.fields["target_score"].widget = forms.NumberInput(attrs={"min": 0, "max": 100})

    def clean_key(self):
        key = self.cleaned_data.get("key", "")
        if not key:
            if self.instance.pk:
                return self.instance.key
            return ""
        if unique_touchpoint_key(key, exclude_pk=self.instance.pk) != key:
            raise forms.ValidationError(_("Another touchpoint already uses this key."))
        return key
