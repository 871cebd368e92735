//! The AWS provider schema, derived offline from the `.jsii` metadata of the
//! npm package `@cdktf/provider-aws` (generated from the provider itself),
//! and the checks of a module against it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Module, Reference, address, references};
use hcl::{Block, Body};

/// The `@cdktf/provider-aws` release whose `.jsii` is the schema source
/// (AWS provider 6.25.0). `scripts/setup` installs this exact version.
pub const PROVIDER_PACKAGE_VERSION: &str = "21.22.1";

/// Arguments of one resource, data source or nested block.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BlockSchema {
    pub args: BTreeMap<String, Arg>,
    /// Attributes that can be read (`aws_x.y.attr`) besides the arguments.
    #[serde(default)]
    pub computed: BTreeSet<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Arg {
    pub required: bool,
    /// Set for arguments that take a nested block (or a list of objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<Box<BlockSchema>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Schema {
    pub provider_version: String,
    pub resources: BTreeMap<String, BlockSchema>,
    pub data_sources: BTreeMap<String, BlockSchema>,
    pub provider: BlockSchema,
}

// --- derivation from .jsii ---------------------------------------------

#[derive(Deserialize)]
struct Assembly {
    types: HashMap<String, JType>,
}

#[derive(Deserialize)]
struct JType {
    kind: String,
    #[serde(default)]
    base: Option<String>,
    #[serde(default)]
    docs: Docs,
    #[serde(default)]
    initializer: Option<Initializer>,
    #[serde(default)]
    properties: Vec<Prop>,
    #[serde(default)]
    interfaces: Vec<String>,
}

#[derive(Deserialize, Default)]
struct Docs {
    #[serde(default)]
    summary: Option<String>,
}

#[derive(Deserialize)]
struct Initializer {
    #[serde(default)]
    parameters: Vec<Param>,
}

#[derive(Deserialize)]
struct Param {
    name: String,
    #[serde(rename = "type")]
    ty: serde_json::Value,
}

#[derive(Deserialize)]
struct Prop {
    name: String,
    #[serde(default)]
    optional: bool,
    #[serde(default, rename = "static")]
    is_static: bool,
    #[serde(default)]
    docs: Docs,
    #[serde(rename = "type")]
    ty: serde_json::Value,
}

const PACKAGE: &str = "@cdktf/provider-aws.";

/// Where setup installs the package.
pub fn jsii_path(root: &Path) -> PathBuf {
    root.join(".tools/provider-aws/node_modules/@cdktf/provider-aws/.jsii")
}

/// Loads the compact schema, deriving it from the `.jsii` once (cached next
/// to it: the `.jsii` is 130 MB, the compact form a few MB).
pub fn load(root: &Path) -> Result<Schema, String> {
    let jsii = jsii_path(root);
    let cache = jsii.with_file_name(format!("schema-{PROVIDER_PACKAGE_VERSION}.json"));
    if let Ok(text) = std::fs::read_to_string(&cache)
        && let Ok(schema) = serde_json::from_str(&text)
    {
        return Ok(schema);
    }
    let file = std::fs::File::open(&jsii).map_err(|e| {
        format!(
            "{}: {e} (run `make setup`: it installs @cdktf/provider-aws@{PROVIDER_PACKAGE_VERSION})",
            jsii.display()
        )
    })?;
    let assembly: Assembly = serde_json::from_reader(std::io::BufReader::new(file))
        .map_err(|e| format!("{}: {e}", jsii.display()))?;
    let schema = derive(&assembly)?;
    let text = serde_json::to_string(&schema).map_err(|e| e.to_string())?;
    // A cache that cannot be written only costs time on the next run.
    let _ = std::fs::write(&cache, text);
    Ok(schema)
}

