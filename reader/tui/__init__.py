"""The full-screen reader (Textual): the app, its screens and widgets, and ``reader.tcss``."""
