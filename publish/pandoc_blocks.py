"""markdown-it rules for the parts of Pandoc's Markdown that no plugin reads as Pandoc does.

Block rules: fenced divs (`::: {#id .class}` … `:::`, nested), line blocks (`| ` lines)
and raw LaTeX environments (`\\begin{x}` … `\\end{x}`). Inline rules: raw content with a
format (`` `<b>x</b>`{=html} ``) and raw TeX commands (`\\cite{x}`, `\\newpage`). Each makes
tokens the reader turns into model nodes (or warnings); none renders anything itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.table import table
from markdown_it.rules_inline import StateInline

# A fence of three colons or more, then a class name or attributes, then maybe more colons.
_DIV_OPEN = re.compile(r"^(:{3,})[ \t]*(\{[^{}]*\}|[^\s{}:][^\s{}]*)[ \t]*:*[ \t]*$")
_DIV_CLOSE = re.compile(r"^:{3,}[ \t]*$")
_CODE_FENCE = re.compile(r"^(`{3,}|~{3,})")
_TEX_BEGIN = re.compile(r"^\\begin\{([A-Za-z*]+)\}")
_RAW_FORMAT = re.compile(r"\{=([A-Za-z0-9_+-]+)\}")
# A TeX command: a backslash, letters, then any [optional] and {braced} arguments (one
# level of nested braces, as in `\textbf{a {b} c}`).
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?(?:\[[^\]\n]*\]|\{(?:[^{}\n]|\{[^{}\n]*\})*\})*")


def pandoc_blocks_plugin(md: MarkdownIt) -> None:
    """Pipe tables as Pandoc reads them, simple tables, fenced divs, line blocks, raw TeX (blocks and inline) and raw `{=format}` spans."""
    md.block.ruler.before("fence", "fenced_div", _fenced_div, {"alt": []})
    md.block.ruler.at("table", _pipe_table, {"alt": ["paragraph", "reference"]})
    md.block.ruler.after("table", "simple_table", _simple_table, {"alt": []})
    md.block.ruler.after("simple_table", "line_block", _line_block, {"alt": []})
    names = [rule.name for rule in md.block.ruler.__rules__]
    if "deflist" in names:
        deflist = md.block.ruler.__rules__[names.index("deflist")].fn
        md.block.ruler.at("deflist", _definitions_indented_four(deflist), {"alt": ["paragraph"]})
    md.block.ruler.before("paragraph", "raw_tex_block", _raw_tex_block, {"alt": []})
    md.inline.ruler.before("backticks", "raw_inline", _raw_inline)
    md.inline.ruler.before("escape", "raw_tex_inline", _raw_tex_inline)


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _indented(state: StateBlock, line: int) -> bool:
    return state.sCount[line] - state.blkIndent >= 4


# Pipe tables


# Stands in for a `|` inside code while markdown-it splits a row into cells.
_CODE_PIPE = "\ue000"
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
# A table's second line: dashes, colons, bars and spaces, with a dash and a bar or colon.
_DELIMITER_ROW = re.compile(r"[|: \t-]*-[|: \t-]*$")


def _pipe_table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """markdown-it's table, read as Pandoc reads it: rows may be indented (a right-aligned
    first column), where markdown-it would end the table at a row indented like code; and
    a `|` inside code is text, where markdown-it would start a cell at it."""
    if start + 1 >= end or not _DELIMITER_ROW.match(_line(state, start + 1)):
        return False  # no `|---|` row under this line: cheap, as most paragraphs are not tables
    saved: dict[int, int] = {}
    line = start + 2
    while line < end and not state.isEmpty(line) and "|" in _line(state, line):
        saved[line] = state.sCount[line]
        state.sCount[line] = min(state.sCount[line], state.blkIndent)
        line += 1
    source, first_token = state.src, len(state.tokens)
    # Same length: every line keeps its place in the source.
    table_end = state.eMarks[min(line, end) - 1]
    state.src = (
        source[: state.bMarks[start]]
        + _CODE_SPAN.sub(
            lambda code: code[0].replace("|", _CODE_PIPE), source[state.bMarks[start] : table_end]
        )
        + source[table_end:]
    )
    try:
        found = table(state, start, end, silent)
    finally:
        state.src = source
        for number, indent in saved.items():
            state.sCount[number] = indent
    for token in state.tokens[first_token:]:
        token.content = token.content.replace(_CODE_PIPE, "|")
    return found


# Definition lists


_DEFINITION_MARKER = re.compile(r"[:~][ \t]")


def _definitions_indented_four(deflist: Callable[..., bool]) -> Callable[..., bool]:
    """mdit-py-plugins' definition lists, where (as in Pandoc) a block after a blank line
    belongs to the definition only if indented four spaces: the plugin takes two."""

    def rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if not _opens_definition(state, start, end):
            return False  # cheap, as most paragraphs are not terms
        saved: dict[int, int] = {}
        for line in range(start + 1, end):
            indent = state.sCount[line] - state.blkIndent
            after_blank = state.isEmpty(line - 1) and not state.isEmpty(line)
            if 0 < indent < 4 and after_blank and not _DEFINITION_MARKER.match(_line(state, line)):
                saved[line] = state.sCount[line]
                state.sCount[line] = state.blkIndent
        try:
            return deflist(state, start, end, silent)
        finally:
            for number, indent in saved.items():
                state.sCount[number] = indent

    return rule


def _opens_definition(state: StateBlock, start: int, end: int) -> bool:
    """A term's next line, or the one after a blank line, starts with `:` or `~`."""
    line = start + 1
    if line < end and state.isEmpty(line):
        line += 1
    if line >= end:
        return False
    text = _line(state, line)
    return text in (":", "~") or bool(_DEFINITION_MARKER.match(text))


