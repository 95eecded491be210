"""Bounded network access: one deadline per request, capped bodies, checked redirects."""
