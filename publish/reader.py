"""Reader: a Markdown file with YAML front matter becomes a `Document`.

Every check happens here, where the line is still known: bad front matter, unknown
keys (a warning), footnotes called but never defined, defined twice or never called.
"""

from __future__ import annotations

import dataclasses
import functools
import html as html_lib
import re
import types
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from markdown_it import MarkdownIt, helpers, rules_block
from markdown_it.helpers import parseLinkLabel
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.smartquotes import process_inlines as set_quotes
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.footnote.index import footnote_inline
from mdit_py_plugins.front_matter import front_matter_plugin

from publish import model as m
from publish import note_series
from publish.citations import CitationError, Citer, bibliography_blocks, citer_for
from publish.errors import (
    PublishError,
    SourceError,
    SourceLocation,
    SourceWarning,
    problems,
    raise_problems,
)
from publish.files import check_regular, read_file, resolved
from publish.frontmatter import character_problem, compose_yaml, parse_front_matter
from publish.labels import labels_for
from publish.original_pages import original_pages_plugin
from publish.pandoc_blocks import pandoc_blocks_plugin
from publish.pandoc_cite import citation_plugin
from publish.pandoc_inline import (
    Identifiers,
    auto_identifier,
    note_label,
    pandoc_attributes_plugin,
    scan_attributes,
    scripts_plugin,
    spaced_note_labels,
    stringify,
    trailing_attributes,
)
from publish.sanitize import DROPPED_WITH_CONTENT, VOID_TAGS, TooDeep, clean_block, inline_tag
from publish.xref import is_cross_reference, name_cross_references, note_targets

Warn = Callable[[SourceWarning], None]

# How deep blocks and inline markup may nest, raw HTML included (a list counts two levels,
# the list and its item, as its elements do), and how many characters one block may hold.
# Beyond them the parsers down the line cut text silently (markdown-it stops reading,
# libxml2 drops what is nested past 256 levels or a text of more than 10,000,000
# characters) or run out of stack, so the reader refuses the source at the block's line.
MAX_NESTING = 50
MAX_BLOCK_CHARS = 1_000_000
# The PDF draws each formula (ziamath) in a time that grows faster than its length (about
# 1 s for 2,000 characters), then lays it out as an image (about 6 ms each, however small).
MAX_FORMULA_CHARS = 2_000
MAX_MATH_CHARS = 100_000  # in one document: about 40 s of drawing
MAX_FORMULAS = 5_000  # in one document: about 30 s of layout
# Each `[` left open is read to the end of its paragraph (markdown-it's link label, then
# notes and spans): thousands of them cost the square of the paragraph's length. The
# characters read for labels are counted against this many plus LABEL_BUDGET_PER_CHAR per
# character of the source; past it a `[` is text, and the source an error.
LABEL_BUDGET = 2_000_000
LABEL_BUDGET_PER_CHAR = 4
TOO_DEEP = f"the text is nested deeper than {MAX_NESTING} levels (quotations, lists, divs, emphasis or HTML tags inside one another)"


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


def _counted_link_label(state: StateInline, start: int, disableNested: bool = False) -> int:
    """markdown-it's parseLinkLabel, counting what it reads against the source's budget
    (`env["label_budget"]`, set by `parse_document`): past it, a `[` opens nothing."""
    budget = state.env.get("label_budget") if isinstance(state.env, dict) else None
    if budget is None:
        return parseLinkLabel(state, start, disableNested)
    if budget <= 0:
        state.env.setdefault("label_over", state.src)
        return -1
    end = parseLinkLabel(state, start, disableNested)
    state.env["label_budget"] -= (end if end >= 0 else state.posMax) - start
    return end


def _counted_inline_note(state: StateInline, silent: bool) -> bool:
    """The footnote plugin's `^[…]` rule, its label read against the same budget: the
    plugin calls the parseLinkLabel it imported, not `md.helpers`'s, so what it reads is
    counted here (to its `]`, or to the end of the paragraph when there is none)."""
    budget = state.env.get("label_budget") if isinstance(state.env, dict) else None
    if budget is None or not state.src.startswith("^[", state.pos):
        return footnote_inline(state, silent)
    if budget <= 0:
        state.env.setdefault("label_over", state.src)
        return False
    start = state.pos
    found = footnote_inline(state, silent)
    state.env["label_budget"] -= (state.pos if found else state.posMax) - start
    return found


@functools.cache
def markdown_parser(lang: str = "en", citations: str = "") -> MarkdownIt:
    """CommonMark with front matter, Pandoc-style footnotes and the typography of `lang`;
    Pandoc's citations too for a document with a bibliography (`citations`: "notes" for a
    note style, "text" for an in-text one).

    Raw HTML is read, then kept only as far as `publish.sanitize` allows. `--`, `---`,
    `...` and straight quotes become the language's characters; code is left alone.
    """
    primary = lang.split("-")[0].lower()
    quotes = QUOTES.get(primary, QUOTES["en"])
    md = MarkdownIt("commonmark", {"html": True, "typographer": True, "quotes": quotes})
    # markdown-it silently stops reading past maxNesting: leave room above MAX_NESTING so
    # that the reader, which checks every token, sees where the text goes too deep.
    md.options["maxNesting"] = MAX_NESTING + 20
    md.helpers = types.SimpleNamespace(**vars(helpers))
    md.helpers.parseLinkLabel = _counted_link_label
    md.enable(["replacements", "smartquotes", "strikethrough"])
    md.use(front_matter_plugin)
    # Notes stay where they are defined (so we know their lines) and every [^x] is
    # matched, so that a call to an undefined note is reported instead of kept as text.
    md.use(footnote_plugin, move_to_end=False, always_match_refs=True)
    md.inline.ruler.at("footnote_inline", _counted_inline_note)
    md.use(spaced_note_labels)
    md.use(scripts_plugin).use(pandoc_attributes_plugin).use(original_pages_plugin)
    md.core.ruler.before(
        "smartquotes", "span_typography", functools.partial(_span_typography, primary)
    )
    _use_pandoc_blocks(md)
    md.core.ruler.after("inline", "publish_limits", _check_limits)
    if primary == "fr":
        md.core.ruler.after("smartquotes", "french_spacing", _french_spacing)
    if citations:
        md.use(citation_plugin, notes=citations == "notes")
    return md


