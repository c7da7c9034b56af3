//! The audit trail and access control, on every backend.

use settle_domain::access::Role;
use settle_store::access::LoginRefused;
use settle_store::audit::{Actor, ACTOR};
use settle_store::ops::*;
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
            .add_user(&org, "Alice", "Alice Smith", Role::BillingSpecialist, Some("correct horse battery"))
            .await
            .unwrap();
        assert_eq!((user.username.as_str(), generated), ("alice", None), "{name}");
        let (_, generated) = store.add_user(&other, "bob", "Bob", Role::Auditor, None).await.unwrap();
        assert!(generated.unwrap().len() >= 12, "{name}");
        // Usernames are unique across organisations; passwords have a floor.
        assert!(
            store.add_user(&other, "alice", "A", Role::Admin, Some("another long one")).await.is_err(),
            "{name}"
        );
        assert!(store.add_user(&org, "carol", "C", Role::Admin, Some("short")).await.is_err(), "{name}");

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
