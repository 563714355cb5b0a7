"""Faust glue: the only part of earlywarn that knows about Kafka streams."""

from earlywarn.stream.app import Worker
from earlywarn.stream.faust_settings import faust_config

__all__ = ["Worker", "faust_config"]