# Simple tables

_DASHES = re.compile(r"-+")
_DASHED_LINE = re.compile(r"^-+(?:[ \t]+-+)*[ \t]*$")


def _raw_line(state: StateBlock, line: int) -> str:
    """The line as written, after the indent of the block it sits in (columns matter)."""
    return state.src[state.bMarks[line] + state.blkIndent : state.eMarks[line]].expandtabs(4)


def _simple_table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Pandoc's simple table: a header line (or none), a line of dashes per column, rows,
    then a blank line (a table without header ends with a line of dashes too)."""
    if start + 1 >= end or _indented(state, start) or state.isEmpty(start):
        return False
    headerless = bool(_DASHED_LINE.match(_raw_line(state, start)))
    dashes_line = start if headerless else start + 1
    if state.isEmpty(dashes_line) or not _DASHED_LINE.match(_raw_line(state, dashes_line)):
        return False
    columns = [(d.start(), d.end()) for d in _DASHES.finditer(_raw_line(state, dashes_line))]
    if len(columns) < 2 and not headerless:  # text over one line of dashes is a heading
        return False
    line = dashes_line + 1
    while line < end and not state.isEmpty(line):
        line += 1
    last = line - 1
    closed = last > dashes_line and _DASHED_LINE.match(_raw_line(state, last))
    if (headerless and not closed) or last == dashes_line:
        return False
    if silent:
        return True
    rows = range(dashes_line + 1, last if closed else line)
    header = [] if headerless else _cells(_raw_line(state, start), columns)
    first = _cells(_raw_line(state, rows[0] if headerless else start), columns, strip=False)
    aligns = [
        _alignment(text, stop - begin) for text, (begin, stop) in zip(first, columns, strict=True)
    ]
    state.push("table_open", "table", 1).map = [start, line]
    if header:
        state.push("thead_open", "thead", 1).map = [start, start + 1]
        _push_row(state, start, header, aligns, "th")
        state.push("thead_close", "thead", -1)
    state.push("tbody_open", "tbody", 1).map = [rows[0], rows[-1] + 1]
    for row in rows:
        _push_row(state, row, _cells(_raw_line(state, row), columns), aligns, "td")
    state.push("tbody_close", "tbody", -1)
    state.push("table_close", "table", -1)
    state.line = line
    return True


def _cells(text: str, columns: list[tuple[int, int]], strip: bool = True) -> list[str]:
    """A row cut where the columns' dashes start (the last column runs to the line's end)."""
    starts = [*(begin for begin, _ in columns[1:]), len(text) + 1]
    cells = [text[begin:stop] for (begin, _), stop in zip(columns, starts, strict=True)]
    if not strip:
        return cells
    cells[0] = text[: starts[0]]  # the first column's text may stick out to the left
    return [cell.strip() for cell in cells]


def _alignment(cell: str, width: int) -> str:
    """Pandoc's rule: dashes beyond the text on the left only, right-aligned; on the right
    only, left-aligned; on both sides, centred; on neither, the default."""
    text = cell.rstrip()
    if not text:
        return ""
    left, right = text[0] == " ", len(text) < width
    return {(True, False): "right", (False, True): "left", (True, True): "center"}.get(
        (left, right), ""
    )


def _push_row(state: StateBlock, line: int, cells: list[str], aligns: list[str], kind: str) -> None:
    state.push("tr_open", "tr", 1).map = [line, line + 1]
    for cell, align in zip(cells, aligns, strict=True):
        token = state.push(f"{kind}_open", kind, 1)
        if align:
            token.attrs = {"style": f"text-align:{align}"}
        inline = state.push("inline", "", 0)
        inline.content = cell
        inline.map = [line, line + 1]
        inline.children = []
        state.push(f"{kind}_close", kind, -1)
    state.push("tr_close", "tr", -1)


# Fenced divs


def _fenced_div(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if _indented(state, start):
        return False
    opening = _DIV_OPEN.match(_line(state, start))
    if opening is None:
        return False
    close = _div_end(state, start, end)
    if close is None:  # never closed: Pandoc reads the line as text
        return False
    if silent:
        return True
    token = state.push("fenced_div_open", "div", 1)
    token.info = opening[2]
    token.markup = opening[1]
    token.map = [start, close + 1]
    old_parent, old_max = state.parentType, state.lineMax
    state.parentType = "fenced_div"  # type: ignore[assignment]
    state.lineMax = close
    state.md.block.tokenize(state, start + 1, close)
    state.parentType, state.lineMax = old_parent, old_max
    token = state.push("fenced_div_close", "div", -1)
    token.markup = opening[1]
    state.line = close + 1
    return True


def _div_end(state: StateBlock, start: int, end: int) -> int | None:
    """The line of the fence closing the div opened on `start`: nested divs are counted,
    and colons inside fenced code are not fences."""
    depth, code_fence = 1, ""
    for line in range(start + 1, end):
        text = _line(state, line)
        if code_fence:
            if text.startswith(code_fence):
                code_fence = ""
            continue
        if fence := _CODE_FENCE.match(text):
            code_fence = fence[1]
        elif _DIV_OPEN.match(text):
            depth += 1
        elif _DIV_CLOSE.match(text):
            depth -= 1
            if depth == 0:
                return line
    return None


# Line blocks


def _is_line_start(state: StateBlock, line: int) -> bool:
    text = _line(state, line)
    return not _indented(state, line) and (text == "|" or text.startswith("| "))


def _line_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if not _is_line_start(state, start):
        return False
    if silent:
        return True
    lines: list[tuple[int, str]] = []
    line = start
    while line < end and not state.isEmpty(line):
        raw = state.src[state.bMarks[line] : state.eMarks[line]]
        if _is_line_start(state, line):
            lines.append((line, _line(state, line)[2:]))
        elif raw[:1] in (" ", "\t") and lines:  # a continuation of the line above
            number, text = lines[-1]
            lines[-1] = (number, text + "\n" + raw.strip())
        else:
            break
        line += 1
    token = state.push("line_block_open", "div", 1)
    token.map = [start, line]
    for number, text in lines:
        state.push("line_open", "span", 1).map = [number, number + 1]
        inline = state.push("inline", "", 0)
        # Leading spaces are kept, as no-break spaces (the indent of a verse, an address).
        stripped = text.lstrip(" ")
        inline.content = "\u00a0" * (len(text) - len(stripped)) + stripped
        inline.map = [number, number + 1]
        inline.children = []
        state.push("line_close", "span", -1)
    state.push("line_block_close", "div", -1)
    state.line = line
    return True


# Raw LaTeX environments


def _raw_tex_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if _indented(state, start):
        return False
    begin = _TEX_BEGIN.match(_line(state, start))
    if begin is None:
        return False
    name = re.escape(begin[1])
    opens, closes = re.compile(rf"\\begin\{{{name}\}}"), re.compile(rf"\\end\{{{name}\}}")
    depth = 0
    for line in range(start, end):
        text = _line(state, line)
        depth += len(opens.findall(text)) - len(closes.findall(text))
        if depth <= 0:
            break
    else:
        return False
    if silent:
        return True
    token = state.push("raw_tex_block", "", 0)
    token.content = state.getLines(start, line + 1, state.blkIndent, False)
    token.map = [start, line + 1]
    state.line = line + 1
    return True


# Inline raw content


def _raw_inline(state: StateInline, silent: bool) -> bool:
    """`` `content`{=format} ``: a code span whose attributes name an output format."""
    pos = state.pos
    if state.src[pos] != "`":
        return False
    run = len(state.src[pos:]) - len(state.src[pos:].lstrip("`"))
    fence = "`" * run
    close = state.src.find(fence, pos + run)
    while close != -1 and state.src[close + run : close + run + 1] == "`":
        close = state.src.find(fence, close + run + 1)
    if close == -1:
        return False
    found = _RAW_FORMAT.match(state.src, close + run)
    if found is None:
        return False
    if not silent:
        content = state.src[pos + run : close].replace("\n", " ")
        if len(content) > 2 and content[0] == content[-1] == " " and content.strip():
            content = content[1:-1]
        token = state.push("raw_inline", "", 0)
        token.content = content
        token.info = found[1].lower()
    state.pos = found.end()
    return True


def _raw_tex_inline(state: StateInline, silent: bool) -> bool:
    """A TeX command such as `\\cite{x}` or `\\newpage`: Pandoc's raw_tex extension."""
    if state.src[state.pos] != "\\":
        return False
    found = _TEX_COMMAND.match(state.src, state.pos)
    if found is None:
        return False
    if not silent:
        token = state.push("raw_tex_inline", "", 0)
        token.content = found[0]
    state.pos = found.end()
    return True
