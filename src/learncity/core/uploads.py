"""The one guard every uploaded file passes before anything reads it: its size, and for a zip (xlsx, docx, anything
starting PK\\x03\\x04) what it says it expands to, read from its central directory before a parser opens it.

A refused file raises `FileRejected` saying the limit and what the file has, Chinese first with English; the caller
has written nothing yet. The limits (settings, from the environment):

- `LEARNCITY_MAX_UPLOAD_BYTES`: spreadsheets of the imports and declarations' evidence files;
  `LEARNCITY_INTAKE_MAX_BYTES`: providers' files of learning records (streamed to disk, never held whole).
- `LEARNCITY_MAX_EXPANDED_BYTES` / `LEARNCITY_INTAKE_MAX_EXPANDED_BYTES`: the sum of a zip's entries' uncompressed
  sizes: the reader walks every byte of a sheet's XML.
- `LEARNCITY_MAX_SHARED_STRINGS_BYTES`: the shared strings' part (the text of the cells), however well or badly it
  compresses: it is held while the rows are read (compactly, `core.tabular.SharedStrings`: about its own size).
- `LEARNCITY_MAX_COMPRESSION_RATIO`: uncompressed ÷ compressed size of any one entry of more than 1 MiB. Real
  spreadsheets' sheet and shared-strings XML compress 8–20× (see `learncity bench uploads`); a decompression bomb
  is built at hundreds to a thousand (deflate's ceiling is about 1032×).

An entry that lies in the central directory about its size cannot get past it: Python's zipfile decompresses a
deflated entry in bounded steps and stops at the size the central directory gives, then fails on its CRC (the
readers turn that into a refusal). Compression methods other than stored and deflated (bzip2 and LZMA decompress a
whole read at once, with no such bound; no spreadsheet uses them) are refused here. XML entity bombs are the
parser's: openpyxl parses through defusedxml, which refuses entity declarations (`openpyxl.DEFUSEDXML`; checked in
the tests).
"""

import io
import re
import zipfile
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _

from learncity.core.errors import FileRejected

ZIP_SIGNATURE = b"PK\x03\x04"
RATIO_FLOOR = 1 << 20  # entries expanding to less than this are not held to the compression ratio
MAX_ZIP_ENTRIES = 10_000  # an xlsx has a dozen parts, a few hundred with many sheets and pictures
MAX_CENTRAL_DIRECTORY = 4 << 20  # bytes: parsed whole (into a Python object an entry) before anything else
# The shared-strings part as spreadsheet programs name it (sharedStrings.xml); the reader checks the part the
# workbook's content types name, whatever it is called (core.tabular.shared_strings_read).
SHARED_STRINGS_NAME = re.compile(r"sharedstrings[^/]*\.xml", re.IGNORECASE)