fn derive(assembly: &Assembly) -> Result<Schema, String> {
    let mut schema = Schema::default();
    let mut memo: HashMap<String, BlockSchema> = HashMap::new();
    for ty in assembly.types.values() {
        if ty.kind != "class" {
            continue;
        }
        let Some(base) = ty.base.as_deref() else {
            continue;
        };
        let Some(config_fqn) = ty
            .initializer
            .as_ref()
            .and_then(|i| i.parameters.iter().find(|p| p.name == "config"))
            .and_then(|p| p.ty.get("fqn"))
            .and_then(|f| f.as_str())
        else {
            continue;
        };
        let mut block = struct_schema(assembly, config_fqn, &mut memo, 0);
        block.computed = ty
            .properties
            .iter()
            .filter(|p| !p.is_static && !p.name.ends_with("Input") && p.name != "tfResourceType")
            .map(|p| snake(&p.name))
            .collect();
        let summary = ty.docs.summary.as_deref().unwrap_or_default();
        match base {
            "cdktf.TerraformProvider" => {
                schema.provider_version = link_version(summary).unwrap_or_default();
                schema.provider = block;
            }
            "cdktf.TerraformResource" | "cdktf.TerraformDataSource" => {
                let Some(name) = link_type_name(summary) else {
                    continue;
                };
                if summary.contains("/docs/data-sources/") {
                    schema.data_sources.insert(name, block);
                } else {
                    schema.resources.insert(name, block);
                }
            }
            _ => {}
        }
    }
    if schema.resources.len() < 1000 {
        return Err(format!(
            "only {} resources found in the .jsii: not the expected package layout",
            schema.resources.len()
        ));
    }
    Ok(schema)
}

/// The arguments of a config or block struct, with those of the structs it
/// extends (other than cdktf's meta-arguments).
fn struct_schema(
    assembly: &Assembly,
    fqn: &str,
    memo: &mut HashMap<String, BlockSchema>,
    depth: usize,
) -> BlockSchema {
    if let Some(b) = memo.get(fqn) {
        return b.clone();
    }
    let mut block = BlockSchema::default();
    let Some(ty) = assembly.types.get(fqn) else {
        return block;
    };
    for parent in &ty.interfaces {
        if parent.starts_with(PACKAGE) {
            let inherited = struct_schema(assembly, parent, memo, depth + 1);
            block.args.extend(inherited.args);
        }
    }
    for prop in &ty.properties {
        let name = prop
            .docs
            .summary
            .as_deref()
            .and_then(|s| tf_name(s, &prop.name))
            .unwrap_or_else(|| snake(&prop.name));
        let nested = struct_fqn(&prop.ty)
            .filter(|_| depth < 12)
            .map(|inner| Box::new(struct_schema(assembly, &inner, memo, depth + 1)));
        block.args.insert(
            name,
            Arg {
                required: !prop.optional,
                block: nested,
            },
        );
    }
    memo.insert(fqn.to_owned(), block.clone());
    block
}

/// The provider-package struct a property's type refers to, through unions
/// and collections.
fn struct_fqn(ty: &serde_json::Value) -> Option<String> {
    if let Some(f) = ty.get("fqn").and_then(|f| f.as_str()) {
        return f.starts_with(PACKAGE).then(|| f.to_owned());
    }
    if let Some(c) = ty.get("collection") {
        return c.get("elementtype").and_then(struct_fqn);
    }
    if let Some(types) = ty.pointer("/union/types").and_then(|t| t.as_array()) {
        return types.iter().find_map(struct_fqn);
    }
    None
}

/// The Terraform name in a property summary: `...docs/resources/x#vpc_config X#vpc_config}`
/// or `vpc_config block.`.
fn tf_name(summary: &str, prop: &str) -> Option<String> {
    if let Some(rest) = summary.strip_suffix(" block.")
        && !rest.contains(' ')
    {
        return Some(rest.to_owned());
    }
    let link = summary.split("{@link ").nth(1)?;
    let (url, _) = link.split_once(' ')?;
    let (_, anchor) = url.rsplit_once('#')?;
    // The anchor is the snake_case form of the property; a mismatch means it
    // points elsewhere (it never should), so trust the conversion instead.
    (anchor.replace('_', "").eq_ignore_ascii_case(prop)).then(|| anchor.to_owned())
}

/// `aws_lambda_function` from "Represents a {@link https://.../docs/resources/lambda_function aws_lambda_function}."
fn link_type_name(summary: &str) -> Option<String> {
    let link = summary.split("{@link ").nth(1)?;
    let (_, rest) = link.split_once(' ')?;
    let name = rest.split('}').next()?.trim();
    name.starts_with("aws").then(|| name.to_owned())
}

