//! AWS's own API models, as botocore ships them in the project venv
//! (`botocore/data/<service>/<version>/service-2.json.gz`).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

/// One service's model: its metadata, operations and shapes.
#[derive(Debug)]
pub struct Model {
    /// The botocore directory name (`ecs`, `cloudwatch`, ...).
    pub name: String,
    pub protocol: String,
    pub target_prefix: Option<String>,
    pub api_version: String,
    operations: HashMap<String, Value>,
    shapes: HashMap<String, Value>,
    patterns: Mutex<HashMap<String, Arc<Result<fancy_regex::Regex, String>>>>,
}

impl Model {
    pub fn load(path: &Path, name: &str) -> anyhow::Result<Model> {
        let raw = std::fs::read(path)?;
        let mut text = String::new();
        if path.extension().is_some_and(|e| e == "gz") {
            flate2::read::GzDecoder::new(raw.as_slice()).read_to_string(&mut text)?;
        } else {
            text = String::from_utf8(raw)?;
        }
        let mut doc: Value = serde_json::from_str(&text)?;
        let metadata = doc["metadata"].take();
        let take_map = |v: Value| -> HashMap<String, Value> {
            match v {
                Value::Object(map) => map.into_iter().collect(),
                _ => HashMap::new(),
            }
        };
        let text_of = |key: &str| metadata[key].as_str().map(str::to_owned);
        Ok(Model {
            name: name.to_owned(),
            protocol: text_of("protocol").unwrap_or_default(),
            target_prefix: text_of("targetPrefix"),
            api_version: text_of("apiVersion").unwrap_or_default(),
            operations: take_map(doc["operations"].take()),
            shapes: take_map(doc["shapes"].take()),
            patterns: Mutex::new(HashMap::new()),
        })
    }

    pub fn operation(&self, name: &str) -> Option<&Value> {
        self.operations.get(name)
    }

    pub fn operations(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.operations.iter()
    }

    pub fn shape(&self, name: &str) -> Option<&Value> {
        self.shapes.get(name)
    }

    pub fn shapes(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.shapes.iter()
    }

    /// The compiled form of a shape's `pattern`, or why it does not compile.
    pub fn pattern(&self, source: &str) -> Arc<Result<fancy_regex::Regex, String>> {
        let mut cache = self
            .patterns
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache
            .entry(source.to_owned())
            .or_insert_with(|| Arc::new(compile_pattern(source)))
            .clone()
    }
}

/// Compiles a model pattern for a whole-value match.
///
/// The models' patterns are Java regular expressions. AWS's API references
/// print them anchored (ECS `Tag.value`: `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
/// where botocore dropped the anchors, and the services match the whole
/// value (ECS documents the same characters as the only ones allowed), so
/// every pattern must match all of the value. Java writes characters above
/// U+FFFF as UTF-16 surrogate pairs, which have no meaning in a Rust regex:
/// the pair ranges are rewritten as code point ranges.
pub fn compile_pattern(source: &str) -> Result<fancy_regex::Regex, String> {
    let rust = java_to_rust(
        &source
            .replace(r"\uD800\uDC00-\uDBFF\uDFFF", r"\x{10000}-\x{10FFFF}")
            .replace(r"\ud800\udc00-\udbff\udfff", r"\x{10000}-\x{10FFFF}"),
    );
    fancy_regex::Regex::new(&format!("^(?:{rust})$")).map_err(|e| e.to_string())
}

