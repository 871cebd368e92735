//! An operation's input held to its model: `required`, types, `min`/`max`
//! (string length in characters, blob length in bytes, list and map sizes,
//! number ranges), `pattern` and `enum`.

use serde_json::Value;

use super::Violation;
use super::model::Model;

/// Every way `input` breaks the input shape of `operation`.
pub fn check(model: &Model, operation: &str, input: &Value) -> Vec<Violation> {
    let mut found = Vec::new();
    let Some(op) = model.operation(operation) else {
        return found;
    };
    if let Some(shape) = op["input"]["shape"].as_str() {
        let mut walk = Walk {
            model,
            operation,
            found: &mut found,
        };
        walk.value(shape, "", input, false);
    }
    found
}

struct Walk<'a> {
    model: &'a Model,
    operation: &'a str,
    found: &'a mut Vec<Violation>,
}

impl Walk<'_> {
    fn report(&mut self, path: &str, rule: String, value: &Value, sensitive: bool) {
        self.found.push(Violation {
            service: self.model.name.clone(),
            operation: self.operation.to_owned(),
            path: if path.is_empty() {
                "(input)".into()
            } else {
                path.to_owned()
            },
            rule,
            value: shown(value, sensitive),
        });
    }

    fn value(&mut self, shape_name: &str, path: &str, value: &Value, sensitive: bool) {
        let Some(shape) = self.model.shape(shape_name) else {
            return;
        };
        let sensitive = sensitive || shape["sensitive"].as_bool().unwrap_or(false);
        let kind = shape["type"].as_str().unwrap_or_default();
        if value.is_null() {
            return;
        }
        match kind {
            "structure" => self.structure(shape, path, value, sensitive),
            "list" => {
                let Some(items) = value.as_array() else {
                    return self.report(path, "must be a list".into(), value, sensitive);
                };
                self.size(shape, path, items.len(), "items", value, sensitive);
                let member = shape["member"]["shape"].as_str().unwrap_or_default();
                for (i, item) in items.iter().enumerate() {
                    self.value(member, &format!("{path}[{i}]"), item, sensitive);
                }
            }
            "map" => {
                let Some(entries) = value.as_object() else {
                    return self.report(path, "must be a map".into(), value, sensitive);
                };
                self.size(shape, path, entries.len(), "entries", value, sensitive);
                let key_shape = shape["key"]["shape"].as_str().unwrap_or_default();
                let value_shape = shape["value"]["shape"].as_str().unwrap_or_default();
                for (k, v) in entries {
                    self.value(
                        key_shape,
                        &format!("{path}{{key}}"),
                        &Value::String(k.clone()),
                        sensitive,
                    );
                    self.value(value_shape, &format!("{path}[{k:?}]"), v, sensitive);
                }
            }
            "string" => {
                let Some(text) = value.as_str() else {
                    return self.report(path, "must be a string".into(), value, sensitive);
                };
                self.size(
                    shape,
                    path,
                    text.chars().count(),
                    "characters",
                    value,
                    sensitive,
                );
                if let Some(allowed) = shape["enum"].as_array()
                    && !allowed.iter().any(|a| a.as_str() == Some(text))
                {
                    let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
                    self.report(
                        path,
                        format!("enum: must be one of {}", names.join(", ")),
                        value,
                        sensitive,
                    );
                }
                if let Some(pattern) = shape["pattern"].as_str() {
                    match &*self.model.pattern(pattern) {
                        Ok(re) => {
                            if !re.is_match(text).unwrap_or(false) {
                                self.report(
                                    path,
                                    format!("pattern: must match {pattern}"),
                                    value,
                                    sensitive,
                                );
                            }
                        }
                        Err(why) => self.report(
                            path,
                            format!("pattern {pattern} could not be compiled ({why})"),
                            value,
                            sensitive,
                        ),
                    }
                }
            }
            "blob" => {
                let Some(text) = value.as_str() else {
                    return self.report(path, "must be base64 text".into(), value, sensitive);
                };
                self.size(shape, path, base64_len(text), "bytes", value, sensitive);
            }
            "integer" | "long" | "float" | "double" => {
                let Some(number) = value.as_f64() else {
                    return self.report(path, format!("must be a {kind}"), value, sensitive);
                };
                if let Some(min) = shape["min"].as_f64()
                    && number < min
                {
                    self.report(
                        path,
                        format!("min: must be at least {min}"),
                        value,
                        sensitive,
                    );
                }
                if let Some(max) = shape["max"].as_f64()
                    && number > max
                {
                    self.report(
                        path,
                        format!("max: must be at most {max}"),
                        value,
                        sensitive,
                    );
                }
            }
            "boolean" if !value.is_boolean() => {
                self.report(path, "must be true or false".into(), value, sensitive);
            }
            _ => {}
        }
    }

    fn structure(&mut self, shape: &Value, path: &str, value: &Value, sensitive: bool) {
        let Some(object) = value.as_object() else {
            return self.report(path, "must be a structure".into(), value, sensitive);
        };
        let members = shape["members"].as_object();
        for required in shape["required"].as_array().into_iter().flatten() {
            let Some(name) = required.as_str() else {
                continue;
            };
            if object.get(name).is_none_or(Value::is_null) {
                self.report(
                    &join(path, name),
                    "required: must be present".into(),
                    &Value::Null,
                    sensitive,
                );
            }
        }
        if shape["union"].as_bool().unwrap_or(false) {
            let set = object.values().filter(|v| !v.is_null()).count();
            if set != 1 {
                self.report(
                    path,
                    format!("union: exactly one member must be set, {set} are"),
                    value,
                    sensitive,
                );
            }
        }
        for (name, member_value) in object {
            let Some(member) = members.and_then(|m| m.get(name)) else {
                continue;
            };
            let member_shape = member["shape"].as_str().unwrap_or_default();
            self.value(member_shape, &join(path, name), member_value, sensitive);
        }
    }

    fn size(
        &mut self,
        shape: &Value,
        path: &str,
        len: usize,
        unit: &str,
        value: &Value,
        sensitive: bool,
    ) {
        let len = len as f64;
        if let Some(min) = shape["min"].as_f64()
            && len < min
        {
            self.report(
                path,
                format!("min: at least {min} {unit}, has {len}"),
                value,
                sensitive,
            );
        }
        if let Some(max) = shape["max"].as_f64()
            && len > max
        {
            self.report(
                path,
                format!("max: at most {max} {unit}, has {len}"),
                value,
                sensitive,
            );
        }
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// Decoded length of base64 text.
fn base64_len(text: &str) -> usize {
    let trimmed = text.trim_end_matches('=');
    trimmed.len() * 3 / 4
}

/// A value as a violation shows it: sensitive ones masked, long ones cut.
pub fn shown(value: &Value, sensitive: bool) -> String {
    if value.is_null() {
        return "(absent)".into();
    }
    let text = match value {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if sensitive {
        return format!("(sensitive, {} characters, masked)", text.chars().count());
    }
    const MAX: usize = 160;
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}... ({} characters)", text.chars().count())
    } else {
        text
    }
}
