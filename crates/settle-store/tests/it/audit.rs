//! The audit trail and access control, on every backend.

use settle_domain::access::Role;
use settle_store::billing::*;
use settle_store::platform::access::LoginRefused;
use settle_store::platform::audit::{Actor, ACTOR};
use settle_store::platform::Organisation;
use settle_store::{Backend, Store};
use std::time::Duration;

use crate::backends::{account, all, date};

async fn pay(store: &Store, org: &Organisation, number: &str, amount: &str) {
    let cmd = NewPayment {
        account_number: number.into(),
        amount: amount.into(),
        method: "check".into(),
        reference: "1001".into(),
        received_on: date("2026-02-01"),
        apply_to: vec![],
    };
    store.post_payment(org, &cmd, None).await.unwrap();
}

/// Runs raw SQL as someone with direct database access would, first
/// dropping the append-only triggers as such a person could.
async fn tamper(store: &Store, sql: &str) {
    let drops: &[&str] = match store.backend() {
        Backend::Sqlite => &["DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete"],
        Backend::Postgres => &["DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log"],
    };
    for drop in drops {
        sqlx::query(drop).execute(store.pool()).await.unwrap();
    }
    sqlx::query(sql).execute(store.pool()).await.unwrap();
}

#[tokio::test]
async fn every_write_is_chained_and_tampering_is_named() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = store.create_organisation("acme", "Acme Supply", "USD").await.unwrap();
        let clerk = Actor {
            name: "user:clerk".into(),
            address: "192.0.2.7".into(),
            clinical: false,
            approves: false,
        };
        ACTOR.scope(clerk, account(store, &org, "C-1")).await;
        pay(store, &org, "C-1", "25.00").await;
        pay(store, &org, "C-1", "5.00").await;
        store.audit_event(org.org_id, "account.read", "account:C-1", None).await.unwrap();

        let rows = store.audit_page(&org, 0, 100).await.unwrap();
        let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(
            actions,
            ["organisation.create", "account.create", "payment.post", "payment.post", "account.read"],
            "{name}"
        );
        assert_eq!(rows[1].actor, "user:clerk", "{name}");
        assert_eq!(rows[1].address, "192.0.2.7", "{name}");
        assert!(rows[2].actor.starts_with("cli:"), "{name}");
        // Before and after of a payment: the credit moved from 0 to 25.00.
        let before: serde_json::Value = serde_json::from_str(rows[2].before.as_deref().unwrap()).unwrap();
        let after: serde_json::Value = serde_json::from_str(rows[2].after.as_deref().unwrap()).unwrap();
        assert_eq!(before["state"]["credit_minor"], 0, "{name}");
        assert_eq!(after["state"]["credit_minor"], 2500, "{name}");
        assert_eq!(after["request"]["amount"], "25.00", "{name}");
        let (checked, findings) = store.audit_verify(&org).await.unwrap();
        assert_eq!((checked, findings.len()), (5, 0), "{name}: {findings:?}");

        // The triggers refuse edits through the normal path.
        assert!(
            sqlx::query("UPDATE audit_log SET actor = 'x' WHERE seq = 1")
                .execute(store.pool())
                .await
                .is_err(),
            "{name}"
        );

        // An edit is named by its row.
        tamper(store, "UPDATE audit_log SET after_json = REPLACE(after_json, '25.00', '2.50') WHERE seq = 3").await;
        let (_, findings) = store.audit_verify(&org).await.unwrap();
        assert_eq!(findings.len(), 1, "{name}: {findings:?}");
        assert_eq!(findings[0].seq, 3, "{name}");
        assert!(findings[0].problem.contains("changed"), "{name}: {findings:?}");

        // A deletion in the middle is named too.
        tamper(store, "DELETE FROM audit_log WHERE seq = 2").await;
        let (_, findings) = store.audit_verify(&org).await.unwrap();
        assert!(findings.iter().any(|f| f.seq == 2 && f.problem.contains("missing")), "{name}: {findings:?}");

        // As is a deletion from the end, which leaves a chain that looks whole.
        let org2 = store.create_organisation("beta", "Beta", "USD").await.unwrap();
        account(store, &org2, "B-1").await;
        tamper(store, &format!("DELETE FROM audit_log WHERE org_id = {} AND seq = 2", org2.org_id)).await;
        let (_, findings) = store.audit_verify(&org2).await.unwrap();
        assert!(findings.iter().any(|f| f.problem.contains("head")), "{name}: {findings:?}");
        // And an inserted row.
        let org3 = store.create_organisation("gamma", "Gamma", "USD").await.unwrap();
        tamper(
            store,
            &format!(
                "INSERT INTO audit_log (org_id, seq, at, actor, address, action, record, prev_hash, hash) \
                 VALUES ({}, 2, '2026-01-01T00:00:00Z', 'user:x', 'local', 'payment.post', 'account:X', 'f', 'f')",
                org3.org_id
            ),
        )
        .await;
        let (_, findings) = store.audit_verify(&org3).await.unwrap();
        assert!(findings.iter().any(|f| f.seq == 2), "{name}: {findings:?}");
    }
}

