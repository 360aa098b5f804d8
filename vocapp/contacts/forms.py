from django import forms
from django.utils.translation import gettext_lazy as _

from vocapp import registry

from .models import AttributeDefinition, Segment
from .segments import OPS

OP_LABELS = {
    "eq": _("is"),
    "neq": _("is not"),
    "in": _("is one of (comma-separated)"),
    "gte": _("is at least"),
    "lte": _("is at most"),
    "exists": _("is filled in (yes/no)"),
    "contains": _("contains"),
}


class ContactFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("id, email, phone, name")}
        ),
    )
    segment = forms.ModelChoiceField(
        label=_("Segment"),
        queryset=Segment.objects.unscoped().none(),
        required=False,
        empty_label=_("All contacts"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = Segment.objects.all()


class AttributeDefinitionForm(forms.ModelForm):
    class Meta:
        model = AttributeDefinition
        fields = ["name", "label", "kind"]
        help_texts = {"name": _("Used in the API and CSV columns, e.g. loyalty_tier.")}

    def clean_name(self):
        name = self.cleaned_data["name"]
        if AttributeDefinition.objects.filter(name=name).exists():
            raise forms.ValidationError(_("This attribute is already declared."))
        return name


class SegmentForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Segment.objects.filter(name=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("A segment with this name already exists."))
        return name


def conditions_from_post(data) -> list[dict]:
    """The editor's parallel lists (attribute, op, value) as raw conditions; blank rows dropped.

    Values come as text: lists are comma-separated, yes/no for 'exists'; the segment validator
    converts them to the attribute's type.
    """
    conditions = []
    for attribute, op, value in zip(
        data.getlist("attribute"), data.getlist("op"), data.getlist("value"), strict=False
    ):
        if not attribute:
            continue
        value = value.strip()
        if op == "in":
            parsed = [item.strip() for item in value.split(",") if item.strip()]
        elif op == "exists":
            parsed = value.lower() not in {"no", "non", "false", "0"}
        else:
            parsed = value
        conditions.append({"attribute": attribute, "op": op, "value": parsed})
    return conditions


def condition_rows(conditions: list[dict], blank_rows: int = 2) -> list[dict]:
    rows = []
    for condition in conditions:
        value = condition.get("value")
        if isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        rows.append(
            {
                "attribute": condition.get("attribute"),
                "op": condition.get("op"),
                "value": "" if value is None else value,
            }
        )
    return rows + [{"attribute": "", "op": "eq", "value": ""}] * blank_rows


def op_choices():
    return [(op, OP_LABELS[op]) for op in OPS]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file contains"))
    file = forms.FileField(
        label=_("CSV file (UTF-8, comma or semicolon separated)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (handler.key, handler.label)
            for handler in registry.import_row_handlers
            if membership.can(handler.capability)
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Upload a .csv file."))
        return upload
