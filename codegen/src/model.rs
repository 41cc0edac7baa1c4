//! A Terraform module as a value: variables, locals, data sources, resources, module calls,
//! outputs and required providers. [`crate::render`] turns it into files.

use hcl::{Block, Body};

use crate::expr::Expr;

/// One module (a directory of `.tf` files and a README).
#[derive(Clone, Debug, Default)]
pub struct Module {
    /// Where it goes, relative to the repository root, e.g. `modules/gcp-gke`.
    pub dir: String,
    /// README title.
    pub title: String,
    /// README paragraphs (Markdown) under the title.
    pub about: Vec<String>,
    /// Reusable modules: how a consumer calls it. The README's usage and the generated
    /// `examples/` are calls with the variables' example values ([`Variable::example`]).
    pub usage: Option<Usage>,
    pub required_version: String,
    pub required_providers: Vec<RequiredProvider>,
    /// Root modules only: the `backend` block inside `terraform {}`.
    pub backend: Option<Block>,
    /// Root modules only: `provider` blocks (written to `providers.tf`).
    pub provider_blocks: Vec<Block>,
    pub variables: Vec<Variable>,
    /// `locals`, `data`, `resource` and `module` blocks of `main.tf`, in order.
    pub main: Vec<Item>,
    pub outputs: Vec<Output>,
    /// README sections (title, Markdown body) after the tables.
    pub notes: Vec<(String, String)>,
}

/// How consumers call a reusable module (see [`crate::examples`]).
#[derive(Clone, Debug)]
pub struct Usage {
    /// The `module` block's label, e.g. `eks`.
    pub label: String,
    /// The `source` the README's usage shows: the path from `environments/<cloud>`, or the git
    /// URL derived from platform.toml's `modules_source`.
    pub source: String,
}