def _use_pandoc_blocks(md: MarkdownIt) -> None:
    """Pipe tables, definition lists, TeX math, fenced divs, line blocks and raw content,
    as Pandoc reads them."""
    md.enable("table")
    # Pandoc's blank_before_blockquote and blank_before_header: `>` and `#` open a block
    # only after a blank line, never in the middle of a paragraph ("2\n> 1" is text).
    md.block.ruler.at(
        "blockquote", rules_block.blockquote, {"alt": ["reference", "blockquote", "list"]}
    )
    md.block.ruler.at("heading", rules_block.heading, {"alt": ["reference", "blockquote"]})
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
    md.use(pandoc_blocks_plugin)


_HTML_TAG = re.compile(r"(<[^<>]*>)")
_TAG_NAME = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")
_VERBATIM = frozenset({"pre", "code", "script", "style", "textarea"})


def markdown_in_html(raw: str, md: MarkdownIt, env: dict[str, Any] | None = None) -> str:
    """The text between the tags of an HTML block read as inline Markdown, as Pandoc does
    (its markdown_in_html_blocks): `<td>This is *emphasized*</td>`. Code stays as it is.
    What the reader's limits find is left in `env["limits"]`."""
    env = {} if env is None else env
    env.setdefault("label_budget", LABEL_BUDGET + LABEL_BUDGET_PER_CHAR * len(raw))
    parts, verbatim = [], 0
    for part in _HTML_TAG.split(raw):
        if tag := _TAG_NAME.match(part):
            if tag[2].lower() in _VERBATIM:
                verbatim += -1 if tag[1] else 1
            parts.append(part)
        elif verbatim > 0 or not part.strip():
            parts.append(part)
        else:
            lead, trail = part[: len(part) - len(part.lstrip())], part[len(part.rstrip()) :]
            parts.append(lead + md.renderInline(part.strip(), env) + trail)
    return "".join(parts)


def _french_spacing(state: StateCore) -> None:
    for token in state.tokens:
        for child in token.children or ():
            if child.type == "text" and child.meta.get("lang", "fr") == "fr":
                _set_french_spacing(child)


def _set_french_spacing(token: Token) -> None:
    token.content = _FRENCH_HIGH_PUNCTUATION.sub("\u202f\\1", token.content)


def _span_typography(document_lang: str, state: StateCore) -> None:
    """`[texte]{lang=fr}`: the text of a span in another language gets that language's
    quotes (and French spacing), before the document's own are set around it."""
    for token in state.tokens:
        children = token.children or []
        # Innermost spans first: the quotes they set are no longer straight for the outer.
        for start in reversed(range(len(children))):
            attrs = (
                children[start].meta.get("attributes")
                if children[start].type == "span_open"
                else None
            )
            lang = (attrs.get("lang") if attrs else "").split("-")[0].lower()
            if lang and lang != document_lang:
                _retype(state, children[start + 1 : _span_end(children, start)], lang)


def _span_end(tokens: list[Token], start: int) -> int:
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens)


def _retype(state: StateCore, tokens: list[Token], lang: str) -> None:
    document_quotes = state.md.options["quotes"]
    state.md.options["quotes"] = QUOTES.get(lang, QUOTES["en"])
    try:
        set_quotes(tokens, state)
    finally:
        state.md.options["quotes"] = document_quotes
    for token in tokens:
        if token.type == "text" and "lang" not in token.meta:
            token.meta["lang"] = lang
            if lang == "fr":
                _set_french_spacing(token)


_CONTENT_BLOCKS = frozenset(
    {"inline", "fence", "code_block", "html_block", "math_block", "raw_tex_block"}
)


def _check_limits(state: StateCore) -> None:
    """Blocks nested deeper than MAX_NESTING (inline markup included) and blocks of more than
    MAX_BLOCK_CHARS characters, each as (line, message, token) in `env["limits"]`. One pass
    over the tokens, before anything recursive reads them."""
    found = state.env.setdefault("limits", [])
    line = 1
    first_too_deep: int | None = None
    for token in state.tokens:
        if token.map:
            line = token.map[0] + 1
        if token.type in _CONTENT_BLOCKS and len(token.content) > MAX_BLOCK_CHARS:
            message = (
                f"this block holds {len(token.content):,} characters; a paragraph or any other "
                f"block may hold at most {MAX_BLOCK_CHARS:,} (break it into several)"
            )
            found.append((line, message, token))
        depth = deepest = token.level
        for child in token.children or ():
            depth += child.nesting
            deepest = max(deepest, depth)
        # Where markdown-it may have stopped reading (or inline markup nests past what the
        # syntax tree, built by recursion, can hold); under it, the converter checks
        # MAX_NESTING exactly, at the line of the first block too deep.
        if deepest > MAX_NESTING and first_too_deep is None:
            first_too_deep = line
        if deepest >= state.md.options["maxNesting"] - 1:
            found.append((first_too_deep or line, TOO_DEEP, token))
    if "label_over" in state.env:
        over = state.env.pop("label_over")
        lines = (t.map[0] + 1 for t in state.tokens if t.map and over in t.content)
        message = (
            "this paragraph has too many '[' left open to be read: close each with ']' "
            "or write it as '\\['"
        )
        found.append((next(lines, 1), message, None))


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
    """Read and validate one source file, standing alone (a book of one)."""
    warn = warn or (lambda _w: None)
    document = _read_source(path, warn)
    raise_problems(_report(link_problems(document), warn))
    return document


def _read_source(path: Path, warn: Warn, book_citer: Citer | None = None) -> m.Document:
    shown = display_path(path)
    text = decode_source(read_source_bytes(path), shown)
    return parse_document(text, shown, warn, book_citer)


