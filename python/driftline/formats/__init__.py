"""Typed shapes of the documents driftline reads and writes (SageMaker's, and driftline's beside
them)."""
