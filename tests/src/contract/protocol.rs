//! A request as AWS reads it: the service, the operation and its input,
//! from the wire format of the service's protocol (JSON 1.0/1.1 with
//! `X-Amz-Target`, AWS query and EC2 query forms, REST-JSON).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::model::{self, Model};

/// What the layer needs of an HTTP request.
#[derive(Debug)]
pub struct Wire<'a> {
    pub method: &'a str,
    /// The path, percent-encoded as sent.
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: &'a str,
    pub headers: &'a hyper::HeaderMap,
    pub body: &'a [u8],
}

/// A request read against its model.
#[derive(Debug)]
pub struct Parsed {
    pub model: Arc<Model>,
    pub operation: String,
    pub input: Value,
}

/// The signing name from the SigV4 credential scope
/// (`Credential=AKID/20260101/us-east-1/ecs/aws4_request`).
pub fn signing_name(headers: &hyper::HeaderMap) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let scope = auth.split("Credential=").nth(1)?;
    let scope = scope.split([',', ' ']).next()?;
    scope.split('/').nth(3).map(str::to_owned)
}

/// Reads `wire` as the operation it calls. `Err` says why it cannot be read
/// (no signature, no model, no operation of that name): a request the layer
/// cannot read is one it cannot vouch for.
pub fn parse(wire: &Wire<'_>) -> Result<Parsed, String> {
    let service = signing_name(wire.headers)
        .ok_or("the request carries no SigV4 credential scope, so its service is unknown")?;
    let models = model::for_signing_name(&service).map_err(|e| e.to_string())?;
    if let Some(target) = header(wire.headers, "x-amz-target") {
        let (prefix, operation) = target
            .rsplit_once('.')
            .ok_or_else(|| format!("X-Amz-Target `{target}` names no operation"))?;
        let model = models
            .iter()
            .find(|m| m.target_prefix.as_deref() == Some(prefix))
            .ok_or_else(|| format!("no {service} model has the target prefix `{prefix}`"))?;
        let input = if wire.body.is_empty() {
            Value::Object(Map::new())
        } else {
            serde_json::from_slice(wire.body)
                .map_err(|e| format!("{target}: the body is not JSON: {e}"))?
        };
        return found(model, operation, input);
    }
    let content_type = header(wire.headers, "content-type").unwrap_or_default();
    if wire.method == "POST" && content_type.starts_with("application/x-www-form-urlencoded") {
        let form: BTreeMap<String, String> = form_urlencoded::parse(wire.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let action = form
            .get("Action")
            .ok_or("a query-protocol request without an Action")?;
        let version = form.get("Version").map(String::as_str).unwrap_or_default();
        let model = models
            .iter()
            .find(|m| m.api_version == version)
            .or_else(|| models.first())
            .ok_or_else(|| format!("no model for {service}"))?;
        let op = model
            .operation(action)
            .ok_or_else(|| format!("{}: no operation `{action}`", model.name))?;
        let ec2 = model.protocol == "ec2";
        let input = match op["input"]["shape"].as_str() {
            Some(shape) => from_form(model, shape, "", &form, ec2),
            None => None,
        }
        .unwrap_or_else(|| Value::Object(Map::new()));
        return Ok(Parsed {
            model: model.clone(),
            operation: action.clone(),
            input,
        });
    }
    for model in &models {
        if model.protocol == "rest-json"
            && let Some((operation, input)) = rest_json(model, wire)?
        {
            return Ok(Parsed {
                model: model.clone(),
                operation,
                input,
            });
        }
    }
    Err(format!(
        "{} {} to {service}: no operation of its model has this method and path",
        wire.method, wire.path
    ))
}

fn found(model: &Arc<Model>, operation: &str, input: Value) -> Result<Parsed, String> {
    if model.operation(operation).is_none() {
        return Err(format!("{}: no operation `{operation}`", model.name));
    }
    Ok(Parsed {
        model: model.clone(),
        operation: operation.to_owned(),
        input,
    })
}

fn header<'a>(headers: &'a hyper::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

// --- query and EC2 forms ------------------------------------------------------

/// The value at `prefix` of a form, read as `shape`; `None` when absent.
fn from_form(
    model: &Model,
    shape_name: &str,
    prefix: &str,
    form: &BTreeMap<String, String>,
    ec2: bool,
) -> Option<Value> {
    let shape = model.shape(shape_name)?;
    let join = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        }
    };
    match shape["type"].as_str().unwrap_or_default() {
        "structure" => {
            let mut out = Map::new();
            for (name, member) in shape["members"].as_object()? {
                let wire_name = if ec2 {
                    member["queryName"]
                        .as_str()
                        .map(str::to_owned)
                        .or_else(|| member["locationName"].as_str().map(capitalized))
                        .unwrap_or_else(|| capitalized(name))
                } else {
                    member["locationName"]
                        .as_str()
                        .unwrap_or(name.as_str())
                        .to_owned()
                };
                let member_shape = member["shape"].as_str()?;
                let flattened = ec2
                    || member["flattened"].as_bool().unwrap_or(false)
                    || model
                        .shape(member_shape)
                        .is_some_and(|s| s["flattened"].as_bool().unwrap_or(false));
                let key = join(&wire_name);
                let value = if flattened {
                    from_form_flat(model, member_shape, &key, form, ec2)
                } else {
                    from_form(model, member_shape, &key, form, ec2)
                };
                if let Some(value) = value {
                    out.insert(name.clone(), value);
                }
            }
            (!out.is_empty() || prefix.is_empty() || form.contains_key(prefix))
                .then_some(Value::Object(out))
        }
        "list" => {
            let item = shape["member"]["locationName"].as_str().unwrap_or("member");
            from_form_list(model, shape, prefix, &format!("{prefix}.{item}"), form, ec2)
        }
        "map" => from_form_map(model, shape, &format!("{prefix}.entry"), form, ec2),
        _ => form.get(prefix).map(|raw| scalar(shape, raw)),
    }
}

