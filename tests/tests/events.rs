//! Every sample event under `events/` is valid JSON of the shape its function
//! takes, so `cargo lambda invoke --data-file` and the tests agree.

use harness::repo_root;

#[test]
fn every_sample_event_parses_for_its_function() {
    let root = repo_root().join("events");
    let mut checked = 0;
    for dir in std::fs::read_dir(&root).expect("events/") {
        let dir = dir.expect("entry").path();
        let function = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        for file in std::fs::read_dir(&dir).expect("function dir") {
            let path = file.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let raw = std::fs::read_to_string(&path).expect("read");
            let name = path.display().to_string();
            match function.as_str() {
                "scaling-notifier" => {
                    let value =
                        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
                    let items = scaling_notifier::input::parse(value)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert!(!items.is_empty(), "{name}: no items");
                }
                "scaling-scheduler" => {
                    let value =
                        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
                    scaling_scheduler::parse_command(value)
                        .unwrap_or_else(|e| panic!("{name}: {e}"));
                }
                "dlq-processor" => {
                    let value =
                        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
                    dlq_processor::input::parse(value).unwrap_or_else(|e| panic!("{name}: {e}"));
                }
                "secret-rotator" => {
                    serde_json::from_str::<
                        aws_lambda_events::event::secretsmanager::SecretsManagerSecretRotationEvent,
                    >(&raw)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                }
                "backup-verifier" => {
                    let value: serde_json::Value =
                        serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert!(
                        value.get("detail-type").is_some() || value.get("action").is_some(),
                        "{name}: an EventBridge event or a command"
                    );
                }
                other => {
                    serde_json::from_str::<serde_json::Value>(&raw)
                        .unwrap_or_else(|e| panic!("{name} ({other}): {e}"));
                }
            }
            let file_name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            assert!(
                file_name.contains('_'),
                "{name}: sample events are named <source>_<case>.json"
            );
            checked += 1;
        }
    }
    assert!(
        checked > 0,
        "no sample events found under {}",
        root.display()
    );
}
