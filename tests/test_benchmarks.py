"""The import benchmark still runs end to end (a small size; its timings are not asserted)."""

from benchmarks.import_speed import export, measure


def test_import_benchmark_measures_every_phase():
    phases = measure(export(500), 500)
    assert list(phases) == ["read and detect", "validate", "write (one transaction)", "total"]
    assert all(seconds >= 0 for seconds in phases.values())
