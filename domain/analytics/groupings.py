"""What a report can be grouped by (a light module: the command line's help reads it)."""

GROUPINGS = ("team", "tier", "rule", "owner", "source", "lead_type", "day")
