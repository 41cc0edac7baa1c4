//! A self-check of the rules Terraform enforces on plans and apply results ("Provider produced
//! invalid plan" / "inconsistent result after apply"). The server runs it when
//! `MULTICLOUD_SELF_CHECK=1` (the test suites set it), so a framework or resource bug fails loudly
//! in our tests with the attribute named, instead of surfacing as a Terraform core error for users.

use crate::cty::{Path, Value};
use crate::schema::{Block, BlockNesting, Nesting};

pub fn enabled() -> bool {
    std::env::var("MULTICLOUD_SELF_CHECK").is_ok_and(|v| v == "1")
}

/// Problems Terraform would reject in a planned value, given the configuration.
pub fn check_plan(block: &Block, config: &Value, planned: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check_plan_block(block, config, planned, &Path::root(), &mut out);
    out
}

fn get<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.get(name).unwrap_or(&Value::Null)
}

fn check_plan_block(
    block: &Block,
    config: &Value,
    planned: &Value,
    path: &Path,
    out: &mut Vec<String>,
) {
    if planned.is_unknown() || config.is_unknown() {
        return;
    }
    for a in &block.attributes {
        let c = get(config, &a.name);
        let p = get(planned, &a.name);
        let here = path.attr(&a.name);
        if a.write_only {
            if !p.is_null() {
                out.push(format!("{here}: write-only attribute planned non-null"));
            }
            continue;
        }
        let may_differ = a.computed && c.is_null();
        if let Some((nesting, attrs)) = a.nested_attributes()
            && !may_differ
        {
            // Nested objects may hold computed members of their own: compare member by member.
            let nested = Block {
                attributes: attrs.to_vec(),
                ..Block::default()
            };
            check_nested(&nested, nesting, c, p, &here, out);
            continue;
        }
        if !may_differ && c != p && !(c.is_unknown() && p.is_unknown()) {
            out.push(format!(
                "{here}: planned value differs from the configured value (only computed attributes left null in configuration may change)"
            ));
        }
        if p.is_unknown() && !a.computed && !c.is_unknown() {
            out.push(format!(
                "{here}: unknown planned for a non-computed attribute"
            ));
        }
    }
    for b in &block.blocks {
        let c = get(config, &b.type_name);
        let p = get(planned, &b.type_name);
        let here = path.attr(&b.type_name);
        match b.nesting {
            BlockNesting::List | BlockNesting::Set | BlockNesting::Map => {
                let cl = c.as_list().map(|l| l.len()).or(c.as_map().map(|m| m.len()));
                let pl = p.as_list().map(|l| l.len()).or(p.as_map().map(|m| m.len()));
                if p.is_null() {
                    out.push(format!(
                        "{here}: null planned for a block collection (must be empty, not null)"
                    ));
                } else if !c.is_unknown() && cl.unwrap_or(0) != pl.unwrap_or(0) {
                    out.push(format!(
                        "{here}: planned block count differs from configuration"
                    ));
                }
                if let (Some(cs), Some(ps)) = (c.as_list(), p.as_list())
                    && b.nesting == BlockNesting::List
                {
                    for (i, (ce, pe)) in cs.iter().zip(ps).enumerate() {
                        check_plan_block(&b.block, ce, pe, &here.index(i as i64), out);
                    }
                }
            }
            BlockNesting::Single | BlockNesting::Group => {
                if c.is_null() != p.is_null() && b.nesting == BlockNesting::Single {
                    out.push(format!("{here}: block presence differs from configuration"));
                } else if !(c.is_null() && p.is_null()) {
                    // An absent block has no nested blocks to check.
                    check_plan_block(&b.block, c, p, &here, out);
                }
            }
        }
    }
}

fn check_nested(
    block: &Block,
    nesting: Nesting,
    c: &Value,
    p: &Value,
    here: &Path,
    out: &mut Vec<String>,
) {
    if c.is_unknown() {
        return;
    }
    if c.is_null() != p.is_null() {
        out.push(format!(
            "{here}: planned presence differs from configuration"
        ));
        return;
    }
    match nesting {
        Nesting::Single => check_plan_block(block, c, p, here, out),
        Nesting::List | Nesting::Set => {
            let (cs, ps) = (c.as_list().unwrap_or(&[]), p.as_list().unwrap_or(&[]));
            if cs.len() != ps.len() {
                out.push(format!(
                    "{here}: planned element count differs from configuration"
                ));
            } else if nesting == Nesting::List {
                for (i, (ce, pe)) in cs.iter().zip(ps).enumerate() {
                    check_plan_block(block, ce, pe, &here.index(i as i64), out);
                }
            }
        }
        Nesting::Map => {
            let empty = Default::default();
            let (cm, pm) = (c.as_map().unwrap_or(&empty), p.as_map().unwrap_or(&empty));
            if cm.keys().ne(pm.keys()) {
                out.push(format!(
                    "{here}: planned map keys differ from configuration"
                ));
            } else {
                for (k, ce) in cm {
                    check_plan_block(block, ce, &pm[k], &here.key(k), out);
                }
            }
        }
    }
}