def size_text(n: int) -> str:
    """A byte count as people read it: 1.5 MB, 300 KB, 12 B."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def too_big(size: int, *, limit: int, name: str) -> FileRejected:
    return FileRejected(_("文件「%(name)s」大小 %(size)s，超过上限 %(limit)s，未接收。") % {
        "name": name, "size": size_text(size), "limit": size_text(limit)})


def size_check(size: int, *, limit: int, name: str) -> None:
    """Refuse a file of `size` bytes over `limit`."""
    if size > limit:
        raise too_big(size, limit=limit, name=name)


def request_too_big(size: int, *, limit: int) -> FileRejected:
    """An upload refused by the length of the request that carries it (before its form is parsed)."""
    return FileRejected(_("文件大小 %(size)s 超过上限 %(limit)s，未接收。请把文件拆成几个较小的文件分别上传。") % {
        "size": size_text(size), "limit": size_text(limit)})


# --- while the request arrives -----------------------------------------------------------------------------------

INTAKE_PATHS = ("/intake/", "/api/intake/")  # the routes that take providers' files, up to LEARNCITY_INTAKE_MAX_BYTES


def request_upload_limit(path: str) -> int:
    """The most bytes of files a request to `path` may carry: the largest limit of any route there."""
    if path.startswith(INTAKE_PATHS):
        return settings.LEARNCITY_INTAKE_MAX_BYTES
    return settings.LEARNCITY_MAX_UPLOAD_BYTES


class LimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: counts the bytes of a multipart request's files as they arrive, and once they
    pass the limit of the route (`request_upload_limit`) stops receiving (the rest of the body is never read, and
    the file written so far is closed and deleted by Django), recording the refusal on the request for the route to
    answer (`upload_refusal`; the API's validation handler and the pages' forms do): a file stopped at the door is
    refused the same way as one that says its size."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = request_upload_limit(getattr(request, "path_info", "") or "")
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            setattr(self.request, REFUSAL, FileRejected(
                _("文件「%(name)s」大小超过上限 %(limit)s，未接收。请把文件拆成几个较小的文件分别上传。") % {
                    "name": self.file_name or "upload", "limit": size_text(self.limit)}))
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) keeps the file


REFUSAL = "learncity_upload_refused"


def upload_refusal(request) -> FileRejected | None:
    """The refusal `LimitedUploadHandler` recorded while the request's files arrived (its form parsed first when it
    was not yet), or None."""
    if request.method == "POST" and not hasattr(request, REFUSAL):
        request.FILES  # noqa: B018  (parses the form, through the upload handlers)
    return getattr(request, REFUSAL, None)


def request_files(request):
    """request.FILES, or the refusal of a file stopped while it arrived (raised)."""
    refused = upload_refusal(request)
    if refused is not None:
        raise refused
    return request.FILES


def upload_read(upload, *, limit: int | None = None, name: str | None = None, zip_limits: bool = True) -> bytes:
    """The bytes of an uploaded file (a Django UploadedFile, or anything with .size/.read()), refused by its size
    before it is read (never more than `limit` + 1 bytes are read, whatever it says its size is) and, when it is a
    zip, by what it expands to. `limit` defaults to LEARNCITY_MAX_UPLOAD_BYTES."""
    limit = settings.LEARNCITY_MAX_UPLOAD_BYTES if limit is None else limit
    name = name if name is not None else str(getattr(upload, "name", "") or "upload")
    declared = getattr(upload, "size", None)
    if isinstance(declared, int):
        size_check(declared, limit=limit, name=name)
    data = upload.read(limit + 1)
    size_check(len(data), limit=limit, name=name)
    if zip_limits and data.startswith(ZIP_SIGNATURE):
        zip_check(data, name=name)
    return data


def zip_check(source: bytes | Path | BinaryIO, *, name: str, max_expanded: int | None = None,
              max_ratio: float | None = None) -> None:
    """Refuse a zip whose central directory says it expands past `max_expanded` bytes in all (default
    LEARNCITY_MAX_EXPANDED_BYTES), or has an entry of more than 1 MiB compressed more than `max_ratio` times
    (LEARNCITY_MAX_COMPRESSION_RATIO), or too many entries, or entries in a method other than stored or deflated.
    Nothing is decompressed. A file that is not a readable zip is refused as not a valid xlsx."""
    max_expanded = settings.LEARNCITY_MAX_EXPANDED_BYTES if max_expanded is None else max_expanded
    max_ratio = settings.LEARNCITY_MAX_COMPRESSION_RATIO if max_ratio is None else max_ratio
    if isinstance(source, (bytes, bytearray, memoryview)):
        _zip_check(io.BytesIO(source), name, max_expanded, max_ratio)
    elif isinstance(source, Path):
        with open(source, "rb") as f:
            _zip_check(f, name, max_expanded, max_ratio)
    else:
        position = source.tell()
        try:
            _zip_check(source, name, max_expanded, max_ratio)
        finally:
            source.seek(position)


def shared_strings_check(size: int, *, name: str, entry: str = "xl/sharedStrings.xml") -> None:
    """Refuse a workbook whose shared strings (the text of its cells, held whole while its rows are read) expand
    past LEARNCITY_MAX_SHARED_STRINGS_BYTES, whatever its compression ratio."""
    limit = settings.LEARNCITY_MAX_SHARED_STRINGS_BYTES
    if size > limit:
        raise FileRejected(_("文件「%(name)s」中的共享字符串「%(entry)s」（表格中各不相同的文字）解压后 %(size)s，超过上限 "
                             "%(limit)s，未接收：表格中不同的文字太多。请把文件拆成几个较小的文件分别上传。") % {
            "name": name, "entry": entry[:100], "size": size_text(size), "limit": size_text(limit)})


def not_xlsx(name: str, why: str) -> FileRejected:
    return FileRejected(_("「%(f)s」不是有效的 xlsx 文件（%(e)s）：请用 Excel 或 WPS 另存为 xlsx 后重新上传")
                        % {"f": name, "e": why})


def _zip_check(f: BinaryIO, name: str, max_expanded: int, max_ratio: float) -> None:
    # The end of central directory record first: how many entries, how large their directory is, before zipfile
    # parses it whole.
    try:
        end = zipfile._EndRecData(f)
    except OSError:
        end = None
    if end is None:
        raise not_xlsx(name, _("找不到 zip 的目录"))
    entries, directory = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
    if entries > MAX_ZIP_ENTRIES or directory > MAX_CENTRAL_DIRECTORY:
        raise FileRejected(_("文件「%(name)s」含有 %(n)s 个压缩条目（目录 %(size)s），超过上限 %(max)s 个，未接收。") % {
            "name": name, "n": entries, "size": size_text(directory), "max": MAX_ZIP_ENTRIES})
    f.seek(0)
    try:
        with zipfile.ZipFile(f) as z:
            infos = z.infolist()
    except Exception as exc:  # BadZipFile, LargeZipFile, OSError, EOFError, NotImplementedError (a zip version or
        # method zipfile does not know), struct or decoding errors: a hostile or broken file, said as such
        raise not_xlsx(name, exc.__class__.__name__) from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise FileRejected(_("文件「%(name)s」含有 %(n)s 个压缩条目（目录 %(size)s），超过上限 %(max)s 个，未接收。") % {
            "name": name, "n": len(infos), "size": size_text(directory), "max": MAX_ZIP_ENTRIES})
    expanded = 0
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileRejected(_("文件「%(name)s」中的「%(entry)s」使用了不支持的压缩方式（%(method)s），未接收。"
                                 "请用 Excel 或 WPS 另存为 xlsx 后重新上传。") % {
                "name": name, "entry": info.filename[:100], "method": info.compress_type})
        expanded += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > max_ratio:
            raise FileRejected(_("文件「%(name)s」中的「%(entry)s」压缩了 %(ratio)s 倍（%(packed)s 解压为 %(size)s），"
                                 "超过上限 %(max)s 倍：这不像正常的表格，可能是压缩炸弹，未接收。") % {
                "name": name, "entry": info.filename[:100], "ratio": f"{ratio:.0f}",
                "packed": size_text(info.compress_size), "size": size_text(info.file_size), "max": f"{max_ratio:g}"})
        if SHARED_STRINGS_NAME.fullmatch(info.filename.rsplit("/", 1)[-1]):
            shared_strings_check(info.file_size, name=name, entry=info.filename)
    if expanded > max_expanded:
        raise FileRejected(_("文件「%(name)s」解压后共 %(size)s，超过上限 %(max)s，未接收。请把文件拆成几个较小的文件"
                             "分别上传。") % {"name": name, "size": size_text(expanded), "max": size_text(max_expanded)})
