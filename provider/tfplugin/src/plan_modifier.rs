//! Per-attribute plan modifiers: declared on an attribute (`.requires_replace()`,
//! `.use_state_for_unknown()`, `.modify_plan(..)`), run by the planning pipeline in declaration
//! order on every update plan. An open trait: a resource with its own rule writes a type (or a
//! closure with [`RequiresReplaceIf`]) instead of hand-diffing in its plan hook.

use crate::cty::{Path, Value};
use crate::diag::Diagnostics;

pub struct AttributePlanRequest<'a> {
    pub path: &'a Path,
    /// This attribute in the configuration (may be unknown).
    pub config: &'a Value,
    /// This attribute in the prior state.
    pub prior: &'a Value,
}

pub struct AttributePlanResponse {
    /// Starts as what the pipeline planned so far.
    pub planned: Value,
    pub requires_replace: bool,
    pub diags: Diagnostics,
}

pub trait PlanModifier: Send + Sync {
    fn modify(&self, req: &AttributePlanRequest<'_>, resp: &mut AttributePlanResponse);

    /// One sentence for the reference docs, e.g. "Changing it replaces the resource.".
    fn describe(&self) -> Option<&'static str> {
        None
    }
}

/// A change of this attribute replaces the resource.
pub struct RequiresReplace;

impl PlanModifier for RequiresReplace {
    fn modify(&self, req: &AttributePlanRequest<'_>, resp: &mut AttributePlanResponse) {
        if resp.planned != *req.prior {
            resp.requires_replace = true;
        }
    }

    fn describe(&self) -> Option<&'static str> {
        Some("Changing it replaces the resource.")
    }
}

/// A change replaces the resource when the rule says so (given prior and planned values).
pub struct RequiresReplaceIf<F> {
    pub rule: F,
    pub description: &'static str,
}

impl<F> PlanModifier for RequiresReplaceIf<F>
where
    F: Fn(&Value, &Value) -> bool + Send + Sync,
{
    fn modify(&self, req: &AttributePlanRequest<'_>, resp: &mut AttributePlanResponse) {
        if resp.planned != *req.prior && (self.rule)(req.prior, &resp.planned) {
            resp.requires_replace = true;
        }
    }

    fn describe(&self) -> Option<&'static str> {
        Some(self.description)
    }
}

/// A computed value that never changes once set: keep the prior value instead of "known after
/// apply". Not when the configuration itself is unknown: Terraform then requires an unknown plan.
pub struct UseStateForUnknown;

impl PlanModifier for UseStateForUnknown {
    fn modify(&self, req: &AttributePlanRequest<'_>, resp: &mut AttributePlanResponse) {
        if resp.planned.is_unknown() && !req.config.is_unknown() && !req.prior.is_null() {
            resp.planned = req.prior.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(m: &dyn PlanModifier, prior: Value, planned: Value) -> AttributePlanResponse {
        let path = Path::root().attr("x");
        let mut resp = AttributePlanResponse {
            planned,
            requires_replace: false,
            diags: Diagnostics::new(),
        };
        m.modify(
            &AttributePlanRequest {
                path: &path,
                config: &Value::Null,
                prior: &prior,
            },
            &mut resp,
        );
        resp
    }

    #[test]
    fn conditional_replacement_follows_its_rule() {
        let grow_only = RequiresReplaceIf {
            rule: |prior: &Value, planned: &Value| {
                planned.as_i64().unwrap_or(0) < prior.as_i64().unwrap_or(0)
            },
            description: "Shrinking it replaces the resource.",
        };
        assert!(run(&grow_only, Value::int(4), Value::int(2)).requires_replace);
        assert!(!run(&grow_only, Value::int(4), Value::int(8)).requires_replace);
        assert!(!run(&grow_only, Value::int(4), Value::int(4)).requires_replace);
    }

    #[test]
    fn an_unknown_configuration_stays_unknown() {
        // Found by fuzzing (plan): an optional+computed attribute set to a value not known yet
        // was planned as its prior value, which Terraform rejects as an invalid plan.
        let path = Path::root().attr("x");
        let mut resp = AttributePlanResponse {
            planned: Value::Unknown,
            requires_replace: false,
            diags: Diagnostics::new(),
        };
        let req = AttributePlanRequest {
            path: &path,
            config: &Value::Unknown,
            prior: &Value::string("a"),
        };
        UseStateForUnknown.modify(&req, &mut resp);
        assert_eq!(resp.planned, Value::Unknown);
    }

    #[test]
    fn unknown_takes_the_prior_value() {
        let r = run(&UseStateForUnknown, Value::string("a"), Value::Unknown);
        assert_eq!(r.planned, Value::string("a"));
        let r = run(&UseStateForUnknown, Value::Null, Value::Unknown);
        assert_eq!(r.planned, Value::Unknown);
    }
}
