"""Shared pytest configuration."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    deadline=None,
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "40")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("default")

try:  # Small ops gain nothing from several threads; on 2 shared cores they lose a lot.
    import torch

    torch.set_num_threads(1)
except ImportError:  # mygrad's own tests run without torch's extras too
    pass


def pytest_terminal_summary(terminalreporter):
    """Print every lecture's execution time and the total, also when xdist ran them."""
    rows = []
    stats = terminalreporter.stats
    for report in stats.get("passed", []) + stats.get("failed", []):
        for key, value in getattr(report, "user_properties", []):
            if key == "execution_seconds" and report.when == "call":
                rows.append((report.nodeid.split("[")[-1].rstrip("]"), float(value)))
    if rows:
        terminalreporter.section("lecture execution times")
        for name, seconds in sorted(rows):
            terminalreporter.write_line(f"{seconds:7.1f} s  {name}")
        total = sum(s for _, s in rows)
        terminalreporter.write_line(f"{total:7.1f} s  total ({len(rows)} lectures)")
