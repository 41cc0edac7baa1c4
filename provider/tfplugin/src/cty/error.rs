//! The error type shared by the cty codecs.

use super::path::{Path, describe};

/// Why a value or type could not be encoded or decoded. Every variant names
/// the [`Path`] where the problem was found (`root` for the whole value).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CtyError {
    /// The value (or encoded data) has the wrong kind for the type.
    #[error("at {}: expected {expected}, found {found}", describe(.path))]
    TypeMismatch {
        path: Path,
        expected: String,
        found: String,
    },
    /// A tuple has the wrong number of elements.
    #[error("at {}: expected a tuple of {expected} elements, found {found} elements", describe(.path))]
    TupleLength {
        path: Path,
        expected: usize,
        found: usize,
    },
    /// An object lacks an attribute its type declares.
    #[error("at {}: expected attribute {name:?} required by the object type, found it missing", describe(.path))]
    MissingAttribute { path: Path, name: String },
    /// An object carries an attribute its type does not declare.
    #[error("at {}: expected only attributes of the object type, found unsupported attribute {name:?}", describe(.path))]
    UnexpectedAttribute { path: Path, name: String },
    /// A map or object repeats a key.
    #[error("at {}: expected unique keys, found {key:?} twice", describe(.path))]
    DuplicateKey { path: Path, key: String },
    /// An unknown value reached an encoding that cannot represent it.
    #[error("at {}: expected a known {expected} value (JSON cannot encode unknown values), found an unknown value", describe(.path))]
    UnknownInJson { path: Path, expected: String },
    /// A number is malformed or not representable.
    #[error("at {}: expected a finite decimal number, found {found}", describe(.path))]
    InvalidNumber { path: Path, found: String },
    /// A JSON type description is malformed.
    #[error("at {}: invalid type description: expected {expected}, found {found}", describe(.path))]
    InvalidType {
        path: Path,
        expected: String,
        found: String,
    },
    /// The msgpack bytes are malformed or truncated.
    #[error("at {}: malformed msgpack: expected {expected}, found {found}", describe(.path))]
    Msgpack {
        path: Path,
        expected: String,
        found: String,
    },
    /// The input nests deeper than the decoder allows.
    #[error("at {}: expected at most {limit} levels of nesting, found more", describe(.path))]
    TooDeep { path: Path, limit: usize },
    /// A collection is too large for the encoding.
    #[error("at {}: expected at most {limit} elements, found {found}", describe(.path))]
    TooLong {
        path: Path,
        limit: usize,
        found: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_path_and_expectation() {
        let e = CtyError::TypeMismatch {
            path: Path::root().attr("a").index(1),
            expected: "number".into(),
            found: "string".into(),
        };
        assert_eq!(e.to_string(), "at a[1]: expected number, found string");
        let e = CtyError::TupleLength {
            path: Path::root(),
            expected: 2,
            found: 3,
        };
        assert_eq!(
            e.to_string(),
            "at root: expected a tuple of 2 elements, found 3 elements"
        );
    }
}