#[tokio::test]
async fn users_tokens_sessions_and_lockout() {
    for backend in all().await {
        let store = &backend.store;
        let name = backend.name;
        let org = store.create_organisation("acme", "Acme Supply", "USD").await.unwrap();
        let other = store.create_organisation("other", "Other", "USD").await.unwrap();
        assert!(!store.has_users(&org).await.unwrap());
        let (user, generated) = store
            .add_user(
                &org,
                "Alice",
                "Alice Smith",
                Role::BillingSpecialist,
                settle_store::platform::access::FirstPassword::Kept("correct horse battery"),
            )
            .await
            .unwrap();
        assert_eq!((user.username.as_str(), generated), ("alice", None), "{name}");
        let (_, generated) = store
            .add_user(&other, "bob", "Bob", Role::Auditor, settle_store::platform::access::FirstPassword::Generated)
            .await
            .unwrap();
        assert!(generated.unwrap().len() >= 12, "{name}");
        // Usernames are unique across organisations (through the reference
        // table sign_in_name); passwords have a floor.
        let taken = store
            .add_user(
                &other,
                "alice",
                "A",
                Role::Admin,
                settle_store::platform::access::FirstPassword::Kept("another long one"),
            )
            .await
            .unwrap_err();
        assert!(taken.to_string().contains("\"alice\" is taken"), "{name}: {taken}");
        assert!(
            store
                .add_user(&org, "carol", "C", Role::Admin, settle_store::platform::access::FirstPassword::Kept("short"))
                .await
                .is_err(),
            "{name}"
        );

        let (principal, secret) = store.login("alice", "correct horse battery", "127.0.0.1").await.unwrap().unwrap();
        assert_eq!((principal.org.slug.as_str(), principal.role), ("acme", Role::BillingSpecialist), "{name}");
        let found = store.session_principal(&secret, Duration::from_secs(900)).await.unwrap().unwrap();
        assert_eq!(found.actor, "user:alice", "{name}");
        // An idle session ends.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(store.session_principal(&secret, Duration::from_millis(1)).await.unwrap().is_none(), "{name}");
        assert!(store.session_principal(&secret, Duration::from_secs(900)).await.unwrap().is_none(), "{name}");

        // Five failures lock the login, even against the right password.
        for attempt in 1..5 {
            let refused = store.login("alice", "wrong password!", "127.0.0.1").await.unwrap().unwrap_err();
            assert_eq!(refused, LoginRefused::BadCredentials { failures: attempt }, "{name}");
        }
        let refused = store.login("alice", "wrong password!", "127.0.0.1").await.unwrap().unwrap_err();
        assert!(matches!(refused, LoginRefused::Locked { .. }), "{name}: {refused:?}");
        let refused = store.login("alice", "correct horse battery", "127.0.0.1").await.unwrap().unwrap_err();
        assert!(matches!(refused, LoginRefused::Locked { .. }), "{name}: {refused:?}");
        assert!(matches!(
            store.login("nobody", "whatever it is", "127.0.0.1").await.unwrap(),
            Err(LoginRefused::BadCredentials { failures: 0 })
        ));
        // Disabling ends sessions and refuses logins; enabling clears the lock.
        store.set_user_enabled(&org, "alice", false).await.unwrap();
        assert_eq!(
            store.login("alice", "correct horse battery", "::1").await.unwrap().unwrap_err(),
            LoginRefused::Disabled
        );
        store.set_user_enabled(&org, "alice", true).await.unwrap();
        assert!(store.login("alice", "correct horse battery", "::1").await.unwrap().is_ok(), "{name}");

        // Tokens: shown once, hashed, revocable.
        let (token, secret) = store.create_token(&org, "practice sync", Role::BillingCoordinator).await.unwrap();
        assert!(secret.starts_with("stl_"), "{name}");
        let principal = store.token_principal(&secret).await.unwrap().unwrap();
        assert_eq!((principal.role, principal.org.org_id), (Role::BillingCoordinator, org.org_id), "{name}");
        assert!(store.tokens(&org).await.unwrap().iter().all(|t| t.name == "practice sync"), "{name}");
        assert!(store.tokens(&other).await.unwrap().is_empty(), "{name}");
        assert!(
            store.revoke_token(&other, token.token_id).await.is_err(),
            "{name}: another organisation's token"
        );
        store.revoke_token(&org, token.token_id).await.unwrap();
        assert!(store.token_principal(&secret).await.unwrap().is_none(), "{name}");

        let actions: Vec<String> = store.audit_page(&org, 0, 100).await.unwrap().into_iter().map(|r| r.action).collect();
        for wanted in [
            "user.add",
            "login",
            "login.failed",
            "login.locked",
            "login.refused",
            "user.disable",
            "token.create",
            "token.revoke",
        ] {
            assert!(actions.iter().any(|a| a == wanted), "{name}: {wanted} not in {actions:?}");
        }
        assert!(store.audit_verify(&org).await.unwrap().1.is_empty(), "{name}");
    }
}

