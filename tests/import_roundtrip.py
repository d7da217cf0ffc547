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
