// Geometry a reader's eye needs, shared by the harness pages: which parts of an element in
// a book's document (inside the engine's iframes, shadow roots and scrolled, clipped
// containers) are actually on screen, in the top page's coordinates, and where to click it.

const intersect = (a, b) => {
    const left = Math.max(a.left, b.left), top = Math.max(a.top, b.top)
    const right = Math.min(a.right, b.right), bottom = Math.min(a.bottom, b.bottom)
    return right > left && bottom > top ? { left, top, right, bottom } : null
}

const box = r => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom })

// The parent element of `el`, crossing shadow roots (open or closed) upward.
const up = el => el.parentElement ?? (el.parentNode instanceof ShadowRoot ? el.parentNode.host : null)

// The part of the rect `r` (in `win`'s viewport coordinates) seen on the top page, or null.
const onScreen = (r, win) => {
    let rect = box(r)
    while (win && win !== window.top) {
        const inner = { left: 0, top: 0, right: win.innerWidth, bottom: win.innerHeight }
        rect = intersect(rect, inner)
        if (!rect) return null
        const frame = win.frameElement
        if (!frame) return null
        const f = frame.getBoundingClientRect()
        const dx = f.left + frame.clientLeft, dy = f.top + frame.clientTop
        rect = { left: rect.left + dx, top: rect.top + dy, right: rect.right + dx, bottom: rect.bottom + dy }
        for (let el = up(frame); el; el = up(el)) {
            const style = el.ownerDocument.defaultView.getComputedStyle(el)
            if (style.visibility === 'hidden' || style.display === 'none') return null
            if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
                rect = intersect(rect, box(el.getBoundingClientRect()))
                if (!rect) return null
            }
        }
        win = frame.ownerDocument.defaultView
    }
    return intersect(rect, { left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight })
}

// The visible parts of the first element matching `selector` in any of `docs`.
export const visibleRects = (docs, selector) => {
    for (const doc of docs) {
        let el
        try { el = doc.querySelector(selector) } catch { return [] }
        if (!el) continue
        const win = doc.defaultView
        const style = win.getComputedStyle(el)
        if (style.display === 'none' || style.visibility === 'hidden') return []
        return [...el.getClientRects()].map(r => onScreen(r, win)).filter(Boolean)
    }
    return []
}

// Where a reader would click the element: the centre of its first visible part.
export const clickPoint = (docs, selector) => {
    const [r] = visibleRects(docs, selector)
    return r ? { x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2 } : null
}

// How much of the element is on screen (0 to 1, by area of its rects).
export const shownFraction = (docs, selector) => {
    for (const doc of docs) {
        const el = doc.querySelector(selector)
        if (!el) continue
        const all = [...el.getClientRects()]
        const area = rs => rs.reduce((s, r) => s + (r.right - r.left) * (r.bottom - r.top), 0)
        const total = area(all)
        return total ? area(visibleRects([doc], selector)) / total : 0
    }
    return 0
}

export const textOf = docs => docs.map(d => d.body?.textContent ?? '').join(' ').replace(/\s+/g, ' ')

// What every harness answers about the documents on screen (`docs()` lists them); an
// engine that pops nothing up has no popup to read.
export const probes = docs => ({
    rects: selector => visibleRects(docs(), selector),
    shown: selector => shownFraction(docs(), selector),
    point: selector => clickPoint(docs(), selector),
    popupText: () => null,
    popupPoint: () => null,
    text: () => textOf(docs()),
})

// The elements a reader sees after the chapter's last paragraph of running text: visible
// text, or a visible border/box (an empty heading, an empty rule); foliate's hidden notes
// must leave none of them.
// The chapter's last paragraph of running text (not a note, not a heading).
export const lastText = doc => {
    const win = doc.defaultView
    const isNote = el => el.closest('aside, [role~="doc-footnote"], [role~="doc-endnote"], [role~="doc-endnotes"]')
    return [...doc.body.querySelectorAll('p, blockquote, li')]
        .filter(p => !isNote(p) && !p.closest('section.notes'))
        .filter(p => win.getComputedStyle(p).display !== 'none' && p.getClientRects().length)
        .filter(p => p.textContent.trim())
        .at(-1)
}

// Whether any part of the element is on screen.
export const elementShown = el => !!el
    && [...el.getClientRects()].some(r => onScreen(r, el.ownerDocument.defaultView))

export const leftoversAfterText = doc => {
    const win = doc.defaultView
    const isNote = el => el.closest('aside, [role~="doc-footnote"], [role~="doc-endnote"], [role~="doc-endnotes"]')
    const paragraphs = [...doc.body.querySelectorAll('p, blockquote, li, h1, h2, h3, h4, h5, h6')]
        .filter(p => !isNote(p) && !p.closest('section.notes'))
        .filter(p => win.getComputedStyle(p).display !== 'none' && p.getClientRects().length)
        .filter(p => p.textContent.trim() && !/^h\d$/i.test(p.localName))
    const last = paragraphs.at(-1)
    if (!last) return []
    const out = []
    for (const el of doc.body.querySelectorAll('*')) {
        if (!(last.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)) continue
        if (last.contains(el)) continue
        const style = win.getComputedStyle(el)
        if (style.display === 'none' || style.visibility === 'hidden' || !el.getClientRects().length) continue
        const rect = el.getBoundingClientRect()
        const ownText = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
        const borders = ['Top', 'Bottom', 'Left', 'Right'].filter(side =>
            parseFloat(style[`border${side}Width`]) > 0 && style[`border${side}Style`] !== 'none')
        if (ownText || borders.length)
            out.push({
                element: `${el.localName}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).replace(/\s+/g, '.') : ''}`,
                text: ownText ? el.textContent.trim().slice(0, 40) : '',
                borders: borders.join(' '),
                height: Math.round(rect.height),
            })
    }
    return out
}

// A promise for the next `name` event of `target` (with a time limit).
export const once = (target, name, ms = 10000) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} event in ${ms} ms`)), ms)
    target.addEventListener(name, e => { clearTimeout(timer); resolve(e) }, { once: true })
})

export const frames = n => new Promise(resolve => {
    const step = k => k ? requestAnimationFrame(() => step(k - 1)) : resolve()
    step(n)
})
