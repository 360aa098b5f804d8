# The production image: web (gunicorn), worker and beat all run from it (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=vocapp.settings.prod \
    VOC_DATA_DIR=/data \
    MEDIA_ROOT=/data/media

WORKDIR /app
COPY requirements/base.lock requirements/base.lock
RUN pip install -r requirements/base.lock

COPY . .
# Static files are collected at build time with a throwaway key: nothing is compiled at run time.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 vocapp \
    && mkdir -p /data/media && chown -R vocapp /data

USER vocapp
VOLUME ["/data"]
EXPOSE 8000
CMD ["sh", "-c", "gunicorn vocapp.wsgi --bind 0.0.0.0:${PORT:-8000} --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
