"""Reader: a Markdown file with YAML front matter becomes a `Document`.

Every check happens here, where the line is still known: bad front matter, unknown
keys (a warning), footnotes called but never defined, defined twice or never called.
"""

from __future__ import annotations

import functools
import html as html_lib
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.attrs.parse import ParseError
from mdit_py_plugins.attrs.parse import parse as parse_attribute_text
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from publish import model as m
from publish.errors import SourceError, SourceLocation, SourceWarning
from publish.frontmatter import parse_front_matter
from publish.pandoc_rules import pandoc_rules_plugin
from publish.sanitize import DROPPED_WITH_CONTENT, VOID_TAGS, clean_block, inline_tag

Warn = Callable[[SourceWarning], None]


# Quotes by primary language: outer pair, then inner pair (markdown-it's typographer).
QUOTES: dict[str, str | list[str]] = {
    "en": "“”‘’",
    "es": "«»“”",
    "ca": "«»“”",
    "it": "«»“”",
    "pt": "«»“”",
    "fr": ["«\u00a0", "\u00a0»", "“", "”"],
    "de": "„“‚‘",
    "ru": "«»„“",
    "pl": "„”«»",
    "nl": "“”‘’",
}

# French sets a thin no-break space before ; : ! ? (and none between two of them).
_FRENCH_HIGH_PUNCTUATION = re.compile(r"(?<=[^\s;:!?])[ \u00a0]?([;:!?])(?=[\s;:!?»\u00a0]|$)")


@functools.cache
def markdown_parser(lang: str = "en") -> MarkdownIt:
    """CommonMark with front matter, Pandoc-style footnotes and the typography of `lang`.

    Raw HTML is read, then kept only as far as `publish.sanitize` allows. `--`, `---`,
    `...` and straight quotes become the language's characters; code is left alone.
    """
    primary = lang.split("-")[0].lower()
    quotes = QUOTES.get(primary, QUOTES["en"])
    md = MarkdownIt("commonmark", {"html": True, "typographer": True, "quotes": quotes})
    md.enable(["replacements", "smartquotes"])
    md.use(front_matter_plugin)
    # Notes stay where they are defined (so we know their lines) and every [^x] is
    # matched, so that a call to an undefined note is reported instead of kept as text.
    md.use(footnote_plugin, move_to_end=False, always_match_refs=True)
    _use_pandoc_blocks(md)
    if primary == "fr":
        md.core.ruler.after("smartquotes", "french_spacing", _french_spacing)
    return md


def _use_pandoc_blocks(md: MarkdownIt) -> None:
    """Pipe tables, definition lists, TeX math, fenced divs, line blocks and raw content,
    as Pandoc reads them."""
    md.enable("table")
    md.use(deflist_plugin)
    # Pandoc's $: no space inside either dollar, no digit right after the closing one;
    # `$$…$$` is display math wherever it stands, but never across a blank line.
    md.use(
        dollarmath_plugin,
        allow_labels=False,
        allow_space=False,
        allow_digits=False,
        allow_blank_lines=False,
        double_inline=True,
    )
    md.use(pandoc_rules_plugin)


def _french_spacing(state: StateCore) -> None:
    for token in state.tokens:
        for child in token.children or ():
            if child.type == "text":
                child.content = _FRENCH_HIGH_PUNCTUATION.sub("\u202f\\1", child.content)


# Only the front matter, read first: its `lang` chooses the parser for the rest.
_FRONT_MATTER = MarkdownIt("zero").use(front_matter_plugin).disable("inline")


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the working folder where possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# A letter or an essay is a few hundred kilobytes; a longer text is a book of documents.
MAX_SOURCE_BYTES = 10 * 1024 * 1024


def read_document(path: Path, warn: Warn | None = None) -> m.Document:
    """Read and validate one source file."""
    shown = display_path(path)
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise SourceError(
            f"the file is {size / 2**20:.1f} MB; a source may be at most "
            f"{MAX_SOURCE_BYTES // 2**20} MB (make a long text a book of several documents)",
            SourceLocation(shown),
        )
    text = decode_source(path.read_bytes(), shown)
    return parse_document(text, shown, warn or (lambda _w: None))


