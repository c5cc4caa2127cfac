"""Word house style for official documents (GB/T 9704) and a byte-stable .docx package.

python-docx writes what we ask but leaves the look to its default template, whose styles use
theme fonts, blue headings and US Letter. Here the styles are set to the conventions offices
follow: A4 with the standard margins, the title in a 小标宋 face, body text in 仿宋, first-level
headings in 黑体 and second-level ones in 楷体, 三号 type on a 28-point line. The faces are
named as office PCs have them, each with an ``altName`` (and a fontconfig alias where this
package converts the file itself) pointing at the Noto CJK face that stands in for it elsewhere.
"""

from __future__ import annotations

import io
import zipfile

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

# Faces an office PC has, and the Noto CJK face this machine substitutes for each.
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
FALLBACKS = {
    TITLE_FONT: "Noto Serif CJK SC",
    BODY_FONT: "Noto Serif CJK SC",
    HEADING1_FONT: "Noto Sans CJK SC",
    HEADING2_FONT: "Noto Serif CJK SC",
    "仿宋": "Noto Serif CJK SC",
    "楷体": "Noto Serif CJK SC",
    "宋体": "Noto Serif CJK SC",
}
#: The faces' font-table entries: GB2312 character set and PANOSE family for substitution.
_FAMILY = {TITLE_FONT: "roman", BODY_FONT: "modern", HEADING1_FONT: "modern",
           HEADING2_FONT: "modern", "宋体": "auto"}

SIZE_2 = Pt(22)  # 二号: the title
SIZE_3 = Pt(16)  # 三号: body and headings
SIZE_4 = Pt(14)  # 四号: page numbers
SIZE_5 = Pt(10.5)  # 五号: tables
SIZE_SMALL_5 = Pt(9)  # 小五: captions under figures, the review table
LINE = Pt(28)  # exact line pitch: 22 lines on the type area

# GB/T 9704 page: A4, type area 156 mm × 225 mm (top 37, bottom 35, left 28, right 26 mm).
PAGE = {"page_width": Mm(210), "page_height": Mm(297), "top_margin": Mm(37),
        "bottom_margin": Mm(35), "left_margin": Mm(28), "right_margin": Mm(26),
        "header_distance": Mm(15), "footer_distance": Mm(25)}
TEXT_WIDTH = Mm(156)

# Paragraph styles this module defines, by the role the writer gives them.
TITLE, AGENCY, BODY, H1, H2 = "报告标题", "报告单位", "正文", "Heading 1", "Heading 2"
TABLE_LABEL, TABLE_VALUE, TABLE_CAPTION = "表格文字", "表格数值", "表格标题"
FIGURE, FIGURE_CAPTION, SIGNATURE, REVIEW = "图片", "图题", "落款", "校验表格"


