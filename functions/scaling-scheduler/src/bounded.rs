//! Calls run side by side, a bounded number at a time: the actions, the ECS
//! cluster reads and the event batches of one run.

use std::future::Future;
use std::time::Instant;

/// How one job of [`run`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran<T> {
    Finished(T),
    /// The task stopped unexpectedly (a panic): what tokio said of it.
    Panicked(String),
    /// Not started: the run reached its `stop_at` first.
    NotStarted,
}

/// Runs `jobs` at most `limit` at a time, starting none once `stop_at` has
/// passed, and returns how each ended, in the order given: a job that
/// panicked or never started is said so, never missing.
pub async fn run<T, F>(jobs: Vec<F>, limit: usize, stop_at: Option<Instant>) -> Vec<Ran<T>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut results: Vec<Ran<T>> = jobs.iter().map(|_| Ran::NotStarted).collect();
    let mut tasks = tokio::task::JoinSet::new();
    let mut slots = std::collections::HashMap::new();
    let mut pending = jobs.into_iter().enumerate();
    loop {
        while tasks.len() < limit.max(1) && stop_at.is_none_or(|t| Instant::now() < t) {
            let Some((slot, job)) = pending.next() else {
                break;
            };
            slots.insert(tasks.spawn(job).id(), slot);
        }
        let Some(joined) = tasks.join_next_with_id().await else {
            break;
        };
        let (id, ran) = match joined {
            Ok((id, value)) => (id, Ran::Finished(value)),
            Err(e) => (e.id(), Ran::Panicked(e.to_string())),
        };
        if let Some(result) = slots.get(&id).and_then(|slot| results.get_mut(*slot)) {
            *result = ran;
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn results_come_in_order_and_nothing_starts_after_the_stop() {
        let jobs: Vec<_> = (0..25u64)
            .map(|i| async move {
                tokio::time::sleep(std::time::Duration::from_millis(25 - i)).await;
                i * 2
            })
            .collect();
        let ran = run(jobs, 4, None).await;
        assert_eq!(
            ran,
            (0..25u64).map(|i| Ran::Finished(i * 2)).collect::<Vec<_>>()
        );
        let late = run(vec![async { 1 }], 4, Some(Instant::now())).await;
        assert_eq!(late, [Ran::NotStarted]);
    }
}
