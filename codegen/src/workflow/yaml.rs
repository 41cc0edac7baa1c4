//! A small YAML writer for the generated workflow: mappings in insertion order, sequences,
//! scalars (quoted only where YAML would read them as something else), literal blocks for
//! scripts, and comment lines. Written here rather than through a YAML serializer because the
//! workflow explains itself in comments, which serde cannot carry.

/// A YAML value.
#[derive(Clone, Debug)]
pub enum Node {
    Scalar(String),
    /// `true` / `false`, unquoted (where GitHub wants a boolean, not a string).
    Bool(bool),
    Seq(Vec<Node>),
    Map(Map),
}

/// A mapping, its entries in the order written.
#[derive(Clone, Debug, Default)]
pub struct Map {
    /// `# ...` lines above the mapping when it is a sequence item (a step).
    comment: Vec<String>,
    entries: Vec<Entry>,
    /// A blank line between entries (top level, jobs).
    spaced: bool,
}

#[derive(Clone, Debug)]
struct Entry {
    comment: Vec<String>,
    key: String,
    value: Node,
}

impl Map {
    pub fn new() -> Self {
        Map::default()
    }

    /// `key: value`.
    pub fn with(mut self, key: &str, value: impl Into<Node>) -> Self {
        self.entries.push(Entry {
            comment: Vec::new(),
            key: key.into(),
            value: value.into(),
        });
        self
    }

    /// `key: value` when there is a value.
    pub fn opt(self, key: &str, value: Option<impl Into<Node>>) -> Self {
        match value {
            Some(v) => self.with(key, v),
            None => self,
        }
    }

    /// `key: value` with comment lines above it.
    pub fn commented<S: AsRef<str>>(
        mut self,
        comment: &[S],
        key: &str,
        value: impl Into<Node>,
    ) -> Self {
        self = self.with(key, value);
        if let Some(e) = self.entries.last_mut() {
            e.comment = comment.iter().map(|c| c.as_ref().to_string()).collect();
        }
        self
    }

    /// Comment lines above this mapping where it is a sequence item.
    pub fn comment(mut self, line: &str) -> Self {
        self.comment.push(line.into());
        self
    }

