//! Validation of `terraform/`, offline:
//!
//! - [`docs`]: module README tables generated from the code.
//! - [`cli`]: the real `terraform` binary and the AWS provider from the
//!   machine's filesystem mirror (fmt, validate, `terraform test`).
//! - [`schema`]: every resource, data source, argument and nested block
//!   exists in the pinned AWS provider schema, required arguments are set,
//!   and references (`var.`, `local.`, `module.`, `data.`, resources) resolve.
//! - [`iam`]: each function's policy grants exactly the operations its code
//!   calls.
//! - [`pattern`]: EventBridge pattern matching, to prove each rule matches the
//!   sample events meant for it and no others.

pub mod cli;
pub mod docs;
pub mod iam;
pub mod pattern;
pub mod schema;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hcl::expr::{Expression, ObjectKey, TemplateExpr, TraversalOperator};
use hcl::template::{Directive, Element, Template};
use hcl::{Block, Body, Structure};

/// The five functions, as their crates, zips and Terraform keys name them.
pub const FUNCTIONS: &[&str] = &[
    "scaling-scheduler",
    "dlq-processor",
    "secret-rotator",
    "backup-verifier",
    "scaling-notifier",
];

/// The repository root (the parent of the `tests` crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// One Terraform module: the `.tf` files of one directory.
#[derive(Debug)]
pub struct Module {
    pub dir: PathBuf,
    pub files: Vec<(PathBuf, Body)>,
}

impl Module {
    /// Parses every `.tf` file in `dir`.
    pub fn load(dir: &Path) -> Result<Module, String> {
        let mut files = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "tf"))
            .collect();
        paths.sort();
        for path in paths {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let body = hcl::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            files.push((path, body));
        }
        Ok(Module {
            dir: dir.to_path_buf(),
            files,
        })
    }

    /// Parses HCL text as a one-file module (for the validators' own tests).
    pub fn from_text(name: &str, text: &str) -> Result<Module, String> {
        let body = hcl::parse(text).map_err(|e| format!("{name}: {e}"))?;
        Ok(Module {
            dir: PathBuf::from(name),
            files: vec![(PathBuf::from(format!("{name}/main.tf")), body)],
        })
    }

    /// Top-level blocks of one kind (`resource`, `variable`, ...) with their file.
    pub fn blocks<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a Path, &'a Block)> + 'a {
        self.files.iter().flat_map(move |(path, body)| {
            body.blocks()
                .filter(move |b| b.identifier.as_str() == kind)
                .map(move |b| (path.as_path(), b))
        })
    }

    /// The block `kind "l0" "l1"`, if declared.
    pub fn find(&self, kind: &str, labels: &[&str]) -> Option<&Block> {
        let mut all = self.files.iter().flat_map(|(_, body)| body.blocks());
        all.find(|b| {
            b.identifier.as_str() == kind
                && b.labels.len() == labels.len()
                && b.labels
                    .iter()
                    .zip(labels)
                    .all(|(l, want)| l.as_str() == *want)
        })
    }

    pub fn variables(&self) -> BTreeMap<String, bool> {
        self.blocks("variable")
            .filter_map(|(_, b)| {
                let name = b.labels.first()?.as_str().to_owned();
                let has_default = b.body.attributes().any(|a| a.key.as_str() == "default");
                Some((name, has_default))
            })
            .collect()
    }

    pub fn outputs(&self) -> BTreeSet<String> {
        labels_of(self.blocks("output"))
    }

    pub fn locals(&self) -> BTreeMap<String, &Expression> {
        self.blocks("locals")
            .flat_map(|(_, b)| b.body.attributes())
            .map(|a| (a.key.as_str().to_owned(), &a.expr))
            .collect()
    }

    /// Every expression in the module, anywhere in any block, with the file
    /// and the address of the top-level block it is in.
    pub fn expressions(&self) -> Vec<(String, &Expression)> {
        let mut out = Vec::new();
        for (path, body) in &self.files {
            for structure in body.iter() {
                match structure {
                    Structure::Attribute(a) => out.push((path.display().to_string(), &a.expr)),
                    // `moved` and `removed` name addresses of the state,
                    // which need not exist in the configuration any more.
                    Structure::Block(b) if matches!(b.identifier.as_str(), "moved" | "removed") => {
                    }
                    Structure::Block(b) => {
                        let at = format!("{}: {}", path.display(), address(b));
                        collect_body_exprs(&b.body, &at, &mut out);
                    }
                }
            }
        }
        out
    }
}

