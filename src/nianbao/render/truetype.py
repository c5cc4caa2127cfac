"""TrueType copies of the Noto CJK SC faces, because Chromium prints CFF CJK fonts as Type 3.

Chromium's PDF backend cannot embed the CFF outlines of Debian's Noto CJK collections: it writes
every glyph as a Type 3 procedure, and its ToUnicode map sends shared glyphs to radicals
(页 is extracted as U+2EDA, 人 as U+2F08), so the PDF text cannot be searched or copied. A
TrueType copy of the Simplified Chinese face, limited to the characters official reports use and
mapping only ordinary code points, is embedded as a real font (``/FontFile2``) with correct text.

The copies are built once per machine (about a minute in all) into a cache directory and shown to
Chromium alone through a private fontconfig file; characters outside them fall back to the
system fonts.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from nianbao.errors import FontSetupError

log = logging.getLogger(__name__)

#: Bump when the conversion or the character set changes, to rebuild every cache.
BUILD_VERSION = "1"

#: Family names of the converted faces, as the PDF step's CSS asks for them.
SERIF_FAMILY = "Nianbao Serif SC"
SANS_FAMILY = "Nianbao Sans SC"


@dataclass(frozen=True)
class Face:
    """One face to convert: which system font it comes from and what it is called afterwards."""

    source_family: str
    bold: bool
    family: str

    @property
    def style(self) -> str:
        return "Bold" if self.bold else "Regular"

    @property
    def file_stem(self) -> str:
        return f"{self.family.replace(' ', '')}-{self.style}"


FACES = (
    Face("Noto Serif CJK SC", False, SERIF_FAMILY),
    Face("Noto Serif CJK SC", True, SERIF_FAMILY),
    Face("Noto Sans CJK SC", False, SANS_FAMILY),
    Face("Noto Sans CJK SC", True, SANS_FAMILY),
)

_NAME_IDS_KEPT = (0, 7, 8, 9, 11, 12, 13, 14)  # copyright, trademark, vendor, licence …
_BUILD_LOCK = threading.Lock()


def report_codepoints() -> frozenset[int]:
    """Code points covered by the converted faces: GB 2312 plus Latin and CJK punctuation."""
    points = set(range(0x20, 0x7F)) | set(range(0xA0, 0x180))
    for start, stop in (
        (0x2000, 0x2070),  # general punctuation
        (0x2100, 0x2190),  # letterlike symbols, number forms (Ⅰ Ⅱ …)
        (0x2460, 0x2500),  # enclosed alphanumerics (① ② …)
        (0x3000, 0x3040),  # CJK symbols and punctuation
        (0xFF00, 0xFFF0),  # full-width forms
    ):
        points.update(range(start, stop))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return frozenset(points)


def cache_root() -> Path:
    """Directory holding the converted fonts: ``$NIANBAO_FONT_CACHE`` or the user cache."""
    explicit = os.environ.get("NIANBAO_FONT_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nianbao" / "fonts"


def locate_system_faces(faces: tuple[Face, ...]) -> list[tuple[Path, int]]:
    """The file and collection index of each face as fontconfig resolves it.

    One ``fc-match`` per face, all running at once: in turn they cost about 0.15 s each, on
    the path of every browser start.
    """
    if shutil.which("fc-match") is None:
        raise FontSetupError("fc-match not found: install the Debian package 'fontconfig'")
    queries = [
        subprocess.Popen(
            ["fc-match", "--format=%{family}\n%{file}\n%{index}",
             f"{face.source_family}:weight={'bold' if face.bold else 'regular'}"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        for face in faces
    ]
    answers = [query.communicate()[0] for query in queries]
    out = []
    for face, query, answer in zip(faces, queries, answers, strict=True):
        families, file, index = (answer.split("\n") + ["", "", ""])[:3]
        if query.returncode != 0 or face.source_family not in families.split(","):
            raise FontSetupError(
                f"font {face.source_family!r} is not installed (fontconfig offers "
                f"{families!r}): install the Debian package 'fonts-noto-cjk'"
            )
        out.append((Path(file), int(index or 0)))
    return out


def _cache_key(sources: list[tuple[Path, int]]) -> str:
    from fontTools import version as fonttools_version

    digest = hashlib.sha256(f"{BUILD_VERSION}|{fonttools_version}".encode())
    for path, index in sources:
        stat = path.stat()
        digest.update(f"|{path}|{index}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def convert_face(source: Path, index: int, face: Face, codepoints: frozenset[int]) -> bytes:
    """Build a TrueType font of ``face`` from a CFF font, keeping only ``codepoints``."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont

    src = TTFont(str(source), fontNumber=index, lazy=True)
    cmap = src.getBestCmap()
    glyph_set = src.getGlyphSet()
    advances = src["hmtx"].metrics

    mapping = {cp: cmap[cp] for cp in sorted(codepoints) if cp in cmap}
    order = [".notdef"]
    seen = {".notdef"}
    for name in mapping.values():
        if name not in seen:
            seen.add(name)
            order.append(name)

    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        # CFF contours run counter-clockwise, TrueType contours clockwise.
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()

    head, hhea, os2 = src["head"], src["hhea"], src["OS/2"]
    builder = FontBuilder(head.unitsPerEm, isTTF=True)
    builder.updateHead(
        fontRevision=head.fontRevision,
        created=head.created,
        modified=head.modified,
        macStyle=1 if face.bold else 0,
    )
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(mapping)
    builder.setupGlyf(glyphs)
    glyf = builder.font["glyf"]
    builder.setupHorizontalMetrics(
        {name: (advances[name][0], getattr(glyf[name], "xMin", 0)) for name in order}
    )
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
    names = {
        "familyName": face.family,
        "styleName": face.style,
        "uniqueFontIdentifier": f"{face.file_stem};{BUILD_VERSION}",
        "fullName": f"{face.family} {face.style}",
        "psName": face.file_stem,
        "version": f"Version {head.fontRevision:.3f}",
    }
    source_names = src["name"]
    for name_id in _NAME_IDS_KEPT:
        record = source_names.getName(name_id, 3, 1, 0x409)
        if record is not None:
            names[name_id] = record.toUnicode()
    names["description"] = f"TrueType conversion of {face.source_family} {face.style}."
    builder.setupNameTable(names, mac=False)
    builder.setupOS2(
        usWeightClass=700 if face.bold else 400,
        fsSelection=0x20 if face.bold else 0x40,
        fsType=0,
        achVendID=os2.achVendID,
        sTypoAscender=os2.sTypoAscender,
        sTypoDescender=os2.sTypoDescender,
        sTypoLineGap=os2.sTypoLineGap,
        usWinAscent=os2.usWinAscent,
        usWinDescent=os2.usWinDescent,
        sxHeight=getattr(os2, "sxHeight", 0),
        sCapHeight=getattr(os2, "sCapHeight", 0),
        ulCodePageRange1=os2.ulCodePageRange1,
        ulCodePageRange2=os2.ulCodePageRange2,
        panose=os2.panose,
    )
    builder.setupPost(keepGlyphNames=False)
    builder.font.recalcTimestamp = False
    out = tempfile.SpooledTemporaryFile()
    builder.save(out)
    out.seek(0)
    return out.read()


