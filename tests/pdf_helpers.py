"""Helpers for the PDF tests: build through the real pipeline, then read the pages back
the way a reader sees them (words, their size and where they sit on the page)."""

from __future__ import annotations

import random
import re
import shutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from publish.reader import read_document
from publish.render import template_environment
from publish.settings import Settings
from publish.writers.pdf import write_pdf

SEED_LETTER = Path(__file__).resolve().parents[1] / "source" / "carta-muste-1936.md"

# Sizes in points, with room for rounding: body text is 10.5 pt, notes 8.5 pt, calls 7 pt.
BODY_MIN_SIZE = 10.0
NOTE_SIZES = (8.0, 9.0)
CALL_MAX_SIZE = 7.5


def build_pdf(
    source: Path, out: Path, project_root: Path | None = None, settings: Settings | None = None
) -> Path:
    """Markdown file → PDF, as the build does it."""
    env = template_environment(project_root)
    write_pdf(read_document(source), env, out, project_root=project_root, settings=settings)
    return out


def copy_seed_letter(folder: Path) -> Path:
    """The seed letter, dated as the original: the same input for a build."""
    return Path(shutil.copy2(SEED_LETTER, folder / SEED_LETTER.name))


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float

    @property
    def is_body(self) -> bool:
        return self.size >= BODY_MIN_SIZE

    @property
    def is_note(self) -> bool:
        return NOTE_SIZES[0] <= self.size <= NOTE_SIZES[1]


def pages_words(pdf_path: Path) -> list[list[Word]]:
    """Every page's words in reading order; a size change splits a word (so calls stand apart)."""
    with pdfplumber.open(pdf_path) as pdf:
        return [
            [
                Word(w["text"], w["x0"], w["x1"], w["top"], w["bottom"], round(w["size"], 2))
                for w in page.extract_words(extra_attrs=["size"])
            ]
            for page in pdf.pages
        ]


# The foot of the page under the text block (print.css's --page-margin-bottom): where the
# folio is printed.
FOOT_MARGIN_PT = 22 * 72 / 25.4


def folios(pdf_path: Path) -> list[str]:
    """What each page prints in its bottom margin (its folio, or "" for none)."""
    with pdfplumber.open(pdf_path) as pdf:
        return [
            " ".join(
                w["text"] for w in page.extract_words() if w["top"] > page.height - FOOT_MARGIN_PT
            )
            for page in pdf.pages
        ]


def page_texts(pdf_path: Path) -> list[str]:
    """Each page's text with line ends made spaces (and hyphenated line ends joined)."""
    with pdfplumber.open(pdf_path) as pdf:
        texts = [page.extract_text() or "" for page in pdf.pages]
    return [re.sub(r"\s+", " ", re.sub(r"[-\u2010]\n", "", text)) for text in texts]


def call_after(word: Word, words: list[Word]) -> str | None:
    """The superscript number printed right after `word`, if any."""
    for other in words:
        touching = (
            abs(other.x0 - word.x1) < 1.5 and other.top < word.bottom and other.bottom > word.top
        )
        if touching and other.size <= CALL_MAX_SIZE and other.text.isdigit():
            return other.text
    return None


def word_before(word: Word, words: list[Word]) -> str | None:
    """The word printed just before `word` on the same line (a note's number, say)."""
    index = words.index(word)
    if index and abs(words[index - 1].top - word.top) < 1:
        return words[index - 1].text
    return None


def body_bottom(words: list[Word]) -> float:
    return max(w.bottom for w in words if w.is_body)


def font_dicts(pdf_path: Path) -> Iterator[tuple[str, DictionaryObject]]:
    """(base font name, font descriptor) for every font any page uses."""
    reader = PdfReader(pdf_path)
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            # Type 0 fonts (what WeasyPrint writes) keep the descriptor on their descendant.
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            yield str(font["/BaseFont"]), font["/FontDescriptor"].get_object()


# A long generated document: every note and every call carries a unique token, so a test
# can find on which page each one was printed. Tokens are short (no hyphenation point).


def call_token(number: int) -> str:
    return f"C{number:03d}"


def note_token(number: int) -> str:
    return f"N{number:03d}"


_TEXT = (
    "la carta llegó tarde al congreso y los camaradas discutieron durante horas sobre "
    "el porvenir de la organización mientras la prensa repetía las mismas calumnias "
    "contra los exiliados que sin embargo seguían escribiendo artículos para los obreros "
    "de Europa y de América con una paciencia que asombraba a sus adversarios"
)
_WORDS = _TEXT.split()


def _sentence(rng: random.Random, length: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(length)]
    return " ".join(words).capitalize() + "."


def _note(rng: random.Random, number: int) -> str:
    """Short (a clause), medium (a few sentences) or two paragraphs."""
    kind = rng.choice(("short", "short", "medium", "paragraphs"))
    first = f"{note_token(number)} " + _sentence(rng, rng.randint(4, 10))
    if kind == "short":
        return first
    first += " " + " ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(rng.randint(1, 3)))
    if kind == "medium":
        return first
    return first + "\n\n    " + _sentence(rng, rng.randint(10, 20))


