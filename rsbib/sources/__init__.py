"""The metadata sources (one module each), their interface (base) and their wiring (wiring)."""
