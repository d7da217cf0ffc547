"""The import round trip's measure: a source built to a PDF by publish, imported back, and
the two Markdown texts compared word for word.

Both sides are read by the same small reader (`read_markdown`): the running text's words
in order (headings and paragraphs, without the front matter, the notes' definitions, the
note calls, link targets and attributes), and the notes in the order of their first call,
each with its words and the words just before its call. `compare` gives the figures the
README's "Import round trip" table shows: words matched (SequenceMatcher over the words,
as a share of the source's), words the import added, notes at their call with their text,
and the header fields (title, author, date) found right.
"""

from __future__ import annotations

import datetime
import itertools
import re
import shutil
import subprocess
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

import yaml

WORD = re.compile(r"\w+")
FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
DEFINITION = re.compile(r"^\[\^([^\]]+)\]:[ \t]*(.*(?:\n(?:[ \t]+.*|[ \t]*(?=\n[ \t]+\S)))*)", re.M)
CALL = re.compile(r"\[\^([^\]]+)\]")
NOISE = (
    re.compile(r"\]\([^)]*\)"),  # a link's target
    re.compile(r"\{[^{}]*\}"),  # attributes, page markers, a note's series class
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"</?[a-zA-Z][^>]*>"),
)
CONTEXT = 3  # words before a call that place it


@dataclass
class Text:
    fields: dict
    words: list[str]
    notes: list[tuple[tuple[str, ...], list[str]]]  # (words before the call, the note's words)


def words_of(text: str) -> list[str]:
    for noise in NOISE:
        text = noise.sub(" ", text)
    return WORD.findall(text.replace("\u2060", "").casefold())


def read_markdown(markdown: str, with_title: bool = False) -> Text:
    front = FRONT.match(markdown)
    fields = yaml.safe_load(front[1]) if front else {}
    body = markdown[front.end() :] if front else markdown
    definitions = {match[1]: match[2] for match in DEFINITION.finditer(body)}
    body = DEFINITION.sub("", body)
    words: list[str] = words_of(str(fields.get("title", ""))) if with_title else []
    notes = []
    seen = set()
    for piece in re.split(r"(\[\^[^\]]+\])", body):
        call = CALL.fullmatch(piece)
        if call is None:
            words += words_of(piece)
        elif call[1] not in seen and call[1] in definitions:
            seen.add(call[1])
            notes.append((tuple(words[-CONTEXT:]), words_of(definitions[call[1]])))
    return Text(fields, words, notes)


def read_source(path: Path) -> Text:
    """A Markdown source, or a book (its folder): its documents one after the other, each
    opening with its title, as the book prints them."""
    if path.is_file():
        return read_markdown(path.read_text(encoding="utf-8"))
    book = yaml.safe_load((path / "book.yaml").read_text(encoding="utf-8"))
    text = Text({k: book.get(k) for k in ("title", "author", "date")}, [], [])
    for name in book["documents"]:
        document = read_markdown((path / name).read_text(encoding="utf-8"), with_title=True)
        text.words += document.words
        text.notes += document.notes
    return text


@dataclass
class Figures:
    words: int  # the source's
    matched: int
    added: int  # words of the import that match none of the source's
    notes: int
    notes_placed: int  # at the same words, with the same text
    fields_right: list[str]
    fields_wrong: list[str]

    @property
    def matched_share(self) -> float:
        return self.matched / self.words if self.words else 1.0

    @property
    def added_share(self) -> float:
        return self.added / self.words if self.words else 0.0


def compare(source: Text, imported: Text, keys=("title", "author", "date")) -> Figures:
    matcher = SequenceMatcher(None, source.words, imported.words, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    placed = sum(
        1
        for (context, words), (their_context, their_words) in zip(
            source.notes, imported.notes, strict=False
        )
        if context == their_context and words == their_words
    )
    right, wrong = [], []
    for key in keys:
        if source.fields.get(key) is None:
            continue
        same = field_value(source.fields.get(key)) == field_value(imported.fields.get(key))
        (right if same else wrong).append(key)
    return Figures(
        len(source.words),
        matched,
        len(imported.words) - matched,
        len(source.notes),
        placed,
        right,
        wrong,
    )


def field_value(value: object) -> str:
    if isinstance(value, list):
        value = ", ".join(str(item) for item in value)
    if isinstance(value, datetime.date):
        value = value.isoformat()
    return " ".join(words_of(str(value or "")))


def browser_pdf(source: Path, out: Path) -> Path:
    """The source as one Markdown text, through Pandoc's HTML, printed by Chromium."""
    markdown = out / f"{source.stem}.md"
    if source.is_file():
        shutil.copy(source, markdown)
    else:
        book = yaml.safe_load((source / "book.yaml").read_text(encoding="utf-8"))
        header = {key: book[key] for key in ("title", "author", "date", "lang") if key in book}
        parts = [f"---\n{yaml.safe_dump(header, allow_unicode=True)}---"]
        for name in book["documents"]:
            text = (source / name).read_text(encoding="utf-8")
            front, body = text.split("\n---\n", 1) if text.startswith("---\n") else ("", text)
            title = yaml.safe_load(front[4:]).get("title") if front else None
            parts += [f"# {title}" if title else "", body]
        markdown.write_text("\n\n".join(parts), encoding="utf-8")
    html, pdf = markdown.with_suffix(".html"), markdown.with_suffix(".pdf")
    subprocess.run(["pandoc", str(markdown), "-s", "-o", str(html)], check=True)
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            str(html),
        ],
        check=True,
        capture_output=True,
    )
    return pdf