/// A flattened list or map: `Name.1`, `Name.2`, ... with no `member`/`entry` level.
fn from_form_flat(
    model: &Model,
    shape_name: &str,
    prefix: &str,
    form: &BTreeMap<String, String>,
    ec2: bool,
) -> Option<Value> {
    let shape = model.shape(shape_name)?;
    match shape["type"].as_str().unwrap_or_default() {
        "list" => from_form_list(model, shape, prefix, prefix, form, ec2),
        "map" => from_form_map(model, shape, prefix, form, ec2),
        _ => from_form(model, shape_name, prefix, form, ec2),
    }
}

/// A list at `prefix` whose items are `items.1`, `items.2`, ...: `prefix`
/// itself, empty, is the empty list.
fn from_form_list(
    model: &Model,
    shape: &Value,
    prefix: &str,
    items: &str,
    form: &BTreeMap<String, String>,
    ec2: bool,
) -> Option<Value> {
    if form.get(prefix).is_some_and(String::is_empty) {
        return Some(Value::Array(Vec::new()));
    }
    let items = indexed(form, items);
    if items.is_empty() {
        return None;
    }
    let member_shape = shape["member"]["shape"].as_str()?;
    Some(Value::Array(
        items
            .iter()
            .filter_map(|p| from_form(model, member_shape, p, form, ec2))
            .collect(),
    ))
}

