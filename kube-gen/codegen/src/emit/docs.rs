//! Schema descriptions → rustdoc text: no accidental links, HTML tags or code blocks.

/// `description` as doc text: lines trimmed (an indented line would be a doc-test), `[`, `]`
/// and `<` escaped outside URLs, and bare URLs wrapped in `<...>` so they stay links.
pub(crate) fn doc_text(description: &str) -> String {
    let text = trim_lines(description);
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            out.push('\n');
        }
        escape_line(line, &mut out);
    }
    out
}

/// `text` with every line trimmed and no leading or trailing blank lines: a doc comment's
/// lines.
fn trim_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines().map(str::trim) {
        if line.is_empty() && out.is_empty() {
            continue; // a leading blank line
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    // trailing blank lines; every line is trimmed, so only their newlines are left
    out.truncate(out.trim_end_matches('\n').len());
    out
}

/// Appends `line` to `out`, escaped (see [`doc_text`]).
fn escape_line(line: &str, out: &mut String) {
    // Where this line starts in `out`: what the line wrote is all the checks below look at.
    let start = out.len();
    let mut rest = line;
    while !rest.is_empty() {
        let url_start = ["https://", "http://"]
            .iter()
            .filter_map(|scheme| rest.find(scheme))
            .min();
        let (text, url) = match url_start {
            Some(start) => rest.split_at(start),
            None => (rest, ""),
        };
        let mut plain = 0;
        for (i, c) in text.char_indices() {
            if matches!(c, '[' | ']' | '<') {
                out.push_str(&text[plain..i]);
                out.push('\\');
                out.push(c);
                plain = i + 1;
            }
        }
        out.push_str(&text[plain..]);
        if url.is_empty() {
            break;
        }
        let end = url
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`' | ')' | ']')
            })
            .unwrap_or(url.len());
        let link = url[..end].trim_end_matches(['.', ',', ';', ':']);
        if out[start..].ends_with('<') {
            out.pop();
            out.pop(); // the escaped `\<` becomes a real autolink `<`
            out.push('<');
            out.push_str(link);
        } else {
            out.push('<');
            out.push_str(link);
            out.push('>');
        }
        rest = &url[link.len()..];
        if rest.starts_with('>') && out[start..].ends_with(link) {
            out.push('>');
            rest = &rest[1..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_are_escaped_and_urls_kept_as_links() {
        assert_eq!(doc_text("a [b] <c>"), r"a \[b\] \<c>");
        assert_eq!(
            doc_text("see https://k8s.io/docs, [x]"),
            r"see <https://k8s.io/docs>, \[x\]"
        );
        assert_eq!(
            doc_text("More info: https://git.k8s.io/a/b.md#x."),
            "More info: <https://git.k8s.io/a/b.md#x>."
        );
        assert_eq!(doc_text("(https://x.io/a)"), "(<https://x.io/a>)");
        assert_eq!(doc_text("<https://x.io/a>"), "<https://x.io/a>");
    }

    #[test]
    fn indentation_is_removed_so_nothing_becomes_a_doc_test() {
        assert_eq!(doc_text("a\n    code\n\n  b\n"), "a\ncode\n\nb");
    }
}
