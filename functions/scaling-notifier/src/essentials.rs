//! Which containers of a task are essential. ECS's task state change event
//! does not say; the task definition does. A revision never changes, so
//! each is read once per warm function and kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use shared::aws::failure;

/// Revisions kept at most; past this the cache starts over (a notifier
/// sees a handful of task definitions, not thousands).
const MAX_CACHED: usize = 256;

/// Reads task definitions' essential containers, cached by ARN.
#[derive(Debug, Clone, Default)]
pub struct TaskDefinitions {
    client: Option<aws_sdk_ecs::Client>,
    cache: Arc<Mutex<HashMap<String, Vec<String>>>>,
}

impl TaskDefinitions {
    /// Lookups through `client`.
    pub fn new(client: aws_sdk_ecs::Client) -> Self {
        Self {
            client: Some(client),
            cache: Arc::default(),
        }
    }

    /// No lookups: every answer is "unknown" (tests of formatting alone).
    pub fn none() -> Self {
        Self::default()
    }

    /// The essential containers of task definition `arn`, or why they are
    /// not known (a sentence).
    pub async fn essential(&self, arn: &str) -> Result<Vec<String>, String> {
        if let Some(names) = self.cached(arn) {
            return Ok(names);
        }
        let Some(client) = &self.client else {
            return Err("no task definition lookups are configured".into());
        };
        let answer = client
            .describe_task_definition()
            .task_definition(arn)
            .send()
            .await
            .map_err(|e| failure("ecs:DescribeTaskDefinition", &e).to_string())?;
        let Some(definition) = answer.task_definition else {
            return Err(format!("ECS returned no task definition for {arn}"));
        };
        // `essential` left out of a container definition means true.
        let names: Vec<String> = definition
            .container_definitions()
            .iter()
            .filter(|c| c.essential.unwrap_or(true))
            .filter_map(|c| c.name.clone())
            .collect();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(arn.to_owned(), names.clone());
        Ok(names)
    }

    fn cached(&self, arn: &str) -> Option<Vec<String>> {
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(arn)
            .cloned()
    }
}
