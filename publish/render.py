"""Render: model + Jinja2 templates → markup.

The body is serialized here (a dispatch on node type, fast on long books); everything a
format decides, above all how a note call is drawn, comes from that format's templates
through the `note_call` macro. Templates are looked up in the project's `templates/`
folder first, then in the package's, in Jinja's sandbox.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from babel.dates import format_date, format_skeleton
from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    nodes,
    pass_context,
)
from jinja2.loaders import split_template_path
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from lxml import etree
from lxml import html as lxml_html
from markupsafe import Markup, escape

from publish import model as m
from publish import note_series
from publish.errors import PublishError, ResourceError, SourceLocation
from publish.files import MAX_TEXT_BYTES, project_path, read_file
from publish.labels import labels_for
from publish.sanitize import INLINE_TAGS
from publish.xref import NAMED_CLASS

NoteCall = Callable[[m.Footnote, int], str]


class _Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, which also refuses to build a huge string or list with `*` or `**`
    (`{{ 'x' * 10**10 }}` would otherwise take all the memory there is)."""

    intercepted_binops = frozenset({"*", "**"})
    MAX_PRODUCT = 10_000_000

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 1000:
            raise SecurityError(f"the power {right} is too large for a template")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                sized = isinstance(seq, str | bytes | list | tuple) and isinstance(times, int)
                if sized and len(seq) * times > self.MAX_PRODUCT:
                    raise SecurityError("a template cannot build a text or list that large")
        return super().call_binop(context, operator, left, right)


class CompiledTemplates(BytecodeCache):
    """Templates compiled once per process, not once per output: a worker or a server
    that writes many outputs compiles each template once (compiling is about a third of
    a short document's build). Jinja keys each by its name and file and checks its
    source's checksum, so a template that was edited is compiled again."""

    # A worker of a cluster reads each task's project templates from a folder of its own:
    # a long-lived process keeps the most recent ones only.
    KEPT = 256

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Any) -> None:
        if (compiled := self._compiled.get(bucket.key)) is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: Any) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()
        while len(self._compiled) > self.KEPT:  # the oldest first (dicts keep their order)
            del self._compiled[next(iter(self._compiled))]


_COMPILED = CompiledTemplates()


def template_environment(project_root: Path | None = None) -> Environment:
    """One environment per build: project overrides first, then the package's templates.

    Sandboxed: a project's template is not trusted code, so it cannot reach Python's
    internals (`''.__class__.__mro__`, `__globals__`…) to run a command or read a file.
    """
    loaders = [PackageLoader("publish", "templates")]
    if project_root is not None and (project_root / "templates").is_dir():
        loaders.insert(0, ProjectTemplateLoader(project_root))
    env = _Sandbox(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_COMPILED,
    )
    env.filters.update(
        blocks=_blocks_filter,
        inlines=_inlines_filter,
        lead_with=lead_with,
        labelled=note_series.labelled,
        note_marker=note_series.marker,
        long_date=long_date,
        plain=plain_text,
    )
    env.globals.update(
        labels_for=labels_for,
        heading_id=heading_id,
        end_series=note_series.end_series,
        endnotes_title=note_series.endnotes_title,
        note_rank=note_series.note_rank,
        series_label=note_series.series_label,
    )
    return env


class ProjectTemplateLoader(FileSystemLoader):
    """The project's `templates/`, each file read only if it is a regular file inside the
    project: a template that is a symlink to a file elsewhere, a FIFO, a device or a
    symlink loop is an error naming it, never read (nor silently replaced by the package's)."""

    def __init__(self, project_root: Path) -> None:
        super().__init__(project_root / "templates")
        self.project_root = project_root

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = Path(self.searchpath[0], *split_template_path(template))
        if not os.path.lexists(path):
            raise TemplateNotFound(template)
        where = SourceLocation(_shown(path))
        real = project_path(path, self.project_root, where, "template")
        data = read_file(real, where, MAX_TEXT_BYTES, "template")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ResourceError("the template is not UTF-8 text", where) from None
        mtime = real.stat().st_mtime
        return text, os.path.normpath(path), lambda: _mtime(real) == mtime