impl Usage {
    pub fn new(label: &str, source: &str) -> Self {
        Usage {
            label: label.into(),
            source: source.into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct RequiredProvider {
    pub name: String,
    pub source: String,
    pub version: Option<String>,
}

impl RequiredProvider {
    pub fn new(name: &str, source: &str, version: Option<&str>) -> Self {
        RequiredProvider {
            name: name.into(),
            source: source.into(),
            version: version.map(Into::into),
        }
    }
}

/// An input variable.
#[derive(Clone, Debug)]
pub struct Variable {
    pub name: String,
    pub ty: Expr,
    pub description: String,
    pub default: Option<Expr>,
    pub validations: Vec<Validation>,
    pub sensitive: bool,
    /// `Some(false)` writes `nullable = false`.
    pub nullable: Option<bool>,
    /// What a change of this input replaces (e.g. "the EKS cluster"), if anything. Documented in
    /// the variable's description and in the README's table.
    pub replaces: Option<String>,
    /// The value the generated examples and the README's usage pass. Required inputs need one;
    /// optional inputs without one pass their default in `examples/complete`.
    pub example: Option<Expr>,
}

#[derive(Clone, Debug)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: String,
}

impl Variable {
    pub fn new(name: &str, ty: Expr, description: &str) -> Self {
        Variable {
            name: name.into(),
            ty,
            description: description.into(),
            default: None,
            validations: Vec::new(),
            sensitive: false,
            nullable: None,
            replaces: None,
            example: None,
        }
    }
    pub fn default(mut self, e: Expr) -> Self {
        self.default = Some(e);
        self
    }
    pub fn validate(mut self, condition: Expr, error_message: &str) -> Self {
        self.validations.push(Validation {
            condition,
            error_message: error_message.into(),
        });
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub fn not_null(mut self) -> Self {
        self.nullable = Some(false);
        self
    }
    pub fn replaces(mut self, what: &str) -> Self {
        self.replaces = Some(what.into());
        self
    }
    pub fn example(mut self, e: Expr) -> Self {
        self.example = Some(e);
        self
    }
    pub fn required(&self) -> bool {
        self.default.is_none()
    }
    /// What an example passes: its example value, else its default (`None`: a required input
    /// that has no example value, which a test refuses).
    pub fn example_value(&self) -> Option<&Expr> {
        self.example.as_ref().or(self.default.as_ref())
    }
    /// The description as written in `variables.tf`: the text, plus the replacement warning.
    pub fn full_description(&self) -> String {
        match &self.replaces {
            Some(what) => format!("{} Changing it replaces {what}.", self.description),
            None => self.description.clone(),
        }
    }
}

/// A top-level block of `main.tf` with what HCL structures cannot hold: comments.
#[derive(Clone, Debug)]
pub struct Item {
    /// `# ...` lines written above the block.
    pub comment: Vec<String>,
    /// checkov skips (`#checkov:skip=ID:reason`), written as the block's first lines.
    pub skips: Vec<(String, String)>,
    pub block: Block,
}

impl Item {
    pub fn new(block: Block) -> Self {
        Item {
            comment: Vec::new(),
            skips: Vec::new(),
            block,
        }
    }
    pub fn comment(mut self, line: &str) -> Self {
        self.comment.push(line.into());
        self
    }
    pub fn skip(mut self, check: &str, reason: &str) -> Self {
        self.skips.push((check.into(), reason.into()));
        self
    }
}

#[derive(Clone, Debug)]
pub struct Output {
    pub name: String,
    pub description: String,
    pub value: Expr,
    pub sensitive: bool,
}

impl Output {
    pub fn new(name: &str, description: &str, value: Expr) -> Self {
        Output {
            name: name.into(),
            description: description.into(),
            value,
            sensitive: false,
        }
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
}

/// `resource "KIND" "NAME" { body }`
pub fn resource(kind: &str, name: &str, body: Body) -> Item {
    Item::new(labeled("resource", &[kind, name], body))
}

/// `data "KIND" "NAME" { body }`
pub fn data(kind: &str, name: &str, body: Body) -> Item {
    Item::new(labeled("data", &[kind, name], body))
}

/// `module "NAME" { source = SOURCE, args }`
pub fn module_call(name: &str, source: &str, args: Body) -> Item {
    let mut all = vec![hcl::Structure::Attribute(hcl::Attribute::new(
        "source", source,
    ))];
    all.extend(args.into_inner());
    Item::new(labeled("module", &[name], Body(all)))
}

/// `locals { ... }`
pub fn locals<I: IntoIterator<Item = (&'static str, Expr)>>(items: I) -> Item {
    let mut b = Body::builder();
    for (k, v) in items {
        b = b.add_attribute((k, v));
    }
    Item::new(labeled("locals", &[], b.build()))
}

/// A block with labels and a body.
pub fn labeled(ident: &str, labels: &[&str], body: Body) -> Block {
    let mut b = Block::builder(ident);
    for l in labels {
        b = b.add_label(*l);
    }
    b.add_structures(body).build()
}

/// A body builder that reads like the HCL: `body().a("name", ..).b(block("x", body()...))`.
#[derive(Default, Clone, Debug)]
pub struct B(Vec<hcl::Structure>);

pub fn body() -> B {
    B::default()
}

impl B {
    /// An attribute.
    pub fn a(mut self, key: &str, value: impl Into<Expr>) -> Self {
        self.0.push(hcl::Structure::Attribute(hcl::Attribute::new(
            key,
            value.into(),
        )));
        self
    }
    /// An attribute only when `value` is `Some`.
    pub fn a_opt(self, key: &str, value: Option<Expr>) -> Self {
        match value {
            Some(v) => self.a(key, v),
            None => self,
        }
    }
    /// A nested block without labels.
    pub fn b(mut self, ident: &str, inner: B) -> Self {
        self.0
            .push(hcl::Structure::Block(labeled(ident, &[], inner.build())));
        self
    }
    /// A nested block with labels (`dynamic "x" {}`, `provisioner`, ...).
    pub fn bl(mut self, ident: &str, labels: &[&str], inner: B) -> Self {
        self.0
            .push(hcl::Structure::Block(labeled(ident, labels, inner.build())));
        self
    }
    /// Applies `f` when `cond` holds (for optional parts of a body).
    pub fn when(self, cond: bool, f: impl FnOnce(B) -> B) -> Self {
        if cond { f(self) } else { self }
    }
    pub fn build(self) -> Body {
        Body(self.0)
    }
}

impl From<B> for Body {
    fn from(b: B) -> Body {
        b.build()
    }
}