/// Drops every protecting trigger, as someone with the database's owner
/// rights could, before tampering.
async fn drop_all_triggers(store: &Store) {
    let drops: &[&str] = match store.backend() {
        Backend::Sqlite => &[
            "DROP TRIGGER IF EXISTS audit_log_no_update",
            "DROP TRIGGER IF EXISTS audit_log_no_delete",
            "DROP TRIGGER IF EXISTS audit_head_no_delete",
            "DROP TRIGGER IF EXISTS audit_head_forward",
            "DROP TRIGGER IF EXISTS journal_head_no_delete",
            "DROP TRIGGER IF EXISTS journal_head_forward",
            "DROP TRIGGER IF EXISTS journal_entry_no_delete",
            "DROP TRIGGER IF EXISTS posting_no_delete",
        ],
        Backend::Postgres => &[
            "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
            "DROP TRIGGER IF EXISTS audit_head_forward ON audit_head",
            "DROP TRIGGER IF EXISTS journal_head_forward ON journal_head",
            "DROP TRIGGER IF EXISTS journal_entry_append_only ON journal_entry",
            "DROP TRIGGER IF EXISTS posting_append_only ON posting",
            "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
            "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head",
        ],
    };
    for drop in drops {
        sqlx::query(drop).execute(store.pool()).await.unwrap();
    }
}

async fn raw(store: &Store, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::query(sql).execute(store.pool()).await.map(|_| ())
}

async fn findings(store: &Store, org: &Organisation) -> Vec<String> {
    store.audit_verify(org).await.unwrap().1.into_iter().map(|f| f.problem).collect()
}

#[tokio::test]
async fn a_forged_journal_entry_is_named_by_audit_verify() {
    for backend in all().await {
        let (store, name) = (&backend.store, backend.name);
        let org = store.create_organisation("acme", "Acme Supply", "USD").await.unwrap();
        account(store, &org, "C-1").await;
        pay(store, &org, "C-1", "25.00").await;
        assert!(findings(store, &org).await.is_empty(), "{name}");
        let o = org.org_id;
        // A whole balanced entry, cash to bad debt 2,500.00: `verify` sees
        // nothing wrong with the money, the chain does.
        raw(store, &format!("INSERT INTO journal_entry (org_id, entry_id, kind, effective_date, currency, account_id, memo, created_at) VALUES ({o}, 999, 'adjustment', '2026-02-02', 'USD', NULL, 'forged', '2026-02-02T00:00:00Z')")).await.unwrap();
        raw(store, &format!("INSERT INTO posting (org_id, entry_id, line_no, gl_code, account_id, item_id, currency, amount_minor, effective_date) VALUES ({o}, 999, 1, '5300', NULL, NULL, 'USD', 250000, '2026-02-02'), ({o}, 999, 2, '1000', NULL, NULL, 'USD', -250000, '2026-02-02')")).await.unwrap();
        assert!(
            store.verify(&org).await.unwrap().discrepancies.is_empty(),
            "{name}: balanced, so verify cannot see it"
        );
        let found = findings(store, &org).await;
        assert!(found.iter().any(|f| f.contains("journal does not match its chain")), "{name}: {found:?}");

        // Balanced postings slipped into an existing entry are named too.
        let org2 = store.create_organisation("beta", "Beta", "USD").await.unwrap();
        account(store, &org2, "B-1").await;
        pay(store, &org2, "B-1", "10.00").await;
        let entry: i64 = sqlx::query_scalar("SELECT MIN(entry_id) FROM journal_entry WHERE org_id = $1")
            .bind(org2.org_id)
            .fetch_one(store.pool())
            .await
            .unwrap();
        let o2 = org2.org_id;
        raw(store, &format!("INSERT INTO posting (org_id, entry_id, line_no, gl_code, account_id, item_id, currency, amount_minor, effective_date) VALUES ({o2}, {entry}, 8, '5300', NULL, NULL, 'USD', 100, '2026-02-01'), ({o2}, {entry}, 9, '1000', NULL, NULL, 'USD', -100, '2026-02-01')")).await.unwrap();
        let found = findings(store, &org2).await;
        assert!(found.iter().any(|f| f.contains("with other contents")), "{name}: {found:?}");
    }
}

