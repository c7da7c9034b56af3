//! The administrator's part of the browser walk: a colleague added with a
//! one-time password that opens only the page to choose her own, an API
//! token, the outbox, and the auditor finding her first day in the trail.

use fantoccini::{Client, Locator};

use crate::browser::{answer_text, log_in, log_out, shot, wait_for_text};

/// Logs in as the admin and leaves the admin logged in.
pub(crate) async fn admin_day(client: &Client, base: &str) {
    log_in(client, base, "ada").await;
    client.goto(&format!("{base}/admin/users")).await.unwrap();
    shot(client, "15-admin-users").await;
    // A new colleague: Settle makes the password, which works once.
    client.find(Locator::Id("username")).await.unwrap().send_keys("nia").await.unwrap();
    client
        .find(Locator::Id("display_name"))
        .await
        .unwrap()
        .send_keys("Nia Okafor-Brennan")
        .await
        .unwrap();
    client
        .find(Locator::Css("form[action='/admin/users'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let one_time = answer_text(client, "one-time-password").await;
    shot(client, "15b-admin-user-added").await;
    // An API token for the month-end report, its secret shown once.
    client.find(Locator::LinkText("API tokens")).await.unwrap().click().await.unwrap();
    client
        .wait()
        .for_element(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys("month-end report")
        .await
        .unwrap();
    client
        .find(Locator::Css("form[action='/admin/tokens'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(answer_text(client, "token-secret").await.starts_with("stl_"));
    shot(client, "15c-admin-tokens").await;
    // The supervisor's outbox.
    client.goto(&format!("{base}/collections/outbox")).await.unwrap();
    shot(client, "15d-outbox").await;
    log_out(client).await;
    // Nia logs in with it: Settle opens only the page to choose her own.
    client.goto(&format!("{base}/login")).await.unwrap();
    client.find(Locator::Id("username")).await.unwrap().send_keys("nia@clinic").await.unwrap();
    client.find(Locator::Id("password")).await.unwrap().send_keys(&one_time).await.unwrap();
    client.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Id("new_password")).await.unwrap();
    assert!(client.current_url().await.unwrap().path() == "/account/password");
    shot(client, "15e-choose-password").await;
    client.goto(&format!("{base}/accounts")).await.unwrap();
    assert_eq!(client.current_url().await.unwrap().path(), "/account/password", "nothing else opens");
    client.find(Locator::Id("current_password")).await.unwrap().send_keys(&one_time).await.unwrap();
    client
        .find(Locator::Id("new_password"))
        .await
        .unwrap()
        .send_keys("nia chose this one")
        .await
        .unwrap();
    client.find(Locator::Id("again")).await.unwrap().send_keys("nia chose this one").await.unwrap();
    client
        .find(Locator::Css("form[action='/account/password'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client.wait().for_element(Locator::Id("username")).await.unwrap();
    assert!(client.source().await.unwrap().contains("Your password is changed"));
    client.find(Locator::Id("username")).await.unwrap().send_keys("nia@clinic").await.unwrap();
    client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("nia chose this one")
        .await
        .unwrap();
    client.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    client.wait().for_element(Locator::Id("logout-form")).await.unwrap();
    assert_ne!(client.current_url().await.unwrap().path(), "/account/password");
    log_out(client).await;
    log_in(client, base, "ada").await;
    client.goto(&format!("{base}/admin/settings")).await.unwrap();
    shot(client, "16-admin-settings").await;
    client.goto(&format!("{base}/audit")).await.unwrap();
    let audit = client.source().await.unwrap();
    assert!(audit.contains("The hash chains vouch for all"), "the audit page says the chains hold");
    shot(client, "16b-audit").await;
    // The auditor's question: what did Nia do on her first day?
    client.find(Locator::Id("who")).await.unwrap().send_keys("nia@clinic").await.unwrap();
    client
        .find(Locator::Css("form[action='/audit'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(client, "Rows that match").await;
    let found = answer_text(client, "trail-count").await;
    assert!(found.contains("match"), "{found}");
    assert!(
        client.source().await.unwrap().contains("password.change"),
        "her password change is in the trail"
    );
    shot(client, "16d-audit-found").await;
}
