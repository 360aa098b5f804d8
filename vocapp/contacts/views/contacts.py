import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from vocapp import registry
from vocapp.contacts.api.views import search_contacts
from vocapp.contacts.forms import AttributeDefinitionForm, ContactFilterForm
from vocapp.contacts.gdpr import erase_contact, export_contact
from vocapp.contacts.models import (
    AddressOptOut,
    AttributeDefinition,
    Channel,
    Contact,
    OptOutSource,
)
from vocapp.contacts.segments import compile_conditions
from vocapp.tenancy.access import require_capability
from vocapp.tenancy.audit import record_audit
from vocapp.tenancy.views.base import OrganizationPageMixin

PAGE_SIZE = 50
JSON_HTML_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


class ContactListView(OrganizationPageMixin, TemplateView):
    template_name = "contacts/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ContactFilterForm(self.request.GET or None)
        contacts = Contact.objects.filter(erased_at__isnull=True).order_by("-last_seen_at", "-id")
        if form.is_valid():
            contacts = search_contacts(contacts, form.cleaned_data["q"])
            segment = form.cleaned_data["segment"]
            if segment:
                contacts = contacts.filter(compile_conditions(segment.conditions))
        page = Paginator(contacts, PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(form=form, page=page, query=query.urlencode(), section="contacts")
        return context


def contact_panels(request, contact):
    panels = []
    for panel in registry.contact_panels:
        if not request.membership.can(panel.capability):
            continue
        panel_context = panel.context(request.organization, request, contact=contact)
        if panel_context is not None:
            panels.append({"panel": panel, "context": panel_context})
    return panels


class ContactDetailView(OrganizationPageMixin, TemplateView):
    template_name = "contacts/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact = get_object_or_404(Contact.objects.all(), pk=kwargs["pk"])
        labels = dict(AttributeDefinition.objects.values_list("name", "label"))
        attributes = [
            (labels.get(name) or name, value) for name, value in sorted(contact.attributes.items())
        ]
        addresses = [a for a in (contact.email, contact.phone) if a]
        context.update(
            contact=contact,
            attributes=attributes,
            panels=contact_panels(self.request, contact),
            address_opt_outs=AddressOptOut.objects.filter(address__in=addresses),
            channels=Channel.choices,
            section="contacts",
        )
        return context


class ContactExportView(OrganizationPageMixin, View):
    capability = "export"

    def get(self, request, org_slug, pk):
        contact = get_object_or_404(Contact.objects.all(), pk=pk)
        record_audit(request.user, "contact.exported", contact)
        body = json.dumps(export_contact(contact), indent=2, ensure_ascii=False, default=str)
        # Answers and names hold text customers and staff typed: < > & as JSON escapes, so the
        # file reads the same to any JSON parser and is inert if a browser ever renders it.
        body = body.translate(JSON_HTML_ESCAPES)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
        return response


class ContactEraseView(OrganizationPageMixin, View):
    capability = "manage_organization"

    def post(self, request, org_slug, pk):
        contact = get_object_or_404(Contact.objects.all(), pk=pk)
        erase_contact(request.user, contact)
        messages.success(request, _("The contact's personal data was erased."))
        return redirect("contacts:detail", org_slug=org_slug, pk=pk)


class ContactOptOutView(OrganizationPageMixin, View):
    """A customer asked by phone or in store: opt them out of a channel at once."""

    capability = "work_cases"

    def post(self, request, org_slug, pk):
        contact = get_object_or_404(Contact.objects.all(), pk=pk)
        channel = request.POST.get("channel")
        if channel not in Channel.values:
            messages.error(request, _("Choose SMS or email."))
            return redirect("contacts:detail", org_slug=org_slug, pk=pk)
        opt_out_contact(request.user, contact, channel)
        messages.success(request, _("Opted out: no more surveys on this channel."))
        return redirect("contacts:detail", org_slug=org_slug, pk=pk)


def opt_out_contact(actor, contact, channel, source=OptOutSource.MANUAL):
    if not contact.is_opted_out(channel):
        setattr(contact, f"{channel}_opted_out_at", timezone.now())
        contact.save(update_fields=[f"{channel}_opted_out_at", "updated_at"])
    address = contact.phone if channel == Channel.SMS else contact.email
    if address:
        AddressOptOut.objects.get_or_create(
            organization=contact.organization,
            channel=channel,
            address=address,
            defaults={"source": source},
        )
    record_audit(actor, "contact.opted_out", contact, {"channel": channel})


class AttributesView(OrganizationPageMixin, View):
    capability = "view"
    template_name = "contacts/attributes.html"

    def get(self, request, org_slug):
        return self.render_page(AttributeDefinitionForm())

    def post(self, request, org_slug):
        require_capability(request.membership, "configure")
        form = AttributeDefinitionForm(request.POST)
        if not form.is_valid():
            return self.render_page(form, status=400)
        definition = form.save(commit=False)
        definition.organization = request.organization
        definition.save()
        record_audit(
            request.user,
            "attribute.declared",
            definition,
            {"name": definition.name, "kind": definition.kind},
        )
        messages.success(request, _("Attribute declared."))
        return redirect("contacts:attributes", org_slug=org_slug)

    def render_page(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "organization": self.request.organization,
                "form": form,
                "definitions": AttributeDefinition.objects.all(),
                "section": "attributes",
                "can_configure": self.request.membership.can("configure"),
            },
            status=status,
        )