def long_document(notes: int = 48, seed: int = 1936) -> str:
    """Markdown with `notes` notes, called from paragraphs of varying length."""
    rng = random.Random(seed)
    paragraphs, definitions = [], []
    for number in range(1, notes + 1):
        before = " ".join(_sentence(rng, rng.randint(8, 18)) for _ in range(rng.randint(1, 5)))
        after = " ".join(_sentence(rng, rng.randint(8, 18)) for _ in range(rng.randint(0, 4)))
        paragraphs.append(f"{before} Aquí {call_token(number)}[^n{number}] termina. {after}")
        definitions.append(f"[^n{number}]: {_note(rng, number)}")
    front = "---\ntitle: Documento largo\nauthor: Prueba\ndate: 1936-02-12\nlang: es\n---\n\n"
    return front + "\n\n".join(paragraphs) + "\n\n" + "\n\n".join(definitions) + "\n"


# The story: a ~60-page A5 document with 150 notes of very different lengths (one
# line, ten lines, several longer than half a page, one longer than a page), from a fixed
# seed. Each note opens with N### and ends with F###; its words are kept to compare with
# what the PDF prints.

MM = 72 / 25.4
CONTENT_TOP_MM, CONTENT_BOTTOM_MM = 18, 22  # print.css: the page's top and bottom margins
STORY_KINDS = {"page": 1, "half": 6, "ten": 12, "medium": 40}  # the rest are one-liners
_SENTENCES = {"short": (1, 1), "medium": (2, 5), "ten": (9, 11), "half": (26, 34), "page": (62, 66)}


@dataclass(frozen=True)
class Story:
    markdown: str
    notes: dict[int, list[str]]  # the words of each note, as the source has them
    kinds: dict[int, str]


def end_token(number: int) -> str:
    return f"F{number:03d}"


def story_document(notes: int = 150, seed: int = 1917) -> Story:
    rng = random.Random(seed)
    kinds = [kind for kind, count in STORY_KINDS.items() for _ in range(count)]
    kinds += ["short"] * (notes - len(kinds))
    rng.shuffle(kinds)
    paragraphs, definitions, words = [], [], {}
    for number, kind in enumerate(kinds, start=1):
        if number % 18 == 0:
            paragraphs.append(f"## Parte {number // 18}")
        before = " ".join(_sentence(rng, rng.randint(8, 18)) for _ in range(rng.randint(2, 7)))
        after = " ".join(_sentence(rng, rng.randint(8, 18)) for _ in range(rng.randint(0, 5)))
        paragraphs.append(f"{before} Aquí {call_token(number)}[^n{number}] termina. {after}")
        text = _story_note(rng, number, kind)
        definitions.append(f"[^n{number}]: {text}")
        words[number] = text.split()
    front = "---\ntitle: Historia larga\nauthor: Prueba\ndate: 1936-02-12\nlang: es\n---\n\n"
    markdown = front + "\n\n".join(paragraphs) + "\n\n" + "\n\n".join(definitions) + "\n"
    return Story(markdown, words, dict(enumerate(kinds, start=1)))


def _story_note(rng: random.Random, number: int, kind: str) -> str:
    low, high = _SENTENCES[kind]
    size = (4, 9) if kind == "short" else (8, 16)
    sentences = [_sentence(rng, rng.randint(*size)) for _ in range(rng.randint(low, high))]
    body = " ".join(sentences)
    if kind in ("half", "page"):  # two paragraphs
        cut = len(sentences) // 2
        body = " ".join(sentences[:cut]) + "\n\n    " + " ".join(sentences[cut:])
    return f"{note_token(number)} {body} {end_token(number)}"


def content_box(pdf_path: Path) -> list[tuple[float, float]]:
    """Each page's (top, bottom) of the text area, in pdfplumber's coordinates."""
    with pdfplumber.open(pdf_path) as pdf:
        return [
            (CONTENT_TOP_MM * MM, float(page.height) - CONTENT_BOTTOM_MM * MM) for page in pdf.pages
        ]


def split_page(words: list[Word], top: float, bottom: float) -> tuple[list[Word], list[Word]]:
    """(the text's words, the notes' words) of a page, running heads and folios left out.

    Notes are what is set in note sizes below the last line of text.
    """
    inside = [w for w in words if top - 2 <= w.top < bottom]  # glyphs overhang their line
    body = [w for w in inside if not w.is_note]
    body_end = max((w.bottom for w in body if w.is_body), default=top)
    notes = [w for w in inside if w.top > body_end and w.is_note]
    return [w for w in body if w.top <= body_end], notes


def joined(words: list[str]) -> list[str]:
    """Words with hyphenated line ends joined again (WeasyPrint hyphenates with U+2010)."""
    out: list[str] = []
    for word in words:
        if out and out[-1].endswith("\u2010"):
            out[-1] = out[-1][:-1] + word
        else:
            out.append(word)
    return out


# Reading the words back: ligatures undone, hyphens taken out (the source's and those of a
# word broken at a line end), so that `well-known` reads the same over two lines or one.
_HYPHEN = "-\u00ad\u2010\u2011\x02"
_BROKEN = re.compile(f"(\\w+)[{_HYPHEN}]\r?\n(\\w+)")


def words_of(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.findall(r"\w+", re.sub(f"[{_HYPHEN}]", "", text))


def printed_words(pdf: Path) -> list[str]:
    """The PDF's words in order. A word broken at a line end is read both joined and as its
    two parts: the line after may be another text's (the text's last line, then its notes)."""
    document = pdfium.PdfDocument(pdf)
    try:
        text = "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    return words_of(_BROKEN.sub(r"\1\2 \1 \2", text))


def is_subsequence(wanted: list[str], words: list[str]) -> bool:
    remaining = iter(words)
    return all(word in remaining for word in wanted)
