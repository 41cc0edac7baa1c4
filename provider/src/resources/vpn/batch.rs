//! Coalesced reads. Terraform refreshes resources concurrently, each in its own ReadResource call;
//! asking the cloud once per connection would cost one describe per resource. Instead every read
//! asks for a snapshot of its scope (AWS region, GCP region, Azure resource group): the first
//! caller lists the scope, concurrent and closely following callers share that answer. A mutation
//! by this process forgets the scope's snapshot, so nobody reads its own writes stale.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

/// How long a snapshot serves later readers. A refresh of many resources arrives within this;
/// the next Terraform command starts a new provider process anyway.
const FRESH_FOR: Duration = Duration::from_secs(5);

struct Entry<T> {
    cell: OnceCell<Result<Arc<T>, String>>,
    born: Instant,
}

pub struct Snapshots<T> {
    map: Mutex<HashMap<String, Arc<Entry<T>>>>,
}

impl<T> Default for Snapshots<T> {
    fn default() -> Self {
        Snapshots {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Send + Sync> Snapshots<T> {
    /// The snapshot of `scope`, fetched by this caller or shared with others.
    pub async fn get<F, Fut>(&self, scope: &str, fetch: F) -> Result<Arc<T>, String>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, String>>,
    {
        let entry = {
            let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
            let reusable = map
                .get(scope)
                .filter(|e| e.born.elapsed() < FRESH_FOR && !matches!(e.cell.get(), Some(Err(_))));
            match reusable {
                Some(e) => e.clone(),
                None => {
                    let e = Arc::new(Entry {
                        cell: OnceCell::new(),
                        born: Instant::now(),
                    });
                    map.insert(scope.to_string(), e.clone());
                    e
                }
            }
        };
        entry
            .cell
            .get_or_init(|| async { fetch().await.map(Arc::new) })
            .await
            .clone()
    }

    /// Forget `scope` after changing something in it.
    pub fn forget(&self, scope: &str) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(scope);
    }
}

/// One async lock per key (a Cloud Router, an Azure gateway): connections sharing it edit it by
/// read-modify-write, which must not interleave within this process.
#[derive(Default)]
pub struct KeyedLocks {
    map: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl KeyedLocks {
    pub fn get(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.to_string())
            .or_default()
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_readers_share_one_fetch() {
        let snaps: Arc<Snapshots<usize>> = Arc::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for _ in 0..50 {
            let (snaps, calls) = (snaps.clone(), calls.clone());
            handles.push(tokio::spawn(async move {
                snaps
                    .get("us-east-1", || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(7)
                    })
                    .await
            }));
        }
        for h in handles {
            assert_eq!(*h.await.unwrap().unwrap(), 7);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        snaps.forget("us-east-1");
        snaps.get("us-east-1", || async { Ok(8) }).await.unwrap();
        let other = snaps.get("eu-west-1", || async { Ok(9) }).await.unwrap();
        assert_eq!(*other, 9);
    }

    #[tokio::test]
    async fn failures_are_not_kept() {
        let snaps: Snapshots<usize> = Snapshots::default();
        assert!(
            snaps
                .get("r", || async { Err("boom".to_string()) })
                .await
                .is_err()
        );
        assert_eq!(*snaps.get("r", || async { Ok(1) }).await.unwrap(), 1);
    }
}