fn link_version(summary: &str) -> Option<String> {
    let start = summary.find("hashicorp/aws/")? + "hashicorp/aws/".len();
    Some(summary[start..].split('/').next()?.to_owned())
}

/// camelCase to snake_case, as cdktf derived the names.
pub fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

// --- checks --------------------------------------------------------------

/// Meta-arguments Terraform accepts on every resource and data source.
const META_ARGS: &[&str] = &["count", "for_each", "provider", "depends_on"];
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];
const MODULE_META: &[&str] = &[
    "source",
    "version",
    "providers",
    "depends_on",
    "count",
    "for_each",
];

/// Every problem found in the modules, as `file: block: message`. `modules`
/// maps each module's directory to it, so module calls can be resolved.
pub fn check(schema: &Schema, modules: &BTreeMap<PathBuf, Module>) -> Vec<String> {
    let mut findings = Vec::new();
    for module in modules.values() {
        check_module(schema, module, modules, &mut findings);
    }
    findings
}

pub fn check_module(
    schema: &Schema,
    module: &Module,
    modules: &BTreeMap<PathBuf, Module>,
    findings: &mut Vec<String>,
) {
    let mut resources: HashMap<(String, String), &BlockSchema> = HashMap::new();
    let mut data: HashMap<(String, String), &BlockSchema> = HashMap::new();
    for (kind, table, declared) in [
        ("resource", &schema.resources, &mut resources),
        ("data", &schema.data_sources, &mut data),
    ] {
        for (path, block) in module.blocks(kind) {
            let at = format!("{}: {}", path.display(), address(block));
            let [ty, name] = block.labels.as_slice() else {
                findings.push(format!("{at}: expected two labels"));
                continue;
            };
            match table.get(ty.as_str()) {
                None => findings.push(format!(
                    "{at}: unknown {kind} type `{}` in AWS provider {}",
                    ty.as_str(),
                    schema.provider_version
                )),
                Some(s) => {
                    check_body(&block.body, s, &at, true, findings);
                    declared.insert((ty.as_str().to_owned(), name.as_str().to_owned()), s);
                }
            }
        }
    }
    for (path, block) in module.blocks("provider") {
        if block.labels.first().map(|l| l.as_str()) == Some("aws") {
            let at = format!("{}: {}", path.display(), address(block));
            check_body(&block.body, &schema.provider, &at, false, findings);
        }
    }

    let variables = module.variables();
    let locals = module.locals();
    let mut calls: HashMap<String, Option<&Module>> = HashMap::new();
    for (path, block) in module.blocks("module") {
        let at = format!("{}: {}", path.display(), address(block));
        let Some(name) = block.labels.first().map(|l| l.as_str().to_owned()) else {
            continue;
        };
        let target = module_source(block).and_then(|src| {
            let dir = normalize(&module.dir.join(src));
            let found = modules.get(&dir);
            if found.is_none() {
                findings.push(format!("{at}: module source `{src}` is not a module here"));
            }
            found
        });
        if let Some(target) = target {
            check_module_call(block, target, &at, findings);
        }
        calls.insert(name, target);
    }

    for (at, expr) in module.expressions() {
        for r in references(expr) {
            if let Some(problem) = resolve(&r, &variables, &locals, &calls, &resources, &data) {
                findings.push(format!("{at}: {problem}"));
            }
        }
    }
}

fn module_source(block: &Block) -> Option<&str> {
    block
        .body
        .attributes()
        .find(|a| a.key.as_str() == "source")
        .and_then(|a| match &a.expr {
            hcl::Expression::String(s) => Some(s.as_str()),
            _ => None,
        })
}

