# The production image: web (gunicorn), worker and beat all run from it (docker-compose.yml).
# Everything is prepared here (exact pins, bytecode, collected and compressed static files), so a
# container only runs the code.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=vocapp.settings.prod \
    VOC_DATA_DIR=/app/var \
    MEDIA_ROOT=/data/media

RUN useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin vocapp

WORKDIR /app

# Exactly the lock file: no dependency resolution at build time, and pip check proves it complete.
COPY requirements/base.lock requirements/base.lock
RUN pip install --no-deps -r requirements/base.lock && pip check

COPY . .

# Bytecode and static files are built into the image. collectstatic needs production settings to
# load, so it gets throwaway values that nothing connects to. Static files stay in the image
# (VOC_DATA_DIR=/app/var): a volume would keep serving an old release's files after an upgrade.
RUN python -m compileall -q /app \
    && SECRET_KEY=collectstatic-only \
       DATABASE_URL=postgres://unused@localhost/unused \
       REDIS_URL=redis://localhost:6379/0 \
       python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/var /data/media \
    && chown vocapp:vocapp /app/var /data/media

USER vocapp

# Uploaded files (logos, imports): shared by web and worker.
VOLUME ["/data/media"]
EXPOSE 8000

# The Procfile's web process.
CMD ["sh", "-c", "exec gunicorn vocapp.wsgi --bind 0.0.0.0:${PORT:-8000} --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