    /// A blank line between entries.
    pub fn spaced(mut self) -> Self {
        self.spaced = true;
        self
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl From<&str> for Node {
    fn from(s: &str) -> Node {
        Node::Scalar(s.into())
    }
}

impl From<String> for Node {
    fn from(s: String) -> Node {
        Node::Scalar(s)
    }
}

impl From<&String> for Node {
    fn from(s: &String) -> Node {
        Node::Scalar(s.clone())
    }
}

impl From<bool> for Node {
    fn from(b: bool) -> Node {
        Node::Bool(b)
    }
}

impl From<Map> for Node {
    fn from(m: Map) -> Node {
        Node::Map(m)
    }
}

impl From<Vec<Map>> for Node {
    fn from(items: Vec<Map>) -> Node {
        Node::Seq(items.into_iter().map(Node::Map).collect())
    }
}

/// A sequence of scalars.
pub fn strs<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> Node {
    Node::Seq(
        items
            .into_iter()
            .map(|s| Node::Scalar(s.as_ref().into()))
            .collect(),
    )
}

/// The document: `header` as comment lines, then the mapping.
pub fn document(header: &[String], root: &Map) -> String {
    let mut out = String::new();
    for line in header {
        push_comment(&mut out, 0, line);
    }
    write_map(&mut out, root, 0, false);
    out
}

fn push_comment(out: &mut String, indent: usize, line: &str) {
    let pad = " ".repeat(indent);
    if line.is_empty() {
        out.push_str(&format!("{pad}#\n"));
    } else {
        out.push_str(&format!("{pad}# {line}\n"));
    }
}

/// Writes `map` at `indent`; as a sequence item (`dash`), its first key follows `- `.
fn write_map(out: &mut String, map: &Map, indent: usize, dash: bool) {
    let pad = " ".repeat(indent);
    for (i, e) in map.entries.iter().enumerate() {
        if map.spaced && i > 0 {
            out.push('\n');
        }
        for c in &e.comment {
            push_comment(out, indent, c);
        }
        let lead = if dash && i == 0 {
            format!("{}- ", " ".repeat(indent - 2))
        } else {
            pad.clone()
        };
        let key = &e.key;
        match &e.value {
            Node::Scalar(s) if s.contains('\n') => {
                // A literal block keeps the script byte for byte; `|-` when it has no final newline.
                let chomp = if s.ends_with('\n') { "|" } else { "|-" };
                out.push_str(&format!("{lead}{key}: {chomp}\n"));
                for line in s.trim_end_matches('\n').split('\n') {
                    if line.is_empty() {
                        out.push('\n');
                    } else {
                        out.push_str(&format!("{pad}  {line}\n"));
                    }
                }
            }
            Node::Scalar(s) => out.push_str(&format!("{lead}{key}: {}\n", scalar(s))),
            Node::Bool(b) => out.push_str(&format!("{lead}{key}: {b}\n")),
            Node::Map(m) if m.is_empty() => out.push_str(&format!("{lead}{key}: {{}}\n")),
            Node::Map(m) => {
                out.push_str(&format!("{lead}{key}:\n"));
                write_map(out, m, indent + 2, false);
            }
            Node::Seq(items) if items.is_empty() => out.push_str(&format!("{lead}{key}: []\n")),
            Node::Seq(items) => match flow(items) {
                Some(line) => out.push_str(&format!("{lead}{key}: {line}\n")),
                None => {
                    out.push_str(&format!("{lead}{key}:\n"));
                    write_seq(out, items, indent + 2);
                }
            },
        }
    }
}

fn write_seq(out: &mut String, items: &[Node], indent: usize) {
    let pad = " ".repeat(indent);
    for item in items {
        match item {
            Node::Scalar(s) => out.push_str(&format!("{pad}- {}\n", scalar(s))),
            Node::Bool(b) => out.push_str(&format!("{pad}- {b}\n")),
            Node::Map(m) => {
                for c in &m.comment {
                    push_comment(out, indent, c);
                }
                write_map(out, m, indent + 2, true);
            }
            Node::Seq(inner) => {
                out.push_str(&format!("{pad}-\n"));
                write_seq(out, inner, indent + 2);
            }
        }
    }
}

/// `[a, b]` for a short list of plain scalars, the way workflows usually write `branches`.
fn flow(items: &[Node]) -> Option<String> {
    let mut parts = Vec::new();
    for item in items {
        match item {
            Node::Scalar(s) if plain(s) && !s.contains([',', '[', ']', '{', '}']) => {
                parts.push(s.as_str())
            }
            _ => return None,
        }
    }
    let line = format!("[{}]", parts.join(", "));
    (line.len() <= 60).then_some(line)
}

/// A scalar as written: plain where YAML reads it back as the same string, else double-quoted
/// (JSON's string syntax is YAML's double-quoted style).
pub fn scalar(s: &str) -> String {
    if plain(s) {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
    }
}

fn plain(s: &str) -> bool {
    const INDICATORS: &str = "-?:,[]{}#&*!|>'\"%@`";
    let Some(first) = s.chars().next() else {
        return false;
    };
    let lower = s.to_ascii_lowercase();
    // YAML 1.1 readers (PyYAML, some linters) take these as booleans or null.
    let special = [
        "true", "false", "yes", "no", "y", "n", "on", "off", "null", "~",
    ]
    .contains(&lower.as_str());
    !special
        && !INDICATORS.contains(first)
        && s.trim() == s
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.chars().any(char::is_control)
        && s.parse::<f64>().is_err()
        && !lower.starts_with("0x")
        && !lower.starts_with("0o")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_quoted_only_where_yaml_would_misread_them() {
        for (raw, written) in [
            ("ubuntu-latest", "ubuntu-latest"),
            ("${{ vars.AWS_ROLE_ARN }}", "${{ vars.AWS_ROLE_ARN }}"),
            ("github.event_name == 'push'", "github.event_name == 'push'"),
            ("1.15.5", "1.15.5"),
            ("1", "\"1\""),
            ("3.12", "\"3.12\""),
            ("true", "\"true\""),
            ("on", "\"on\""),
            ("!cancelled()", "\"!cancelled()\""),
            ("a: b", "\"a: b\""),
            ("x #y", "\"x #y\""),
            ("", "\"\""),
            ("*.tf", "\"*.tf\""),
        ] {
            assert_eq!(scalar(raw), written, "{raw}");
        }
    }

    #[test]
    fn nesting_sequences_blocks_and_comments() {
        let doc = Map::new().spaced().with("name", "w").commented(
            &["the jobs"],
            "jobs",
            Map::new().with(
                "a",
                Map::new().with("needs", strs(["b", "c"])).with(
                    "steps",
                    vec![
                        Map::new()
                            .comment("first")
                            .with("uses", "x@v1")
                            .with("with", Map::new().with("k", "v")),
                        Map::new().with("run", "echo a\n\necho b\n"),
                    ],
                ),
            ),
        );
        assert_eq!(
            document(&["header".into()], &doc),
            "# header\nname: w\n\n# the jobs\njobs:\n  a:\n    needs: [b, c]\n    steps:\n      # first\n      - uses: x@v1\n        with:\n          k: v\n      - run: |\n          echo a\n\n          echo b\n"
        );
    }
}
