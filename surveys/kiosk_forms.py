from django import forms
from django.utils.translation import gettext_lazy as _

from .models import KioskDevice


class KioskDeviceForm(forms.ModelForm):
    class Meta:
        model = KioskDevice
        fields = ["label"]
        labels = {"label": _("Name of the device")}
        help_texts = {"label": _("Where it stands, e.g. “Tablet at the Lyon store's exit”.")}

    def clean_label(self):
        label = self.cleaned_data["label"].strip()
        if not label:
            raise forms.ValidationError(_("Name the device."))
        return label
