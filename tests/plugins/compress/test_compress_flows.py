"""The compress plugin through real flows on the embedded runtime: every supported archive
and compression round-trips its files; traversal, bombs and unsupported algorithms fail
the task with a clear error; Kestra's examples validate."""

from __future__ import annotations

import gzip
import io
import shutil
import subprocess
import tarfile
import zipfile

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.plugins.registry import registry
from podium.common.storage.uploads import Upload
from podium.runtime import Runtime
from podium_compress import plugin
from podium_compress.archives import SUPPORTED as ARCHIVES
from podium_compress.codecs import SUPPORTED as CODECS

ROUND_TRIP = """
id: round_trip
namespace: tests.compress
inputs:
  - id: first
    type: FILE
  - id: second
    type: FILE
  - id: algorithm
    type: STRING
  - id: compression
    type: STRING
tasks:
  - id: pack
    type: io.kestra.plugin.compress.ArchiveCompress
    from:
      first.csv: "{{ inputs.first }}"
      "{{ 'second' }}.bin": "{{ inputs.second }}"
    algorithm: "{{ inputs.algorithm }}"
    compression: "{{ inputs.compression }}"
  - id: unpack
    type: io.kestra.plugin.compress.ArchiveDecompress
    from: "{{ outputs.pack.uri }}"
    algorithm: "{{ inputs.algorithm }}"
    compression: "{{ inputs.compression }}"
"""

# The same without a compressor, plus a nested path (AR takes no '/' in names).
PLAIN_ROUND_TRIP = """
id: plain_round_trip
namespace: tests.compress
inputs:
  - id: first
    type: FILE
  - id: algorithm
    type: STRING
tasks:
  - id: pack
    type: io.kestra.plugin.compress.ArchiveCompress
    from: "{{ {'first.csv': inputs.first, 'copy.csv': inputs.first} }}"
    algorithm: "{{ inputs.algorithm }}"
  - id: unpack
    type: io.kestra.plugin.compress.ArchiveDecompress
    from: "{{ outputs.pack.uri }}"
    algorithm: "{{ inputs.algorithm }}"
"""

FILE_ROUND_TRIP = """
id: file_round_trip
namespace: tests.compress
inputs:
  - id: file
    type: FILE
  - id: compression
    type: STRING
tasks:
  - id: compress
    type: io.kestra.plugin.compress.FileCompress
    from: "{{ inputs.file }}"
    compression: "{{ inputs.compression }}"
  - id: decompress
    type: io.kestra.plugin.compress.FileDecompress
    from: "{{ outputs.compress.uri }}"
    compression: "{{ inputs.compression }}"
"""

EXTRACT = """
id: extract
namespace: tests.compress
inputs:
  - id: file
    type: FILE
  - id: algorithm
    type: STRING
  - id: compression
    type: STRING
    required: false
tasks:
  - id: unpack
    type: io.kestra.plugin.compress.ArchiveDecompress
    from: "{{ inputs.file }}"
    algorithm: "{{ inputs.algorithm }}"
    maxSize: 1MiB
"""

FIRST = b"id,name\n" + b"".join(b"%d,row %d\n" % (i, i) for i in range(5000))
SECOND = bytes(range(256)) * 300


@pytest.fixture(scope="module")
def rt(tmp_path_factory):
    with Runtime.embedded(tmp_path_factory.mktemp("compress")) as runtime:
        for source in (ROUND_TRIP, PLAIN_ROUND_TRIP, FILE_ROUND_TRIP, EXTRACT):
            runtime.deploy(parse_flow(source))
        yield runtime


def run(rt, flow_id, **inputs):
    return rt.wait(rt.submit("tests.compress", flow_id, inputs).id, 60)


def content(rt, uri: str) -> bytes:
    with rt.storage.get(uri) as stream:
        return stream.read()


def failure(rt, execution) -> str:
    return "\n".join(e.message for e in rt.logs(execution.id) if e.level == "ERROR")


