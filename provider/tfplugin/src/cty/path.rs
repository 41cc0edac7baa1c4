//! Attribute paths into values, used to locate diagnostics and errors.

use std::fmt;

/// One step of a [`Path`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// An object attribute: `.name`.
    Attr(String),
    /// A map key: `["key"]`.
    Key(String),
    /// A list, tuple or set position: `[3]`.
    Index(i64),
}

/// A sequence of steps from the root of a value to one of its parts.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Path(pub Vec<PathStep>);

impl Path {
    /// The empty path, naming the whole value.
    pub fn root() -> Path {
        Path(Vec::new())
    }

    /// A new path with an attribute step appended.
    pub fn attr(&self, name: &str) -> Path {
        self.with(PathStep::Attr(name.to_owned()))
    }

    /// A new path with a map key step appended.
    pub fn key(&self, k: &str) -> Path {
        self.with(PathStep::Key(k.to_owned()))
    }

    /// A new path with an index step appended.
    pub fn index(&self, i: i64) -> Path {
        self.with(PathStep::Index(i))
    }

    /// Whether this is the root path.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    fn with(&self, step: PathStep) -> Path {
        let mut steps = Vec::with_capacity(self.0.len() + 1);
        steps.extend_from_slice(&self.0);
        steps.push(step);
        Path(steps)
    }
}

impl fmt::Display for Path {
    /// HCL-like rendering: `clusters[1].name`, `tags["env"]`; the root
    /// renders as the empty string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attr(name) if i == 0 => f.write_str(name)?,
                PathStep::Attr(name) => write!(f, ".{name}")?,
                PathStep::Key(k) => write!(f, "[{}]", serde_json::Value::String(k.clone()))?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Renders a path for error messages, naming the root explicitly.
pub(crate) fn describe(path: &Path) -> String {
    if path.is_root() {
        "root".to_owned()
    } else {
        path.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_hcl_like() {
        let p = Path::root().attr("clusters").index(1).attr("name");
        assert_eq!(p.to_string(), "clusters[1].name");
        let p = Path::root().attr("tags").key("env");
        assert_eq!(p.to_string(), "tags[\"env\"]");
        let p = Path::root().key("a\"b").index(0);
        assert_eq!(p.to_string(), "[\"a\\\"b\"][0]");
        assert_eq!(Path::root().to_string(), "");
        assert_eq!(describe(&Path::root()), "root");
    }

    #[test]
    fn builders_do_not_mutate() {
        let base = Path::root().attr("a");
        let child = base.index(2);
        assert_eq!(base.0.len(), 1);
        assert_eq!(
            child.0,
            vec![PathStep::Attr("a".into()), PathStep::Index(2)]
        );
        assert!(Path::root().is_root());
        assert_eq!(Path::default(), Path::root());
    }
}