/// Java's POSIX classes (`\p{Print}`, ...) as ASCII ranges, and a `-` after a
/// class escape inside brackets (`[\w-_]`, a literal `-` in Java) escaped.
fn java_to_rust(source: &str) -> String {
    const POSIX: &[(&str, &str)] = &[
        ("Print", r"\x20-\x7E"),
        ("Graph", r"\x21-\x7E"),
        ("Alnum", "a-zA-Z0-9"),
        ("Alpha", "a-zA-Z"),
        ("Digit", "0-9"),
        ("XDigit", "0-9a-fA-F"),
        ("Lower", "a-z"),
        ("Upper", "A-Z"),
        ("Punct", r##"!-/:-@\[-`{-~"##),
        ("Space", r"\t\n\x0B\f\r "),
        ("Cntrl", r"\x00-\x1F\x7F"),
        ("ASCII", r"\x00-\x7F"),
    ];
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::new();
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let next = chars[i + 1];
            if next == 'p' && chars.get(i + 2) == Some(&'{') {
                let end = chars[i..].iter().position(|&c| c == '}').map(|p| i + p);
                if let Some(end) = end {
                    let name: String = chars[i + 3..end].iter().collect();
                    if let Some((_, range)) = POSIX.iter().find(|(n, _)| *n == name) {
                        if in_class {
                            out.push_str(range);
                        } else {
                            out.push_str(&format!("[{range}]"));
                        }
                        i = end + 1;
                        continue;
                    }
                    let escape: String = chars[i..=end].iter().collect();
                    out.push_str(&escape);
                    i = end + 1;
                    if in_class && chars.get(i) == Some(&'-') {
                        out.push_str(r"\-");
                        i += 1;
                    }
                    continue;
                }
            }
            out.push(c);
            out.push(next);
            i += 2;
            if in_class && "wdsWDS".contains(next) && chars.get(i) == Some(&'-') {
                out.push_str(r"\-");
                i += 1;
            }
            continue;
        }
        if c == '[' && !in_class {
            in_class = true;
        } else if c == ']' && in_class {
            in_class = false;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The botocore data directory of the project venv (or `$BOTOCORE_DATA`).
pub fn data_dir() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("BOTOCORE_DATA") {
        return Ok(PathBuf::from(dir));
    }
    let lib = crate::repo_root().join(".venv/lib");
    for entry in std::fs::read_dir(&lib)
        .map_err(|e| anyhow::anyhow!("{}: {e}; run scripts/setup first", lib.display()))?
    {
        let dir = entry?.path().join("site-packages/botocore/data");
        if dir.is_dir() {
            return Ok(dir);
        }
    }
    anyhow::bail!(
        "no botocore/data under {}: run scripts/setup first",
        lib.display()
    )
}

/// The botocore directories that may hold the model of a signing name;
/// where a name is not listed, the directory of the same name.
fn candidates(signing_name: &str) -> &'static [&'static str] {
    match signing_name {
        "monitoring" => &["cloudwatch"],
        "tagging" => &["resourcegroupstaggingapi"],
        "elasticloadbalancing" => &["elbv2", "elb"],
        "ses" => &["sesv2", "ses"],
        "execute-api" => &["apigateway"],
        _ => &[],
    }
}

type Cache = Mutex<HashMap<String, Arc<Model>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The model in botocore directory `name` (newest API version), loaded once.
pub fn by_dir(name: &str) -> anyhow::Result<Arc<Model>> {
    if let Some(model) = cache().lock().unwrap_or_else(|p| p.into_inner()).get(name) {
        return Ok(model.clone());
    }
    let dir = data_dir()?.join(name);
    let mut versions: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| anyhow::anyhow!("no model for `{name}` ({}: {e})", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    versions.sort();
    let newest = versions
        .last()
        .ok_or_else(|| anyhow::anyhow!("{} holds no API version", dir.display()))?;
    let file = ["service-2.json.gz", "service-2.json"]
        .iter()
        .map(|f| newest.join(f))
        .find(|p| p.exists())
        .ok_or_else(|| anyhow::anyhow!("{} holds no service-2.json", newest.display()))?;
    let model = Arc::new(Model::load(&file, name)?);
    cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(name.to_owned(), model.clone());
    Ok(model)
}

/// The models a request signed for `signing_name` may be for.
pub fn for_signing_name(signing_name: &str) -> anyhow::Result<Vec<Arc<Model>>> {
    let listed = candidates(signing_name);
    if listed.is_empty() {
        return Ok(vec![by_dir(signing_name)?]);
    }
    listed.iter().map(|dir| by_dir(dir)).collect()
}
