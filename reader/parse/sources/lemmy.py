"""Placeholder: the lemmy source is being written (registered once it is)."""