/// `a/b/../c` to `a/c`, without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn check_module_call(block: &Block, target: &Module, at: &str, findings: &mut Vec<String>) {
    let variables = target.variables();
    let mut given = BTreeSet::new();
    for attr in block.body.attributes() {
        let key = attr.key.as_str();
        if MODULE_META.contains(&key) {
            continue;
        }
        if !variables.contains_key(key) {
            findings.push(format!(
                "{at}: `{key}` is not a variable of {}",
                target.dir.display()
            ));
        }
        given.insert(key.to_owned());
    }
    for (name, has_default) in &variables {
        if !has_default && !given.contains(name) {
            findings.push(format!(
                "{at}: required variable `{name}` of {} is not set",
                target.dir.display()
            ));
        }
    }
}

fn check_body(body: &Body, schema: &BlockSchema, at: &str, top: bool, findings: &mut Vec<String>) {
    let mut set = BTreeSet::new();
    for attr in body.attributes() {
        let key = attr.key.as_str();
        if top && META_ARGS.contains(&key) {
            continue;
        }
        if !schema.args.contains_key(key) {
            findings.push(format!("{at}: unknown argument `{key}`"));
        }
        set.insert(key.to_owned());
    }
    for block in body.blocks() {
        let ident = block.identifier.as_str();
        if top && META_BLOCKS.contains(&ident) {
            continue;
        }
        let (name, inner) = if ident == "dynamic" {
            let Some(name) = block.labels.first().map(|l| l.as_str()) else {
                findings.push(format!("{at}: dynamic block without a name"));
                continue;
            };
            let content = block
                .body
                .blocks()
                .find(|b| b.identifier.as_str() == "content");
            let Some(content) = content else {
                findings.push(format!("{at}: dynamic \"{name}\" has no content block"));
                continue;
            };
            (name, &content.body)
        } else {
            (ident, &block.body)
        };
        match schema.args.get(name).map(|a| a.block.as_deref()) {
            None => findings.push(format!("{at}: unknown block `{name}`")),
            Some(None) => findings.push(format!("{at}: `{name}` is an argument, not a block")),
            Some(Some(nested)) => {
                check_body(inner, nested, &format!("{at}.{name}"), false, findings);
            }
        }
        set.insert(name.to_owned());
    }
    for (name, arg) in &schema.args {
        if arg.required && !set.contains(name) {
            findings.push(format!("{at}: required argument `{name}` is not set"));
        }
    }
}

fn resolve(
    r: &Reference,
    variables: &BTreeMap<String, bool>,
    locals: &BTreeMap<String, &hcl::Expression>,
    calls: &HashMap<String, Option<&Module>>,
    resources: &HashMap<(String, String), &BlockSchema>,
    data: &HashMap<(String, String), &BlockSchema>,
) -> Option<String> {
    let first = r.path.first().map(String::as_str);
    match r.root.as_str() {
        "var" => {
            let name = first?;
            (!variables.contains_key(name)).then(|| format!("undeclared variable `var.{name}`"))
        }
        "local" => {
            let name = first?;
            (!locals.contains_key(name)).then(|| format!("undeclared local `local.{name}`"))
        }
        "module" => {
            let name = first?;
            match calls.get(name) {
                None => Some(format!("no module `module.{name}`")),
                Some(None) => None,
                Some(Some(target)) => {
                    let output = r.path.get(1)?;
                    (!target.outputs().contains(output))
                        .then(|| format!("module `{name}` has no output `{output}`"))
                }
            }
        }
        "data" => {
            let (ty, name) = (first?, r.path.get(1)?);
            match data.get(&(ty.to_owned(), name.to_owned())) {
                None => Some(format!("no data source `data.{ty}.{name}`")),
                Some(s) => attr_problem(s, r.path.get(2), &format!("data.{ty}.{name}")),
            }
        }
        root if root.starts_with("aws_") => {
            let name = first?;
            match resources.get(&(root.to_owned(), name.to_owned())) {
                None => Some(format!("no resource `{root}.{name}`")),
                Some(s) => attr_problem(s, r.path.get(1), &format!("{root}.{name}")),
            }
        }
        _ => None,
    }
}

fn attr_problem(schema: &BlockSchema, attr: Option<&String>, what: &str) -> Option<String> {
    let attr = attr?;
    (attr != "id" && !schema.args.contains_key(attr) && !schema.computed.contains(attr))
        .then(|| format!("`{what}` has no attribute `{attr}`"))
}
