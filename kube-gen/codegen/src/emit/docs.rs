//! Schema descriptions → rustdoc text: no accidental links, HTML tags or code blocks.

/// `description` as doc text: lines trimmed (an indented line would be a doc-test), `[`, `]`
/// and `<` escaped outside URLs, and bare URLs wrapped in `<...>` so they stay links.
pub(crate) fn doc_text(description: &str) -> String {
    trim_lines(description)
        .lines()
        .map(escape_line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` with every line trimmed and no leading or trailing blank lines; what the schema
/// generator makes of a doc comment.
pub(crate) fn trim_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines.join("\n").trim().to_owned()
}

fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
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
        for c in text.chars() {
            if matches!(c, '[' | ']' | '<') {
                out.push('\\');
            }
            out.push(c);
        }
        if url.is_empty() {
            break;
        }
        let end = url
            .find(|c: char| {
                c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`' | ')' | ']')
            })
            .unwrap_or(url.len());
        let link = url[..end].trim_end_matches(['.', ',', ';', ':']);
        if out.ends_with('<') {
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
        if rest.starts_with('>') && out.ends_with(link) {
            out.push('>');
            rest = &rest[1..];
        }
    }
    out
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
