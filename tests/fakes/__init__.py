"""Local fakes of the third-party services lead-router calls, on loopback."""