def read_book(
    book_yaml: Path, warn: Warn | None = None, project_root: Path | None = None
) -> m.Book:
    """Read a book folder's `book.yaml` and every document it lists.

    The documents may live anywhere inside the project (a letter can be a standalone
    document and a chapter of a book), by default inside the book's folder.
    """
    warn = warn or (lambda _w: None)
    shown = display_path(book_yaml)
    text = decode_source(book_yaml.read_bytes(), shown)
    header = parse_front_matter(text, shown, warn, parse_inline, first_line=1, book=True)
    boundary = (project_root or book_yaml.parent).resolve()
    files = [
        _book_document(book_yaml.parent, boundary, name, where) for name, where in header.documents
    ]
    _check_listed_once(files, header.documents)
    documents = tuple(read_document(path, warn) for path in files)
    return m.Book(shown, header.meta, documents, tuple(header.settings.items()))


def _book_document(folder: Path, boundary: Path, name: str, where: SourceLocation) -> Path:
    """A listed document: a Markdown file, named from the book's folder, inside `boundary`."""
    path = (folder / name).resolve()
    if not path.is_relative_to(boundary):
        raise SourceError(f"'{name}' is outside the project folder {boundary}", where)
    if not path.is_file():
        raise SourceError(f"'{name}' is listed in 'documents' but does not exist", where)
    return path


def _check_listed_once(files: list[Path], listed: tuple[tuple[str, SourceLocation], ...]) -> None:
    seen: dict[Path, SourceLocation] = {}
    for path, (name, where) in zip(files, listed, strict=True):
        if path in seen:
            raise SourceError(
                f"'{name}' is listed twice in 'documents' (first on line {seen[path].line})", where
            )
        seen[path] = where


def decode_source(data: bytes, shown: str) -> str:
    """UTF-8 text with any byte-order mark dropped and line ends made `\\n`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError("the file is not UTF-8 text", SourceLocation(shown, line)) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_document(text: str, shown: str, warn: Warn) -> m.Document:
    front = _FRONT_MATTER.parse(text)
    if not front or front[0].type != "front_matter":
        raise SourceError(
            "the document has no front matter: start it with a '---' block holding at least 'title:'",
            SourceLocation(shown, 1),
        )
    header = parse_front_matter(front[0].content, shown, warn, parse_inline)
    meta, settings = header.meta, header.settings
    env: dict[str, Any] = {}
    nodes = SyntaxTreeNode(markdown_parser(meta.lang).parse(text, env)).children
    converter = _Converter(shown, env.get("footnotes", {}).get("list", {}), warn)
    blocks = converter.blocks(nodes[1:])
    return m.Document(shown, meta, blocks, converter.finish(), tuple(settings.items()))


def parse_inline(text: str, line: int, lang: str) -> tuple[m.Inline, ...]:
    """Inline Markdown (used for the `source` citation), without footnotes."""
    tokens = markdown_parser(lang).parseInline(text, {})
    converter = _Converter("", {})
    converter.in_note = True  # a citation cannot call a note either
    return converter.inlines(SyntaxTreeNode(tokens).children[0], line - 1)


def attributes(values: dict[str, Any]) -> m.Attributes:
    """markdown-it's attribute dict (`id`, `class`, other keys) as the model's Attributes."""
    pairs = tuple((str(k), str(v)) for k, v in values.items() if k not in ("id", "class"))
    classes = tuple(str(values.get("class", "")).split())
    return m.Attributes(str(values.get("id", "")), classes, pairs)


def parse_attributes(text: str) -> m.Attributes | None:
    """Pandoc's `{#id .class key=value}` (the whole of `text`), or None if it is not that."""
    try:
        end, values = parse_attribute_text(text)
    except ParseError:
        return None
    # `end` is the index of the closing brace.
    return attributes(values) if end == len(text) - 1 else None


_UNMATCHED_CALL = re.compile(r"\[\^([^\]\n]+)\]")


@dataclass
class _NoteDraft:
    label: str
    number: int
    calls: list[int] = field(default_factory=list)
    inline_tokens: list[Token] | None = None


