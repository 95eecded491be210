"""``python -m reader.store``: print the schema a fresh library has (what ``schema.sql`` holds).

After adding a migration::

    python -m reader.store > reader/store/schema.sql
"""

from __future__ import annotations

import sys

from reader.store.schema import fresh_schema

if __name__ == "__main__":
    sys.stdout.write(fresh_schema())