@pytest.mark.parametrize("algorithm", [a.value for a in ARCHIVES])
@pytest.mark.parametrize("compression", [c.value for c in CODECS])
def test_archive_round_trip(rt, algorithm, compression):
    done = run(rt, "round_trip", first=Upload("first.csv", data=FIRST),
               second=Upload("second.bin", data=SECOND), algorithm=algorithm,
               compression=compression)
    assert done.state is State.SUCCESS, failure(rt, done)
    files = rt_outputs(rt, done, "unpack")["files"]
    assert sorted(files) == ["first.csv", "second.bin"]
    assert content(rt, files["first.csv"]) == FIRST
    assert content(rt, files["second.bin"]) == SECOND


@pytest.mark.parametrize("algorithm", [a.value for a in ARCHIVES])
def test_archive_round_trip_without_compression(rt, algorithm):
    done = run(rt, "plain_round_trip", first=Upload("first.csv", data=FIRST),
               algorithm=algorithm)
    assert done.state is State.SUCCESS, failure(rt, done)
    files = rt_outputs(rt, done, "unpack")["files"]
    assert sorted(files) == ["copy.csv", "first.csv"]
    assert all(content(rt, uri) == FIRST for uri in files.values())


@pytest.mark.parametrize("compression", [c.value for c in CODECS])
def test_file_round_trip(rt, compression):
    done = run(rt, "file_round_trip", file=Upload("data.csv", data=FIRST),
               compression=compression)
    assert done.state is State.SUCCESS, failure(rt, done)
    compressed = rt_outputs(rt, done, "compress")["uri"]
    assert len(content(rt, compressed)) < len(FIRST)
    assert content(rt, rt_outputs(rt, done, "decompress")["uri"]) == FIRST


def rt_outputs(rt, execution, task_id):
    runs = [r for r in rt.task_runs(execution.id) if r.task_id == task_id]
    assert len(runs) == 1
    return runs[0].outputs


def tar_with(name: str, data: bytes = b"x") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zip_with(name: str, data: bytes = b"x") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("algorithm,archive", [
    ("TAR", tar_with("../../escaped.txt")),
    ("TAR", tar_with("/etc/absolute.txt")),
    ("ZIP", zip_with("../escaped.txt")),
    ("ZIP", zip_with("a/../../escaped.txt")),
])
def test_traversal_is_refused(rt, algorithm, archive):
    done = run(rt, "extract", file=Upload("evil", data=archive), algorithm=algorithm)
    assert done.state is State.FAILED
    assert "leaves the extraction folder" in failure(rt, done)
    assert rt_outputs(rt, done, "unpack") in (None, {})


def test_a_symlink_entry_is_skipped_not_created(rt):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        link = tarfile.TarInfo("link")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
        plain = tarfile.TarInfo("plain.txt")
        plain.size = 2
        archive.addfile(plain, io.BytesIO(b"ok"))
    done = run(rt, "extract", file=Upload("links.tar", data=buffer.getvalue()),
               algorithm="TAR")
    assert done.state is State.SUCCESS
    assert list(rt_outputs(rt, done, "unpack")["files"]) == ["plain.txt"]
    assert any("not a regular file" in e.message for e in rt.logs(done.id))


def test_a_bomb_over_max_size_is_refused(rt):
    bomb = zip_with("zeros.bin", bytes(4 << 20))  # 4 MiB of zeros, a few KiB zipped
    done = run(rt, "extract", file=Upload("bomb.zip", data=bomb), algorithm="ZIP")
    assert done.state is State.FAILED
    assert "exceeds maxSize" in failure(rt, done)


