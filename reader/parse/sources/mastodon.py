"""Placeholder: the mastodon source is being written (registered once it is)."""
