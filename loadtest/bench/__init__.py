"""``make bench``: throughput, latency, memory and scale-out figures, each with its method."""
