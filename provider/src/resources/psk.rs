//! `multicloud_psk`: a VPN pre-shared key that AWS, GCP and Azure all accept.
//!
//! The strictest of the three is AWS: 8–64 characters of letters, digits, `.` and `_`, not starting
//! with `0`. Generated keys use letters and digits only (Azure's tooling and several on-premises
//! devices mishandle punctuation) and start with a letter; 32 characters of 62 symbols carry about
//! 190 bits. Imported keys may use `.` and `_`, as AWS allows.

use async_trait::async_trait;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use tfplugin::validators::IntBetween;
use tfplugin::{
    ApplyError, Attribute, Block, Ctx, Diagnostic, Diagnostics, Path, PlanRequest, Resource,
    Schema, Type, Value, typed,
};

use crate::ProviderConfig;

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 64;
const DEFAULT_LENGTH: i64 = 32;
/// Stored as private state by import: an imported key has no keepers to compare against.
const IMPORTED_MARK: &[u8] = b"imported";

pub struct Psk;

#[derive(Debug, Deserialize, Serialize)]
struct State {
    id: Option<String>,
    length: Option<i64>,
    keepers: Option<BTreeMap<String, String>>,
    result: Option<String>,
}

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "A VPN pre-shared key valid for AWS, GCP and Azure at once. The key lives only in Terraform state: \
             treat the state as secret.",
        )
        .attr(
            Attribute::new("id", Type::String)
                .computed()
                .use_state_for_unknown()
                .describe("A random identifier of this key (not derived from the key)."),
        )
        .attr(
            Attribute::new("length", Type::Number)
                .default(Value::int(DEFAULT_LENGTH))
                .validate(IntBetween(MIN_LENGTH as i64, MAX_LENGTH as i64))
                .requires_replace()
                .describe("Number of characters, 8 to 64 (AWS's limits)."),
        )
        .attr(
            Attribute::new("keepers", Type::map(Type::String))
                .optional()
                .describe("Arbitrary values; any change generates a new key (use it to rotate)."),
        )
        .attr(
            Attribute::new("result", Type::String)
                .computed()
                .sensitive()
                .use_state_for_unknown()
                .describe("The key: letters and digits, starting with a letter."),
        ),
    )
}

/// Why a key is not acceptable to all three clouds, or `None` when it is.
pub fn check_key(key: &str) -> Option<String> {
    let n = key.chars().count();
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&n) {
        return Some(format!("it has {n} characters; 8 to 64 are allowed"));
    }
    if let Some(bad) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '.' || *c == '_'))
    {
        let shown = if bad.is_ascii_graphic() {
            format!("'{bad}'")
        } else {
            "a space or non-ASCII character".into()
        };
        return Some(format!(
            "it contains {shown}; only letters, digits, '.' and '_' are allowed"
        ));
    }
    if key.starts_with('0') {
        return Some("it starts with '0', which AWS rejects".into());
    }
    None
}

pub fn generate(length: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const ALPHANUMERIC: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    (0..length)
        .map(|i| {
            let set = if i == 0 { LETTERS } else { ALPHANUMERIC };
            set[rng.random_range(0..set.len())] as char
        })
        .collect()
}

fn new_id() -> String {
    format!("psk-{:016x}", rand::random::<u64>())
}

fn encode(s: &State) -> Result<Value, Diagnostics> {
    typed::encode(s, &schema().value_type())
}

#[async_trait]
impl Resource<ProviderConfig> for Psk {
    fn name(&self) -> &'static str {
        "multicloud_psk"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn modify_plan(&self, _ctx: &Ctx<ProviderConfig>, req: &mut PlanRequest<'_>) {
        let Some(prior) = req.prior else { return };
        let keepers_path = Path::root().attr("keepers");
        let prior_keepers = prior.get("keepers").unwrap_or(&Value::Null);
        let planned_keepers = req.planned.get("keepers").cloned().unwrap_or(Value::Null);
        let imported = req.prior_private == IMPORTED_MARK;
        // An imported key had no keepers: adopting the configured ones must not replace it.
        if planned_keepers != *prior_keepers && !(imported && prior_keepers.is_null()) {
            req.requires_replace.push(keepers_path);
        }
        // Leaving `length` unset keeps an existing key (e.g. an imported 20-character one)
        // instead of replacing it to reach the default.
        if req.config.get("length").is_none_or(Value::is_null)
            && let Some(before) = prior.get("length")
        {
            req.planned.set_attr("length", before.clone());
            req.requires_replace
                .retain(|p| *p != Path::root().attr("length"));
        }
    }

