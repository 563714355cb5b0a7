"""Storage engines for the embedded broker: the default (in memory) and the environment for
durable ``s3://`` storage."""

from __future__ import annotations

DEFAULT_STORAGE = "memory://tansu/"


def s3_env(
    endpoint: str,
    *,
    access_key: str = "earlywarn",
    secret_key: str = "earlywarn",
    region: str = "us-east-1",
) -> dict[str, str]:
    """Environment for a broker with ``s3://bucket/`` storage on an S3-compatible endpoint.

    Durable storage survives a broker ``kill -9``: data and committed offsets are in the
    bucket (which must exist before the broker starts). Plain ``http://`` endpoints (a local
    ``moto_server``, MinIO) are allowed.

    Parameters
    ----------
    endpoint
        ``http://host:port`` of the S3 service.
    access_key, secret_key, region
        Credentials and region the broker signs its requests with.

    Returns
    -------
    dict[str, str]
        ``AWS_*`` variables to pass as :class:`~earlywarn.broker.embedded.EmbeddedBroker`'s ``env``.

    Examples
    --------
    >>> s3_env("http://127.0.0.1:9000")["AWS_ALLOW_HTTP"]
    'true'
    """
    return {
        "AWS_ENDPOINT": endpoint,
        "AWS_ALLOW_HTTP": "true" if endpoint.startswith("http://") else "false",
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }
