//! The same answer, after the same wait, for every refused login: whether
//! the name exists, is disabled or locked, or the password is wrong. The
//! wait doubles with each refusal in a row for the name as typed (known or
//! not), up to 4 s, and a successful login clears it; so neither the text
//! nor the timing tells an outsider which usernames exist.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// What a refused login is told, on the API and the login page alike.
pub const REFUSED: &str = "The username or password is wrong, or this login is disabled or locked after repeated wrong passwords (locks last 15 minutes). An administrator can help if you cannot get in.";

/// Refusals in a row per name as typed, forgotten after 15 minutes.
static REFUSALS: LazyLock<Mutex<HashMap<String, (u32, Instant)>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

/// Counts a refusal for `username` and waits: 125 ms, doubling to 4 s.
pub async fn refused(username: &str) {
    tokio::time::sleep(count_refusal(username)).await;
}

/// How long the `count`th refusal in a row waits: 125 ms, doubling to 4 s.
/// It depends on nothing but the count, never on whether the name exists.
pub fn wait_after(count: u32) -> Duration {
    Duration::from_millis(125 << count.clamp(1, 6).saturating_sub(1))
}

/// Counts a refusal for the name as typed and says how long to wait.
fn count_refusal(username: &str) -> Duration {
    let key = username.trim().to_ascii_lowercase();
    let count = match REFUSALS.lock() {
        Ok(mut refusals) => {
            if refusals.len() > 50_000 {
                refusals.retain(|_, (_, at)| at.elapsed() < FORGET_AFTER);
            }
            let entry = refusals.entry(key).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= FORGET_AFTER {
                *entry = (0, Instant::now());
            }
            entry.0 = entry.0.saturating_add(1);
            entry.1 = Instant::now();
            entry.0
        }
        Err(_) => 5,
    };
    wait_after(count)
}

/// A successful login clears the name's refusals.
pub fn succeeded(username: &str) {
    if let Ok(mut refusals) = REFUSALS.lock() {
        refusals.remove(&username.trim().to_ascii_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_from_an_eighth_of_a_second_to_four() {
        let waits: Vec<u64> = (0..9).map(|n| wait_after(n).as_millis() as u64).collect();
        assert_eq!(waits, [125, 125, 250, 500, 1000, 2000, 4000, 4000, 4000]);
    }

    #[test]
    fn refusals_count_by_the_name_as_typed_and_a_success_clears_them() {
        // Names no other test uses: the count is process-wide.
        let first = count_refusal("  Wait-Test-A@clinic ");
        let second = count_refusal("wait-test-a@clinic");
        let other = count_refusal("wait-test-b@clinic");
        assert_eq!((first, second, other), (wait_after(1), wait_after(2), wait_after(1)));
        succeeded("WAIT-TEST-A@clinic");
        assert_eq!(count_refusal("wait-test-a@clinic"), wait_after(1));
    }
}
