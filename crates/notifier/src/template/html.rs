//! Lays a plain-text email body out as HTML blocks for the `_layout.email.html` template.
//!
//! Deriving the HTML part from the text part keeps the two from saying different things, and
//! leaves one layout per locale to style instead of one HTML file per kind. Every string stays
//! plain text here; the layout's autoescaping makes it safe.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub(super) struct Block {
    /// `p` for a paragraph, `ul` for a run of `- ` lines.
    kind: &'static str,
    lines: Vec<Line>,
}

/// One line, with at most one link cut out of it so the layout can make it clickable.
#[derive(Debug, Serialize)]
pub(super) struct Line {
    before: String,
    href: Option<String>,
    after: String,
}

pub(super) fn blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut current_is_list = false;
    for line in text.lines().chain(std::iter::once("")) {
        let line = line.trim_end();
        let is_list = line.trim_start().starts_with("- ");
        // A blank line ends a block, and so does a switch between list items and prose, so
        // "议程：" followed by "- #1043 …" lines becomes a paragraph and a list.
        if (line.is_empty() || is_list != current_is_list) && !current.is_empty() {
            blocks.push(block(&current, current_is_list));
            current.clear();
        }
        if !line.is_empty() {
            current.push(line);
            current_is_list = is_list;
        }
    }
    blocks
}

fn block(lines: &[&str], is_list: bool) -> Block {
    let lines = lines
        .iter()
        .map(|l| {
            if is_list {
                l.trim_start().trim_start_matches("- ")
            } else {
                l
            }
        })
        .map(line)
        .collect();
    Block {
        kind: if is_list { "ul" } else { "p" },
        lines,
    }
}

fn line(text: &str) -> Line {
    let start = ["https://", "http://"]
        .iter()
        .filter_map(|scheme| text.find(scheme))
        .min();
    match start {
        Some(start) => {
            let end = text[start..]
                .find(char::is_whitespace)
                .map_or(text.len(), |e| start + e);
            Line {
                before: text[..start].to_owned(),
                href: Some(text[start..end].to_owned()),
                after: text[end..].to_owned(),
            }
        }
        None => Line {
            before: text.to_owned(),
            href: None,
            after: String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_separate_paragraphs_and_dash_runs_become_lists() {
        let b = blocks("第一段\n第二行\n\n- 甲\n- 乙\n\n\n尾\n议程：\n- 丙");
        let kinds: Vec<_> = b.iter().map(|b| b.kind).collect();
        assert_eq!(kinds, ["p", "ul", "p", "ul"]);
        assert_eq!(b[0].lines.len(), 2);
        assert_eq!(b[1].lines[1].before, "乙");
    }

    #[test]
    fn a_link_is_cut_out_of_its_line() {
        let l = line("查看：https://x.example/issues/1 谢谢");
        assert_eq!(l.before, "查看：");
        assert_eq!(l.href.as_deref(), Some("https://x.example/issues/1"));
        assert_eq!(l.after, " 谢谢");
    }
}