    async fn create(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        planned: &Value,
    ) -> Result<Value, ApplyError> {
        let mut s: State = typed::decode(planned)?;
        let length = s
            .length
            .unwrap_or(DEFAULT_LENGTH)
            .clamp(MIN_LENGTH as i64, MAX_LENGTH as i64);
        s.result = Some(generate(length as usize));
        s.id = Some(new_id());
        tracing::debug!(length, "generated a pre-shared key");
        Ok(encode(&s)?)
    }

    async fn read(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        state: &Value,
    ) -> Result<Option<Value>, Diagnostics> {
        // The key exists only in state: there is nothing remote to compare with.
        Ok(Some(state.clone()))
    }

    async fn update(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        _prior: &Value,
        planned: &Value,
    ) -> Result<Value, ApplyError> {
        // Only keepers adopted after an import, or an unchanged length, get here; the key stays.
        Ok(planned.clone())
    }

    async fn delete(&self, _ctx: &Ctx<ProviderConfig>, _state: &Value) -> Result<(), Diagnostics> {
        Ok(())
    }

    /// The import id is the key itself, or `env:NAME` to read it from an environment variable so
    /// it stays out of shell history and Terraform's "Importing from ID" line.
    async fn import(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        id: &str,
    ) -> Result<(Value, Vec<u8>), Diagnostics> {
        let key = match id.strip_prefix("env:") {
            Some(var) => std::env::var(var).map_err(|_| {
                Diagnostics::from(Diagnostic::error(
                    "Import variable not set",
                    format!(
                        "Import id \"env:{var}\" reads the key from the environment variable {var}, \
                         which is not set (or not valid UTF-8) in Terraform's environment."
                    ),
                ))
            })?,
            None => id.to_string(),
        };
        let id = key.as_str();
        if let Some(problem) = check_key(id) {
            // Never echo the key itself: it is a secret even when it is wrong.
            return Err(Diagnostic::error(
                "Invalid pre-shared key",
                format!(
                    "The key given to import is not valid for AWS, GCP and Azure: {problem}. \
                     Import takes the key itself, or env:VARIABLE naming an environment variable that holds it."
                ),
            )
            .into());
        }
        let state = State {
            id: Some(new_id()),
            length: Some(id.chars().count() as i64),
            keepers: None,
            result: Some(id.to_string()),
        };
        Ok((encode(&state)?, IMPORTED_MARK.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generated_keys_are_valid_everywhere() {
        for len in MIN_LENGTH..=MAX_LENGTH {
            let k = generate(len);
            assert_eq!(k.len(), len);
            assert_eq!(check_key(&k), None, "{k}");
            assert!(k.as_bytes()[0].is_ascii_alphabetic());
        }
    }

    #[test]
    fn rejects_what_aws_rejects() {
        assert!(check_key("short").unwrap().contains("5 characters"));
        assert!(check_key("0abcdefgh").unwrap().contains("starts with '0'"));
        assert!(check_key("abcd-efgh").unwrap().contains("'-'"));
        assert!(
            check_key(&"a".repeat(65))
                .unwrap()
                .contains("65 characters")
        );
        assert_eq!(check_key("a.b_c1234"), None);
    }

    #[test]
    fn keys_differ() {
        assert_ne!(generate(32), generate(32));
    }

    proptest! {
        #[test]
        fn check_key_never_panics(s in ".{0,80}") {
            let _ = check_key(&s);
        }
    }
}
