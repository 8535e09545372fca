"""Amazon Ion text, as Kestra's FileSerde reads and writes it (internal-storage row files).

``to_ion(value)`` writes one value (a row: one line of an ``.ion`` file); ``ion_rows(text)``
reads the top-level values of a file; ``from_ion(text)`` reads one value (or a list when
there are several); ``java_iso(value)`` writes a date, time or datetime as Kestra's JSON
does (ISO, offset, no zone name).
"""

from podium.common.templating.library.ion import from_ion, ion_rows, to_ion
from podium.common.templating.library.java_dates import iso_string as java_iso

__all__ = ["from_ion", "ion_rows", "java_iso", "to_ion"]