def template_problems(project_root: Path) -> list[PublishError]:
    """What would stop a build in the project's own templates, found without rendering
    (for `publish check`): a file that cannot be read, a syntax error, an include, import
    or extends of a template that does not exist, and templates that include each other
    in a ring. Each is a ResourceError at the template's line."""
    folder = project_root / "templates"
    if not folder.is_dir():
        return []
    env = template_environment(project_root)
    problems: list[PublishError] = []
    names = []
    for top, _dirs, files in os.walk(folder):  # a folder that is a link is not walked
        for file in sorted(files):
            if file.endswith(".j2"):
                names.append(Path(top, file).relative_to(folder).as_posix())
    graph: dict[str, list[tuple[str, int]]] = {}
    for name in sorted(names):
        problems.extend(_template_references(env, name, graph))
    problems.extend(_template_rings(env, sorted(names), graph))
    return problems


def _template_references(
    env: Environment, name: str, graph: dict[str, list[tuple[str, int]]]
) -> list[PublishError]:
    """Read and parse template `name`; note what it includes in `graph`; its problems."""
    graph[name] = []
    try:
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        tree = env.parse(source, name, filename)
    except TemplateSyntaxError as exc:
        path = exc.filename or name
        return [
            ResourceError(
                exc.message or "syntax error", SourceLocation(_shown(Path(path)), exc.lineno)
            )
        ]
    except PublishError as exc:
        return [exc]
    problems: list[PublishError] = []
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        targets = node.template.value if isinstance(node.template, nodes.Const) else None
        if isinstance(targets, str):
            targets = [targets]
        if not isinstance(targets, list | tuple):
            continue  # a name computed when rendering: the build tells
        for target in targets:
            try:
                env.loader.get_source(env, target)  # type: ignore[union-attr]
            except TemplateNotFound:
                if not getattr(node, "ignore_missing", False) and len(targets) == 1:
                    message = f"no template named '{target}' (a template includes only templates)"
                    problems.append(
                        ResourceError(message, SourceLocation(_shown(Path(filename)), node.lineno))
                    )
                continue
            except PublishError:
                continue  # told when that template is read
            graph[name].append((target, node.lineno))
    return problems


def _template_rings(
    env: Environment, names: list[str], graph: dict[str, list[tuple[str, int]]]
) -> list[PublishError]:
    """Each project template that leads back to itself through includes, imports or
    extends (the package's templates included): an error at its first step."""
    problems: list[PublishError] = []

    def references(name: str) -> list[tuple[str, int]]:
        if name not in graph:
            _template_references(env, name, graph)
        return graph[name]

    for start in names:
        for first, line in references(start):
            seen: set[str] = set()
            queue = [(first, (start, first))]
            ring = None
            while queue and ring is None:
                current, path = queue.pop()
                if current == start:
                    ring = path
                    break
                if current in seen:
                    continue
                seen.add(current)
                queue.extend((nxt, (*path, nxt)) for nxt, _ in references(current))
            if ring is not None:
                where = SourceLocation(_shown(Path(project_template_path(env, start))), line)
                steps = " → ".join(ring)
                problems.append(
                    ResourceError(
                        f"the template includes, imports or extends itself ({steps})", where
                    )
                )
                break
    return problems


