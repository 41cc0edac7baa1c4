//! Private state: bytes Terraform stores beside a resource's state and hands back on every plan,
//! apply and read, never shown to users. Kept as a JSON object of named entries so that several
//! concerns (an import mark, a cached lookup) can share it without knowing of each other.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Private {
    entries: BTreeMap<String, serde_json::Value>,
}

impl Private {
    /// Reads what Terraform stored. Empty means no entries. Bytes that are not a JSON object were
    /// written before entries had names (multicloud 0.1 stored the bare word `imported`): a bare
    /// word reads as that entry set to `true`, anything else is dropped.
    pub fn from_bytes(bytes: &[u8]) -> Private {
        if bytes.is_empty() {
            return Private::default();
        }
        if let Ok(entries) = serde_json::from_slice(bytes) {
            return Private { entries };
        }
        let mut p = Private::default();
        if let Ok(word) = std::str::from_utf8(bytes)
            && !word.is_empty()
            && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            p.entries
                .insert(word.to_string(), serde_json::Value::Bool(true));
        }
        p
    }

    /// What Terraform stores: nothing at all when there are no entries.
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.entries.is_empty() {
            Vec::new()
        } else {
            serde_json::to_vec(&self.entries).unwrap_or_default()
        }
    }

    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.entries
            .get(key)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    pub fn contains(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    pub fn set<T: Serialize>(&mut self, key: &str, value: &T) {
        if let Ok(v) = serde_json::to_value(value) {
            self.entries.insert(key.to_string(), v);
        }
    }

    pub fn remove(&mut self, key: &str) {
        self.entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_empty_stays_empty() {
        assert!(Private::default().to_bytes().is_empty());
        let mut p = Private::default();
        p.set("imported", &true);
        p.set("etag", &"abc");
        let back = Private::from_bytes(&p.to_bytes());
        assert_eq!(back.get::<bool>("imported"), Some(true));
        assert_eq!(back.get::<String>("etag").as_deref(), Some("abc"));
        assert_eq!(back, p);
    }

    #[test]
    fn a_bare_word_from_older_releases_is_an_entry() {
        let p = Private::from_bytes(b"imported");
        assert!(p.contains("imported"));
        assert!(Private::from_bytes(&[0xff, 0x00]).to_bytes().is_empty());
    }
}
