//! `provider::multicloud::vpn_inside_cidrs(name, tunnel_count, cloud_a, cloud_b)` (Terraform
//! 1.8+): the inside /30s `multicloud_vpn_connection` gives a connection of that name between
//! those clouds when nothing else uses them, so firewalls, monitoring or another tool can know
//! the layout before anything exists.

use tfplugin::function::{Function, FunctionError, Param, Signature};
use tfplugin::{Type, Value};

use super::rules::{self, Cloud};
use super::topology;

pub struct VpnInsideCidrs;

/// The longest connection name `multicloud_vpn_connection` takes.
const NAME_MAX: usize = 40;

impl Function for VpnInsideCidrs {
    fn name(&self) -> &'static str {
        "vpn_inside_cidrs"
    }

    fn signature(&self) -> Signature {
        let cloud = "`aws`, `gcp` or `azure`.";
        Signature {
            params: vec![
                Param::new("name", Type::String, "The connection's name."),
                Param::new(
                    "tunnel_count",
                    Type::Number,
                    "4 or 2, as the connection's `tunnel_count`.",
                ),
                Param::new("cloud_a", Type::String, cloud),
                Param::new("cloud_b", Type::String, cloud),
            ],
            return_type: Type::list(Type::String),
            summary: "The inside /30 per tunnel a multicloud_vpn_connection of this name allocates.",
            description: "Allocated from the name, inside the range both clouds accept (169.254.21.0/24–169.254.22.0/24 with \
                          Azure, avoiding AWS's reserved /30s). A connection on a gateway that other connections already use \
                          skips their /30s, which this function cannot see: it gives the layout of the first connection between \
                          two gateways.",
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let text = |i: usize| args.get(i).and_then(Value::as_str).unwrap_or_default();
        let name = text(0);
        if let Some(p) = rules::name_problem(name, NAME_MAX) {
            return Err(FunctionError::argument(0, format!("name: {p}.")));
        }
        let n = args.get(1).and_then(Value::as_i64).unwrap_or(0);
        if let Some(p) = rules::tunnel_count_problem(n) {
            return Err(FunctionError::argument(1, format!("tunnel_count: {p}.")));
        }
        let cloud = |i: usize| {
            Cloud::parse(text(i)).ok_or_else(|| {
                FunctionError::argument(
                    i as i64,
                    format!(
                        "must be \"aws\", \"gcp\" or \"azure\"; got \"{}\".",
                        text(i)
                    ),
                )
            })
        };
        let (a, b) = (cloud(2)?, cloud(3)?);
        if a == b {
            return Err(FunctionError::argument(
                3,
                format!(
                    "cloud_a and cloud_b are both {a}; a multicloud_vpn_connection joins two different clouds."
                ),
            ));
        }
        let cidrs = topology::allocate(name, a, b, n as usize);
        Ok(Value::List(
            cidrs.iter().map(|c| Value::string(c.to_string())).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(args: &[Value]) -> Result<Value, FunctionError> {
        VpnInsideCidrs.call(args)
    }

    #[test]
    fn the_layout_a_connection_gets() {
        let args = |cloud_b: &str| {
            [
                Value::string("link"),
                Value::int(4),
                Value::string("aws"),
                Value::string(cloud_b),
            ]
        };
        let gcp = call(&args("gcp")).unwrap();
        let want: Vec<Value> = topology::allocate("link", Cloud::Aws, Cloud::Gcp, 4)
            .iter()
            .map(|c| Value::string(c.to_string()))
            .collect();
        assert_eq!(gcp, Value::List(want));
        let azure = call(&args("azure")).unwrap();
        for c in azure.as_list().unwrap() {
            assert!(c.as_str().unwrap().starts_with("169.254.2"), "{c:?}");
        }
        assert_eq!(call(&args("aws")).unwrap_err().argument, Some(3));
        assert_eq!(call(&args("oracle")).unwrap_err().argument, Some(3));
        let three = [
            Value::string("link"),
            Value::int(3),
            Value::string("aws"),
            Value::string("gcp"),
        ];
        assert_eq!(call(&three).unwrap_err().argument, Some(1));
    }
}
