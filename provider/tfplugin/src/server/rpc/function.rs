//! Provider-defined functions (Terraform 1.8+).

use std::panic::AssertUnwindSafe;

use crate::convert;
use crate::framework::Provider;
use crate::proto::tfplugin6 as pb;
use crate::server::service::ProviderService;

pub(crate) fn call<P: Provider>(
    s: &ProviderService<P>,
    req: pb::call_function::Request,
) -> pb::call_function::Response {
    let error = |text: String, argument: Option<i64>| pb::call_function::Response {
        result: None,
        error: Some(pb::FunctionError {
            text,
            function_argument: argument,
        }),
    };
    let Some(f) = s.functions.get(req.name.as_str()) else {
        return error(
            format!("This provider has no function named \"{}\".", req.name),
            None,
        );
    };
    let sig = f.signature();
    if req.arguments.len() != sig.params.len() {
        return error(
            format!(
                "{} takes {} arguments; got {}.",
                req.name,
                sig.params.len(),
                req.arguments.len()
            ),
            None,
        );
    }
    let mut args = Vec::with_capacity(sig.params.len());
    for (i, (dv, p)) in req.arguments.iter().zip(&sig.params).enumerate() {
        match convert::decode(Some(dv), &p.ty) {
            Ok(v) if v.is_null() && !p.allow_null => {
                return error(
                    format!("Argument {} must not be null.", p.name),
                    Some(i as i64),
                );
            }
            Ok(v) => args.push(v),
            Err(d) => {
                let text = d.0.first().map(|x| x.detail.clone()).unwrap_or_default();
                return error(text, Some(i as i64));
            }
        }
    }
    match std::panic::catch_unwind(AssertUnwindSafe(|| f.call(&args))) {
        Ok(Ok(v)) => match convert::encode(&v, &sig.return_type) {
            Ok(dv) => pb::call_function::Response {
                result: Some(dv),
                error: None,
            },
            Err(d) => error(
                d.0.first().map(|x| x.detail.clone()).unwrap_or_default(),
                None,
            ),
        },
        Ok(Err(e)) => error(e.text, e.argument),
        Err(_) => error(
            format!("internal error in {}; please report it", req.name),
            None,
        ),
    }
}
