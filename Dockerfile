# earlywarn worker image: non-root, pinned base, dependencies from constraints.txt.
#
#   docker build -t earlywarn:0.1.0 .
#   docker build --build-arg EXTRAS=loadtest -t earlywarn-sim:0.1.0 .   # adds the simulator's extras
#
# The base is pinned to an exact tag. For byte-for-byte reproducible builds, also pin its
# digest (FROM python:3.11.11-slim-bookworm@sha256:...), read with
# `docker buildx imagetools inspect python:3.11.11-slim-bookworm` on a machine with registry
# access; Renovate/Dependabot can keep tag and digest current.
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG EXTRAS=""
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/earlywarn
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY earlywarn ./earlywarn
COPY loadtest ./loadtest
RUN /opt/earlywarn/bin/pip install -c constraints.txt \
        ".${EXTRAS:+[$EXTRAS]}" \
    && /opt/earlywarn/bin/python -c "import earlywarn.stream.app, faust, prometheus_client"

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="earlywarn" \
      org.opencontainers.image.description="Streaming early warnings for scams in telco and payment events" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 earlywarn \
    && useradd --system --uid 10001 --gid earlywarn --home-dir /var/lib/earlywarn \
       --shell /usr/sbin/nologin earlywarn \
    && install -d -o earlywarn -g earlywarn -m 0750 /var/lib/earlywarn
COPY --from=build /opt/earlywarn /opt/earlywarn
ENV PATH=/opt/earlywarn/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    EARLYWARN_DATA_DIR=/var/lib/earlywarn \
    EARLYWARN_WEB_PORT=6066 \
    EARLYWARN_LOG_FORMAT=json \
    EARLYWARN_LOGLEVEL=INFO
USER 10001:10001
WORKDIR /var/lib/earlywarn
EXPOSE 6066
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('EARLYWARN_WEB_PORT', '6066'), timeout=2)"]
ENTRYPOINT ["earlywarn"]
CMD ["worker", "--no-embedded"]
