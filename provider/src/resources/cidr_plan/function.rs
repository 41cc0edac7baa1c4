//! `provider::multicloud::cidr_subnets(base_cidr, clusters, reserved)` (Terraform 1.8+): the
//! address plan of `data "multicloud_cidr_plan"` as a function, for use anywhere an expression
//! goes (locals, module arguments) without a data source read.

use tfplugin::function::{Function, FunctionError, Param, Signature};
use tfplugin::{Diagnostic, Type, Value, typed};

use super::{allocations, requests, schema};

pub struct CidrSubnets;

/// Which argument a problem is about (by the attribute its path starts with), and its text with
/// the path in front, since a function error has no path of its own.
fn function_error(d: &Diagnostic) -> FunctionError {
    let path = d.path.clone().unwrap_or_default();
    let argument = match path.to_string() {
        p if p.starts_with("clusters") => 1,
        p if p.starts_with("reserved") => 2,
        _ => 0,
    };
    let text = if d.detail.starts_with(&path.to_string()) {
        d.detail.clone()
    } else {
        format!("{path}: {}", d.detail)
    };
    FunctionError::argument(argument, text)
}

impl Function for CidrSubnets {
    fn name(&self) -> &'static str {
        "cidr_subnets"
    }

    fn signature(&self) -> Signature {
        Signature {
            params: vec![
                Param::new(
                    "base_cidr",
                    Type::String,
                    "The IPv4 range everything is drawn from, e.g. `10.0.0.0/8`.",
                ),
                Param::new(
                    "clusters",
                    Type::Dynamic,
                    "A list of objects as `multicloud_cidr_plan`'s `clusters`: `name`, `cloud`, `region`, and optionally `network_prefix`, `subnet_prefix`, `pod_prefix`, `service_prefix`, `zones`. Append new clusters at the end.",
                ),
                Param {
                    allow_null: true,
                    ..Param::new(
                        "reserved",
                        Type::list(Type::String),
                        "Ranges to leave alone (null for none).",
                    )
                },
            ],
            return_type: schema().attribute_type("allocations"),
            summary: "Non-overlapping network, subnet, pod and service ranges for clusters in AWS, GCP and Azure.",
            description: "The same deterministic plan as `data \"multicloud_cidr_plan\"`, checked against each cloud's range rules: \
                          by cluster name, `network_cidr`, `subnet_cidrs`, `pod_cidr` and `service_cidr`. Appending a cluster never \
                          moves the others.",
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
        let config = Value::object([
            ("base_cidr", arg(0)),
            ("clusters", arg(1)),
            ("reserved", arg(2)),
        ]);
        let first = |d: tfplugin::Diagnostics| match d.0.first() {
            Some(x) => function_error(x),
            None => FunctionError::argument(0, "the address plan failed"),
        };
        let inputs = requests(&config)
            .map_err(first)?
            .ok_or_else(|| FunctionError::argument(1, "clusters must be known."))?;
        let planned =
            allocations(&inputs.base, &inputs.reserved, &inputs.clusters).map_err(first)?;
        typed::encode(&planned, &schema().attribute_type("allocations")).map_err(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(name: &str, cloud: &str) -> Value {
        Value::object([
            ("name", Value::string(name)),
            ("cloud", Value::string(cloud)),
            ("region", Value::string("r1")),
        ])
    }

    #[test]
    fn plans_like_the_data_source_and_names_the_argument_at_fault() {
        let clusters = Value::Tuple(vec![cluster("eks", "aws"), cluster("gke", "gcp")]);
        let out = CidrSubnets
            .call(&[Value::string("10.0.0.0/8"), clusters, Value::Null])
            .unwrap();
        let eks = out.as_map().unwrap()["eks"].clone();
        assert_eq!(eks.get("network_cidr"), Some(&Value::string("10.0.0.0/16")));
        assert_eq!(eks.get("subnet_cidrs").unwrap().as_list().unwrap().len(), 3);

        let bad = Value::Tuple(vec![cluster("eks", "oracle")]);
        let err = CidrSubnets
            .call(&[Value::string("10.0.0.0/8"), bad, Value::Null])
            .unwrap_err();
        assert_eq!(err.argument, Some(1));
        assert!(err.text.contains("clusters[0].cloud"), "{err:?}");
    }
}
