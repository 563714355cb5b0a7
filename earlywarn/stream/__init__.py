"""Faust glue: the only part of earlywarn that knows about Kafka streams."""

from earlywarn.stream.app import Worker, faust_config

__all__ = ["Worker", "faust_config"]