def read_source_bytes(path: Path) -> bytes:
    """A source's bytes: a regular file (not a FIFO or a device, which never end) of at most
    MAX_SOURCE_BYTES, checked before it is read."""
    # Named as the user named it: a symlink's problem is told at the link, not its target.
    where = SourceLocation(str(Path(display_path(path.parent)) / path.name))
    size = check_regular(path, where, 2**63, "source", SourceError)
    if size > MAX_SOURCE_BYTES:
        raise SourceError(
            f"the file is {size / 2**20:.1f} MB; a source may be at most "
            f"{MAX_SOURCE_BYTES // 2**20} MB (make a long text a book of several documents)",
            where,
        )
    return read_file(path, where, MAX_SOURCE_BYTES, "source", SourceError)


def read_book(
    book_yaml: Path, warn: Warn | None = None, project_root: Path | None = None
) -> m.Book:
    """Read a book folder's `book.yaml` and every document it lists.

    The documents may live anywhere inside the project (a letter can be a standalone
    document and a chapter of a book), by default inside the book's folder.
    """
    warn = warn or (lambda _w: None)
    shown = display_path(book_yaml)
    text = decode_source(read_source_bytes(book_yaml), shown)
    errors: list[PublishError] = []
    try:
        header = parse_front_matter(
            text, shown, warn, functools.partial(parse_inline, shown=shown), first_line=1, book=True
        )
        listed = header.documents
    except PublishError as exc:
        # The documents are still read, so that one run reports their problems too.
        errors.extend(problems(exc))
        header, listed = None, _listed_documents(text, shown)
    boundary = (project_root or book_yaml.parent).resolve()
    files = _book_documents(book_yaml.parent, boundary, listed, errors.append)
    book_citer = _book_citer(header, shown, boundary, errors)
    documents = []
    for path in files:
        try:
            documents.append(_read_source(path, warn, book_citer))
        except PublishError as exc:
            errors.extend(problems(exc))
    if book_citer is not None and documents and not errors:
        try:
            documents[-1] = _with_book_bibliography(documents[-1], book_citer)
        except CitationError as exc:
            where = SourceLocation(shown, header.meta.bibliography_line if header else 1)
            errors.append(SourceError(str(exc), where))
    if header is not None:
        book = m.Book(shown, header.meta, tuple(documents), tuple(header.settings.items()))
        errors.extend(_report(link_problems(book), warn))
        book = dataclasses.replace(book, documents=name_cross_references(book.documents))
    raise_problems(errors)
    return book


def _book_citer(header: Any, shown: str, root: Path, errors: list[PublishError]) -> Citer | None:
    """The citer of a book.yaml with a `bibliography`, shared by its documents."""
    if header is None or not header.meta.bibliography:
        return None
    try:
        return citer_for(header.meta, shown, root)
    except PublishError as exc:
        errors.extend(problems(exc))
        return None


def _with_book_bibliography(last: m.Document, citer: Citer) -> m.Document:
    """The book's last document, closed by the bibliography of the whole book."""
    entries = citer.entries()
    if not entries:
        return last
    ids = Identifiers()
    for ident in element_ids(last):
        ids.add(ident)
    levels = [block.level for block in last.blocks if isinstance(block, m.Heading)]
    line = max((getattr(block, "line", 0) for block in last.blocks), default=1)
    title = labels_for(last.meta.lang)["bibliography"]
    blocks = bibliography_blocks(
        entries, title, min(levels, default=1), ids.unique("bibliography"), line
    )
    return dataclasses.replace(last, blocks=(*last.blocks, *blocks))


def link_problems(target: m.Document | m.Book) -> Iterator[SourceError | SourceWarning]:
    """Links from one document to another (`other.md`, `../one/ch.md#id`), each named by
    its path from the linking document: the other must be in the book (else the link is
    dropped, with a warning) and have the id (else an error)."""
    documents = {m.document_key(document.path): document for document in target.documents}
    ids = {key: element_ids(document) for key, document in documents.items()}
    for document in target.documents:
        for link in (node for node in m.walk(document) if isinstance(node, m.Link)):
            where = SourceLocation(document.path, link.line)
            scheme = m.link_scheme(link.href)
            if scheme is not None and scheme not in m.LINK_SCHEMES:
                shown = link.href if len(link.href) <= 60 else link.href[:60] + "…"
                message = f"the link to '{shown}' is dropped: a book links only to {', '.join(sorted(m.LINK_SCHEMES))} addresses; its words are kept"
                yield SourceWarning(message, where)
                continue
            linked = m.linked_path(document.path, link.href)
            if linked is None:
                continue  # within the page, or a URL with a scheme (https:, mailto:)
            key, fragment = linked
            if key not in documents:
                message = (
                    f"the link to '{link.href}' leads to nothing in the book; its words are kept"
                )
                yield SourceWarning(message, where)
            elif fragment and fragment not in ids[key] and is_cross_reference(link):
                yield SourceError(_broken_reference(link.href), where)
            elif fragment and fragment not in ids[key]:
                message = f"the link to '{link.href}' leads nowhere: {documents[key].path} has no heading or element with the id '{fragment}'"
                yield SourceError(message, where)


def _broken_reference(href: str) -> str:
    return f"cross-reference '{href}' names no heading, figure, table, note or element"


def _report(found: Iterator[SourceError | SourceWarning], warn: Warn) -> list[SourceError]:
    """Warnings go to `warn`; the errors are returned, to be raised with the others."""
    errors = []
    for problem in found:
        if isinstance(problem, SourceWarning):
            warn(problem)
        else:
            errors.append(problem)
    return errors


