use super::*;

fn msg(body: &str) -> Message {
    Message {
        id: "6d1a9f0e-0000-4000-8000-000000000001".into(),
        body: body.into(),
        ..Message::default()
    }
}

#[test]
fn groups_come_from_the_attribute_then_the_field_then_the_shape() {
    let mut m = msg(r#"{"errorType":"Timeout","order":{"id":7}}"#);
    m.attributes.insert("errorType".into(), "Throttled".into());
    let by_attr = Grouping {
        attribute: Some("errorType".into()),
        field: Some("errorType".into()),
    };
    assert_eq!(
        by_attr.group_of(&m, &Redactor::default()),
        "errorType=Throttled"
    );
    let by_field = Grouping {
        attribute: None,
        field: Some("errorType".into()),
    };
    assert_eq!(
        by_field.group_of(&m, &Redactor::default()),
        "errorType=Timeout"
    );
    let nested = Grouping {
        attribute: None,
        field: Some("order.id".into()),
    };
    assert_eq!(nested.group_of(&m, &Redactor::default()), "order.id=7");
    assert_eq!(
        Grouping::default().group_of(&m, &Redactor::default()),
        "shape:errorType:string,order.id:number"
    );
}

#[test]
fn same_shape_different_values_share_a_fingerprint() {
    let g = Grouping::default();
    assert_eq!(
        g.group_of(&msg(r#"{"a":1,"b":"x"}"#), &Redactor::default()),
        g.group_of(&msg(r#"{"b":"y","a":2}"#), &Redactor::default())
    );
    assert_ne!(
        g.group_of(&msg(r#"{"a":1}"#), &Redactor::default()),
        g.group_of(&msg(r#"{"a":"1"}"#), &Redactor::default())
    );
    assert_eq!(
        g.group_of(&msg("Timeout after 30s"), &Redactor::default()),
        "text:Timeout(short)"
    );
}

#[test]
fn samples_never_show_secrets() {
    let s = redacted_sample(
        r#"{"user":"ann","password":"hunter2","auth":{"token":"abc"}}"#,
        &Redactor::default(),
    );
    assert!(!s.contains("hunter2") && !s.contains("abc"), "{s}");
    assert!(s.contains("ann"));
    let t = redacted_sample(
        "user=ann password=hunter2 api_key=xyz",
        &Redactor::default(),
    );
    assert_eq!(t, "user=ann password=[redacted] api_key=[redacted]");
    let envelope = serde_json::json!({
        "Type": "Notification",
        "Message": serde_json::json!({
            "card": {"number": "4111111111111111"},
            "note": "paid with 5555-5555-5555-4444",
            "email": "ann@example.com",
            "headers": "Authorization: Bearer s3cr3t\nX-Trace: 1",
        }).to_string(),
    })
    .to_string();
    let e = redacted_sample(&envelope, &Redactor::default());
    for leak in ["4111", "5555", "ann@", "s3cr3t"] {
        assert!(!e.contains(leak), "{leak} in {e}");
    }
    assert!(e.contains("X-Trace: 1"), "{e}");
    let mut card = msg("{}");
    card.attributes
        .insert("email".into(), "bo@example.org".into());
    let by_email = Grouping {
        attribute: Some("email".into()),
        field: None,
    };
    assert_eq!(
        by_email.group_of(&card, &Redactor::default()),
        "email=[redacted]"
    );
    let long = redacted_sample(&"x".repeat(2_000), &Redactor::default());
    assert!(long.chars().count() <= MAX_SAMPLE_CHARS + 10);
}

#[test]
fn filters_select_by_group_attribute_and_text() {
    let mut m = msg("payment declined");
    m.attributes.insert("tenant".into(), "acme".into());
    let f = Filter {
        groups: Some(vec!["g1".into()]),
        attributes: Some(BTreeMap::from([("tenant".to_owned(), "acme".to_owned())])),
        body_contains: Some("declined".into()),
    };
    assert!(f.selects(&m, "g1"));
    assert!(!f.selects(&m, "g2"));
    assert!(Filter::default().selects(&m, "anything"));
}

#[test]
fn only_a_person_redrives_a_message_whose_count_cannot_be_recorded() {
    let f = Filter::default();
    let mut m = msg("x");
    for i in 0..10 {
        m.attributes.insert(format!("a{i}"), "v".into());
    }
    assert_eq!(fate(&m, "g", &f, 3, false, false, false), Fate::Move);
    assert_eq!(
        fate(&m, "g", &f, 3, false, false, true),
        Fate::Uncounted { parking: false }
    );
    assert_eq!(
        fate(&m, "g", &f, 3, true, false, true),
        Fate::Uncounted { parking: true }
    );
    m.attributes.remove("a0");
    assert_eq!(fate(&m, "g", &f, 3, false, false, true), Fate::Move);
}

#[test]
fn fate_of_a_message() {
    let f = Filter::default();
    let mut m = msg("x");
    assert_eq!(fate(&m, "g", &f, 3, false, false, false), Fate::Move);
    assert_eq!(fate(&m, "g", &f, 3, false, true, false), Fate::Blocked);
    m.attributes
        .insert(REDRIVE_COUNT_ATTRIBUTE.into(), "3".into());
    assert_eq!(
        fate(&m, "g", &f, 3, false, false, false),
        Fate::Poison { redrives: 3 }
    );
    assert_eq!(
        fate(&m, "g", &f, 3, true, false, false),
        Fate::Park { redrives: 3 }
    );
    let only_other = Filter {
        groups: Some(vec!["other".into()]),
        ..Filter::default()
    };
    assert_eq!(
        fate(&m, "g", &only_other, 3, true, false, false),
        Fate::Filtered
    );
}

#[test]
fn redrive_count_is_raised_within_the_attribute_limit() {
    let mut m = msg("x");
    assert_eq!(
        next_attributes(&m)
            .0
            .get(REDRIVE_COUNT_ATTRIBUTE)
            .map(String::as_str),
        Some("1")
    );
    for i in 0..10 {
        m.attributes.insert(format!("a{i}"), "v".into());
    }
    let (attrs, counted) = next_attributes(&m);
    assert!(!counted);
    assert_eq!(attrs.len(), 10);
    // Nine text attributes and one Binary are ten too.
    m.attributes.remove("a9");
    m.binary_attributes = 1;
    assert!(
        !next_attributes(&m).1,
        "an eleventh attribute is never added"
    );
    m.binary_attributes = 0;
    assert!(next_attributes(&m).1, "the count is the tenth");
    assert_eq!(
        dedup_id(&m),
        "redrive-1-6d1a9f0e-0000-4000-8000-000000000001"
    );
}