#[tokio::test]
async fn an_emptied_or_cut_trail_is_refused_and_the_heads_only_move_forward() {
    for backend in all().await {
        let (store, name) = (&backend.store, backend.name);
        let org = store.create_organisation("acme", "Acme Supply", "USD").await.unwrap();
        account(store, &org, "C-1").await;
        pay(store, &org, "C-1", "25.00").await;
        let o = org.org_id;
        // The heads are protected like the rows.
        assert!(raw(store, &format!("DELETE FROM audit_head WHERE org_id = {o}")).await.is_err(), "{name}");
        assert!(
            raw(store, &format!("UPDATE audit_head SET seq = 1 WHERE org_id = {o}")).await.is_err(),
            "{name}"
        );
        assert!(raw(store, &format!("DELETE FROM journal_head WHERE org_id = {o}")).await.is_err(), "{name}");
        assert!(
            raw(store, &format!("UPDATE journal_head SET entries = 0 WHERE org_id = {o}")).await.is_err(),
            "{name}"
        );
        if store.backend() == Backend::Postgres {
            for table in ["audit_log", "audit_head", "journal_entry", "posting", "journal_head"] {
                assert!(raw(store, &format!("TRUNCATE {table} CASCADE")).await.is_err(), "{name}: TRUNCATE {table}");
            }
        }
        assert!(findings(store, &org).await.is_empty(), "{name}");

        // An anchor and an export kept elsewhere, before the rewrite.
        let anchor = serde_json::to_string(&store.audit_anchor(&org).await.unwrap()).unwrap();
        let export: String = store
            .audit_page(&org, 0, 1000)
            .await
            .unwrap()
            .iter()
            .map(|r| serde_json::to_string(r).unwrap() + "\n")
            .collect();
        assert!(store.audit_verify_against(&org, &anchor).await.unwrap().is_empty(), "{name}");
        assert!(store.audit_verify_against(&org, &export).await.unwrap().is_empty(), "{name}");

        drop_all_triggers(store).await;
        // Cut the last row and move the head back consistently: the chain
        // alone looks whole, what was kept elsewhere does not.
        let rows = store.audit_page(&org, 0, 1000).await.unwrap();
        let last = rows.last().unwrap();
        let before_last = &rows[rows.len() - 2];
        raw(store, &format!("DELETE FROM audit_log WHERE org_id = {o} AND seq = {}", last.seq))
            .await
            .unwrap();
        raw(
            store,
            &format!(
                "UPDATE audit_head SET seq = {}, hash = '{}' WHERE org_id = {o}",
                before_last.seq, before_last.hash
            ),
        )
        .await
        .unwrap();
        assert!(findings(store, &org).await.is_empty(), "{name}: a consistent cut needs what was kept elsewhere");
        let against = store.audit_verify_against(&org, &anchor).await.unwrap();
        assert!(against.iter().any(|f| f.problem.contains("gone")), "{name}: {against:?}");
        let against = store.audit_verify_against(&org, &export).await.unwrap();
        assert!(against.iter().any(|f| f.seq == last.seq), "{name}: {against:?}");

        // A missing head, and an emptied trail beside a journal, are named.
        raw(store, &format!("DELETE FROM audit_head WHERE org_id = {o}")).await.unwrap();
        let found = findings(store, &org).await;
        assert!(found.iter().any(|f| f.contains("head is missing")), "{name}: {found:?}");
        raw(store, &format!("DELETE FROM audit_log WHERE org_id = {o}")).await.unwrap();
        let found = findings(store, &org).await;
        assert!(found.iter().any(|f| f.contains("trail is empty")), "{name}: {found:?}");
        // And a journal cut back with its head moved to match is caught by the anchor.
        raw(store, &format!("DELETE FROM journal_head WHERE org_id = {o}")).await.unwrap();
        let found = findings(store, &org).await;
        assert!(found.iter().any(|f| f.contains("journal's chain head is missing")), "{name}: {found:?}");
    }
}
