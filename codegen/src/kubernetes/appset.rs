//! What Argo CD's ApplicationSet controller does with our ApplicationSets, for `render`: the cluster
//! generator selects cluster Secrets by label, and each selected cluster's parameters are put into
//! the template's `{{...}}` placeholders (the default, non-Go-template syntax). Only the features
//! our ApplicationSets use are implemented, and anything else is an error rather than a guess.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::facts::Facts;

#[derive(Debug, thiserror::Error)]
pub enum AppSetError {
    #[error("ApplicationSet {0}: {1}")]
    Unsupported(String, String),
    #[error(
        "ApplicationSet {appset}: template placeholder {{{{{placeholder}}}}} has no value for cluster {cluster}"
    )]
    Unresolved {
        appset: String,
        cluster: String,
        placeholder: String,
    },
}

fn name_of(appset: &Value) -> String {
    appset["metadata"]["name"]
        .as_str()
        .unwrap_or("<unnamed>")
        .to_string()
}

/// Whether a cluster with `labels` matches a Kubernetes label selector (`matchLabels` and the
/// `In`, `NotIn`, `Exists`, `DoesNotExist` expressions).
pub fn selects(
    selector: &Value,
    labels: &BTreeMap<String, String>,
    appset: &str,
) -> Result<bool, AppSetError> {
    if let Some(m) = selector.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in m {
            if labels.get(k).map(String::as_str) != v.as_str() {
                return Ok(false);
            }
        }
    }
    for e in selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = e["key"].as_str().unwrap_or_default();
        let values: Vec<&str> = e["values"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let have = labels.get(key).map(String::as_str);
        let ok = match e["operator"].as_str() {
            Some("In") => have.is_some_and(|h| values.contains(&h)),
            Some("NotIn") => have.is_none_or(|h| !values.contains(&h)),
            Some("Exists") => have.is_some(),
            Some("DoesNotExist") => have.is_none(),
            other => {
                return Err(AppSetError::Unsupported(
                    appset.into(),
                    format!("selector operator {other:?}"),
                ));
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `{{key}}` replaced by `params[key]` in every string of `v`.
fn substitute(v: &Value, params: &BTreeMap<String, String>, missing: &mut Option<String>) -> Value {
    match v {
        Value::String(s) => {
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("{{") {
                out.push_str(&rest[..start]);
                let after = &rest[start + 2..];
                let Some(end) = after.find("}}") else {
                    out.push_str(&rest[start..]);
                    rest = "";
                    break;
                };
                let key = after[..end].trim();
                match params.get(key) {
                    Some(val) => out.push_str(val),
                    None => {
                        missing.get_or_insert_with(|| key.to_string());
                    }
                }
                rest = &after[end + 2..];
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, params, missing)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), substitute(x, params, missing)))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

/// The Applications an ApplicationSet yields for `clusters`, in cluster order.
pub fn applications(appset: &Value, clusters: &[Facts]) -> Result<Vec<Value>, AppSetError> {
    let name = name_of(appset);
    let spec = &appset["spec"];
    if spec.get("goTemplate").and_then(Value::as_bool) == Some(true) {
        return Err(AppSetError::Unsupported(name, "goTemplate".into()));
    }
    let generators = spec["generators"].as_array().cloned().unwrap_or_default();
    let [generator] = generators.as_slice() else {
        return Err(AppSetError::Unsupported(
            name,
            "exactly one generator is supported".into(),
        ));
    };
    let Some(cluster_gen) = generator.get("clusters") else {
        return Err(AppSetError::Unsupported(
            name,
            "only the cluster generator is supported".into(),
        ));
    };
    let selector = cluster_gen
        .get("selector")
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    let mut out = Vec::new();
    for c in clusters {
        if !selects(&selector, &c.labels, &name)? {
            continue;
        }
        let mut params = c.generator_params();
        // The generator's `values` are offered as `values.KEY`, themselves templated.
        if let Some(values) = cluster_gen.get("values").and_then(Value::as_object) {
            for (k, v) in values {
                let mut missing = None;
                let v = substitute(v, &params, &mut missing);
                if let Some(placeholder) = missing {
                    return Err(AppSetError::Unresolved {
                        appset: name,
                        cluster: c.name.clone(),
                        placeholder,
                    });
                }
                params.insert(format!("values.{k}"), v.as_str().unwrap_or_default().into());
            }
        }
        let mut missing = None;
        let t = substitute(&spec["template"], &params, &mut missing);
        if let Some(placeholder) = missing {
            return Err(AppSetError::Unresolved {
                appset: name,
                cluster: c.name.clone(),
                placeholder,
            });
        }
        let mut metadata = t["metadata"].clone();
        metadata["namespace"] = appset["metadata"]["namespace"].clone();
        out.push(serde_json::json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": metadata,
            "spec": t["spec"],
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts(name: &str, labels: &[(&str, &str)]) -> Facts {
        Facts {
            name: name.into(),
            server: format!("https://{name}"),
            endpoint: format!("https://{name}"),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            annotations: BTreeMap::from([("multicloud.io/network".into(), format!("{name}-net"))]),
        }
    }

    fn appset(selector: Value, template_name: &str) -> Value {
        json!({
            "metadata": {"name": "x", "namespace": "argocd"},
            "spec": {
                "generators": [{"clusters": {"selector": selector, "values": {"net": "{{metadata.annotations.multicloud.io/network}}"}}}],
                "template": {"metadata": {"name": template_name}, "spec": {"destination": {"name": "{{name}}"}, "v": "{{values.net}}"}},
            }
        })
    }

    #[test]
    fn selected_clusters_get_their_own_values() {
        let cs = [
            facts("a", &[("mesh", "enabled"), ("cloud", "aws")]),
            facts("b", &[("cloud", "gcp")]),
            facts("c", &[("mesh", "enabled"), ("cloud", "azure")]),
        ];
        let apps = applications(
            &appset(
                json!({"matchLabels": {"mesh": "enabled"}}),
                "{{name}}-istiod",
            ),
            &cs,
        )
        .unwrap();
        let names: Vec<_> = apps.iter().map(|a| a["metadata"]["name"].clone()).collect();
        assert_eq!(names, vec![json!("a-istiod"), json!("c-istiod")]);
        assert_eq!(apps[1]["spec"]["v"], "c-net");
        assert_eq!(apps[1]["metadata"]["namespace"], "argocd");
        let expr = json!({"matchExpressions": [{"key": "cloud", "operator": "NotIn", "values": ["aws", "azure"]}]});
        let apps = applications(&appset(expr, "{{name}}"), &cs).unwrap();
        assert_eq!(apps.len(), 1);
        assert_eq!(apps[0]["spec"]["destination"]["name"], "b");
    }

    #[test]
    fn an_unknown_placeholder_is_an_error_naming_it() {
        let cs = [facts("a", &[])];
        let err = applications(&appset(json!({}), "{{metadata.labels.nope}}"), &cs).unwrap_err();
        assert!(
            err.to_string().contains("{{metadata.labels.nope}}"),
            "{err}"
        );
        assert!(err.to_string().contains("cluster a"), "{err}");
    }
}