def project_template_path(env: Environment, name: str) -> str:
    try:
        return env.loader.get_source(env, name)[1]  # type: ignore[union-attr]
    except Exception:
        return name


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def _shown(path: Path) -> str:
    """A path relative to the working folder where possible (an error names it)."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def render_template(
    env: Environment, name: str, document: m.Document | m.Book, **context: object
) -> str:
    """Render `name` for a document (or a book's own pages) with its notes and labels.

    A `relink` callable in `context` maps each link's href to where it points in the output
    (None: the target is not in the book, so the words are kept without the link); on a
    page holding several documents' blocks, `relinks` maps each one's `id_prefix` to its own.
    """
    notes = {note.number: note for note in getattr(document, "notes", ())}
    return env.get_template(name).render(
        document=document,
        meta=document.meta,
        notes=notes,
        labels=labels_for(document.meta.lang),
        **context,
    )


def long_date(date: m.PartialDate, lang: str) -> str:
    """The date as a reader of `lang` writes it: «12 de febrero de 1936», «February 1936», «1936»."""
    locale = _locale(lang)
    if date.day is not None:
        return format_date(date.as_date(), "long", locale=locale)
    if date.month is not None:
        return format_skeleton("yMMMM", date.as_date(), locale=locale)
    return str(date.year)


def _locale(lang: str) -> str:
    return lang.replace("-", "_")


def heading_id(heading: m.Heading, prefix: str = "") -> str:
    """The heading's id as Pandoc gives it (`{#id}`, or made from its words); `prefix` keeps
    apart the documents of a book printed as one file. A heading made without the reader
    has no id: its source line stands in."""
    return f"{prefix}{heading.attrs.id or f'h{heading.line}'}"


def plain_text(inlines: Iterable[m.Inline]) -> str:
    """The text of inlines without markup (for <title>, metadata, bookmarks)."""
    return "".join(_plain(node) for node in inlines)


def _plain(node: m.Inline) -> str:
    match node:
        case m.Text(text) | m.Code(text):
            return text
        case m.SoftBreak() | m.LineBreak():
            return " "
        case m.Image(_, alt):
            return alt
        case m.Math(tex):
            return tex
        case m.NoteRef():
            return ""
    return plain_text(getattr(node, "children", ()))


@pass_context
def _blocks_filter(
    context: Context,
    blocks: Iterable[m.Block],
    phrasing: bool = False,
    id_prefix: str | None = None,
    math: str = "mathml",
) -> Markup:
    """`id_prefix` stands for the page's where one page holds several documents' blocks
    (a book's endnotes); `math` is "mathml" (EPUB) or "svg" (print)."""
    return Markup(_serializer(context, phrasing, id_prefix, math).blocks(blocks))


def lead_with(body: Markup, lead: Markup) -> Markup:
    """`lead` (a note's number, the link back to its call) opening the first paragraph of
    `body`, so that the number reads on the note's first line in every reader (MuPDF
    floats nothing); before `body` when the note opens with another block."""
    if body.startswith("<p>"):
        return Markup(f"<p>{lead} {str(body)[3:]}")
    return Markup(f"{lead}\n{body}")


@pass_context
def _inlines_filter(context: Context, inlines: Iterable[m.Inline], math: str = "mathml") -> Markup:
    return Markup(_serializer(context, False, math=math).inlines(inlines))


def _serializer(
    context: Context, phrasing: bool, id_prefix: str | None = None, math: str = "mathml"
) -> HtmlSerializer:
    macro = context.resolve("note_call")
    notes = context.resolve("notes")
    relink = context.get("relink") or _same_href
    prefix = (context.get("id_prefix") or "") if id_prefix is None else id_prefix
    relinks = context.get("relinks")  # a page of several documents' notes: each its own
    if id_prefix is not None and relinks:
        relink = relinks.get(id_prefix, relink)

    def note_call(note_ref: m.NoteRef) -> str:
        return str(macro(notes[note_ref.number], note_ref.call))

    return HtmlSerializer(note_call, phrasing, relink, prefix, math)


def _with_classes(attrs: str, *classes: str) -> str:
    """`attrs` with `classes` first in its class attribute: one class attribute, always."""
    if not classes:
        return attrs
    names = escape(" ".join(classes))
    if ' class="' in attrs:
        return attrs.replace(' class="', f' class="{names} ', 1)
    return f' class="{names}"{attrs}'


def _same_href(href: str) -> str:
    return href


# Tags for block content where only phrasing content is allowed (a page footnote floats
# from inside its call's paragraph, so its paragraphs become spans styled as blocks).
_PHRASING_TAGS = {
    "p": "span",
    "blockquote": "span",
    "ul": "span",
    "ol": "span",
    "li": "span",
    "pre": "span",
    "div": "span",
    "figure": "span",
    "figcaption": "span",
    "dl": "span",
    "dt": "span",
    "dd": "span",
    "table": "span",
    "caption": "span",
    "thead": "span",
    "tbody": "span",
    "tr": "span",
    "th": "span",
    "td": "span",
    **{f"h{level}": "span" for level in range(1, 7)},  # a heading in a note
}

# Attribute keys written as they are; any other `key=value` becomes `data-key` (as Pandoc
# writes HTML5), if it can be such a name. `width` and `height` size an image.
_VALID_VALUES = {
    "lang": re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*\Z"),
    "dir": re.compile(r"(ltr|rtl|auto)\Z"),
    "title": re.compile(r".*", re.DOTALL),
}
_DATA_NAME = re.compile(r"data-[a-z_][a-z0-9_.\-]*\Z")
_SIZES = ("width", "height")
_LENGTH = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(%|px|cm|mm|in|pt|pc|em|rem|ex|ch|vw|vh)?\Z")


def paragraph_classes(children: tuple[m.Inline, ...]) -> tuple[str, ...]:
    """A paragraph of one image (no alt text, so not a figure) is set like a figure, and
    one that opens with an image is not indented: the indent would push an image as wide
    as the column out of it."""
    if [type(child) for child in children] == [m.Image]:
        return ("image",)
    return ("starts-with-image",) if children and isinstance(children[0], m.Image) else ()


def image_style(attrs: m.Attributes) -> str:
    """`width=60%`, `height=5cm`, `width=300` (pixels) as a CSS declaration list."""
    declarations = []
    for key in _SIZES:
        found = _LENGTH.match(attrs.get(key))
        if found:
            declarations.append(f"{key}: {found[1]}{found[2] or 'px'}")
    return "; ".join(declarations)


def _phrasing_html(html: str) -> str:
    """Raw block HTML made phrasing content: a block tag inside a page footnote's span
    would end the span, and the note with it, so each becomes a span named by its class."""
    root = lxml_html.fragment_fromstring(html, create_parent="span")
    for element in root.iter():
        if element is not root and element.tag not in INLINE_TAGS:
            element.set("class", element.tag)
            element.tag = "span"
    inner = "".join(etree.tostring(child, method="xml", encoding="unicode") for child in root)
    return str(escape(root.text or "")) + inner


def math_markup(tex: str, display: bool, output: str) -> str:
    """TeX math as MathML (for the EPUB) or as an SVG image (for WeasyPrint); TeX that cannot
    be read is printed as written, in the math style (the reader has warned about it)."""
    from latex2mathml.converter import convert as latex_to_mathml  # only a text with math

    kind = "display" if display else "inline"
    try:
        if output == "svg":
            return _math_svg(tex, display)
        mathml = latex_to_mathml(tex, display="block" if display else "inline")
    except Exception:  # both libraries raise many kinds of error on TeX they cannot read
        return f'<code class="math {kind}">{escape(tex)}</code>'
    return _inert(mathml).replace("<math ", f'<math alttext="{escape(tex)}" ', 1)


def _inert(mathml: str) -> str:
    """MathML without what TeX can set on it and a book must not carry: `\\href{javascript:…}`
    becomes a link, `\\style{background:url(…)}` a fetch. Parsed only when such an
    attribute is there (most formulas have none)."""
    if not _MATHML_UNSAFE.search(mathml):
        return mathml
    root = etree.fromstring(mathml)
    for element in root.iter():
        for name in [n for n in element.attrib if _is_unsafe(etree.QName(n).localname)]:
            del element.attrib[name]
    return etree.tostring(root, encoding="unicode")


def _is_unsafe(attribute: str) -> bool:
    return attribute in ("href", "style", "src", "actiontype") or attribute.startswith("on")


_MATHML_UNSAFE = re.compile(r"\s(?:[\w.-]+:)?(?:href|style|src|actiontype|on\w+)=")


# ziamath draws at this size; the image is then sized in em, so it follows the text around.
_MATH_SIZE = 20.0


@functools.lru_cache(maxsize=4096)
def _math_svg(tex: str, display: bool) -> str:
    import ziamath  # loads its font: only a book with math pays for it

    # Paths drawn in place rather than glyphs <use>d from <symbol>s: a symbol's id would be
    # defined again by every formula using that glyph, and WeasyPrint warns of each.
    ziamath.config.svg2 = False
    svg = ziamath.Latex(tex, size=_MATH_SIZE, mathstyle="display" if display else "text").svg()
    found = _VIEW_BOX.search(svg)
    assert found is not None, "ziamath always sets a viewBox"
    _, min_y, width, height = (float(n) for n in found[1].split())
    depth = (height + min_y) / _MATH_SIZE  # below the baseline, which is y = 0
    # Inline, not a data: URL (the PDF writer fetches files of the project only); the size in
    # em, so that the math follows the size of the text around it (a note's is smaller).
    style = f"width: {width / _MATH_SIZE:.3f}em; height: {height / _MATH_SIZE:.3f}em; vertical-align: {-depth:.3f}em"
    kind = "display" if display else "inline"
    opening = f'<svg class="math {kind}" style="{style}" role="img" aria-label="{escape(tex)}" '
    image = svg.replace("<svg ", opening, 1)
    return f'<span class="math display">{image}</span>' if display else image


_VIEW_BOX = re.compile(r'viewBox="([^"]+)"')
_LONG_RUN_CHARS = 60  # longer than the words of a language, and about a line of A5
_RUN_STEP = 30
_LONG_RUN = re.compile(rf"\S{{{_LONG_RUN_CHARS + 1},}}")
_SPACES = re.compile(r"(\s+)")


class HtmlSerializer:
    """Model → XHTML fragments that are also valid HTML (for WeasyPrint)."""

    def __init__(
        self,
        note_call: Callable[[m.NoteRef], str],
        phrasing: bool = False,
        relink: Callable[[str], str | None] = _same_href,
        id_prefix: str = "",
        math: str = "mathml",
    ) -> None:
        self.note_call = note_call
        self.phrasing = phrasing
        self.relink = relink
        self.id_prefix = id_prefix
        self.math = math  # "mathml" (EPUB) or "svg" (WeasyPrint draws no MathML)
        self.for_print = math == "svg"

    def text(self, text: str) -> str:
        """Text, escaped; for print, a run of more than _LONG_RUN characters without a space
        (a URL, a checksum) may break every _RUN_STEP of them (`<wbr/>`): WeasyPrint would
        otherwise lay out the rest of such a run again for each of its lines, a time that
        grows with the square of its length."""
        if not self.for_print or not _LONG_RUN.search(text):
            return str(escape(text))
        return "".join(
            "<wbr/>".join(
                str(escape(part[start : start + _RUN_STEP]))
                for start in range(0, len(part), _RUN_STEP)
            )
            if len(part) > _LONG_RUN_CHARS
            else str(escape(part))
            for part in _SPACES.split(text)
        )

    def tag(self, name: str, body: str, attrs: str = "", classes: Iterable[str] = ()) -> str:
        if self.phrasing and name in _PHRASING_TAGS:
            attrs = _with_classes(attrs, name, *classes)
            return f"<{_PHRASING_TAGS[name]}{attrs}>{body}</{_PHRASING_TAGS[name]}>"
        return f"<{name}{_with_classes(attrs, *classes)}>{body}</{name}>"

    def attributes(self, attrs: m.Attributes, with_id: bool = True, titled: bool = False) -> str:
        """Pandoc's attributes as (X)HTML ones: the id (with the page's prefix), classes,
        `lang` (and `xml:lang`), `dir`, `title` (unless the element is `titled` already),
        and the other keys as `data-*`; a key given twice counts once, the last."""
        parts = []
        if attrs.id and with_id:
            parts.append(f' id="{escape(self.id_prefix + attrs.id)}"')
        if attrs.classes:
            parts.append(f' class="{escape(" ".join(attrs.classes))}"')
        for key, value in dict(attrs.pairs).items():
            if key == "title" and titled:
                continue
            if key in _VALID_VALUES and _VALID_VALUES[key].match(value):
                extra = f' xml:lang="{escape(value)}"' if key == "lang" else ""
                parts.append(f' {key}="{escape(value)}"{extra}')
            elif key not in _SIZES:
                name = key.lower() if key.lower().startswith("data-") else f"data-{key.lower()}"
                if _DATA_NAME.match(name):
                    parts.append(f' {name}="{escape(value)}"')
        return "".join(parts)

    def image(self, image: m.Image, in_figure: bool = False) -> str:
        """An <img>; in a figure, the figure carries its id and classes."""
        title = f' title="{escape(image.title)}"' if image.title else ""
        attrs = "" if in_figure else self.attributes(image.attrs, titled=bool(image.title))
        style = image_style(image.attrs)
        style = f' style="{style}"' if style else ""
        return f'<img src="{escape(image.src)}" alt="{escape(image.alt)}"{title}{attrs}{style}/>'

    def figure(self, figure: m.Figure) -> str:
        # The caption repeats the image's alt text: assistive technology reads it once.
        caption = self.tag("figcaption", self.inlines(figure.caption), ' aria-hidden="true"')
        body = self.image(figure.image, in_figure=True) + caption
        return self.tag("figure", body, self.attributes(figure.attrs))

    def blocks(self, blocks: Iterable[m.Block], tight: bool = False) -> str:
        # Inside a page footnote WeasyPrint 70 keeps every line end as a forced break.
        return ("" if self.phrasing else "\n").join(self.block(block, tight) for block in blocks)

    def block(self, block: m.Block, tight: bool = False) -> str:
        match block:
            case m.Paragraph(children):
                body = self.inlines(children)
                return body if tight else self.tag("p", body, classes=paragraph_classes(children))
            case m.Heading(level, children, _, attrs):
                anchor = heading_id(block, self.id_prefix)
                rest = self.attributes(attrs, with_id=False)
                body = self.inlines(children)
                return self.tag(f"h{level}", body, f' id="{escape(anchor)}"{rest}')
            case m.BlockQuote(children):
                return self.tag("blockquote", self.blocks(children))
            case m.ListBlock(items, ordered, start, list_tight):
                return self.list_block(items, ordered, start, list_tight)
            case m.CodeBlock(text, _, _, attrs):
                code = self.tag("code", self.text(text.rstrip("\n")))
                return self.tag("pre", code, self.attributes(attrs))
            case m.Figure():
                return self.figure(block)
            case m.ThematicBreak():
                return '<span class="hr"></span>' if self.phrasing else "<hr/>"
            case m.HtmlBlock(html):
                return self.tag(
                    "div", _phrasing_html(html) if self.phrasing else html, classes=("html",)
                )
            case m.Div(children, attrs):
                body = self.blocks(children)
                return self.tag(
                    "div",
                    body if self.phrasing else f"\n{body}\n",
                    self.attributes(attrs),
                )
            case m.LineBlock(lines):
                body = ("<br/>" if self.phrasing else "<br/>\n").join(
                    self.inlines(line) for line in lines
                )
                return self.tag("div", body, classes=("line-block",))
            case m.DefinitionList(items, _, dl_tight):
                return self.tag("dl", "".join(self.definition(item, dl_tight) for item in items))
            case m.Table():
                return self.table(block)
        raise TypeError(f"not a block: {block!r}")

    def list_block(
        self, items: tuple[m.ListItem, ...], ordered: bool, start: int, tight: bool
    ) -> str:
        body = "".join(self.tag("li", self.blocks(item.children, tight)) for item in items)
        if not ordered:
            return self.tag("ul", body)
        if start == 1:
            return self.tag("ol", body)
        if self.phrasing:  # a note's list numbers itself with a counter (see print.css)
            return self.tag("ol", body, f' style="counter-reset: note-item {start - 1}"')
        return self.tag("ol", body, f' start="{start}"')

    def definition(self, item: m.Definition, tight: bool) -> str:
        term = self.tag("dt", self.inlines(item.term))
        return term + "".join(self.tag("dd", self.blocks(d, tight)) for d in item.definitions)

    def table(self, table: m.Table) -> str:
        caption = self.tag("caption", self.inlines(table.caption)) if table.caption else ""
        parts = [self.tag("thead", self.rows(table.head, "th", table.aligns))] if table.head else []
        parts.append(self.tag("tbody", self.rows(table.body, "td", table.aligns)))
        attrs = self.attributes(table.attrs)
        if self.phrasing:  # WeasyPrint 70 lays out no table caption in a page footnote
            return caption + self.tag("table", "".join(parts), attrs)
        return self.tag("table", "\n".join([caption, *parts]).lstrip("\n"), attrs)

    def rows(self, rows: Iterable[m.TableRow], cell_tag: str, aligns: tuple[str, ...]) -> str:
        # Alignment by class, styled in each format's sheet: no inline styles in a book.
        def cell(index: int, cell: m.TableCell) -> str:
            align = aligns[index] if index < len(aligns) else ""
            return self.tag(
                cell_tag, self.inlines(cell.children), classes=(f"align-{align}",) if align else ()
            )

        return "".join(
            self.tag("tr", "".join(cell(i, c) for i, c in enumerate(row.cells))) for row in rows
        )

    def link(self, link: m.Link) -> str:
        href = link.href
        if href.startswith("#") and len(href) > 1:  # an element of this document
            href = f"#{self.id_prefix}{unquote(href[1:])}"
        target = self.relink(href)
        if target is None:
            return self.inlines(link.children)
        title_attr = f' title="{escape(link.title)}"' if link.title else ""
        attrs = self.attributes(link.attrs, titled=bool(link.title))
        # A cross-reference given no words prints only its page (the sheet's ::after).
        named = self.for_print and NAMED_CLASS in link.attrs.classes
        body = "" if named else self.inlines(link.children)
        return f'<a href="{escape(target)}"{title_attr}{attrs}>{body}</a>'

    def inlines(self, inlines: Iterable[m.Inline]) -> str:
        return "".join(self.inline(node) for node in inlines)

    def inline(self, node: m.Inline) -> str:
        match node:
            case m.Text(text):
                return self.text(text)
            case m.SoftBreak():
                return " " if self.phrasing else "\n"
            case m.LineBreak():
                return "<br/>"
            case m.Code(text, _, attrs):
                return f"<code{self.attributes(attrs)}>{self.text(text)}</code>"
            case m.Emphasis(children):
                return f"<em>{self.inlines(children)}</em>"
            case m.Strong(children):
                return f"<strong>{self.inlines(children)}</strong>"
            case m.Superscript(children):
                return f"<sup>{self.inlines(children)}</sup>"
            case m.Subscript(children):
                return f"<sub>{self.inlines(children)}</sub>"
            case m.Strikeout(children):
                return f"<del>{self.inlines(children)}</del>"
            case m.Span(children, attrs):
                return f"<span{self.attributes(attrs)}>{self.inlines(children)}</span>"
            case m.Link():
                return self.link(node)
            case m.Image():
                return self.image(node)
            case m.NoteRef():
                return self.note_call(node)
            case m.Math(tex, display):
                return math_markup(tex, display, self.math)
            case m.HtmlInline(tag, attrs, children):
                attributes = "".join(f' {key}="{escape(value)}"' for key, value in attrs)
                if not children and tag in ("br", "wbr"):
                    return f"<{tag}{attributes}/>"
                return f"<{tag}{attributes}>{self.inlines(children)}</{tag}>"
        raise TypeError(f"not an inline: {node!r}")
