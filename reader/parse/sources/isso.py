"""Placeholder: the isso source is being written (registered once it is)."""
