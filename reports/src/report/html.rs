//! Building blocks of self-contained HTML pages: the page skeleton with its inline style
//! sheet, escaped text, tables and plots embedded inline (SVG markup or a PNG `data:` URI).
//!
//! A page made of these refers to nothing outside itself: no links, scripts, style sheets,
//! fonts or images elsewhere, so one file can be mailed, attached to an issue or archived.

use base64::Engine as _;

/// The page's style sheet (inline; system fonts only).
const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1100px;\
padding:0 1em;color:#1d1d1f;line-height:1.4}\
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;\
padding-bottom:.2em}h3{margin-bottom:.3em}\
p.note{color:#555}\
table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:.92em}\
th,td{border:1px solid #d0d0d0;padding:.25em .7em;text-align:left;vertical-align:top}\
th{background:#f3f4f6}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\
td.better,td.worse{text-align:right;font-variant-numeric:tabular-nums}\
td.better{color:#116329;background:#eefbf0}td.worse{color:#a40e26;background:#fff0f0}\
figure{margin:1em 0 2em}figure svg,figure img{max-width:100%;height:auto;border:1px solid #eee}\
figcaption{color:#555;font-size:.9em}\
.runs{display:flex;flex-wrap:wrap;gap:0 2.5em}";

/// `s` with `& < > " '` escaped, safe in text and in quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A complete HTML5 document titled `title` with `body` (already HTML) as its body.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        escape(title)
    )
}

/// `<h2>title</h2>` followed by `inner` (HTML).
pub fn section(title: &str, inner: &str) -> String {
    format!(
        "<section>\n<h2>{}</h2>\n{inner}\n</section>\n",
        escape(title)
    )
}

/// A paragraph of plain text, shown as a note.
pub fn note(text: &str) -> String {
    format!("<p class=\"note\">{}</p>\n", escape(text))
}

/// A table cell: plain text and an optional CSS class (`num` aligns right; `better` and
/// `worse` colour a change).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub class: &'static str,
}

impl Cell {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            class: "",
        }
    }

    /// A number, right-aligned.
    pub fn num(s: impl Into<String>) -> Cell {
        Cell {
            text: s.into(),
            class: "num",
        }
    }

    /// This cell with CSS class `class` instead.
    pub fn with_class(mut self, class: &'static str) -> Cell {
        self.class = class;
        self
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::text(s)
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::text(s)
    }
}

fn cell(tag: &str, c: &Cell) -> String {
    if c.class.is_empty() {
        format!("<{tag}>{}</{tag}>", escape(&c.text))
    } else {
        format!("<{tag} class=\"{}\">{}</{tag}>", c.class, escape(&c.text))
    }
}

/// A table with a header row (`header`, may be empty) and `rows`; all text is escaped.
pub fn table(header: &[Cell], rows: &[Vec<Cell>]) -> String {
    let mut out = String::from("<table>\n");
    if !header.is_empty() {
        out.push_str("<thead><tr>");
        for c in header {
            out.push_str(&cell("th", c));
        }
        out.push_str("</tr></thead>\n");
    }
    out.push_str("<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for c in row {
            out.push_str(&cell("td", c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// A key/value table without header (e.g. settings).
pub fn kv_table(rows: &[(String, String)]) -> String {
    let rows: Vec<Vec<Cell>> = rows
        .iter()
        .map(|(k, v)| vec![Cell::text(k.as_str()), Cell::text(v.as_str())])
        .collect();
    table(&[], &rows)
}

/// An SVG document embedded in the page as markup, in a figure captioned `caption`. An XML
/// declaration or doctype before the `<svg` element is dropped (not allowed inside HTML).
pub fn inline_svg(svg: &str, caption: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let markup = svg[start..].replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-label=\"{}\"", escape(caption)),
        1,
    );
    format!(
        "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
        markup.trim_end(),
        escape(caption)
    )
}

/// A PNG image embedded as a `data:` URI, in a figure captioned `caption`.
pub fn inline_png(png: &[u8], caption: &str) -> String {
    format!(
        "<figure>\n<img alt=\"{0}\" src=\"data:image/png;base64,{1}\">\n\
         <figcaption>{0}</figcaption>\n</figure>\n",
        escape(caption),
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("µs Δ 99.9%"), "µs Δ 99.9%");
    }

    #[test]
    fn page_is_a_document_with_its_style_inline() {
        let p = page("a <b>", "<p>hi</p>");
        assert!(p.starts_with("<!DOCTYPE html>"));
        assert!(p.contains("<title>a &lt;b&gt;</title>"));
        assert!(p.contains("<style>") && p.contains("<p>hi</p>"));
        assert!(!p.contains("<link") && !p.contains("url(") && !p.contains("<script"));
    }

    #[test]
    fn tables_escape_and_classify_cells() {
        let t = table(
            &[Cell::text("metric"), Cell::num("Δ %")],
            &[vec![
                Cell::text("p99 <"),
                Cell::num("+1.0%").with_class("worse"),
            ]],
        );
        assert!(t.contains("<th>metric</th><th class=\"num\">Δ %</th>"));
        assert!(t.contains("<td>p99 &lt;</td><td class=\"worse\">+1.0%</td>"));
        let kv = kv_table(&[("url".into(), "http://x/".into())]);
        assert!(!kv.contains("<thead>") && kv.contains("<td>http://x/</td>"));
    }

    #[test]
    fn images_are_inline() {
        let f = inline_svg(
            "<?xml version=\"1.0\"?>\n<svg width=\"2\"></svg>\n",
            "a plot",
        );
        assert!(
            f.starts_with("<figure>\n<svg role=\"img\" aria-label=\"a plot\" width=\"2\"></svg>")
        );
        assert!(!f.contains("<?xml"));
        let g = inline_png(b"\x89PNG", "p");
        assert!(g.contains("src=\"data:image/png;base64,iVBORw==\""));
    }
}
