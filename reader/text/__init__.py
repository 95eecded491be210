"""Text helpers every layer above uses: terminal-safe cleaning, HTML to Markdown, dates, search queries, threads.

Pure functions over strings and records: no SQLite, no network, no Textual.
"""
