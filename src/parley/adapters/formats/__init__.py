"""Import and export file formats: CSV (and HXL-tagged CSV), XLSX and JSON.

Readers stream: they never hold a whole file in memory, hash the bytes as they read
them, and report the row and column of anything they cannot read.
"""

from parley.adapters.formats.reading import open_table
from parley.adapters.formats.writing import write_table

__all__ = ["open_table", "write_table"]
