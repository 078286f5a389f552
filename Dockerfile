# lead-router: one image for the worker and the API (multi-stage: build wheels, then a
# slim runtime without compilers). Not built on the development machine (no Docker
# engine there); see README "Deployment".
FROM python:3.11.10-slim-bookworm AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip==24.2 build==1.2.2
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY activities ./activities
COPY workflows ./workflows
COPY starter ./starter
COPY worker.py ./
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11.10-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN useradd --create-home --uid 10001 leadrouter
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER leadrouter
WORKDIR /home/leadrouter
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import sys" || exit 1
ENTRYPOINT ["lead-router"]
CMD ["worker"]