_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>{dir}</dir>
  <cachedir>{dir}/fc-cache</cachedir>
</fontconfig>
"""


def ensure_truetype_fonts() -> Path:
    """Build the converted faces if needed; return the fontconfig file that adds them.

    Safe to call from several threads and processes: builds are serialised by a lock file,
    done in a private directory and published with an atomic rename.
    """
    with _BUILD_LOCK:
        sources = locate_system_faces(FACES)
        target = cache_root() / f"v{BUILD_VERSION}-{_cache_key(sources)}"
        conf = target / "fonts.conf"
        if conf.is_file():
            return conf
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target.parent / ".build.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not conf.is_file():
                _build(target, sources)
        return conf


def _build(target: Path, sources: list[tuple[Path, int]]) -> None:
    """Convert every face into a private directory, then publish it as ``target``."""
    log.warning("building TrueType copies of the Noto CJK SC fonts in %s (once)", target)
    codepoints = report_codepoints()
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        for face, (path, index) in zip(FACES, sources, strict=True):
            data = convert_face(path, index, face, codepoints)
            (work / f"{face.file_stem}.ttf").write_bytes(data)
        conf_text = _FONTS_CONF.format(dir=escape(str(target)))
        (work / "fonts.conf").write_text(conf_text, encoding="utf-8")
        work.chmod(0o755)
        try:
            work.rename(target)
        except OSError:
            if not (target / "fonts.conf").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
