//! The `timeouts { create = "60m" delete = "30m" }` block Terraform users know from other
//! providers: Go-style durations ("90s", "45m", "1h30m"), checked at plan.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tfplugin::schema::{BlockNesting, NestedBlock};
use tfplugin::validators::Check;
use tfplugin::{Attribute, Block, Diagnostics, Path, Type, Value};

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Timeouts {
    pub create: Option<String>,
    pub delete: Option<String>,
}

impl Timeouts {
    pub fn create_or(t: &Option<Timeouts>, default: Duration) -> Duration {
        t.as_ref()
            .and_then(|t| t.create.as_deref())
            .and_then(parse)
            .unwrap_or(default)
    }

    pub fn delete_or(t: &Option<Timeouts>, default: Duration) -> Duration {
        t.as_ref()
            .and_then(|t| t.delete.as_deref())
            .and_then(parse)
            .unwrap_or(default)
    }
}

/// "1h30m", "45m", "90s" → a duration; None when malformed or zero.
pub fn parse(s: &str) -> Option<Duration> {
    let mut total = 0u64;
    let mut digits = String::new();
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        total += n * match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
    }
    (digits.is_empty() && total > 0).then(|| Duration::from_secs(total))
}

fn duration_attr(name: &str, default: &str) -> Attribute {
    Attribute::new(name, Type::String)
        .optional()
        .validate(Check(|v: &Value, path: &Path, diags: &mut Diagnostics| {
            if let Some(s) = v.as_str()
                && parse(s).is_none()
            {
                diags.error_at(
                    path.clone(),
                    "Invalid duration",
                    format!("{path}: \"{s}\" is not a duration; write e.g. \"90s\", \"45m\" or \"1h30m\"."),
                );
            }
        }))
        .describe(&format!("How long to wait, e.g. \"45m\" or \"1h30m\". Default {default}."))
}

pub fn block(create_default: &str, delete_default: &str) -> NestedBlock {
    NestedBlock::new(
        "timeouts",
        BlockNesting::Single,
        Block::new("Limits for long operations; progress is logged meanwhile.")
            .attr(duration_attr("create", create_default))
            .attr(duration_attr("delete", delete_default)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_style_durations() {
        assert_eq!(parse("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse("45m"), Some(Duration::from_secs(2700)));
        assert_eq!(parse("45"), None);
        assert_eq!(parse("0s"), None);
        assert_eq!(parse("5d"), None);
        assert_eq!(parse(""), None);
    }
}