def _book_documents(
    folder: Path,
    boundary: Path,
    listed: tuple[tuple[str, SourceLocation], ...],
    error: Callable[[SourceError], None],
) -> list[Path]:
    """The listed documents that are Markdown files inside `boundary`, each once."""
    seen: dict[Path, SourceLocation] = {}
    for name, where in listed:
        try:
            path = resolved(folder / name, where, SourceError)
        except SourceError as exc:  # a symlink loop
            error(exc)
            continue
        if not path.is_relative_to(boundary):
            error(SourceError(f"'{name}' is outside the project folder {boundary}", where))
        elif not path.exists():  # a FIFO or a device is refused when it is read
            error(SourceError(f"'{name}' is listed in 'documents' but does not exist", where))
        elif path in seen:
            message = f"'{name}' is listed twice in 'documents' (first on line {seen[path].line})"
            error(SourceError(message, where))
        else:
            seen[path] = where
    return list(seen)


def _listed_documents(text: str, shown: str) -> tuple[tuple[str, SourceLocation], ...]:
    """The names under a broken book header's `documents`, each with its line, as far as
    they can be told; nothing when the YAML itself cannot be read."""
    try:
        root = compose_yaml(text, shown, 1, "book header")
    except PublishError:
        return ()
    if not isinstance(root, yaml.MappingNode):
        return ()
    for key, value in root.value:
        if key.value == "documents" and isinstance(value, yaml.SequenceNode):
            return tuple(
                (item.value, SourceLocation(shown, item.start_mark.line + 1))
                for item in value.value
                if isinstance(item, yaml.ScalarNode) and item.value
            )
    return ()


def decode_source(data: bytes, shown: str) -> str:
    """UTF-8 text with any byte-order mark dropped and line ends made `\\n`.

    A character that no text holds (a control character other than tab and line ends, a
    noncharacter such as U+FFFF) is an error at its line: XML cannot carry it.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError("the file is not UTF-8 text", SourceLocation(shown, line)) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    problem = character_problem(text)
    if problem is not None:
        offset, message = problem
        raise SourceError(message, SourceLocation(shown, text.count("\n", 0, offset) + 1))
    return text


def parse_document(
    text: str, shown: str, warn: Warn, book_citer: Citer | None = None
) -> m.Document:
    """Read a whole document; every problem in it is reported at once, front matter and body.

    When the front matter cannot be read, the body is still read (as English) to find its
    own problems.
    """
    errors: list[PublishError] = []
    front = _FRONT_MATTER.parse(text)
    header = None
    if not front or front[0].type != "front_matter":
        errors.append(
            SourceError(
                "the document has no front matter: start it with a '---' block holding at least 'title:'",
                SourceLocation(shown, 1),
            )
        )
    else:
        try:
            inline = functools.partial(parse_inline, shown=shown)
            header = parse_front_matter(front[0].content, shown, warn, inline)
        except PublishError as exc:
            errors.extend(problems(exc))
    env: dict[str, Any] = {"label_budget": LABEL_BUDGET + LABEL_BUDGET_PER_CHAR * len(text)}
    lang = header.meta.lang if header else "en"
    citer = _document_citer(header, shown, errors)
    if citer is None and book_citer is not None:  # the book's bibliography, its own notes
        citer = book_citer.for_document()
    citations = "" if citer is None else "notes" if citer.notes else "text"
    tokens = markdown_parser(lang, citations).parse(text, env)
    converter = _Converter(shown, env.get("footnotes", {}).get("list", {}), warn, lang)
    converter.citer = citer
    if converter.check_limits(env):
        # Not converted: the tree of a text nested that deep is built by recursion.
        tokens = [t for t in tokens if t.type == "front_matter"]
    nodes = SyntaxTreeNode(tokens).children
    if nodes and nodes[0].type == "front_matter":
        nodes = nodes[1:]
    blocks = converter.blocks(nodes)
    notes = converter.finish()
    blocks = (*blocks, *converter.bibliography(blocks))
    if header is not None:
        notes = note_series.numbered(notes, header.meta)
        document = m.Document(shown, header.meta, blocks, notes, tuple(header.settings.items()))
        converter.check_links(document)
        document = m.without_repeated_title(document)
        document = name_cross_references((document,))[0]
    raise_problems([*errors, *converter.errors])
    return document


def _document_citer(header: Any, shown: str, errors: list[PublishError]) -> Citer | None:
    """The citer of a document with a `bibliography`; a file that cannot be read is one
    of the document's problems (its citations are then read as text)."""
    if header is None or not header.meta.bibliography:
        return None
    # The project as the build finds it (imported here: only a document citing pays).
    from publish.resources import find_project_root

    try:
        return citer_for(header.meta, shown, find_project_root(Path(shown)))
    except PublishError as exc:
        errors.extend(problems(exc))
        return None


def parse_inline(text: str, line: int, lang: str, shown: str = "") -> tuple[m.Inline, ...]:
    """Inline Markdown (used for the `source` citation) of the file `shown`, without footnotes."""
    env: dict[str, Any] = {"label_budget": LABEL_BUDGET + LABEL_BUDGET_PER_CHAR * len(text)}
    tokens = markdown_parser(lang).parseInline(text, env)
    converter = _Converter(shown, {})
    converter.in_note = True  # a citation cannot call a note either
    if converter.limits_found(env, line):
        raise_problems(converter.errors)
    inlines = converter.inlines(SyntaxTreeNode(tokens).children[0], line - 1)
    raise_problems(converter.errors)
    return inlines


def parse_attributes(text: str) -> m.Attributes | None:
    """Pandoc's `{#id .class key=value}` (the whole of `text`), or None if it is not that."""
    scanned = scan_attributes(text)
    return scanned[1] if scanned is not None and scanned[0] == len(text) else None


def _brace_depth(tex: str) -> int:
    """How deep the groups of TeX math (`{…}`, not `\\{`) nest."""
    depth = deepest = 0
    for token in _TEX_BRACE.findall(tex):  # a backslash and what follows is a command
        depth += 1 if token == "{" else -1 if token == "}" and depth else 0
        deepest = max(deepest, depth)
    return deepest


