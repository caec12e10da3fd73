"""Storage plumbing: the engine (the only dialect-aware code), the declarative base, column types."""
