from django.http import JsonResponse
from django.shortcuts import render

from vocapp.api.errors import error_body


def wants_json(request) -> bool:
    return request.path.startswith(("/api/", "/webhooks/"))


def not_found(request, exception=None):
    if wants_json(request):
        return JsonResponse(
            error_body("not_found", "Not found: no such address or object."), status=404
        )
    return render(request, "404.html", status=404)


def server_error(request):
    if wants_json(request):
        return JsonResponse(
            error_body("server_error", "Something went wrong on our side."), status=500
        )
    return render(request, "500.html", status=500)
