import csv

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from vocapp.contacts import imports
from vocapp.contacts.forms import ImportUploadForm
from vocapp.contacts.models import ImportJob, ImportStatus
from vocapp.tenancy.access import require_capability
from vocapp.tenancy.scope import organization_scope
from vocapp.tenancy.views.base import OrganizationPageMixin


class Echo:
    def write(self, value):
        return value


class ImportListView(OrganizationPageMixin, View):
    capability = "configure"
    template_name = "contacts/imports.html"

    def get(self, request, org_slug):
        return self.render_page(ImportUploadForm(membership=request.membership))

    def post(self, request, org_slug):
        form = ImportUploadForm(request.POST, request.FILES, membership=request.membership)
        if not form.is_valid():
            return self.render_page(form, status=400)
        try:
            job = imports.start_import(
                request.user, form.cleaned_data["kind"], form.cleaned_data["file"]
            )
        except imports.ImportFileError as error:
            form.add_error("file", str(error))
            return self.render_page(form, status=400)
        return redirect("contacts:import_detail", org_slug=org_slug, pk=job.pk)

    def render_page(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "organization": self.request.organization,
                "form": form,
                "jobs": ImportJob.objects.select_related("created_by")[:50],
                "section": "imports",
            },
            status=status,
        )


class ImportDetailView(OrganizationPageMixin, View):
    capability = "configure"
    template_name = "contacts/import_detail.html"

    def get(self, request, org_slug, pk):
        job = get_object_or_404(ImportJob.objects.all(), pk=pk)
        return self.render_page(job, {})

    def post(self, request, org_slug, pk):
        job = get_object_or_404(ImportJob.objects.all(), pk=pk)
        if job.status != ImportStatus.MAPPING:
            messages.error(request, _("This import has already started."))
            return redirect("contacts:import_detail", org_slug=org_slug, pk=pk)
        mapping = {
            column: request.POST.get(f"map-{index}", "") for index, column in enumerate(job.header)
        }
        try:
            imports.confirm_mapping(request.user, job, mapping)
        except imports.MappingError as error:
            job.column_mapping = {k: v for k, v in mapping.items() if v}
            return self.render_page(job, error.errors, status=400)
        messages.success(request, _("Import started."))
        return redirect("contacts:import_detail", org_slug=org_slug, pk=pk)

    def render_page(self, job, errors, status=200):
        handler = imports.handler_for(job.kind)
        columns = imports.target_columns(handler, self.request.organization, job.header)
        rows = [
            {
                "index": i,
                "source": name,
                "target": job.column_mapping.get(name, ""),
                "errors": errors.get(name, []),
            }
            for i, name in enumerate(job.header)
        ]
        return render(
            self.request,
            self.template_name,
            {
                "organization": self.request.organization,
                "job": job,
                "rows": rows,
                "columns": columns,
                "required": handler.required_columns,
                "mapping_errors": errors.get("mapping", []),
                "section": "imports",
            },
            status=status,
        )


class ImportProgressView(OrganizationPageMixin, View):
    """htmx fragment polled while the import runs."""

    capability = "configure"

    def get(self, request, org_slug, pk):
        job = get_object_or_404(ImportJob.objects.all(), pk=pk)
        return render(
            request,
            "contacts/_import_progress.html",
            {"organization": request.organization, "job": job},
        )


class ImportRejectionsView(OrganizationPageMixin, View):
    capability = "configure"

    def get(self, request, org_slug, pk):
        job = get_object_or_404(ImportJob.objects.all(), pk=pk)
        require_capability(request.membership, "configure")
        response = StreamingHttpResponse(
            rejection_lines(request.organization, job), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejected.csv"'
        return response


def rejection_lines(organization, job):
    """CSV lines of the rejected rows. The server iterates a streaming body after the request
    (and its organization scope) has ended, so the generator enters the scope itself."""
    writer = csv.writer(Echo())
    with organization_scope(organization):
        for row in imports.rejections_csv(job):
            yield writer.writerow(row)
