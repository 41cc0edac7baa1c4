//! The planning pipeline every resource gets for free, in the order Terraform's consistency rules
//! need: proposed state → defaults → write-only nulled → computed-unknown (only when something
//! changes) → declared modifiers. The resource's own hook runs after this.

use crate::cty::{Path, Value};
use crate::diag::Diagnostics;
use crate::plan_modifier::{AttributePlanRequest, AttributePlanResponse};
use crate::schema::{Attribute, Block, BlockNesting, Nesting};

/// The framework's part of a plan for an update or create (`prior` is `None` on create).
/// Diagnostics from declared modifiers go into `diags`.
pub fn plan_resource(
    block: &Block,
    config: &Value,
    prior: Option<&Value>,
    proposed: &Value,
    diags: &mut Diagnostics,
) -> (Value, Vec<Path>) {
    let mut planned = proposed.clone();
    apply_defaults(block, config, &mut planned);
    null_write_only(block, &mut planned);
    let changed = prior.is_none_or(|p| *p != planned);
    if changed {
        mark_computed_unknown(block, config, &mut planned);
    }
    let mut requires_replace = Vec::new();
    if let Some(prior) = prior {
        let mut run = ModifierRun {
            requires_replace: &mut requires_replace,
            diags,
        };
        run.block(block, &Path::root(), config, prior, &mut planned);
    }
    (planned, requires_replace)
}

fn attr_of<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.get(name).unwrap_or(&Value::Null)
}

fn apply_defaults(block: &Block, config: &Value, planned: &mut Value) {
    for a in &block.attributes {
        let cfg = attr_of(config, &a.name);
        if let (Some(default), true) = (&a.default, cfg.is_null())
            && let Some(slot) = planned.get_mut(&a.name)
        {
            *slot = default.clone();
        }
        if let Some((nesting, attrs)) = a.nested_attributes() {
            let nested_block = Block {
                attributes: attrs.to_vec(),
                ..Block::default()
            };
            if let Some(slot) = planned.get_mut(&a.name) {
                for_each_element(nesting_of(nesting), cfg, slot, |c, p| {
                    apply_defaults(&nested_block, c, p)
                });
            }
        }
    }
    for b in &block.blocks {
        let cfg = attr_of(config, &b.type_name);
        if let Some(slot) = planned.get_mut(&b.type_name) {
            for_each_element(b.nesting, cfg, slot, |c, p| apply_defaults(&b.block, c, p));
        }
    }
}

/// Write-only attributes, wherever they are nested, are planned null: Terraform keeps their
/// values out of plan and state and hands them to the provider only in the configuration.
fn null_write_only(block: &Block, planned: &mut Value) {
    for a in &block.attributes {
        let Some(slot) = planned.get_mut(&a.name) else {
            continue;
        };
        if a.write_only {
            *slot = Value::Null;
        } else if let Some((nesting, attrs)) = a.nested_attributes() {
            let nested = Block {
                attributes: attrs.to_vec(),
                ..Block::default()
            };
            for p in elements_mut(nesting_of(nesting), slot) {
                null_write_only(&nested, p);
            }
        }
    }
    for b in &block.blocks {
        if let Some(slot) = planned.get_mut(&b.type_name) {
            for p in elements_mut(b.nesting, slot) {
                null_write_only(&b.block, p);
            }
        }
    }
}

/// Every element of a nested collection (the object itself for single nesting).
fn elements_mut(nesting: BlockNesting, v: &mut Value) -> Vec<&mut Value> {
    match (nesting, v) {
        (BlockNesting::Single | BlockNesting::Group, p @ Value::Object(_)) => vec![p],
        (BlockNesting::List | BlockNesting::Set, Value::List(items) | Value::Set(items)) => {
            items.iter_mut().collect()
        }
        (BlockNesting::Map, Value::Map(items)) => items.values_mut().collect(),
        _ => Vec::new(),
    }
}

/// Computed attributes the configuration leaves null become "known after apply".
fn mark_computed_unknown(block: &Block, config: &Value, planned: &mut Value) {
    for a in &block.attributes {
        let cfg = attr_of(config, &a.name);
        // A defaulted attribute is known: its default was just planned.
        if a.computed && cfg.is_null() && a.default.is_none() {
            if let Some(slot) = planned.get_mut(&a.name) {
                *slot = Value::Unknown;
            }
            continue;
        }
        if let Some((nesting, attrs)) = a.nested_attributes() {
            let nested_block = Block {
                attributes: attrs.to_vec(),
                ..Block::default()
            };
            if let Some(slot) = planned.get_mut(&a.name) {
                for_each_element(nesting_of(nesting), cfg, slot, |c, p| {
                    mark_computed_unknown(&nested_block, c, p)
                });
            }
        }
    }
    for b in &block.blocks {
        let cfg = attr_of(config, &b.type_name);
        if let Some(slot) = planned.get_mut(&b.type_name) {
            for_each_element(b.nesting, cfg, slot, |c, p| {
                mark_computed_unknown(&b.block, c, p)
            });
        }
    }
}