class _Converter:
    """Turns markdown-it's syntax tree into model nodes, numbering notes as they are called."""

    def __init__(
        self, shown: str, plugin_notes: dict[int, dict[str, Any]], warn: Warn | None = None
    ) -> None:
        self.shown = shown
        self.warn = warn or (lambda _w: None)
        self.plugin_notes = plugin_notes
        self.definitions: dict[str, SyntaxTreeNode] = {}
        self.drafts: dict[str, _NoteDraft] = {}
        self.in_note = False

    def where(self, line: int) -> SourceLocation:
        return SourceLocation(self.shown, line)

    def error(self, message: str, line: int) -> None:
        """A problem the user must fix, at `line` of this source."""
        raise SourceError(message, self.where(line))

    def warning(self, message: str, line: int) -> None:
        """Something suspicious at `line` that does not stop the build."""
        self.warn(SourceWarning(message, self.where(line)))

    # Blocks

    def blocks(self, nodes: list[SyntaxTreeNode]) -> tuple[m.Block, ...]:
        captions = _table_captions(nodes)
        for node in nodes:
            if node.type == "paragraph" and node.map:
                self.check_literal_syntax(node.children[0].content, node.map[0] + 1)
        converted = (
            self.table(node, nodes[captions[index]] if index in captions else None)
            if node.type == "table"
            else self.block(node)
            for index, node in enumerate(nodes)
            if index not in captions.values()
        )
        # A paragraph that held only raw TeX (`\newpage`) is left out with it.
        return tuple(b for b in converted if b is not None and b != m.Paragraph((), b.line))

    def block(self, node: SyntaxTreeNode) -> m.Block | None:
        line = node.map[0] + 1 if node.map else 0
        match node.type:
            case "paragraph":
                return m.Paragraph(self.inlines(node.children[0], line - 1), line)
            case "heading":
                return m.Heading(int(node.tag[1]), self.inlines(node.children[0], line - 1), line)
            case "blockquote":
                return m.BlockQuote(self.blocks(node.children), line)
            case "bullet_list" | "ordered_list":
                return self.list_block(node, line)
            case "fence" if raw := _RAW_FORMAT.fullmatch(node.info.strip()):
                return self.raw_block(node.content, raw[1].lower(), line)
            case "fence" | "code_block":
                return m.CodeBlock(node.content, node.info.strip(), line)
            case "hr":
                return m.ThematicBreak(line)
            case "html_block":
                html = clean_block(node.content)
                return m.HtmlBlock(html, line) if html else None
            case "footnote_reference":
                self.define_note(node, line)
                return None
            case "math_block" | "fenced_div" | "line_block" | "dl" | "raw_tex_block":
                return self.pandoc_block(node, line)
        self.error(f"unsupported Markdown construct '{node.type}'", line)

    def pandoc_block(self, node: SyntaxTreeNode, line: int) -> m.Block | None:
        match node.type:
            case "math_block":
                return m.Paragraph((self.math(node.content.strip(), True, line),), line)
            case "fenced_div":
                attrs = self.div_attributes(node.info, line)
                return m.Div(self.blocks(node.children), attrs, line)
            case "line_block":
                lines = tuple(self.inlines(part.children[0], part.map[0]) for part in node.children)
                return m.LineBlock(lines, line)
            case "dl":
                return self.definition_list(node, line)
            case "raw_tex_block":
                first = node.content.split("\n", 1)[0]
                self.warning(
                    f"raw LaTeX '{first}' … is left out: only a LaTeX output could use it", line
                )
        return None

    def check_literal_syntax(self, text: str, line: int) -> None:
        """Pandoc's block syntax where it cannot start a block is printed as it is: say so."""
        for number, source in enumerate(text.split("\n"), line):
            for pattern, message in _LITERAL_SYNTAX:
                if pattern.match(source):
                    self.warning(message, number)

    def div_attributes(self, info: str, line: int) -> m.Attributes:
        if not info.startswith("{"):
            return m.Attributes(classes=(info,))
        attrs = parse_attributes(info)
        if attrs is None:
            self.warning(
                f"the attributes '{info}' of this div cannot be read; they are left out", line
            )
        return attrs or m.NO_ATTRIBUTES

    def definition_list(self, node: SyntaxTreeNode, line: int) -> m.DefinitionList:
        items: list[m.Definition] = []
        for part in node.children:
            part_line = part.map[0] + 1 if part.map else line
            if part.type == "dt":
                items.append(
                    m.Definition(self.inlines(part.children[0], part_line - 1), (), part_line)
                )
            elif items:
                last = items[-1]
                definitions = (*last.definitions, self.blocks(part.children))
                items[-1] = m.Definition(last.term, definitions, last.line)
        # Like a list, a definition list is tight when markdown-it hides its paragraphs.
        tight = all(
            p.hidden
            for dd in node.children
            if dd.type == "dd"
            for p in dd.children
            if p.type == "paragraph"
        )
        return m.DefinitionList(tuple(items), line, tight)

    def table(self, node: SyntaxTreeNode, caption_node: SyntaxTreeNode | None) -> m.Table:
        line = node.map[0] + 1 if node.map else 0
        head: list[m.TableRow] = []
        body: list[m.TableRow] = []
        aligns: list[str] = []
        for section in node.children:
            for row in section.children:
                row_line = row.map[0] + 1 if row.map else line
                cells = tuple(
                    m.TableCell(self.inlines(cell.children[0], row_line - 1), row_line)
                    for cell in row.children
                )
                (head if section.type == "thead" else body).append(m.TableRow(cells, row_line))
                if not aligns:  # the header's, or the first row's in a table without one
                    aligns = [_cell_alignment(cell) for cell in row.children]
        if all(not cell.children for row in head for cell in row.cells):
            head = []  # a header row of empty cells: a table without a header, as in Pandoc
        caption, attrs = self.caption(caption_node) if caption_node else ((), m.NO_ATTRIBUTES)
        return m.Table(tuple(head), tuple(body), tuple(aligns), caption, attrs, line)

    def caption(self, node: SyntaxTreeNode) -> tuple[tuple[m.Inline, ...], m.Attributes]:
        """A table's caption paragraph: its words without `Table:`, its `{#id}` as attributes."""
        line = node.map[0] + 1 if node.map else 0
        inlines = list(self.inlines(node.children[0], line - 1))
        first = inlines[0]
        assert isinstance(first, m.Text)
        inlines[0] = m.Text(_CAPTION_START.sub("", first.text, count=1), first.line)
        attrs = m.NO_ATTRIBUTES
        last = inlines[-1]
        if isinstance(last, m.Text) and (found := _TRAILING_ATTRIBUTES.search(last.text)):
            parsed = parse_attributes(found[1])
            if parsed is not None:
                attrs = parsed
                inlines[-1] = m.Text(last.text[: found.start()], last.line)
        return tuple(i for i in inlines if not (isinstance(i, m.Text) and not i.text)), attrs

    def raw_block(self, content: str, output: str, line: int) -> m.Block | None:
        if output in ("html", "html5", "xhtml"):
            html = clean_block(content)
            return m.HtmlBlock(html, line) if html else None
        self.warning(f"raw '{output}' content is left out: only HTML goes into these books", line)
        return None

    def math(self, tex: str, display: bool, line: int) -> m.Math:
        try:
            latex_to_mathml(tex)
        except Exception as exc:  # latex2mathml raises many kinds of error on bad TeX
            reason = str(exc) or type(exc).__name__
            self.warning(
                f"the math '{tex}' cannot be read ({reason}); it is printed as written", line
            )
        return m.Math(tex, display, line)

    def list_block(self, node: SyntaxTreeNode, line: int) -> m.ListBlock:
        items = tuple(
            m.ListItem(self.blocks(item.children), item.map[0] + 1 if item.map else line)
            for item in node.children
        )
        start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else 1
        # markdown-it hides the paragraphs of a tight list; keep that, not the tokens.
        tight = all(
            p.hidden for item in node.children for p in item.children if p.type == "paragraph"
        )
        return m.ListBlock(items, node.type == "ordered_list", start, tight, line)

    # Inlines

    def inlines(self, inline: SyntaxTreeNode, line0: int) -> tuple[m.Inline, ...]:
        """Convert an inline node's children; `line0` is the 0-based line it starts on."""
        lines = iter(range(line0 + 1, 1 << 30))
        current = [next(lines)]
        return tuple(self._inline_children(inline.children, current, lines))

    def _inline_children(
        self, nodes: list[SyntaxTreeNode], current: list[int], lines: Iterator[int]
    ) -> Iterator[m.Inline]:
        index = 0
        while index < len(nodes):
            if nodes[index].type == "html_inline":
                index = yield from self._html_inline(nodes, index, current, lines)
            else:
                yield from self._inline(nodes[index], current, lines)
                index += 1

    def _inline(
        self, node: SyntaxTreeNode, current: list[int], lines: Iterator[int]
    ) -> Iterator[m.Inline]:
        line = current[0]
        match node.type:
            case "text":
                self.check_unmatched_call(node.content, line)
                yield m.Text(node.content, line)
            case "softbreak" | "hardbreak":
                current[0] = next(lines)
                yield m.SoftBreak(line) if node.type == "softbreak" else m.LineBreak(line)
            case "code_inline":
                yield m.Code(node.content, line)
            case "em" | "strong":
                kids = tuple(self._inline_children(node.children, current, lines))
                yield m.Emphasis(kids, line) if node.type == "em" else m.Strong(kids, line)
            case "link":
                kids = tuple(self._inline_children(node.children, current, lines))
                href, title = str(node.attrs["href"]), str(node.attrs.get("title", ""))
                yield m.Link(href, kids, title, line)
            case "image":
                alt = "".join(c.content for c in node.children)
                src, title = str(node.attrs["src"]), str(node.attrs.get("title", ""))
                yield m.Image(src, alt, title, line)
            case "footnote_ref":
                yield self.call_note(node.meta, line)
            case "math_inline" | "math_inline_double":
                yield self.math(node.content.strip(), node.type == "math_inline_double", line)
            case "raw_inline":
                yield from self.raw_inline(node, current, lines)
            case "raw_tex_inline":
                self.warning(
                    f"raw TeX '{node.content}' is left out: only a LaTeX output could use it", line
                )
            case _:
                self.error(f"unsupported Markdown construct '{node.type}'", line)

    def _html_inline(
        self, nodes: list[SyntaxTreeNode], index: int, current: list[int], lines: Iterator[int]
    ) -> Generator[m.Inline, None, int]:
        """An allowed inline element with what is inside it; returns the index after it.

        Other tags, comments and unmatched tags are left out (their text stays); scripts,
        styles and frames are left out with their content.
        """
        tag = inline_tag(nodes[index].content)
        if tag is None or tag[1]:
            return index + 1
        name, _, attrs = tag
        if name in VOID_TAGS:
            yield m.HtmlInline(name, attrs, (), current[0])
            return index + 1
        end = _closing_tag(nodes, index, name)
        if end is None:
            return index + 1
        inside = nodes[index + 1 : end]
        if name in DROPPED_WITH_CONTENT:
            for _ in (n for n in inside if n.type in ("softbreak", "hardbreak")):
                current[0] = next(lines)
            return end + 1
        line = current[0]
        yield m.HtmlInline(name, attrs, tuple(self._inline_children(inside, current, lines)), line)
        return end + 1

    def raw_inline(
        self, node: SyntaxTreeNode, current: list[int], lines: Iterator[int]
    ) -> Iterator[m.Inline]:
        """`` `<b>x</b>`{=html} ``: read as the raw HTML of the text is, tag by tag."""
        if node.info not in ("html", "html5", "xhtml"):
            self.warning(
                f"raw '{node.info}' content is left out: only HTML goes into these books",
                current[0],
            )
            return
        tokens = [
            Token("html_inline", "", 0, content=part)
            if part.startswith("<")
            else Token("text", "", 0, content=html_lib.unescape(part))
            for part in _HTML_PARTS.split(node.content)
            if part
        ]
        yield from self._inline_children(SyntaxTreeNode(tokens).children, current, lines)

    def check_unmatched_call(self, text: str, line: int) -> None:
        # The plugin leaves `[^x]` as text where it cannot be a call (a space in the label, say).
        if found := _UNMATCHED_CALL.search(text):
            self.error(f"footnote [^{found[1]}] is never defined", line)

    # Notes

    def define_note(self, node: SyntaxTreeNode, line: int) -> None:
        label = node.meta["label"]
        if label in self.definitions:
            first = self.definitions[label].map[0] + 1
            raise SourceError(
                f"footnote [^{label}] is defined twice (first on line {first})", self.where(line)
            )
        self.definitions[label] = node

    def call_note(self, meta: dict[str, Any], line: int) -> m.NoteRef:
        if self.in_note:
            self.error("a footnote cannot call another footnote", line)
        plugin_note = self.plugin_notes[meta["id"]]
        key = plugin_note.get("label") or f"^{meta['id']}"
        draft = self.drafts.get(key)
        if draft is None:
            draft = self.drafts[key] = _NoteDraft(key, len(self.drafts) + 1)
            draft.inline_tokens = plugin_note.get("tokens")
        draft.calls.append(line)
        return m.NoteRef(draft.number, len(draft.calls), line)

    def finish(self) -> tuple[m.Footnote, ...]:
        """Build the notes in number order, once the whole body has been read."""
        self.in_note = True
        notes = tuple(self.footnote(draft) for draft in self.drafts.values())
        for label, node in self.definitions.items():
            if label not in self.drafts:
                raise SourceError(
                    f"footnote [^{label}] is defined but never called", self.where(node.map[0] + 1)
                )
        return notes

    def footnote(self, draft: _NoteDraft) -> m.Footnote:
        first_call = draft.calls[0]
        if draft.inline_tokens is not None:  # ^[an inline note]
            children = (m.Paragraph(self.inline_note(draft.inline_tokens, first_call), first_call),)
            return m.Footnote(draft.number, "", children, tuple(draft.calls), first_call)
        node = self.definitions.get(draft.label)
        if node is None:
            self.error(f"footnote [^{draft.label}] is never defined", first_call)
        line = node.map[0] + 1
        children = self.blocks(node.children)
        return m.Footnote(draft.number, draft.label, children, tuple(draft.calls), line)

    def inline_note(self, tokens: list[Token], line: int) -> tuple[m.Inline, ...]:
        wrapper = Token("inline", "", 0, children=tokens)
        paragraph = [Token("paragraph_open", "p", 1), wrapper, Token("paragraph_close", "p", -1)]
        return self.inlines(SyntaxTreeNode(paragraph).children[0].children[0], line - 1)


