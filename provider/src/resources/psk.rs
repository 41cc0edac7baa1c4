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

use tfplugin::framework::{
    Abilities, ApplyResponse, CreateRequest, DeleteRequest, Identity, IdentityAttribute,
    IdentitySchema, Import, ImportRequest, ImportResponse, ModifyPlan, PlanRequest, PlanResponse,
    ReadRequest, ReadResponse, UpdateRequest,
};
use tfplugin::validators::IntBetween;
use tfplugin::{
    Attribute, Block, Ctx, Diagnostic, Diagnostics, Field, Path, Resource, Schema, Type, Value,
    typed,
};

use crate::ProviderConfig;

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 64;
const DEFAULT_LENGTH: i64 = 32;
/// Private state entry set by import: an imported key has no keepers to compare against.
const IMPORTED_MARK: &str = "imported";

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

    async fn create(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        req: CreateRequest<'_>,
        resp: &mut ApplyResponse,
    ) -> Result<(), Diagnostics> {
        let mut s: State = typed::decode(req.planned)?;
        let length = s
            .length
            .unwrap_or(DEFAULT_LENGTH)
            .clamp(MIN_LENGTH as i64, MAX_LENGTH as i64);
        s.result = Some(generate(length as usize));
        s.id = Some(new_id());
        tracing::debug!(length, "generated a pre-shared key");
        resp.state = encode(&s)?;
        Ok(())
    }

    /// The key exists only in state: there is nothing remote to compare with.
    async fn read(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        _req: ReadRequest<'_>,
        _resp: &mut ReadResponse,
    ) -> Result<(), Diagnostics> {
        Ok(())
    }

    /// Only keepers adopted after an import, or an unchanged length, get here; the key stays.
    async fn update(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        req: UpdateRequest<'_>,
        resp: &mut ApplyResponse,
    ) -> Result<(), Diagnostics> {
        resp.state = req.planned.clone();
        Ok(())
    }

    async fn delete(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        _req: DeleteRequest<'_>,
    ) -> Result<(), Diagnostics> {
        Ok(())
    }

    fn abilities(&self) -> Abilities<'_, ProviderConfig> {
        Abilities {
            modify_plan: Some(self),
            import: Some(self),
            identity: Some(self),
            ..Default::default()
        }
    }
}

/// What decides the plan, read from the configuration as written (null and unknown apart).
#[derive(Deserialize)]
struct Configured {
    #[serde(default)]
    length: Field<i64>,
}

#[async_trait]
impl ModifyPlan<ProviderConfig> for Psk {
    async fn modify_plan(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        req: PlanRequest<'_>,
        resp: &mut PlanResponse,
    ) {
        let Some(prior) = req.prior else { return };
        let (Ok(before), Ok(now), Ok(configured)) = (
            typed::decode::<State>(prior),
            typed::decode::<Planned>(&resp.planned),
            typed::decode::<Configured>(req.config),
        ) else {
            return;
        };
        let imported = req.private.contains(IMPORTED_MARK);
        // An imported key had no keepers: adopting the configured ones must not replace it.
        if now.keepers != before.keepers.clone().into() && !(imported && before.keepers.is_none()) {
            resp.requires_replace.push(Path::root().attr("keepers"));
        }
        // Leaving `length` unset keeps an existing key (e.g. an imported 20-character one)
        // instead of replacing it to reach the default.
        if configured.length.is_null()
            && let Some(length) = before.length
        {
            resp.planned.set_attr("length", Value::int(length));
            resp.requires_replace
                .retain(|p| *p != Path::root().attr("length"));
        }
    }
}

/// The planned keepers, which may be unknown until apply.
#[derive(Deserialize)]
struct Planned {
    #[serde(default)]
    keepers: Field<BTreeMap<String, String>>,
}

#[async_trait]
impl Import<ProviderConfig> for Psk {
    /// The import id is the key itself, or `env:NAME` to read it from an environment variable so
    /// it stays out of shell history and Terraform's "Importing from ID" line. An import by
    /// identity names the variable in `key_env` and keeps the identity's `id`.
    async fn import(
        &self,
        _ctx: &Ctx<ProviderConfig>,
        req: ImportRequest<'_>,
        resp: &mut ImportResponse,
    ) -> Result<(), Diagnostics> {
        let key = match req.id.strip_prefix("env:") {
            Some(var) => std::env::var(var).map_err(|_| {
                Diagnostics::from(Diagnostic::error(
                    "Import variable not set",
                    format!(
                        "Import id \"env:{var}\" reads the key from the environment variable {var}, \
                         which is not set (or not valid UTF-8) in Terraform's environment."
                    ),
                ))
            })?,
            None => req.id.to_string(),
        };
        if let Some(problem) = check_key(&key) {
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
        let id = match req.identity.map(typed::decode::<PskIdentity>).transpose()? {
            Some(PskIdentity { id: Some(id), .. }) => id,
            _ => new_id(),
        };
        let state = State {
            id: Some(id),
            length: Some(key.chars().count() as i64),
            keepers: None,
            result: Some(key),
        };
        resp.state = encode(&state)?;
        resp.private.set(IMPORTED_MARK, &true);
        Ok(())
    }
}

/// `{ id, key_env }`: the key's random id, and (for an import only) the environment variable
/// that holds the key. The key itself is never part of an identity.
#[derive(Deserialize)]
struct PskIdentity {
    id: Option<String>,
    key_env: Option<String>,
}

impl Identity for Psk {
    fn identity_schema(&self) -> IdentitySchema {
        IdentitySchema::new(vec![
            IdentityAttribute::required(
                "id",
                Type::String,
                "The key's id (`psk-` and 16 hex digits when generated); an import keeps the one given.",
            ),
            IdentityAttribute::optional(
                "key_env",
                Type::String,
                "For an import: the environment variable holding the key. Not stored.",
            ),
        ])
    }

    fn identity_of(&self, state: &Value) -> Option<Value> {
        let id = state.get("id")?.as_str()?;
        Some(Value::object([
            ("id", Value::string(id)),
            ("key_env", Value::Null),
        ]))
    }

    fn import_id(&self, identity: &Value) -> Result<String, Diagnostics> {
        let i: PskIdentity = typed::decode(identity)?;
        if i.id.as_deref().is_none_or(str::is_empty) {
            return Err(Diagnostic::error(
                "Missing identity attribute",
                "identity.id is required: the id the imported key gets (e.g. the id it had in another state).",
            )
            .into());
        }
        match i.key_env.filter(|v| !v.is_empty()) {
            Some(var) => Ok(format!("env:{var}")),
            None => Err(Diagnostic::error(
                "Missing identity attribute",
                "identity.key_env must name the environment variable that holds the key: a key is a secret, so an identity never carries it.",
            )
            .into()),
        }
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