/// Runs declared plan modifiers over a block, collecting replacement paths and diagnostics.
struct ModifierRun<'a> {
    requires_replace: &'a mut Vec<Path>,
    diags: &'a mut Diagnostics,
}

impl ModifierRun<'_> {
    fn block(
        &mut self,
        block: &Block,
        path: &Path,
        config: &Value,
        prior: &Value,
        planned: &mut Value,
    ) {
        for a in &block.attributes {
            self.attribute(a, &path.attr(&a.name), config, prior, planned);
        }
    }

    fn attribute(
        &mut self,
        a: &Attribute,
        path: &Path,
        config: &Value,
        prior: &Value,
        planned: &mut Value,
    ) {
        let before = attr_of(prior, &a.name);
        let cfg = attr_of(config, &a.name);
        let Some(slot) = planned.get_mut(&a.name) else {
            return;
        };
        if !a.modifiers.is_empty() {
            let req = AttributePlanRequest {
                path,
                config: cfg,
                prior: before,
            };
            let mut resp = AttributePlanResponse {
                planned: std::mem::replace(slot, Value::Null),
                requires_replace: false,
                diags: Diagnostics::new(),
            };
            for m in &a.modifiers {
                m.modify(&req, &mut resp);
            }
            *slot = resp.planned;
            if resp.requires_replace {
                self.requires_replace.push(path.clone());
            }
            self.diags.extend(resp.diags);
        }
        if let (Some((Nesting::Single, attrs)), Value::Object(_)) = (a.nested_attributes(), &*slot)
        {
            let nested = Block {
                attributes: attrs.to_vec(),
                ..Block::default()
            };
            self.block(&nested, path, cfg, before, slot);
        }
    }
}

fn nesting_of(n: Nesting) -> BlockNesting {
    match n {
        Nesting::Single => BlockNesting::Single,
        Nesting::List => BlockNesting::List,
        Nesting::Set => BlockNesting::Set,
        Nesting::Map => BlockNesting::Map,
    }
}

/// Visits pairs of (config element, planned element) of a nested collection. Set elements have no
/// identity to pair them by, so they are paired only when config and plan hold the same count in
/// the same order (the proposed state keeps config order).
fn for_each_element(
    nesting: BlockNesting,
    config: &Value,
    planned: &mut Value,
    mut f: impl FnMut(&Value, &mut Value),
) {
    match (nesting, planned) {
        (BlockNesting::Single | BlockNesting::Group, p @ Value::Object(_)) => f(config, p),
        (BlockNesting::List | BlockNesting::Set, Value::List(items) | Value::Set(items)) => {
            let cfg = config.as_list().unwrap_or(&[]);
            if cfg.len() == items.len() {
                for (c, p) in cfg.iter().zip(items.iter_mut()) {
                    f(c, p);
                }
            }
        }
        (BlockNesting::Map, Value::Map(items)) => {
            for (k, p) in items.iter_mut() {
                let c = config
                    .as_map()
                    .and_then(|m| m.get(k))
                    .unwrap_or(&Value::Null);
                f(c, p);
            }
        }
        _ => {}
    }
}

/// Runs every declared validator over a configuration, skipping null and unknown values
/// (Terraform itself enforces required/optional, also inside nested attributes).
pub fn validate_config(block: &Block, config: &Value, path: &Path, diags: &mut Diagnostics) {
    for a in &block.attributes {
        let v = attr_of(config, &a.name);
        let p = path.attr(&a.name);
        if v.is_unknown() || v.is_null() {
            continue;
        }
        let mut found = Diagnostics::new();
        for validator in &a.validators {
            validator.validate(v, &p, &mut found);
        }
        if a.sensitive {
            redact(&mut found, v);
        }
        diags.extend(found);
        if let Some((nesting, attrs)) = a.nested_attributes() {
            let nested = Block {
                attributes: attrs.to_vec(),
                ..Block::default()
            };
            visit_elements(nesting_of(nesting), v, &p, |elem, ep| {
                validate_config(&nested, elem, ep, diags)
            });
        }
    }
    for b in &block.blocks {
        let v = attr_of(config, &b.type_name);
        let p = path.attr(&b.type_name);
        visit_elements(b.nesting, v, &p, |elem, ep| {
            validate_config(&b.block, elem, ep, diags)
        });
    }
}

