# syntax=docker/dockerfile:1
# Postwell production image: dependencies built in one stage, a slim non-root
# runtime in the other. The entrypoint applies migrations, then runs gunicorn.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements/ /tmp/requirements/
RUN pip install -r /tmp/requirements/prod.txt

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    APP_ENV=production \
    FLASK_APP=wsgi \
    HOST=0.0.0.0 \
    PORT=8000 \
    LOG_JSON=true
RUN groupadd --system --gid 10001 postwell \
    && useradd --system --uid 10001 --gid postwell --home-dir /app --shell /usr/sbin/nologin postwell
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=postwell:postwell wsgi.py gunicorn.conf.py ./
COPY --chown=postwell:postwell project/ project/
COPY --chown=postwell:postwell migrations/ migrations/
COPY --chown=postwell:postwell docker/entrypoint.sh /usr/local/bin/postwell-entrypoint
RUN mkdir -p /app/instance && chown postwell:postwell /app/instance \
    && chmod 0755 /usr/local/bin/postwell-entrypoint
USER postwell
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/live' % os.environ.get('PORT', '8000'), timeout=2)"
ENTRYPOINT ["postwell-entrypoint"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"]
