"""earlywarn: streaming early warnings for scams in telecom and payment events."""

__version__ = "0.1.0"
