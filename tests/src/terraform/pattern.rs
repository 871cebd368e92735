//! EventBridge event pattern matching, for the operators the stack uses and
//! the common others: exact values, `prefix`, `suffix`, `anything-but`
//! (values, or a `prefix`), `exists`, `numeric`, `equals-ignore-case`,
//! `wildcard`, and `$or`. Semantics as documented for EventBridge: every
//! field of the pattern must match; an array in the pattern matches if any of
//! its entries does; an array in the event matches if any element does.

use serde_json::Value;

/// Whether `event` matches `pattern`. A malformed pattern is an error.
pub fn matches(pattern: &Value, event: &Value) -> Result<bool, String> {
    let Value::Object(fields) = pattern else {
        return Err(format!("a pattern must be an object, not {pattern}"));
    };
    for (key, wanted) in fields {
        if key == "$or" {
            let Value::Array(alternatives) = wanted else {
                return Err("`$or` takes an array of patterns".into());
            };
            let mut any = false;
            for alternative in alternatives {
                any |= matches(alternative, event)?;
            }
            if !any {
                return Ok(false);
            }
            continue;
        }
        let actual = event.get(key);
        let ok = match wanted {
            Value::Object(_) => match actual {
                Some(inner @ Value::Object(_)) => matches(wanted, inner)?,
                _ => false,
            },
            Value::Array(rules) => field_matches(rules, actual)?,
            other => {
                return Err(format!(
                    "`{key}`: pattern values must be arrays or objects, not {other}"
                ));
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// One leaf: any of `rules` must match the value (or, for an array value,
/// any of its elements).
fn field_matches(rules: &[Value], actual: Option<&Value>) -> Result<bool, String> {
    for rule in rules {
        let hit = match rule {
            Value::Object(op) if op.contains_key("exists") => {
                let want = op["exists"]
                    .as_bool()
                    .ok_or("`exists` takes true or false")?;
                let present = matches!(actual, Some(v) if !v.is_object());
                want == present
            }
            _ => match actual {
                None => false,
                Some(Value::Array(items)) => {
                    let mut any = false;
                    for item in items {
                        any |= leaf(rule, item)?;
                    }
                    any
                }
                Some(value) => leaf(rule, value)?,
            },
        };
        if hit {
            return Ok(true);
        }
    }
    Ok(false)
}

fn leaf(rule: &Value, value: &Value) -> Result<bool, String> {
    let Value::Object(op) = rule else {
        return Ok(rule == value);
    };
    let (name, arg) = op
        .iter()
        .next()
        .ok_or("an empty object is not a matching rule")?;
    if op.len() != 1 && name != "numeric" {
        return Err(format!("one operator per rule, found {}", op.len()));
    }
    let text = value.as_str();
    Ok(match name.as_str() {
        "prefix" => match arg {
            Value::String(p) => text.is_some_and(|t| t.starts_with(p.as_str())),
            Value::Object(o) => {
                let p = o
                    .get("equals-ignore-case")
                    .and_then(Value::as_str)
                    .ok_or("prefix takes a string or {equals-ignore-case}")?;
                text.is_some_and(|t| t.to_lowercase().starts_with(&p.to_lowercase()))
            }
            _ => return Err("prefix takes a string".into()),
        },
        "suffix" => {
            let s = arg.as_str().ok_or("suffix takes a string")?;
            text.is_some_and(|t| t.ends_with(s))
        }
        "equals-ignore-case" => {
            let s = arg.as_str().ok_or("equals-ignore-case takes a string")?;
            text.is_some_and(|t| t.eq_ignore_ascii_case(s))
        }
        "wildcard" => {
            let s = arg.as_str().ok_or("wildcard takes a string")?;
            text.is_some_and(|t| wildcard(s, t))
        }
        "anything-but" => match arg {
            Value::Array(values) => !values.contains(value),
            Value::Object(o) => {
                if let Some(p) = o.get("prefix").and_then(Value::as_str) {
                    text.is_some_and(|t| !t.starts_with(p))
                } else if let Some(s) = o.get("suffix").and_then(Value::as_str) {
                    text.is_some_and(|t| !t.ends_with(s))
                } else {
                    return Err("anything-but takes values, {prefix} or {suffix}".into());
                }
            }
            single => single != value,
        },
        "numeric" => numeric(arg, value)?,
        other => return Err(format!("unsupported operator `{other}`")),
    })
}

fn numeric(arg: &Value, value: &Value) -> Result<bool, String> {
    let Value::Array(terms) = arg else {
        return Err("numeric takes [op, n, ...]".into());
    };
    let Some(x) = value.as_f64() else {
        return Ok(false);
    };
    let mut i = 0;
    while i + 1 < terms.len() {
        let op = terms[i]
            .as_str()
            .ok_or("numeric operator must be a string")?;
        let n = terms[i + 1]
            .as_f64()
            .ok_or("numeric operand must be a number")?;
        let ok = match op {
            "=" => x == n,
            "<" => x < n,
            "<=" => x <= n,
            ">" => x > n,
            ">=" => x >= n,
            other => return Err(format!("numeric operator `{other}`")),
        };
        if !ok {
            return Ok(false);
        }
        i += 2;
    }
    Ok(true)
}

fn wildcard(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(tail) = text.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| wildcard(rest, &tail[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operators_behave_as_documented() {
        let e = json!({"source": "aws.ecs", "detail": {"eventName": "SERVICE_STEADY_STATE", "n": 5, "tags": ["a", "b"]}});
        let yes = [
            json!({"source": ["aws.ecs"]}),
            json!({"detail": {"eventName": [{"prefix": "SERVICE_"}]}}),
            json!({"detail": {"eventName": [{"anything-but": ["X"]}]}}),
            json!({"detail": {"n": [{"numeric": [">", 1, "<=", 5]}]}}),
            json!({"detail": {"tags": ["b"]}}),
            json!({"detail": {"missing": [{"exists": false}]}}),
            json!({"detail": {"eventName": [{"wildcard": "SERVICE_*_STATE"}]}}),
            json!({"$or": [{"source": ["x"]}, {"detail": {"n": [5]}}]}),
        ];
        for p in yes {
            assert!(matches(&p, &e).expect("valid pattern"), "{p} should match");
        }
        let no = [
            json!({"source": ["aws.autoscaling"]}),
            json!({"detail": {"eventName": [{"anything-but": {"prefix": "SERVICE"}}]}}),
            json!({"detail": {"n": [{"numeric": [">", 5]}]}}),
            json!({"detail": {"eventName": [{"exists": false}]}}),
            json!({"detail-type": ["ECS Service Action"]}),
        ];
        for p in no {
            assert!(
                !matches(&p, &e).expect("valid pattern"),
                "{p} should not match"
            );
        }
        assert!(matches(&json!({"source": "aws.ecs"}), &e).is_err());
    }
}