fn collect_body_exprs<'a>(body: &'a Body, at: &str, out: &mut Vec<(String, &'a Expression)>) {
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => out.push((at.to_owned(), &a.expr)),
            Structure::Block(b) => collect_body_exprs(&b.body, at, out),
        }
    }
}

fn labels_of<'a>(blocks: impl Iterator<Item = (&'a Path, &'a Block)>) -> BTreeSet<String> {
    blocks
        .filter_map(|(_, b)| b.labels.first().map(|l| l.as_str().to_owned()))
        .collect()
}

/// `resource.aws_x.name`, `module.name`, `variable.name`: how findings name a block.
pub fn address(block: &Block) -> String {
    let mut s = block.identifier.as_str().to_owned();
    for label in &block.labels {
        s.push('.');
        s.push_str(label.as_str());
    }
    s
}

/// Every module directory under `root` (any directory holding a `.tf` file).
pub fn module_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut has_tf = false;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() && !name.to_string_lossy().starts_with('.') {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "tf") {
                has_tf = true;
            }
        }
        if has_tf {
            dirs.push(dir);
        }
    }
    dirs.sort();
    dirs
}

/// A reference found in an expression: its root (`var`, `aws_sqs_queue`,
/// ...) and the attribute names that follow, indexes skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub root: String,
    pub path: Vec<String>,
}

/// Every reference in `expr`, including those inside string templates.
pub fn references(expr: &Expression) -> Vec<Reference> {
    let mut out = Vec::new();
    walk_refs(expr, &mut out);
    out
}

fn walk_refs(expr: &Expression, out: &mut Vec<Reference>) {
    match expr {
        Expression::Variable(v) => out.push(Reference {
            root: v.as_str().to_owned(),
            path: Vec::new(),
        }),
        Expression::Traversal(t) => {
            if let Expression::Variable(v) = &t.expr {
                let path = t
                    .operators
                    .iter()
                    .filter_map(|op| match op {
                        TraversalOperator::GetAttr(id) => Some(id.as_str().to_owned()),
                        _ => None,
                    })
                    .collect();
                out.push(Reference {
                    root: v.as_str().to_owned(),
                    path,
                });
            } else {
                walk_refs(&t.expr, out);
            }
            for op in &t.operators {
                if let TraversalOperator::Index(e) = op {
                    walk_refs(e, out);
                }
            }
        }
        Expression::Array(items) => items.iter().for_each(|e| walk_refs(e, out)),
        Expression::Object(obj) => {
            for (k, v) in obj {
                if let ObjectKey::Expression(k) = k {
                    walk_refs(k, out);
                }
                walk_refs(v, out);
            }
        }
        Expression::TemplateExpr(t) => walk_template(t, out),
        Expression::FuncCall(f) => f.args.iter().for_each(|e| walk_refs(e, out)),
        Expression::Parenthesis(e) => walk_refs(e, out),
        Expression::Conditional(c) => {
            walk_refs(&c.cond_expr, out);
            walk_refs(&c.true_expr, out);
            walk_refs(&c.false_expr, out);
        }
        Expression::Operation(op) => match op.as_ref() {
            hcl::expr::Operation::Unary(u) => walk_refs(&u.expr, out),
            hcl::expr::Operation::Binary(b) => {
                walk_refs(&b.lhs_expr, out);
                walk_refs(&b.rhs_expr, out);
            }
        },
        Expression::ForExpr(f) => {
            walk_refs(&f.collection_expr, out);
            if let Some(k) = &f.key_expr {
                walk_refs(k, out);
            }
            walk_refs(&f.value_expr, out);
            if let Some(c) = &f.cond_expr {
                walk_refs(c, out);
            }
        }
        _ => {}
    }
}

fn walk_template(t: &TemplateExpr, out: &mut Vec<Reference>) {
    if let Ok(template) = Template::from_expr(t) {
        walk_elements(&template, out);
    }
}

fn walk_elements(template: &Template, out: &mut Vec<Reference>) {
    for element in template.elements() {
        match element {
            Element::Literal(_) => {}
            Element::Interpolation(i) => walk_refs(&i.expr, out),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(i) => {
                    walk_refs(&i.cond_expr, out);
                    walk_elements(&i.true_template, out);
                    if let Some(f) = &i.false_template {
                        walk_elements(f, out);
                    }
                }
                Directive::For(f) => {
                    walk_refs(&f.collection_expr, out);
                    walk_elements(&f.template, out);
                }
            },
        }
    }
}

/// The strings of a literal list (`["a", "b"]`); `None` if any element is
/// not a plain string.
pub fn string_list(expr: &Expression) -> Option<Vec<String>> {
    match expr {
        Expression::Array(items) => items
            .iter()
            .map(|e| match e {
                Expression::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}
