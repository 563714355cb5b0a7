"""A local S3 service (``moto_server``, from ``moto[server]``) for the durable broker.

Tansu's ``s3://`` storage keeps topics and committed offsets in a bucket, so a broker
killed with ``kill -9`` and restarted loses nothing (BROKER.md). The bucket must exist
before the broker starts.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from earlywarn.broker._proc import HOST, accepts, free_port
from earlywarn.broker.storage import s3_env


class MotoS3:
    """``moto_server -H 127.0.0.1 -p PORT`` with one bucket, as a context manager.

    Parameters
    ----------
    log_path
        File receiving the server's output.
    bucket
        Bucket created once the server answers.
    """

    def __init__(self, log_path: Path, bucket: str = "tansu") -> None:
        self.log_path = log_path
        self.bucket = bucket
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def storage(self) -> str:
        """The broker's ``--storage-engine`` URL."""
        return f"s3://{self.bucket}/"

    def env(self) -> dict[str, str]:
        """``AWS_*`` settings for the broker."""
        return s3_env(self.endpoint)

    def start(self, timeout_s: float = 30.0) -> Self:
        """Start the server and create the bucket."""
        exe = shutil.which("moto_server", path=str(Path(sys.executable).parent))
        if exe is None:
            raise RuntimeError("moto_server not found: pip install 'moto[server]' (dev extras)")
        self.port = free_port(0) or 0
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            [exe, "-H", HOST, "-p", str(self.port)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while not accepts(self.port, timeout=0.25):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"moto_server did not start; see {self.log_path}")
            time.sleep(0.05)
        self._create_bucket()
        return self

    def _create_bucket(self) -> None:
        import boto3

        env = self.env()
        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env["AWS_REGION"],
        )
        client.create_bucket(Bucket=self.bucket)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)
        self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
