"""The `lead-router` command line (entry point: `starter.cli.main:main`)."""
