import re

from django.conf import settings
from django.http import HttpResponse

from vocapp.api.errors import too_large_response


class RequestBodyLimitMiddleware:
    """Answer 413 to bodies announced above the limit, before anything reads them.

    Bodies without a Content-Length are caught by Django's DATA_UPLOAD_MAX_MEMORY_SIZE while they
    are read, which the API's exception handler turns into the same 413.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.upload_paths = [re.compile(pattern) for pattern in settings.LARGE_UPLOAD_PATHS]

    def limit_for(self, request) -> int:
        # CSV imports stream to a temporary file (never into memory): they may be larger.
        if any(pattern.match(request.path) for pattern in self.upload_paths):
            return settings.IMPORT_UPLOAD_MAX_BYTES
        return settings.MAX_REQUEST_BODY_BYTES

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.limit_for(request):
            if request.path.startswith(("/api/", "/webhooks/")):
                return too_large_response()
            return HttpResponse("Request body too large (10 MB at most).", status=413)
        return self.get_response(request)
