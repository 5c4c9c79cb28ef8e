//! A small XML writer: enough for GeoReport's documents, which are elements and text only.
//!
//! Tags are the module's own constants; text is escaped, and characters XML 1.0 cannot carry at
//! all (most control characters) are dropped rather than producing a document no client parses.

/// Builds one document, starting with the XML declaration the spec requires.
#[derive(Debug)]
pub struct XmlWriter {
    out: String,
}

impl Default for XmlWriter {
    fn default() -> Self {
        Self {
            out: String::from(r#"<?xml version="1.0" encoding="utf-8"?>"#),
        }
    }
}

impl XmlWriter {
    pub fn open(&mut self, tag: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
    }

    pub fn close(&mut self, tag: &str) {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    /// `<tag/>`: an absent value.
    pub fn empty(&mut self, tag: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push_str("/>");
    }

    /// `<tag>text</tag>`, the text escaped.
    pub fn leaf(&mut self, tag: &str, text: &str) {
        self.open(tag);
        escape_into(text, &mut self.out);
        self.close(tag);
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Appends `text` with `&`, `<`, `>`, `"` and `'` escaped and XML-illegal characters dropped.
pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

/// XML 1.0's `Char` production, less the whitespace handled above.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_illegal_characters_are_dropped() {
        let mut out = String::new();
        escape_into("a<b & \"c\" 'd'>\u{1}\n铝", &mut out);
        assert_eq!(out, "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\n铝");
    }

    #[test]
    fn a_document_starts_with_the_declaration() {
        let mut xml = XmlWriter::default();
        xml.open("errors");
        xml.leaf("code", "400");
        xml.empty("none");
        xml.close("errors");
        assert_eq!(
            xml.finish(),
            r#"<?xml version="1.0" encoding="utf-8"?><errors><code>400</code><none/></errors>"#
        );
    }
}