_LITERAL_SYNTAX = (
    (
        re.compile(r":{3,}"),
        "':::' is printed as text: a fenced div needs a blank line before it and a ':::' line closing it",
    ),
    (
        re.compile(r"\|?[ \t]*:?-{3,}:?[ \t]*\|"),
        "this table line is printed as text: a pipe table needs a header row with as many cells as its '|---|' line",
    ),
    (
        re.compile(r"\+[-=:]{3,}(\+[-=:]{3,})*\+[ \t]*$"),
        "a grid table is printed as text: write it as a pipe table (a header row, then '|---|')",
    ),
    (
        re.compile(r"\|( |$)"),
        "'|' is printed as text: a line block needs a blank line before its first '| ' line",
    ),
)
_RAW_FORMAT = re.compile(r"\{=([A-Za-z0-9_+-]+)\}")
_HTML_PARTS = re.compile(r"(<[^<>]*>)")
# A caption paragraph beside a table: `Table: words` or `: words` (Pandoc's table_captions).
_CAPTION_START = re.compile(r"^(?:[Tt]able:|:(?![!-/:-@\[-`{-~]))[ \t]*")
_TRAILING_ATTRIBUTES = re.compile(r"[ \t]*(\{[^{}]*\})[ \t]*$")


def _is_caption(node: SyntaxTreeNode) -> bool:
    if node.type != "paragraph":
        return False
    first = node.children[0].children[:1]
    return bool(first) and first[0].type == "text" and bool(_CAPTION_START.match(first[0].content))


def _table_captions(nodes: list[SyntaxTreeNode]) -> dict[int, int]:
    """Which paragraph captions which table: {table index: paragraph index}. A caption
    goes after its table or, failing that, before it."""
    captions: dict[int, int] = {}
    for index, node in enumerate(nodes):
        if node.type != "table":
            continue
        after, before = index + 1, index - 1
        if after < len(nodes) and _is_caption(nodes[after]):
            captions[index] = after
        elif before >= 0 and _is_caption(nodes[before]) and before not in captions.values():
            captions[index] = before
    return captions


def _cell_alignment(cell: SyntaxTreeNode) -> str:
    style = str(cell.attrs.get("style", ""))
    return style.removeprefix("text-align:") if style.startswith("text-align:") else ""


def _closing_tag(nodes: list[SyntaxTreeNode], start: int, name: str) -> int | None:
    """The index of the tag closing `nodes[start]` among its siblings, nesting counted."""
    depth = 0
    for index in range(start, len(nodes)):
        if nodes[index].type != "html_inline":
            continue
        tag = inline_tag(nodes[index].content)
        if tag is not None and tag[0] == name:
            depth += -1 if tag[1] else 1
            if depth == 0:
                return index
    return None
