"""Podium plugin `compress`: Kestra's io.kestra.plugin.compress tasks (archives and
compressed files), with Python's standard library and zstandard."""

from podium.sdk import Plugin
from podium_compress.archive_compress import ArchiveCompress
from podium_compress.archive_decompress import ArchiveDecompress
from podium_compress.file_compress import FileCompress
from podium_compress.file_decompress import FileDecompress

plugin = Plugin(
    name="compress",
    title="Compress",
    description="Archives (ZIP, JAR, TAR, AR, CPIO) and compressed files (GZIP, BZIP2, XZ, "
                "LZMA, DEFLATE, ZSTD).",
    tasks=(ArchiveCompress, ArchiveDecompress, FileCompress, FileDecompress),
)
