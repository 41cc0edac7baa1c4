//! The planning pipeline with an arbitrary schema, as PlanResourceChange runs it: configuration,
//! prior state and proposed new state over the wire, validators, the write-only refusal, the
//! framework's plan, Terraform's plan rules, the planned state back over the wire, and an apply
//! result checked against the plan.

use arbitrary::Unstructured;

use super::draw::{self, ANY, KNOWN, Role};
use crate::consistency;
use crate::convert;
use crate::cty::{Path, Type, Value};
use crate::diag::Diagnostics;
use crate::plan as pipeline;
use crate::schema::{self, Block, BlockNesting, Nesting};

pub fn plan(data: &[u8]) {
    // Running out of bytes ends a case early; that is not a finding.
    let _ = run(&mut Unstructured::new(data));
}

fn run(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let block = draw::block(u, 2)?;
    let ty = block.value_type();
    // Values shaped like Terraform's, or (sometimes) anything the type can hold.
    let shaped = u.ratio(7, 8)?;
    let (config, prior) = if shaped {
        let config = draw::object(u, &block, Role::Config)?;
        let prior = if u.ratio(1, 2)? {
            draw::object(u, &block, Role::State)?
        } else {
            Value::Null
        };
        (config, prior)
    } else {
        (draw::value(u, &ty, ANY)?, draw::value(u, &ty, KNOWN)?)
    };
    let proposed = if shaped {
        proposed_new(&block, &prior, &config)
    } else {
        draw::value(u, &ty, ANY)?
    };
    // Terraform's rules hold only for schemas Terraform accepts and plans it could propose.
    let promises = shaped && schema::check(&block).is_empty();

    let (Some(config), Some(prior), Some(proposed)) = (
        over_the_wire(&config, &ty),
        over_the_wire(&prior, &ty),
        over_the_wire(&proposed, &ty),
    ) else {
        return Ok(());
    };
    let mut diags = Diagnostics::new();
    pipeline::validate_config(&block, &config, &Path::root(), &mut diags);
    pipeline::refuse_write_only(&block, &config, &Path::root(), &mut diags);
    if proposed.is_null() {
        return Ok(());
    }
    let prior = (!prior.is_null()).then_some(prior);
    let (planned, requires_replace) =
        pipeline::plan_resource(&block, &config, prior.as_ref(), &proposed, &mut diags);
    let planned = planned.conform(&ty);
    if !promises {
        return Ok(());
    }
    let problems = consistency::check_plan(&block, &config, &planned);
    assert!(
        problems.is_empty(),
        "Terraform would reject this plan: {problems:?}\nconfig {config:?}\nprior {prior:?}\nproposed {proposed:?}\nplanned {planned:?}"
    );
    for p in &requires_replace {
        assert!(
            planned.get_path(p).is_some(),
            "replacement path {p} is not in the plan"
        );
    }
    let sent = convert::encode(&planned, &ty)
        .unwrap_or_else(|d| panic!("planned {planned:?} cannot be sent: {d:?}"));
    let back = convert::decode(Some(&sent), &ty)
        .unwrap_or_else(|d| panic!("cannot read our own plan back: {d:?}"));
    assert_eq!(back, planned, "the plan changed over the wire");
    let applied = draw::resolve_unknowns(u, &planned, &ty)?;
    let problems = consistency::check_apply(&planned, &applied);
    assert!(
        problems.is_empty(),
        "an apply that only fills in unknowns is flagged: {problems:?}\nplanned {planned:?}\napplied {applied:?}"
    );
    Ok(())
}

/// Encodes as Terraform would send it, then decodes as the server does; `None` when the value
/// does not fit the type (the generator's "anything" mode), which Terraform would never send.
fn over_the_wire(v: &Value, ty: &Type) -> Option<Value> {
    let dv = convert::encode(v, ty).ok()?;
    Some(
        convert::decode(Some(&dv), ty)
            .unwrap_or_else(|d| panic!("cannot read our own encoding of {v:?}: {d:?}")),
    )
}

fn attr<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.get(name).unwrap_or(&Value::Null)
}

/// Terraform's proposed new state, simplified: the configuration, with computed attributes it
/// leaves null taking their prior values, and nested objects paired with their prior ones by
/// position (lists), key (maps) or not at all (sets).
fn proposed_new(block: &Block, prior: &Value, config: &Value) -> Value {
    if config.is_null() || config.is_unknown() {
        return config.clone();
    }
    let mut out = config.clone();
    for a in &block.attributes {
        let (c, p) = (attr(config, &a.name), attr(prior, &a.name));
        let v = if a.computed && c.is_null() {
            p.clone()
        } else if let Some((nesting, members)) = a.nested_attributes() {
            let nested = Block {
                attributes: members.to_vec(),
                ..Block::default()
            };
            let n = match nesting {
                Nesting::Single => BlockNesting::Single,
                Nesting::List => BlockNesting::List,
                Nesting::Set => BlockNesting::Set,
                Nesting::Map => BlockNesting::Map,
            };
            pair(&nested, n, p, c)
        } else {
            c.clone()
        };
        out.set_attr(&a.name, v);
    }
    for b in &block.blocks {
        let v = pair(
            &b.block,
            b.nesting,
            attr(prior, &b.type_name),
            attr(config, &b.type_name),
        );
        out.set_attr(&b.type_name, v);
    }
    out
}

fn pair(block: &Block, nesting: BlockNesting, prior: &Value, config: &Value) -> Value {
    match (nesting, config) {
        (BlockNesting::Single | BlockNesting::Group, _) => proposed_new(block, prior, config),
        (BlockNesting::List, Value::List(cs)) => Value::List(
            cs.iter()
                .enumerate()
                .map(|(i, c)| {
                    let p = prior
                        .as_list()
                        .and_then(|ps| ps.get(i))
                        .unwrap_or(&Value::Null);
                    proposed_new(block, p, c)
                })
                .collect(),
        ),
        (BlockNesting::Map, Value::Map(cs)) => Value::Map(
            cs.iter()
                .map(|(k, c)| {
                    let p = prior
                        .as_map()
                        .and_then(|ps| ps.get(k))
                        .unwrap_or(&Value::Null);
                    (k.clone(), proposed_new(block, p, c))
                })
                .collect(),
        ),
        _ => config.clone(),
    }
}
