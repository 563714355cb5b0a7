"""Load testing and evaluation for earlywarn.

Seeded scenario simulator (:mod:`loadtest.simulate`), detection evaluation against ground
truth (:mod:`loadtest.evaluate`, :mod:`loadtest.report`) and adapters that turn public
labelled data sets into contract events (:mod:`loadtest.adapters`).
"""

__all__: list[str] = []
