"""Static files taken from installed Python packages rather than from a CDN or a copy in git.

``VendorFileFinder`` serves exactly the files listed in ``VENDOR_FILES`` (today plotly.js, from
the plotly pip package the lock file pins) under ``static/vendor/``: runserver and whitenoise
find them, ``collectstatic`` copies them and nothing else of those packages.
"""

import os
from importlib.util import find_spec
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage

# Static path -> (package, file inside the package).
VENDOR_FILES = {
    "vendor/plotly/plotly.min.js": ("plotly", "package_data/plotly.min.js"),
}


def package_file(package: str, relative: str) -> Path | None:
    """The file inside an installed package (without importing the package), or None."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / relative


class VendorFileFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.files = {
            static_path: package_file(package, relative)
            for static_path, (package, relative) in VENDOR_FILES.items()
        }

    def check(self, **kwargs):
        return [
            Error(
                f"{static_path} is missing: is its package installed?",
                id="vocapp.E010",
            )
            for static_path, file in self.files.items()
            if file is None or not file.is_file()
        ]

    def find(self, path, find_all=False, **kwargs):
        file = self.files.get(path)
        if file is None or not file.is_file():
            return [] if find_all else None
        return [str(file)] if find_all else str(file)

    def list(self, ignore_patterns):
        for static_path, file in self.files.items():
            if file is None or not file.is_file():
                continue
            storage = FileSystemStorage(location=str(file.parent))
            storage.prefix = os.path.dirname(static_path)
            yield file.name, storage
