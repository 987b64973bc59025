"""Model-quality estimation without labels (CBPE)."""
