use super::*;
use serde_json::json;

fn r() -> Redactor {
    Redactor::default()
}

#[test]
fn every_pattern_compiles() {
    for p in [&HEADER, &KEY_SEP, &AUTH_SCHEME, &EMAIL, &CARD] {
        LazyLock::force(p);
    }
}

#[test]
fn sensitive_keys_are_masked_at_any_depth() {
    let mut v = json!({
        "username": "app",
        "password": "p@ss",
        "nested": {"X-Api-Key": "k", "items": [{"access_token": "t", "id": 1}]},
        "Authorization": "Bearer abc",
        "client_secret": null
    });
    assert_eq!(r().json(&mut v), 4);
    assert_eq!(
        v,
        json!({
            "username": "app",
            "password": REDACTED,
            "nested": {"X-Api-Key": REDACTED, "items": [{"access_token": REDACTED, "id": 1}]},
            "Authorization": REDACTED,
            "client_secret": null
        })
    );
}

#[test]
fn ordinary_keys_are_kept() {
    for key in [
        "username",
        "host",
        "queue",
        "MessageId",
        "port",
        "discarded",
        "className",
        "company",
        "spinner",
        "Type",
    ] {
        assert!(!r().is_sensitive_key(key), "{key}");
    }
    for key in [
        "cardNumber",
        "card_cvv",
        "SSN",
        "iban",
        "PIN",
        "creditCard",
        "CVV2",
    ] {
        assert!(r().is_sensitive_key(key), "{key}");
    }
}

#[test]
fn json_inside_a_string_is_masked_too() {
    // The SNS-to-SQS envelope: the payload is a string holding JSON.
    let inner = json!({"password": "hunter2", "order": 7}).to_string();
    let mut v = json!({"Type": "Notification", "Message": inner});
    assert_eq!(r().json(&mut v), 1);
    let shown = v.to_string();
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("order"), "{shown}");
}

#[test]
fn text_key_values_headers_and_bearer_tokens_are_masked() {
    let cases = [
        ("password: hunter2", "password: [redacted]"),
        (
            "user=ann password=hunter2&x=1",
            "user=ann password=[redacted]&x=1",
        ),
        (
            r#"db "password": "a b c" ok"#,
            r#"db "password": "[redacted]" ok"#,
        ),
        (
            "GET /\nAuthorization: Bearer abc.def\nHost: x",
            "GET /\nAuthorization: [redacted]\nHost: x",
        ),
        (
            "sent with Bearer abc123 to api",
            "sent with Bearer [redacted] to api",
        ),
        (
            "x, authorization: Bearer abc.d, y",
            "x, authorization: [redacted], y",
        ),
        (
            "curl -H 'x: Basic dXNlcjpwYXNz'",
            "curl -H 'x: Basic [redacted]'",
        ),
        (
            "see https://h.example/cb?token=abc/d+e&x=1",
            "see https://h.example/cb?token=[redacted]&x=1",
        ),
        // JSON cut short, so it does not parse: still masked as text.
        (
            r#"{"Message":"{\"password\":\"hun ter\",\"id\":7"#,
            r#"{"Message":"{\"password\":\"[redacted]\",\"id\":7"#,
        ),
    ];
    for (text, want) in cases {
        assert_eq!(r().show(text), want, "{text}");
    }
}

#[test]
fn card_numbers_and_emails_are_masked_anywhere() {
    let text = "paid with 4111 1111 1111 1111 by ann.lee+x@example.co.uk, order 1234567890123";
    let (shown, n) = r().text(text);
    assert_eq!(
        shown,
        "paid with [redacted] by [redacted], order 1234567890123"
    );
    assert_eq!(n, 2);
    let mut v = json!({"pan_like": 5555555555554444u64, "n": 42, "list": ["378282246310005"]});
    r().json(&mut v);
    assert_eq!(
        v,
        json!({"pan_like": REDACTED, "n": 42, "list": [REDACTED]})
    );
    // Not a card: fails Luhn, too long, or too short.
    for keep in ["4111111111111112", "41111111111111111111", "411111111111"] {
        assert_eq!(r().show(keep), keep);
    }
}

#[test]
fn user_fields_are_masked() {
    let env = Env::from_pairs([(REDACT_FIELDS, "customer_name, dob")]);
    let red = Redactor::from_env(&env).expect("valid");
    let mut v = json!({"customerName": "Ann Lee", "DOB": "1990-01-01", "city": "Oslo"});
    assert_eq!(red.json(&mut v), 2);
    assert_eq!(v["city"], "Oslo");
    assert_eq!(red.show("customer_name=Ann"), "customer_name=[redacted]");
    let bad = Env::from_pairs([(REDACT_FIELDS, "a,,b")]);
    assert!(Redactor::from_env(&bad).is_err());
}

#[test]
fn keys_that_are_data_are_masked() {
    let mut v = json!({"ann@example.com": {"role": "admin"}});
    r().json(&mut v);
    assert_eq!(v, json!({REDACTED: {"role": "admin"}}));
}