fn from_form_map(
    model: &Model,
    shape: &Value,
    prefix: &str,
    form: &BTreeMap<String, String>,
    ec2: bool,
) -> Option<Value> {
    let key_name = shape["key"]["locationName"].as_str().unwrap_or("key");
    let value_name = shape["value"]["locationName"].as_str().unwrap_or("value");
    let value_shape = shape["value"]["shape"].as_str()?;
    let entries = indexed(form, prefix);
    if entries.is_empty() {
        return None;
    }
    let mut out = Map::new();
    for entry in entries {
        let key = form.get(&format!("{entry}.{key_name}"))?;
        let value = from_form(
            model,
            value_shape,
            &format!("{entry}.{value_name}"),
            form,
            ec2,
        )
        .unwrap_or(Value::Null);
        out.insert(key.clone(), value);
    }
    Some(Value::Object(out))
}

/// `prefix.1`, `prefix.2`, ... as present in the form, in index order.
fn indexed(form: &BTreeMap<String, String>, prefix: &str) -> Vec<String> {
    let start = format!("{prefix}.");
    let mut found: Vec<u32> = form
        .range(start.clone()..)
        .take_while(|(k, _)| k.starts_with(&start))
        .filter_map(|(k, _)| k[start.len()..].split('.').next()?.parse().ok())
        .collect();
    found.sort_unstable();
    found.dedup();
    found.iter().map(|i| format!("{prefix}.{i}")).collect()
}

/// A form or header value, typed by its shape (an unreadable one stays a
/// string, so the type check names it).
fn scalar(shape: &Value, raw: &str) -> Value {
    match shape["type"].as_str().unwrap_or_default() {
        "integer" | "long" => raw.parse::<i64>().map(Value::from).ok(),
        "float" | "double" => raw.parse::<f64>().ok().map(Value::from),
        "boolean" => raw.parse::<bool>().ok().map(Value::Bool),
        _ => None,
    }
    .unwrap_or_else(|| Value::String(raw.to_owned()))
}

fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

// --- REST-JSON ----------------------------------------------------------------

/// The operation whose `requestUri` matches, with its input gathered from the
/// path labels, query string, headers and body.
fn rest_json(model: &Model, wire: &Wire<'_>) -> Result<Option<(String, Value)>, String> {
    // A trailing slash is not significant: Backup's ListTags is modelled
    // as `/tags/{resourceArn}/` and sent without one.
    let path_segments: Vec<String> = wire
        .path
        .trim_matches('/')
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let query: Vec<(String, String)> = form_urlencoded::parse(wire.query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut best: Option<(usize, &String, BTreeMap<String, String>)> = None;
    for (name, op) in model.operations() {
        if op["http"]["method"].as_str() != Some(wire.method) {
            continue;
        }
        let uri = op["http"]["requestUri"].as_str().unwrap_or("/");
        let (uri_path, uri_query) = uri.split_once('?').unwrap_or((uri, ""));
        // A literal query (`?tagging`, `?Operation=X`) must be present too.
        let literal_ok = uri_query.split('&').filter(|q| !q.is_empty()).all(|q| {
            let (k, v) = q.split_once('=').unwrap_or((q, ""));
            query
                .iter()
                .any(|(qk, qv)| qk == k && (v.is_empty() || qv == v))
        });
        if !literal_ok {
            continue;
        }
        if let Some((literals, labels)) = match_uri(uri_path, &path_segments) {
            let score = literals * 2 + usize::from(!uri_query.is_empty());
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, name, labels));
            }
        }
    }
    let Some((_, name, labels)) = best else {
        return Ok(None);
    };
    let op = model
        .operation(name)
        .ok_or_else(|| format!("{}: no operation `{name}`", model.name))?;
    let Some(input_shape) = op["input"]["shape"].as_str() else {
        return Ok(Some((name.clone(), Value::Object(Map::new()))));
    };
    let shape = model
        .shape(input_shape)
        .ok_or_else(|| format!("{}: no shape `{input_shape}`", model.name))?;
    let body: Value = if wire.body.is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(wire.body).unwrap_or(Value::Null)
    };
    let payload = shape["payload"].as_str();
    let mut input = Map::new();
    for (member_name, member) in shape["members"].as_object().into_iter().flatten() {
        let wire_name = member["locationName"].as_str().unwrap_or(member_name);
        let member_shape = model
            .shape(member["shape"].as_str().unwrap_or_default())
            .cloned()
            .unwrap_or(Value::Null);
        let value = match member["location"].as_str() {
            Some("uri") => labels.get(wire_name).map(|v| Value::String(v.clone())),
            Some("querystring") => from_query(model, &member_shape, wire_name, &query),
            Some("header") => header(wire.headers, wire_name).map(|v| scalar(&member_shape, v)),
            Some("headers") => {
                let prefix = wire_name.to_ascii_lowercase();
                let map: Map<String, Value> = wire
                    .headers
                    .iter()
                    .filter_map(|(k, v)| {
                        let rest = k.as_str().strip_prefix(&prefix)?;
                        Some((rest.to_owned(), Value::String(v.to_str().ok()?.to_owned())))
                    })
                    .collect();
                (!map.is_empty()).then_some(Value::Object(map))
            }
            _ if payload == Some(member_name.as_str()) => {
                if member_shape["type"] == "structure" {
                    (!wire.body.is_empty()).then(|| body.clone())
                } else {
                    (!wire.body.is_empty())
                        .then(|| Value::String(String::from_utf8_lossy(wire.body).into_owned()))
                }
            }
            _ if payload.is_none() => body.get(wire_name).cloned(),
            _ => None,
        };
        if let Some(value) = value {
            input.insert(member_name.clone(), value);
        }
    }
    Ok(Some((name.clone(), Value::Object(input))))
}