/// Write-only attributes set in a configuration for a Terraform that does not know them (before
/// 1.11): it would store the value in plan and state as an ordinary attribute. Refused, naming
/// the attribute, so a secret never reaches an old Terraform's state.
pub fn refuse_write_only(block: &Block, config: &Value, path: &Path, diags: &mut Diagnostics) {
    for a in &block.attributes {
        let p = path.attr(&a.name);
        if a.write_only && !attr_of(config, &a.name).is_null() {
            diags.error_at(
                p.clone(),
                "Write-only attribute needs Terraform 1.11 or later",
                format!(
                    "{p} is write-only: Terraform 1.11 and later keep it out of plan and state. This Terraform does not know write-only attributes and would store the value in state. Upgrade Terraform, or use the attribute's stored counterpart where the resource has one."
                ),
            );
        }
    }
    for b in &block.blocks {
        let v = attr_of(config, &b.type_name);
        let p = path.attr(&b.type_name);
        visit_elements(b.nesting, v, &p, |elem, ep| {
            refuse_write_only(&b.block, elem, ep, diags)
        });
    }
}

/// Validators print the offending value; for sensitive attributes the value must not reach the UI.
fn redact(diags: &mut Diagnostics, value: &Value) {
    let Some(secret) = value.as_str().filter(|s| !s.is_empty()) else {
        return;
    };
    for d in &mut diags.0 {
        d.summary = d.summary.replace(secret, "(sensitive value)");
        d.detail = d.detail.replace(secret, "(sensitive value)");
    }
}