# -- a PDF made by Typst ------------------------------------------------------------------

TYPST_SPECIAL = re.compile(r"([\\#$@<>\[\]`~_*])")
ITALIC = re.compile(r"\*([^*\n]+)\*")
LINK = re.compile(r"\[([^\]^][^\]]*)\]\([^)]*\)")
LINE_BREAK = " \\ "
MONTHS = {
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def typst_text(text: str) -> str:
    """Markdown inline text as Typst markup: its italics, a link's text, the rest escaped."""
    text = LINK.sub(r"\1", text)
    pieces = [TYPST_SPECIAL.sub(r"\\\1", piece) for piece in ITALIC.split(" ".join(text.split()))]
    return "".join(
        f"_{piece}_" if odd else piece for odd, piece in zip(itertools.cycle((False, True)), pieces)
    )


def typst_inline(text: str, notes: dict[str, str]) -> str:
    """Inline text in Typst, each note call replaced by its note."""
    pieces = re.split(r"(\[\^[^\]]+\])", text)
    return "".join(
        f"#footnote[{notes[piece[2:-1]]}]" if CALL.fullmatch(piece) else typst_text(piece)
        for piece in pieces
    )


def typst_body(markdown: str, level: int = 0) -> str:
    """A Markdown source's body in Typst: paragraphs, headings (`level` deeper), block
    quotations, list items, italics, and each note at its call as `#footnote[…]`."""
    front = FRONT.match(markdown)
    body = markdown[front.end() :] if front else markdown
    notes = {match[1]: typst_text(match[2]) for match in DEFINITION.finditer(body)}
    blocks = []
    for block in re.split(r"\n\s*\n", DEFINITION.sub("", body).strip()):
        heading = re.match(r"^(#+)\s+(.*)", block)
        item = re.match(r"^(-|\d+\.)\s+(.*)", block, re.S)
        if heading:
            text = "=" * (len(heading[1]) + level) + " " + typst_inline(heading[2], notes)
        elif block.startswith(">"):
            quoted = typst_inline(re.sub(r"^>\s?", "", block, flags=re.M), notes)
            text = f"#quote(block: true)[{quoted}]"
        elif item:
            text = ("- " if item[1] == "-" else "+ ") + typst_inline(item[2], notes)
        else:
            text = typst_inline(block, notes)
        blocks.append(text)
    return "\n\n".join(blocks)


def typst_header(fields: dict, lang: str) -> str:
    """Typst's page, text and document settings and a centred title block: the title, the
    authors one a line, the date written out (as a letter prints it)."""
    authors = fields.get("author") or []
    authors = [authors] if isinstance(authors, str) else list(authors)
    date = fields.get("date")
    if isinstance(date, datetime.date):
        month = MONTHS[lang][date.month - 1]
        date = (
            f"{date.day} de {month} de {date.year}"
            if lang == "es"
            else f"{date.day} {month} {date.year}"
        )
    quoted = ", ".join(f'"{author}"' for author in authors)
    lines = [f"#text(size: 16pt)[{typst_text(fields['title'])}]"]
    lines += [typst_text(str(line)) for line in [*authors, date] if line]
    return (
        f'#set page(paper: "a5")\n#set text(lang: "{lang}", size: 10.5pt)\n'
        f"#set par(justify: true)\n"
        f'#set document(title: "{fields["title"]}", author: ({quoted},))\n'
        f"#align(center)[{LINE_BREAK.join(lines)}]\n\n"
    )


def typst_pdf(source: Path, out: Path) -> Path:
    """The source (a book: its documents one after the other under their titles) set by
    Typst: justified, hyphenated, its notes at the page's foot."""
    import typst  # the test extra's: only the Typst round trip needs it

    if source.is_file():
        text = source.read_text(encoding="utf-8")
        fields = yaml.safe_load(FRONT.match(text)[1])
        body = typst_body(text)
    else:
        fields = yaml.safe_load((source / "book.yaml").read_text(encoding="utf-8"))
        parts = []
        for name in fields["documents"]:
            text = (source / name).read_text(encoding="utf-8")
            title = yaml.safe_load(FRONT.match(text)[1]).get("title")
            parts.append(f"= {typst_text(title)}\n\n{typst_body(text, level=0)}")
        body = "\n\n".join(parts)
    document = out / f"{source.stem}.typ"
    lang = str(fields.get("lang", "en")).split("-")[0]  # Typst's lang: the language alone
    document.write_text(typst_header(fields, lang) + body, encoding="utf-8")
    pdf = document.with_suffix(".pdf")
    typst.compile(str(document), output=str(pdf))
    return pdf
