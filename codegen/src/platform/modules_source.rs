//! `modules_source` in platform.toml: the git repository other repositories fetch `modules/*`
//! from, pinned with `?ref=`, e.g. `git::https://github.com/acme/platform.git?ref=v1.4.0`. Module
//! READMEs then show `git::https://github.com/acme/platform.git//modules/aws-eks?ref=v1.4.0`
//! instead of the relative path, so a snippet copied elsewhere works as written.

const SCHEMES: [&str; 2] = ["git::https://", "git::ssh://"];
const EXAMPLE: &str = "git::https://github.com/acme/platform.git?ref=v1.0.0";

/// Why `value` is not a usable `modules_source`, if it is not.
pub fn problem(value: &str) -> Option<String> {
    let Some(rest) = SCHEMES.iter().find_map(|s| value.strip_prefix(s)) else {
        return Some(format!(
            "must be a git URL starting with git::https:// or git::ssh://, such as {EXAMPLE:?}"
        ));
    };
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("must not contain spaces".into());
    }
    let (repo, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = repo.split_once('/').unwrap_or((repo, ""));
    let host = authority
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if host.is_empty() || path.trim_matches('/').is_empty() {
        return Some(format!(
            "needs a host and a repository path, such as {EXAMPLE:?}"
        ));
    }
    if is_placeholder(&host) {
        return Some(format!(
            "names the placeholder host {host:?} (RFC 2606); use the repository's real address"
        ));
    }
    if repo.contains("//") {
        return Some(
            "must name the repository only: the generator appends //modules/NAME to it".into(),
        );
    }
    match query.strip_prefix("ref=") {
        Some(r)
            if !r.is_empty()
                && r.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c)) =>
        {
            None
        }
        _ if query.is_empty() => Some(format!(
            "must pin a version with ?ref=TAG (a tag, branch or commit), such as {EXAMPLE:?}"
        )),
        _ => Some(
            "may only carry ?ref=TAG, a tag, branch or commit of letters, digits, '.', '_', '-' or '/'"
                .into(),
        ),
    }
}

/// Names reserved for documentation and tests (RFC 2606), which never host a real repository.
fn is_placeholder(host: &str) -> bool {
    ["example.com", "example.net", "example.org"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
        || [".example", ".invalid", ".test", ".localhost"]
            .iter()
            .any(|tld| host.ends_with(tld))
        || host == "localhost"
}

/// The source of the module in `dir` (`modules/aws-eks`) inside the repository of a valid
/// `modules_source`: the subdirectory goes between the repository and `?ref=`.
pub fn module_git_source(modules_source: &str, dir: &str) -> String {
    match modules_source.split_once('?') {
        Some((repo, query)) => format!("{repo}//{dir}?{query}"),
        None => format!("{modules_source}//{dir}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::tests::{THREE, errors};

    #[test]
    fn a_pinned_git_url_is_accepted_and_gets_the_module_directory() {
        for ok in [
            "git::https://github.com/acme/platform.git?ref=v1.4.0",
            "git::ssh://git@github.com/acme/platform.git?ref=release/2024-06",
            "git::https://gitlab.acme.io:8443/infra/platform?ref=0123abc",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
        assert_eq!(
            module_git_source(
                "git::https://github.com/acme/platform.git?ref=v1.4.0",
                "modules/aws-eks"
            ),
            "git::https://github.com/acme/platform.git//modules/aws-eks?ref=v1.4.0"
        );
    }

    #[test]
    fn bad_values_say_what_is_allowed() {
        for (bad, why) in [
            (
                "https://github.com/acme/platform.git?ref=v1",
                "git::https://",
            ),
            ("git::https://github.com/acme/platform.git", "?ref=TAG"),
            (
                "git::https://example.com/platform.git?ref=v1.0.0",
                "placeholder host",
            ),
            (
                "git::https://git.example.org/platform.git?ref=v1",
                "placeholder host",
            ),
            (
                "git::https://github.com/acme/platform.git//modules?ref=v1",
                "repository only",
            ),
            (
                "git::https://github.com/acme/platform.git?ref=v1&depth=1",
                "may only carry",
            ),
            ("git::https://github.com?ref=v1", "repository path"),
            ("git::https://github.com/acme/p q?ref=v1", "spaces"),
        ] {
            let got = problem(bad).unwrap_or_default();
            assert!(got.contains(why), "{bad}: {got}");
        }
    }

    #[test]
    fn platform_toml_names_the_field() {
        let text = THREE.replacen(
            "name = \"acme\"",
            "name = \"acme\"\nmodules_source = \"git::https://example.com/platform.git?ref=v1.0.0\"",
            1,
        );
        let all = errors(&text);
        assert!(
            all.contains("platform.toml: modules_source: \"git::https://example.com/platform.git?ref=v1.0.0\" names the placeholder host"),
            "{all}"
        );
    }
}