def set_fonts(element, face: str) -> None:
    """Name ``face`` for every script of a style's or run's ``rPr`` (theme fonts removed)."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for script in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{script}"), face)


def _paragraph_style(doc, name: str, face: str, size, *, base: str | None = "Normal",
                     align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = True,
                     exact: bool = True, bold: bool = False, before=0, after=0):
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(
        name, WD_STYLE_TYPE.PARAGRAPH)
    if base is not None:
        style.base_style = styles[base]
    style.quick_style = True
    set_fonts(style.element, face)
    font = style.font
    font.size, font.bold, font.italic = size, bold, False
    font.color.rgb = None
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.first_line_indent = Pt(size.pt * 2) if indent else Pt(0)
    fmt.left_indent = fmt.right_indent = Pt(0)
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    return style


def setup(doc) -> None:
    """Page, document defaults and every paragraph style the report uses."""
    section = doc.sections[0]
    for key, value in PAGE.items():
        setattr(section, key, value)
    _document_defaults(doc)
    _paragraph_style(doc, "Normal", BODY_FONT, SIZE_3, base=None)
    _paragraph_style(doc, BODY, BODY_FONT, SIZE_3)
    _paragraph_style(doc, TITLE, TITLE_FONT, SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER,
                     indent=False, exact=False, after=6)
    _paragraph_style(doc, AGENCY, TITLE_FONT, SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER,
                     indent=False, exact=False)
    for name, face in ((H1, HEADING1_FONT), (H2, HEADING2_FONT)):
        style = _paragraph_style(doc, name, face, SIZE_3)
        style.paragraph_format.keep_with_next = True
        _drop(style.element.get_or_add_rPr(), "w:sz", "w:szCs", "w:color", "w:b", "w:bCs",
              "w:i", "w:iCs")
        style.font.size = SIZE_3
        style.font.bold = False
    _paragraph_style(doc, TABLE_LABEL, BODY_FONT, SIZE_5, align=WD_ALIGN_PARAGRAPH.LEFT,
                     indent=False, exact=False)
    _paragraph_style(doc, TABLE_VALUE, BODY_FONT, SIZE_5, align=WD_ALIGN_PARAGRAPH.CENTER,
                     indent=False, exact=False)
    _paragraph_style(doc, TABLE_CAPTION, HEADING1_FONT, SIZE_5, align=WD_ALIGN_PARAGRAPH.CENTER,
                     indent=False, exact=False)
    _paragraph_style(doc, REVIEW, BODY_FONT, SIZE_SMALL_5, align=WD_ALIGN_PARAGRAPH.LEFT,
                     indent=False, exact=False)
    _paragraph_style(doc, FIGURE, BODY_FONT, SIZE_3, align=WD_ALIGN_PARAGRAPH.CENTER,
                     indent=False, exact=False, before=6)
    _paragraph_style(doc, FIGURE_CAPTION, BODY_FONT, SIZE_5, align=WD_ALIGN_PARAGRAPH.CENTER,
                     indent=False, exact=False, after=6)
    _paragraph_style(doc, SIGNATURE, BODY_FONT, SIZE_3, align=WD_ALIGN_PARAGRAPH.RIGHT,
                     indent=False)
    doc.styles[SIGNATURE].paragraph_format.right_indent = Pt(SIZE_3.pt * 4)
    _font_table(doc)


def _drop(parent, *tags: str) -> None:
    for tag in tags:
        for child in parent.findall(qn(tag)):
            parent.remove(child)


def _document_defaults(doc) -> None:
    """Defaults every run inherits: the body face for all scripts, Chinese as its language."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for script in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{script}"), BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _font_table(doc) -> None:
    """Declare each face with the GB2312 character set and its Noto CJK stand-in (``altName``).

    python-docx keeps the font table as an opaque part, so its XML is edited as bytes here.
    """
    from lxml import etree

    part = next(r.target_part for r in doc.part.rels.values()
                if r.reltype.endswith("/fontTable"))
    table = etree.fromstring(part.blob)
    for font in table.findall(qn("w:font")):
        if font.get(qn("w:name")) in FALLBACKS:
            table.remove(font)
    for face, fallback in FALLBACKS.items():
        font = etree.SubElement(table, qn("w:font"))
        font.set(qn("w:name"), face)
        for tag, value in (("altName", fallback), ("charset", "86"),
                           ("family", _FAMILY.get(face, "auto")), ("pitch", "variable")):
            etree.SubElement(font, qn(f"w:{tag}")).set(qn("w:val"), value)
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def page_number_footer(section) -> None:
    """``— 1 —`` centred in the footer, in 四号 宋体 (a PAGE field Word and WPS update)."""
    footer = section.footer
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Pt(0)

    def run(text: str = ""):
        r = paragraph.add_run(text)
        set_fonts(r._r, "宋体")
        r.font.size = SIZE_4
        return r

    run("— ")
    for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                        ("end", None)):
        r = run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            r._r.append(char)
        elif instr == "1":
            r.text = "1"
        else:
            text = OxmlElement("w:instrText")
            text.set(qn("xml:space"), "preserve")
            text.text = instr
            r._r.append(text)
    run(" —")


def stable_package(data: bytes) -> bytes:
    """Re-zip a .docx so that equal content gives equal bytes: fixed entry times and order.

    ``[Content_Types].xml`` stays first, as some readers expect; the rest is sorted by name.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(source.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))
    return out.getvalue()
