"""Routing analytics: the facts a lead's life leaves behind, and the arithmetic of the
report built from them (percentiles, business-time delays, fairness, rates)."""