/// Problems Terraform would reject in an apply result: a known planned value that changed, or an
/// unknown left in the new state.
pub fn check_apply(planned: &Value, new_state: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check_apply_value(planned, new_state, &Path::root(), &mut out);
    out
}

fn check_apply_value(planned: &Value, actual: &Value, path: &Path, out: &mut Vec<String>) {
    if !actual.is_wholly_known() && !planned.is_unknown() {
        if let (Value::Object(p), Value::Object(a)) = (planned, actual) {
            for (k, pv) in p {
                check_apply_value(pv, a.get(k).unwrap_or(&Value::Null), &path.attr(k), out);
            }
            return;
        }
        out.push(format!("{path}: unknown value left after apply"));
        return;
    }
    if planned.is_unknown() {
        if !actual.is_wholly_known() {
            out.push(format!("{path}: unknown value left after apply"));
        }
        return;
    }
    match (planned, actual) {
        (Value::Object(p), Value::Object(a)) => {
            for (k, pv) in p {
                check_apply_value(pv, a.get(k).unwrap_or(&Value::Null), &path.attr(k), out);
            }
        }
        (Value::List(p), Value::List(a)) if p.len() == a.len() => {
            for (i, (pv, av)) in p.iter().zip(a).enumerate() {
                check_apply_value(pv, av, &path.index(i as i64), out);
            }
        }
        (Value::Map(p), Value::Map(a)) if p.len() == a.len() => {
            for (k, pv) in p {
                check_apply_value(pv, a.get(k).unwrap_or(&Value::Null), &path.key(k), out);
            }
        }
        _ if planned.is_wholly_known() && planned != actual => {
            out.push(format!(
                "{path}: planned a known value, apply returned a different one"
            ));
        }
        // A partly unknown collection: element-wise checks above cover the shapes we produce.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cty::Type;
    use crate::schema::Attribute;

    fn block() -> Block {
        Block::new("t")
            .attr(Attribute::new("name", Type::String).required())
            .attr(Attribute::new("id", Type::String).computed())
            .attr(Attribute::new("tier", Type::String).optional().computed())
    }

    fn v(name: Value, id: Value, tier: Value) -> Value {
        Value::object([("name", name), ("id", id), ("tier", tier)])
    }

    #[test]
    fn accepts_a_proper_plan() {
        let config = v(Value::string("a"), Value::Null, Value::Null);
        let planned = v(Value::string("a"), Value::Unknown, Value::Unknown);
        assert!(check_plan(&block(), &config, &planned).is_empty());
    }

    #[test]
    fn flags_what_terraform_rejects() {
        let config = v(Value::string("a"), Value::Null, Value::string("gold"));
        // A required attribute changed, and an optional+computed one set in config changed.
        let planned = v(Value::string("b"), Value::Unknown, Value::string("silver"));
        let problems = check_plan(&block(), &config, &planned);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("name:"));
        assert!(problems[1].starts_with("tier:"));
        // Unknown for a non-computed attribute.
        let planned = v(Value::Unknown, Value::Unknown, Value::string("gold"));
        assert!(
            check_plan(&block(), &config, &planned)
                .iter()
                .any(|p| p.contains("unknown planned"))
        );
    }

    #[test]
    fn an_absent_single_block_holding_block_collections_is_fine() {
        // Found by fuzzing (plan): a null single block was searched for its nested list blocks,
        // and their null was reported as "null planned for a block collection".
        use crate::schema::NestedBlock;
        let inner = Block::new("i").block(NestedBlock::new(
            "rule",
            BlockNesting::List,
            Block::new("r"),
        ));
        let b = Block::new("t").block(NestedBlock::new("root", BlockNesting::Single, inner));
        let absent = Value::object([("root", Value::Null)]);
        assert!(check_plan(&b, &absent, &absent).is_empty());
        // A present one still has its collections checked.
        let present = Value::object([("root", Value::object([("rule", Value::Null)]))]);
        assert_eq!(check_plan(&b, &present, &present).len(), 1);
    }

    #[test]
    fn apply_must_keep_known_values_and_resolve_unknowns() {
        let planned = v(Value::string("a"), Value::Unknown, Value::string("gold"));
        let good = v(
            Value::string("a"),
            Value::string("id-1"),
            Value::string("gold"),
        );
        assert!(check_apply(&planned, &good).is_empty());
        let changed = v(
            Value::string("a"),
            Value::string("id-1"),
            Value::string("silver"),
        );
        assert_eq!(
            check_apply(&planned, &changed),
            vec!["tier: planned a known value, apply returned a different one"]
        );
        let unresolved = v(Value::string("a"), Value::Unknown, Value::string("gold"));
        assert_eq!(
            check_apply(&planned, &unresolved),
            vec!["id: unknown value left after apply"]
        );
    }
}