fn from_query(
    model: &Model,
    shape: &Value,
    name: &str,
    query: &[(String, String)],
) -> Option<Value> {
    let member = |s: &Value| {
        model
            .shape(s["shape"].as_str().unwrap_or_default())
            .cloned()
    };
    match shape["type"].as_str().unwrap_or_default() {
        "list" => {
            let item = member(&shape["member"]).unwrap_or(Value::Null);
            let values: Vec<Value> = query
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| scalar(&item, v))
                .collect();
            (!values.is_empty()).then_some(Value::Array(values))
        }
        _ => query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| scalar(shape, v)),
    }
}

/// Matches path segments against a `requestUri` path; the number of literal
/// segments matched and the labels' values.
fn match_uri(template: &str, segments: &[String]) -> Option<(usize, BTreeMap<String, String>)> {
    let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
    let mut labels = BTreeMap::new();
    let mut literals = 0;
    for (i, part) in parts.iter().enumerate() {
        if let Some(label) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if let Some(greedy) = label.strip_suffix('+') {
                let rest = segments.get(i..)?.join("/");
                if rest.is_empty() {
                    return None;
                }
                labels.insert(greedy.to_owned(), rest);
                return Some((literals, labels));
            }
            let value = segments.get(i)?;
            if value.is_empty() {
                return None;
            }
            labels.insert(label.to_owned(), value.clone());
        } else {
            if segments.get(i).map(String::as_str) != Some(*part) {
                return None;
            }
            literals += 1;
        }
    }
    (parts.len() == segments.len()).then_some((literals, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_templates_match_labels_and_greedy_labels() {
        let segs = |p: &str| -> Vec<String> { p.split('/').map(str::to_owned).collect() };
        let (lit, labels) = match_uri(
            "/backup-vaults/{backupVaultName}",
            &segs("backup-vaults/v1"),
        )
        .unwrap();
        assert_eq!(lit, 1);
        assert_eq!(labels["backupVaultName"], "v1");
        let (_, labels) = match_uri("/tags/{Key+}", &segs("tags/a/b/c")).unwrap();
        assert_eq!(labels["Key"], "a/b/c");
        assert!(match_uri("/backup-vaults/{x}", &segs("backup-vaults/v1/extra")).is_none());
        assert!(match_uri("/backup-vaults/{x}", &segs("backup-vaults")).is_none());
    }
}
