"""What the command line and the reader both do: fetch, comment threads, full pages, sync, the demo.

Services sit on the store, the parsers and the network, and never import
click or Textual: ``reader.cli`` and ``reader.tui`` call them alike.
"""
