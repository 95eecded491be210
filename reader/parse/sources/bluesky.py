"""Placeholder: the bluesky source is being written (registered once it is)."""
