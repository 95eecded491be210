"""Placeholder: the discourse source is being written (registered once it is)."""