_TEX_BRACE = re.compile(r"\\.|[{}]", re.DOTALL)
_UNMATCHED_CALL = re.compile(r"\[\^([^\]\n[]+)\]")  # no `[` inside: linear


@dataclass
class _NoteDraft:
    label: str
    number: int
    calls: list[int] = field(default_factory=list)
    inline_tokens: list[Token] | None = None
    citation: Any = None  # a citation's note: citeproc's registered Citation


class _Converter:
    """Turns markdown-it's syntax tree into model nodes, numbering notes as they are called."""

    def __init__(
        self,
        shown: str,
        plugin_notes: dict[int, dict[str, Any]],
        warn: Warn | None = None,
        lang: str = "en",
    ) -> None:
        self.shown = shown
        self.lang = lang
        self.warn = warn or (lambda _w: None)
        self.plugin_notes = plugin_notes
        self.definitions: dict[str, SyntaxTreeNode] = {}
        self.drafts: dict[str, _NoteDraft] = {}
        self.in_note = False
        self.errors: list[SourceError] = []
        self.refused_calls: set[str] = set()
        self.heading_ids = Identifiers()
        self.ruby_depth = 0  # inside how many raw <ruby>: <rt> and <rp> belong nowhere else
        self.math_chars = self.formulas = 0  # the math read so far (see MAX_MATH_CHARS)
        self.depth = 0  # how deep the node being read is nested (see MAX_NESTING)
        self.told_too_deep = False
        self.citer: Citer | None = None  # a document with a bibliography
        self.cited_notes: dict[int, tuple[m.Inline, ...]] = {}  # a citation note's text

    def where(self, line: int) -> SourceLocation:
        return SourceLocation(self.shown, line)

    def error(self, message: str, line: int) -> None:
        """A problem the user must fix, at `line` of this source. Reading goes on (the caller
        skips what is wrong), so that every problem is reported in one run."""
        self.errors.append(SourceError(message, self.where(line)))

    def warning(self, message: str, line: int) -> None:
        """Something suspicious at `line` that does not stop the build."""
        self.warn(SourceWarning(message, self.where(line)))

    def check_limits(self, env: dict[str, Any]) -> bool:
        """Report what `_check_limits` found while parsing (and what the inline notes nest);
        True if the text is nested too deep to be read further."""
        for line, message, _token in env.get("limits", ()):
            if message == TOO_DEEP:
                self.too_deep(line)
            else:
                self.error(message, line)
        for note in env.get("footnotes", {}).get("list", {}).values():
            depth = 0
            for token in note.get("tokens") or ():
                depth += token.nesting
                if depth > MAX_NESTING:
                    self.too_deep(token.map[0] + 1 if token.map else 1)
                    break
        return self.told_too_deep

    def limits_found(self, env: dict[str, Any], line: int) -> bool:
        """Whether reading text apart from the body (an HTML block's, a header field's) went
        past the limits; each problem is told at `line`."""
        for _line, message, _token in env.get("limits", ()):
            if message == TOO_DEEP:
                self.too_deep(line)
            else:
                self.error(message, line)
        return bool(env.get("limits"))

    def too_deep(self, line: int) -> None:
        if not self.told_too_deep:  # one mistake, one message
            self.told_too_deep = True
            self.error(TOO_DEEP, line)

    def nested(self, levels: int, line: int, read: Callable[[], Any], empty: Any = ()) -> Any:
        """What `read` makes of the content of a node `levels` deeper, or `empty` (and an
        error) past MAX_NESTING: every recursion of the reader goes through here."""
        if self.depth + levels > MAX_NESTING:
            self.too_deep(line)
            return empty
        self.depth += levels
        try:
            return read()
        finally:
            self.depth -= levels

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
                inline = node.children[0]
                if _is_figure(inline):
                    return self.figure(inline.children[0], line)
                return m.Paragraph(self.inlines(inline, line - 1), line)
            case "heading":
                return self.heading(node, line)
            case "blockquote":
                return m.BlockQuote(self.nested(1, line, lambda: self.blocks(node.children)), line)
            case "bullet_list" | "ordered_list":
                return self.list_block(node, line)
            case "fence" if raw := _RAW_FORMAT.fullmatch(node.info.strip()):
                return self.raw_block(node.content, raw[1].lower(), line)
            case "fence" | "code_block":
                language, attrs = _code_attributes(node.info.strip())
                return m.CodeBlock(node.content, language, line, attrs)
            case "hr":
                return m.ThematicBreak(line)
            case "html_block":
                env: dict[str, Any] = {}
                html = markdown_in_html(node.content, markdown_parser(self.lang), env)
                if self.limits_found(env, line):
                    return None
                return self.html_block(html, line)
            case "footnote_reference":
                self.define_note(node, line)
                return None
            case "math_block" | "fenced_div" | "line_block" | "dl" | "raw_tex_block":
                return self.pandoc_block(node, line)
        self.error(f"unsupported Markdown construct '{node.type}'", line)

    def heading(self, node: SyntaxTreeNode, line: int) -> m.Heading:
        """A heading with its identifier: the one given (`{#id}`) or Pandoc's automatic one."""
        children = self.inlines(node.children[0], line - 1)
        given: m.Attributes = node.meta.get("attributes") or m.NO_ATTRIBUTES
        if given.id:
            self.heading_ids.add(given.id)
            attrs = given
        else:
            base = auto_identifier(children, self.note_label_of)
            identifier = self.heading_ids.unique(base)
            attrs = dataclasses.replace(given, id=identifier)
        return m.Heading(int(node.tag[1]), children, line, attrs)

    def note_label_of(self, call: m.NoteRef) -> str:
        """The label of a called note as Pandoc's identifiers read it ("" for an inline note)."""
        label = next(d.label for d in self.drafts.values() if d.number == call.number)
        return "" if label.startswith("^") else label

    def figure(self, image: SyntaxTreeNode, line: int) -> m.Figure:
        """An image alone in its paragraph: its alt text, with its markup, is the caption."""
        caption = self.inlines(image, line - 1)
        attrs = image.meta.get("attributes") or m.NO_ATTRIBUTES
        src, title = str(image.attrs["src"]), str(image.attrs.get("title", ""))
        return m.Figure(m.Image(src, stringify(caption), title, line, attrs), caption, attrs, line)

    def pandoc_block(self, node: SyntaxTreeNode, line: int) -> m.Block | None:
        match node.type:
            case "math_block":
                return m.Paragraph((self.math(node.content.strip(), True, line),), line)
            case "fenced_div":
                attrs = self.div_attributes(node.info, line)
                return m.Div(self.nested(1, line, lambda: self.blocks(node.children)), attrs, line)
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
                definitions = (
                    *last.definitions,
                    self.nested(2, part_line, lambda kids=part.children: self.blocks(kids)),
                )
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
        if isinstance(last, m.Text) and (found := trailing_attributes(last.text)):
            text, attrs = found
            inlines[-1] = m.Text(text, last.line)
        return tuple(i for i in inlines if not (isinstance(i, m.Text) and not i.text)), attrs

    def raw_block(self, content: str, output: str, line: int) -> m.Block | None:
        if output in ("html", "html5", "xhtml"):
            return self.html_block(content, line)
        self.warning(f"raw '{output}' content is left out: only HTML goes into these books", line)
        return None

    def html_block(self, raw: str, line: int) -> m.HtmlBlock | None:
        try:
            html = clean_block(raw, MAX_NESTING - self.depth)
        except TooDeep:
            self.too_deep(line)
            return None
        return m.HtmlBlock(html, line) if html else None

    def math_limit(self, tex: str, shown: str) -> str | None:
        """Why the PDF could not draw this formula in reasonable time, or None."""
        self.formulas += 1
        self.math_chars += len(tex)
        if len(tex) > MAX_FORMULA_CHARS:
            return f"the math '{shown}' is {len(tex):,} characters long; a formula may hold at most {MAX_FORMULA_CHARS:,} (split it)"
        if self.formulas == MAX_FORMULAS + 1 or (
            self.math_chars - len(tex) <= MAX_MATH_CHARS < self.math_chars
        ):
            return f"a document may hold at most {MAX_FORMULAS:,} formulas and {MAX_MATH_CHARS:,} characters of math, and this one passes them here (the PDF draws every formula): make it several documents"
        if _brace_depth(tex) > MAX_NESTING:  # the converters recurse, and so would a reader
            return f"the math '{shown}' is nested deeper than {MAX_NESTING} levels"
        return None

    def math(self, tex: str, display: bool, line: int) -> m.Math:
        # Imported here: only a text with math pays for loading it.
        from latex2mathml.converter import convert as latex_to_mathml

        shown = tex if len(tex) <= 60 else tex[:60] + "…"
        if problem := self.math_limit(tex, shown):
            self.error(problem, line)
            return m.Math(tex, display, line)
        try:
            latex_to_mathml(tex)
        except Exception as exc:  # latex2mathml raises many kinds of error on bad TeX
            reason = str(exc) or type(exc).__name__
            self.warning(
                f"the math '{shown}' cannot be read ({reason}); it is printed as written", line
            )
        return m.Math(tex, display, line)

    def list_block(self, node: SyntaxTreeNode, line: int) -> m.ListBlock:
        items = tuple(
            m.ListItem(
                self.nested(2, line, lambda kids=item.children: self.blocks(kids)),
                item.map[0] + 1 if item.map else line,
            )
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
        self,
        nodes: list[SyntaxTreeNode],
        current: list[int],
        lines: Iterator[int],
        span: tuple[int, int] | None = None,
        closing: dict[int, int] | None = None,
    ) -> Iterator[m.Inline]:
        """The nodes `nodes[start:stop]` (all by default); `closing` maps the index of each
        inline HTML tag to that of the tag closing it, found once for all the siblings."""
        index, stop = span or (0, len(nodes))
        if closing is None:
            closing = _closing_tags(nodes)
        while index < stop:
            if nodes[index].type == "html_inline":
                index = yield from self._html_inline(nodes, index, stop, closing, current, lines)
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
                yield m.Text(self.checked_text(node.content, line), line)
            case "softbreak" | "hardbreak":
                current[0] = next(lines)
                yield m.SoftBreak(line) if node.type == "softbreak" else m.LineBreak(line)
            case "code_inline":
                yield m.Code(node.content, line, node.meta.get("attributes") or m.NO_ATTRIBUTES)
            case "em" | "strong":
                kids = self.nested_inlines(node.children, current, lines)
                yield m.Emphasis(kids, line) if node.type == "em" else m.Strong(kids, line)
            case "link":
                kids = self.nested_inlines(node.children, current, lines)
                href, title = str(node.attrs["href"]), str(node.attrs.get("title", ""))
                title = self.checked_text(title, line)
                yield m.Link(href, kids, title, line, _attributes_of(node))
            case "image":
                alt = stringify(self.nested_inlines(node.children, current, lines))
                src, title = str(node.attrs["src"]), str(node.attrs.get("title", ""))
                title = self.checked_text(title, line)
                yield m.Image(src, alt, title, line, _attributes_of(node))
            case "span":
                kids = self.nested_inlines(node.children, current, lines)
                yield m.Span(kids, _attributes_of(node), line)
            case "sup" | "sub" | "s":
                kids = self.nested_inlines(node.children, current, lines)
                yield _SCRIPTS[node.type](kids, line)
            case "footnote_ref":
                if (call := self.call_note(node.meta, line)) is not None:
                    yield call
            case "citation":
                try:
                    yield from self.citation(node.meta, line)
                except CitationError as exc:
                    self.error(str(exc), line)
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

    def nested_inlines(
        self, nodes: list[SyntaxTreeNode], current: list[int], lines: Iterator[int]
    ) -> tuple[m.Inline, ...]:
        return self.nested(
            1, current[0], lambda: tuple(self._inline_children(nodes, current, lines))
        )

    def _html_inline(
        self,
        nodes: list[SyntaxTreeNode],
        index: int,
        stop: int,
        closing: dict[int, int],
        current: list[int],
        lines: Iterator[int],
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
        end = closing.get(index)
        if end is None or end >= stop:  # closed outside the element holding it: unclosed
            return index + 1
        if name in DROPPED_WITH_CONTENT:
            for _ in (n for n in nodes[index + 1 : end] if n.type in ("softbreak", "hardbreak")):
                current[0] = next(lines)
            return end + 1
        line = current[0]
        span = (index + 1, end)
        out_of_place = name in ("rt", "rp") and not self.ruby_depth
        if out_of_place or (name == "bdo" and not dict(attrs).get("dir")):  # its text kept
            yield from self._inline_children(nodes, current, lines, span, closing)
            return end + 1
        self.ruby_depth += name == "ruby"
        try:
            kids = self.nested(
                1, line, lambda: tuple(self._inline_children(nodes, current, lines, span, closing))
            )
        finally:
            self.ruby_depth -= name == "ruby"
        yield m.HtmlInline(name, attrs, kids, line)
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

    def checked_text(self, text: str, line: int) -> str:
        """Text without a form feed, the one control character a character reference
        (`&#12;`) can still make (the others become U+FFFD): XML cannot carry it."""
        if "\x0c" not in text:
            return text
        self.warning("U+000C (a control character) is not allowed in text; it is left out", line)
        return text.replace("\x0c", "")

    def check_unmatched_call(self, text: str, line: int) -> None:
        # The plugin leaves `[^x]` as text where it cannot be a call: a label with spaces that
        # no note defines (Pandoc prints it as text too), or one across lines.
        for found in _UNMATCHED_CALL.finditer(text):
            if " " in found[1]:
                message = f"[^{found[1]}] is printed as text: no note has this label"
                self.warning(message, line)
            else:
                self.error(f"footnote [^{found[1]}] is never defined", line)

    # Notes

    def define_note(self, node: SyntaxTreeNode, line: int) -> None:
        label = note_label(node.meta["label"])
        if label in self.definitions:
            first = self.definitions[label].map[0] + 1
            self.error(f"footnote [^{label}] is defined twice (first on line {first})", line)
            return  # the first definition stands
        self.definitions[label] = node

    def call_note(self, meta: dict[str, Any], line: int) -> m.NoteRef | None:
        """The call's note, numbered on its first call; None for a call that is an error."""
        if self.in_note:
            self.error("a footnote cannot call another footnote", line)
            # Its note is not also reported as never called: one mistake, one message.
            self.refused_calls.add(self.plugin_notes.get(meta["id"], {}).get("label", ""))
            return None
        plugin_note = self.plugin_notes[meta["id"]]
        key = note_label(plugin_note.get("label") or f"^{meta['id']}")
        draft = self.drafts.get(key)
        if draft is None:
            draft = self.drafts[key] = _NoteDraft(key, len(self.drafts) + 1)
            draft.inline_tokens = plugin_note.get("tokens")
        draft.calls.append(line)
        return m.NoteRef(draft.number, len(draft.calls), line)

    # Citations

    def citation(self, meta: dict[str, Any], line: int) -> Iterator[m.Inline]:
        """A note style's citation is a note of its own, numbered with the others (a
        citation inside a note is its text); an in-text style's is text. `@key` in the
        text also prints the authors' names."""
        assert self.citer is not None
        unknown = [item.key for item in meta["items"] if not self.citer.knows(item.key)]
        for key in unknown:
            message = f"citation '@{key}' is not in the bibliography ({self.citer.files})"
            self.error(message, line)
        if unknown:
            return
        # `@key` in a note's text is the note's citation, its author printed in it
        citation = self.citer.citation(meta["items"], meta["in_text"] and not self.in_note)
        if not self.citer.notes:  # an author-date style prints the citation as it is
            yield from self.citer.format([citation], line)[0]
            return
        if self.in_note:  # a note cannot call a note: the citation is the note's text,
            # without the period closing a note (the note's own sentence goes on).
            yield from _without_final_period(self.citer.format([citation], line)[0])
            return
        if meta["in_text"]:
            and_word = labels_for(self.lang)["and"]
            yield m.Text(self.citer.author(meta["items"][0].key, and_word), line)
        label = f"@cite\n{len(self.drafts) + 1}"  # no [^label] holds a line break
        draft = self.drafts[label] = _NoteDraft(label, len(self.drafts) + 1, [line])
        draft.citation = citation
        yield m.NoteRef(draft.number, 1, line)

    def bibliography(self, blocks: tuple[m.Block, ...]) -> tuple[m.Block, ...]:
        """The bibliography closing the document: its heading at the level of the
        document's sections, its id unique among the document's."""
        if self.citer is None or self.citer.in_book or self.errors:
            return ()  # a book's bibliography closes the book, not each chapter
        try:
            entries = self.citer.entries()
        except CitationError as exc:
            self.error(str(exc), max((getattr(b, "line", 0) for b in blocks), default=1))
            return ()
        if not entries:
            return ()
        levels = [block.level for block in blocks if isinstance(block, m.Heading)]
        title = labels_for(self.lang)["bibliography"]
        ident = self.heading_ids.unique("bibliography")
        line = max((getattr(block, "line", 0) for block in blocks), default=1)
        return bibliography_blocks(entries, title, min(levels, default=1), ident, line)

    def finish(self) -> tuple[m.Footnote, ...]:
        """Build the notes in number order, once the whole body has been read."""
        cited = [draft for draft in self.drafts.values() if draft.citation is not None]
        if cited and self.citer is not None:
            for draft in cited:
                try:
                    [text] = self.citer.format([draft.citation], draft.calls[0])
                except CitationError as exc:
                    self.error(str(exc), draft.calls[0])
                    text = ()
                self.cited_notes[draft.number] = text
        self.in_note = True
        notes = tuple(self.footnote(draft) for draft in self.drafts.values())
        for label, node in self.definitions.items():
            if label not in self.drafts and label not in self.refused_calls:
                self.error(f"footnote [^{label}] is defined but never called", node.map[0] + 1)
        return notes

    def footnote(self, draft: _NoteDraft) -> m.Footnote:
        first_call = draft.calls[0]
        if draft.citation is not None:  # [@key]: a note in the style's words
            text = _capitalized(self.cited_notes.get(draft.number, ()))
            children = (m.Paragraph(text, first_call),)
            return m.Footnote(draft.number, "", children, tuple(draft.calls), first_call)
        if draft.inline_tokens is not None:  # ^[an inline note]
            children = (m.Paragraph(self.inline_note(draft.inline_tokens, first_call), first_call),)
            return m.Footnote(draft.number, "", children, tuple(draft.calls), first_call)
        node = self.definitions.get(draft.label)
        if node is None:  # an error; the note stays, empty, so that numbering goes on
            self.error(f"footnote [^{draft.label}] is never defined", first_call)
            return m.Footnote(draft.number, draft.label, (), tuple(draft.calls), first_call)
        line = node.map[0] + 1
        children = self.blocks(node.children)
        return m.Footnote(draft.number, draft.label, children, tuple(draft.calls), line)

    # Links

    def check_links(self, document: m.Document) -> None:
        """Every `#id` link must lead to an element of this document."""
        ids = self.check_ids(document) | note_targets(document)
        for link in (node for node in m.walk(document) if isinstance(node, m.Link)):
            fragment = unquote(link.href[1:]) if link.href.startswith("#") else ""
            if fragment and fragment not in ids and is_cross_reference(link):
                self.error(_broken_reference(link.href), link.line)
            elif fragment and fragment not in ids:
                message = (
                    f"the link to '{link.href}' leads nowhere: no heading or element of this "
                    f"document has the id '{fragment}'"
                )
                self.error(message, link.line)

    def check_ids(self, document: m.Document) -> set[str]:
        """The ids of the document's elements, each given once (an EPUB page needs it)."""
        first: dict[str, int] = {}
        for node, ident in _identified(document):
            line = getattr(node, "line", 0)
            if ident in first:
                self.error(f"the id '{ident}' is used twice (first on line {first[ident]})", line)
            first.setdefault(ident, line)
        return set(first)

    def inline_note(self, tokens: list[Token], line: int) -> tuple[m.Inline, ...]:
        wrapper = Token("inline", "", 0, children=tokens)
        paragraph = [Token("paragraph_open", "p", 1), wrapper, Token("paragraph_close", "p", -1)]
        return self.inlines(SyntaxTreeNode(paragraph).children[0].children[0], line - 1)


def _capitalized(inlines: tuple[m.Inline, ...]) -> tuple[m.Inline, ...]:
    """A note opens with a capital, as Pandoc sets a citation's note (`[see @key]`: «See…»)."""
    first = inlines[0] if inlines else None
    if isinstance(first, m.Text) and first.text[:1].islower():
        return (m.Text(first.text[:1].upper() + first.text[1:], first.line), *inlines[1:])
    return inlines


def _without_final_period(inlines: tuple[m.Inline, ...]) -> tuple[m.Inline, ...]:
    last = inlines[-1] if inlines else None
    if isinstance(last, m.Text) and last.text.endswith("."):
        kept = (m.Text(last.text[:-1], last.line),) if len(last.text) > 1 else ()
        return (*inlines[:-1], *kept)
    return inlines


_SCRIPTS = {"sup": m.Superscript, "sub": m.Subscript, "s": m.Strikeout}


def _attributes_of(node: SyntaxTreeNode) -> m.Attributes:
    return node.meta.get("attributes") or m.NO_ATTRIBUTES


def _is_figure(inline: SyntaxTreeNode) -> bool:
    """Pandoc's implicit figure: an image with alt text, alone in its paragraph."""
    children = inline.children
    return len(children) == 1 and children[0].type == "image" and bool(children[0].children)


def _code_attributes(info: str) -> tuple[str, m.Attributes]:
    """A fence's info string: `python`, `{.python #id}` or `python {#id}`; the language is
    the first class, as in Pandoc."""
    found = trailing_attributes(info) if info.endswith("}") else None
    word, attrs = found if found is not None else (info, m.NO_ATTRIBUTES)
    classes = (*word.split()[:1], *attrs.classes)
    return (classes[0] if classes else ""), dataclasses.replace(attrs, classes=classes)


def element_ids(document: m.Document) -> set[str]:
    """The ids a link can lead to: every element's given or automatic id."""
    return {ident for _, ident in _identified(document)} | note_targets(document)


def _identified(document: m.Document) -> Iterator[tuple[object, str]]:
    """Each element with an id, and the id, in reading order (a figure's image, which
    carries the figure's attributes, is left out: the id is the figure's)."""
    nodes = list(m.walk(document))
    shared = {id(node.image) for node in nodes if isinstance(node, m.Figure)}
    for node in nodes:
        attrs = getattr(node, "attrs", None)
        if isinstance(attrs, m.Attributes) and attrs.id and id(node) not in shared:
            yield node, attrs.id


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


def _closing_tags(nodes: list[SyntaxTreeNode]) -> dict[int, int]:
    """For each inline HTML tag among these siblings that is closed, the index of the tag
    closing it (nesting of the same name counted), in one pass: {opening: closing}.

    The tag closing one is the first after it where as many of its name are closed as
    opened, so the same pairs hold within any stretch of the siblings that holds both."""
    pairs: dict[int, int] = {}
    open_: dict[str, list[int]] = {}
    for index, node in enumerate(nodes):
        if node.type != "html_inline":
            continue
        tag = inline_tag(node.content)
        if tag is None or tag[0] in VOID_TAGS:
            continue
        name, is_closing, _ = tag
        if not is_closing:
            open_.setdefault(name, []).append(index)
        elif open_.get(name):
            pairs[open_[name].pop()] = index
    return pairs
