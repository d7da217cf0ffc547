"""Render: model + Jinja2 templates → markup.

The body is serialized here (a dispatch on node type, fast on long books); everything a
format decides, above all how a note call is drawn, comes from that format's templates
through the `note_call` macro. Templates are looked up in the project's `templates/`
folder first, then in the package's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import unquote

from babel.dates import format_date, format_skeleton
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    pass_context,
)
from jinja2.runtime import Context
from markupsafe import Markup, escape

from publish import model as m
from publish.labels import labels_for

NoteCall = Callable[[m.Footnote, int], str]


def template_environment(project_root: Path | None = None) -> Environment:
    """One environment per build: project overrides first, then the package's templates."""
    loaders = [PackageLoader("publish", "templates")]
    if project_root is not None and (project_root / "templates").is_dir():
        loaders.insert(0, FileSystemLoader(project_root / "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        blocks=_blocks_filter, inlines=_inlines_filter, long_date=long_date, plain=plain_text
    )
    env.globals.update(labels_for=labels_for, heading_id=heading_id)
    return env


def render_template(
    env: Environment, name: str, document: m.Document | m.Book, **context: object
) -> str:
    """Render `name` for a document (or a book's own pages) with its notes and labels.

    A `relink` callable in `context` maps each link's href to where it points in the output
    (None: the target is not in the book, so the words are kept without the link).
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
        case m.NoteRef():
            return ""
    return plain_text(getattr(node, "children", ()))


@pass_context
def _blocks_filter(
    context: Context,
    blocks: Iterable[m.Block],
    phrasing: bool = False,
    id_prefix: str | None = None,
) -> Markup:
    """`id_prefix` stands for the page's where one page holds several documents' blocks
    (a book's endnotes)."""
    return Markup(_serializer(context, phrasing, id_prefix).blocks(blocks))


@pass_context
def _inlines_filter(context: Context, inlines: Iterable[m.Inline]) -> Markup:
    return Markup(_serializer(context, False).inlines(inlines))


def _serializer(context: Context, phrasing: bool, id_prefix: str | None = None) -> HtmlSerializer:
    macro = context.resolve("note_call")
    notes = context.resolve("notes")
    relink = context.get("relink") or _same_href
    prefix = (context.get("id_prefix") or "") if id_prefix is None else id_prefix

    def note_call(note_ref: m.NoteRef) -> str:
        return str(macro(notes[note_ref.number], note_ref.call))

    return HtmlSerializer(note_call, phrasing, relink, prefix)


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


def image_style(attrs: m.Attributes) -> str:
    """`width=60%`, `height=5cm`, `width=300` (pixels) as a CSS declaration list."""
    declarations = []
    for key in _SIZES:
        found = _LENGTH.match(attrs.get(key))
        if found:
            declarations.append(f"{key}: {found[1]}{found[2] or 'px'}")
    return "; ".join(declarations)


class HtmlSerializer:
    """Model → XHTML fragments that are also valid HTML (for WeasyPrint)."""

    def __init__(
        self,
        note_call: Callable[[m.NoteRef], str],
        phrasing: bool = False,
        relink: Callable[[str], str | None] = _same_href,
        id_prefix: str = "",
    ) -> None:
        self.note_call = note_call
        self.phrasing = phrasing
        self.relink = relink
        self.id_prefix = id_prefix

    def tag(self, name: str, body: str, attrs: str = "") -> str:
        if self.phrasing and name in _PHRASING_TAGS:
            span = _PHRASING_TAGS[name]
            if ' class="' in attrs:  # one class attribute: the tag's name first
                merged = attrs.replace(' class="', f' class="{name} ', 1)
                return f"<{span}{merged}>{body}</{span}>"
            return f'<{span} class="{name}"{attrs}>{body}</{span}>'
        return f"<{name}{attrs}>{body}</{name}>"

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
                return body if tight else self.tag("p", body)
            case m.Heading(level, children, _, attrs):
                anchor = heading_id(block, self.id_prefix)
                rest = self.attributes(attrs, with_id=False)
                return f'<h{level} id="{escape(anchor)}"{rest}>{self.inlines(children)}</h{level}>'
            case m.BlockQuote(children):
                return self.tag("blockquote", self.blocks(children))
            case m.ListBlock(items, ordered, start, list_tight):
                return self.list_block(items, ordered, start, list_tight)
            case m.CodeBlock(text, _, _, attrs):
                code = self.tag("code", str(escape(text.rstrip("\n"))))
                return self.tag("pre", code, self.attributes(attrs))
            case m.Figure():
                return self.figure(block)
            case m.ThematicBreak():
                return '<span class="hr"></span>' if self.phrasing else "<hr/>"
            case m.HtmlBlock(html):
                return self.tag("div", html, ' class="html"')
        raise TypeError(f"not a block: {block!r}")

    def list_block(
        self, items: tuple[m.ListItem, ...], ordered: bool, start: int, tight: bool
    ) -> str:
        body = "".join(self.tag("li", self.blocks(item.children, tight)) for item in items)
        if not ordered:
            return self.tag("ul", body)
        return self.tag("ol", body, f' start="{start}"' if start != 1 else "")

    def link(self, link: m.Link) -> str:
        href = link.href
        if href.startswith("#") and len(href) > 1:  # an element of this document
            href = f"#{self.id_prefix}{unquote(href[1:])}"
        target = self.relink(href)
        if target is None:
            return self.inlines(link.children)
        title_attr = f' title="{escape(link.title)}"' if link.title else ""
        attrs = self.attributes(link.attrs, titled=bool(link.title))
        return f'<a href="{escape(target)}"{title_attr}{attrs}>{self.inlines(link.children)}</a>'

    def inlines(self, inlines: Iterable[m.Inline]) -> str:
        return "".join(self.inline(node) for node in inlines)

    def inline(self, node: m.Inline) -> str:
        match node:
            case m.Text(text):
                return str(escape(text))
            case m.SoftBreak():
                return " " if self.phrasing else "\n"
            case m.LineBreak():
                return "<br/>"
            case m.Code(text, _, attrs):
                return f"<code{self.attributes(attrs)}>{escape(text)}</code>"
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
            case m.HtmlInline(tag, attrs, children):
                attributes = "".join(f' {key}="{escape(value)}"' for key, value in attrs)
                if not children and tag in ("br", "wbr"):
                    return f"<{tag}{attributes}/>"
                return f"<{tag}{attributes}>{self.inlines(children)}</{tag}>"
        raise TypeError(f"not an inline: {node!r}")
