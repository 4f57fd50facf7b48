"""Use cases: one function per thing a user does, each inside a unit of work."""
