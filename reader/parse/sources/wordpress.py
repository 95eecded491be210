"""Placeholder: the wordpress source is being written (registered once it is)."""