fn visit_elements(nesting: BlockNesting, v: &Value, path: &Path, mut f: impl FnMut(&Value, &Path)) {
    if v.is_unknown() || v.is_null() {
        return;
    }
    match nesting {
        BlockNesting::Single | BlockNesting::Group => f(v, path),
        BlockNesting::List | BlockNesting::Set => {
            for (i, e) in v.as_list().unwrap_or(&[]).iter().enumerate() {
                f(e, &path.index(i as i64));
            }
        }
        BlockNesting::Map => {
            for (k, e) in v.as_map().into_iter().flatten() {
                f(e, &path.key(k));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cty::Type;
    use crate::schema::{Attribute, Block, Nesting};
    use crate::validators::{IntBetween, OneOf};

    fn block() -> Block {
        Block::new("test")
            .attr(
                Attribute::new("id", Type::String)
                    .computed()
                    .use_state_for_unknown(),
            )
            .attr(
                Attribute::new("size", Type::Number)
                    .default(Value::int(3))
                    .requires_replace(),
            )
            .attr(Attribute::new("label", Type::String).optional())
            .attr(Attribute::new("etag", Type::String).computed())
            .attr(
                Attribute::new("password", Type::String)
                    .optional()
                    .sensitive()
                    .write_only(),
            )
            .attr(Attribute::nested(
                "spec",
                Nesting::Single,
                vec![
                    Attribute::new("name", Type::String).required(),
                    Attribute::new("uid", Type::String).computed(),
                ],
            ))
    }

    fn obj(pairs: &[(&str, Value)]) -> Value {
        let ty = block().value_type();
        Value::object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone()))).conform(&ty)
    }

    #[test]
    fn create_applies_defaults_and_marks_computed_unknown() {
        let config = obj(&[
            ("label", Value::string("a")),
            ("password", Value::string("s3cret")),
        ]);
        let (planned, replace) =
            plan_resource(&block(), &config, None, &config, &mut Diagnostics::new());
        assert_eq!(planned.get("size"), Some(&Value::int(3)));
        assert_eq!(planned.get("id"), Some(&Value::Unknown));
        assert_eq!(planned.get("etag"), Some(&Value::Unknown));
        assert_eq!(
            planned.get("password"),
            Some(&Value::Null),
            "write-only must be planned null"
        );
        assert!(replace.is_empty());
    }

    #[test]
    fn write_only_members_of_nested_blocks_are_planned_null() {
        use crate::schema::{BlockNesting, NestedBlock};
        let b = Block::new("t").block(NestedBlock::new(
            "root",
            BlockNesting::Single,
            Block::new("r")
                .attr(Attribute::new("cert", Type::String).optional())
                .attr(
                    Attribute::new("key_wo", Type::String)
                        .optional()
                        .write_only(),
                ),
        ));
        let ty = b.value_type();
        let config = Value::object([(
            "root",
            Value::object([("cert", Value::string("c")), ("key_wo", Value::string("k"))]),
        )])
        .conform(&ty);
        let (planned, _) = plan_resource(&b, &config, None, &config, &mut Diagnostics::new());
        let root = planned.get("root").unwrap();
        assert_eq!(root.get("cert"), Some(&Value::string("c")));
        assert_eq!(root.get("key_wo"), Some(&Value::Null));
        assert!(crate::consistency::check_plan(&b, &config, &planned).is_empty());
    }

    #[test]
    fn unchanged_resource_plans_its_prior_state() {
        let prior = obj(&[
            ("id", Value::string("x")),
            ("size", Value::int(3)),
            ("label", Value::string("a")),
            ("etag", Value::string("e1")),
        ]);
        let config = obj(&[("label", Value::string("a"))]);
        let (planned, replace) = plan_resource(
            &block(),
            &config,
            Some(&prior),
            &prior,
            &mut Diagnostics::new(),
        );
        assert_eq!(planned, prior);
        assert!(replace.is_empty());
    }

    #[test]
    fn update_keeps_stable_computed_values_and_reknows_the_rest() {
        let prior = obj(&[
            ("id", Value::string("x")),
            ("size", Value::int(3)),
            ("label", Value::string("a")),
            ("etag", Value::string("e1")),
        ]);
        let config = obj(&[("label", Value::string("b"))]);
        let mut proposed = prior.clone();
        *proposed.get_mut("label").unwrap() = Value::string("b");
        let (planned, replace) = plan_resource(
            &block(),
            &config,
            Some(&prior),
            &proposed,
            &mut Diagnostics::new(),
        );
        assert_eq!(
            planned.get("id"),
            Some(&Value::string("x")),
            "use_state_for_unknown"
        );
        assert_eq!(planned.get("etag"), Some(&Value::Unknown));
        assert!(replace.is_empty());
    }

    #[test]
    fn replacing_attribute_is_reported_with_its_path() {
        let prior = obj(&[("id", Value::string("x")), ("size", Value::int(3))]);
        let config = obj(&[("size", Value::int(5))]);
        let mut proposed = prior.clone();
        *proposed.get_mut("size").unwrap() = Value::int(5);
        let (_, replace) = plan_resource(
            &block(),
            &config,
            Some(&prior),
            &proposed,
            &mut Diagnostics::new(),
        );
        assert_eq!(replace, vec![Path::root().attr("size")]);
    }

    #[test]
    fn nested_computed_members_become_unknown_on_create() {
        let spec = Value::object([("name", Value::string("n")), ("uid", Value::Null)]);
        let config = obj(&[("spec", spec)]);
        let (planned, _) = plan_resource(&block(), &config, None, &config, &mut Diagnostics::new());
        let spec = planned.get("spec").unwrap();
        assert_eq!(spec.get("name"), Some(&Value::string("n")));
        assert_eq!(spec.get("uid"), Some(&Value::Unknown));
        assert!(crate::consistency::check_plan(&block(), &config, &planned).is_empty());
    }

    #[test]
    fn validators_report_paths_inside_nested_lists_and_hide_secrets() {
        let b = Block::new("t")
            .attr(Attribute::nested(
                "items",
                Nesting::List,
                vec![
                    Attribute::new("kind", Type::String)
                        .optional()
                        .validate(OneOf(&["a", "b"])),
                ],
            ))
            .attr(
                Attribute::new("count", Type::Number)
                    .optional()
                    .validate(IntBetween(1, 3)),
            )
            .attr(
                Attribute::new("secret", Type::String)
                    .optional()
                    .sensitive()
                    .validate(OneOf(&["never"])),
            );
        let ty = b.value_type();
        let config = Value::object([
            (
                "items",
                Value::List(vec![
                    Value::object([("kind", Value::string("a"))]),
                    Value::object([("kind", Value::string("zzz"))]),
                ]),
            ),
            ("count", Value::Unknown),
            ("secret", Value::string("hunter2")),
        ])
        .conform(&ty);
        let mut d = Diagnostics::new();
        validate_config(&b, &config, &Path::root(), &mut d);
        assert_eq!(d.0.len(), 2, "{d:?}");
        assert_eq!(d.0[0].path.as_ref().unwrap().to_string(), "items[1].kind");
        assert!(d.0[0].detail.contains("\"zzz\""));
        assert!(
            !d.0[1].detail.contains("hunter2"),
            "sensitive value leaked: {}",
            d.0[1].detail
        );
    }
}