def test_a_bomb_over_max_ratio_is_refused(rt):
    bomb = gzip.compress(bytes(80 << 20), compresslevel=1)  # ~1000:1, past the 64 MiB floor
    flow = """
id: bomb_file
namespace: tests.compress
inputs:
  - id: file
    type: FILE
tasks:
  - id: decompress
    type: io.kestra.plugin.compress.FileDecompress
    from: "{{ inputs.file }}"
    compression: GZIP
"""
    rt.deploy(parse_flow(flow))
    done = run(rt, "bomb_file", file=Upload("bomb.gz", data=bomb))
    assert done.state is State.FAILED
    assert "maxRatio (200)" in failure(rt, done)


@pytest.mark.parametrize("compression", ["BROTLI", "LZ4FRAME", "SNAPPY", "Z"])
def test_an_unsupported_compression_names_the_supported_ones(rt, compression):
    done = run(rt, "file_round_trip", file=Upload("data.csv", data=b"abc"),
               compression=compression)
    assert done.state is State.FAILED
    message = failure(rt, done)
    assert f"`compression` {compression} is not supported" in message
    assert "supported: BZIP2, DEFLATE, GZIP, LZMA, XZ, ZSTD" in message


def test_an_unsupported_archive_names_the_supported_ones(rt):
    done = run(rt, "extract", file=Upload("a.arj", data=b"abc"), algorithm="ARJ")
    assert done.state is State.FAILED
    assert "`algorithm` ARJ is not supported by Podium; supported: AR, CPIO, JAR, TAR, ZIP" \
        in failure(rt, done)


def test_kestra_examples_validate():
    checked = 0
    for task in plugin.tasks:
        for example in task.EXAMPLES:
            try:
                parse_flow(example.code)
            except Exception as exc:  # noqa: BLE001
                if registry.canonical("task", "io.kestra.plugin.aws.s3.Upload") is None \
                        and "io.kestra.plugin.aws.s3.Upload" in example.code:
                    continue  # the aws family is another distribution
                raise AssertionError(f"{task.TYPE}: {example.title}: {exc}") from exc
            checked += 1
    assert checked >= 4


def test_archives_are_read_by_other_tools(rt, tmp_path):
    """What ArchiveCompress writes is the real format: Python's tarfile and zipfile, and
    binutils' `ar`, read it back."""
    done = run(rt, "round_trip", first=Upload("first.csv", data=FIRST),
               second=Upload("second.bin", data=SECOND), algorithm="TAR", compression="GZIP")
    packed = content(rt, rt_outputs(rt, done, "pack")["uri"])
    with tarfile.open(fileobj=io.BytesIO(packed), mode="r:gz") as archive:
        assert archive.extractfile("first.csv").read() == FIRST  # type: ignore[union-attr]
    done = run(rt, "plain_round_trip", first=Upload("first.csv", data=FIRST), algorithm="ZIP")
    packed = content(rt, rt_outputs(rt, done, "pack")["uri"])
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        assert archive.read("copy.csv") == FIRST
    ar = shutil.which("ar")
    if ar is None:
        return  # binutils is not on every machine; the round trips above still ran
    done = run(rt, "plain_round_trip", first=Upload("first.csv", data=FIRST), algorithm="AR")
    (tmp_path / "x.a").write_bytes(content(rt, rt_outputs(rt, done, "pack")["uri"]))
    read = subprocess.run([ar, "p", str(tmp_path / "x.a"), "copy.csv"], capture_output=True,
                          check=True)
    assert read.stdout == FIRST


@pytest.mark.parametrize("algorithm", ["ZIP", "TAR", "AR", "CPIO"])
def test_a_file_that_is_not_that_archive_fails_clearly(rt, algorithm):
    done = run(rt, "extract", file=Upload("not-an-archive", data=b"hello, world\n" * 50),
               algorithm=algorithm)
    assert done.state is State.FAILED
    message = failure(rt, done)
    assert "Traceback" not in message
    assert any(text in message for text in (f"Unable to read the archive as {algorithm}",
                                            "Not an AR archive", "Not a CPIO archive")), message
