use gridloop_notifier::channel::{Channel, SmtpConfig, SmtpSecurity};
use gridloop_notifier::Outcome;

use crate::support::{email, sms, unique_id, MailDev};

fn channel(maildev: &MailDev) -> Channel {
    Channel::smtp(SmtpConfig {
        host: maildev.smtp_host.clone(),
        port: Some(maildev.smtp_port),
        security: SmtpSecurity::Plain,
        username: None,
        password: None,
        from: "园区服务 <noreply@park.example>".to_owned(),
        timeout_secs: 10,
        domain: Some("park.example".to_owned()),
    })
    .expect("valid config")
}

#[tokio::test]
async fn a_chinese_mail_arrives_with_subject_body_recipient_and_thread_headers() {
    let Some(maildev) = MailDev::get().await else {
        return;
    };
    let id = unique_id();
    let subject = format!("工单 #{id} 已派单：路灯不亮");
    let msg = email(
        id,
        &subject,
        Some("<p>3号楼东侧<b>路灯</b>不亮</p>"),
        Some(77),
    );

    let outcome = channel(&maildev).send(&msg).await;
    assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");

    let found = maildev.find(&format!("<n{id}@park.example>")).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let mail = &found[0];
    assert_eq!(mail["subject"], subject.as_str());
    assert_eq!(mail["to"][0]["address"], "wang.gong@tenant.example");
    assert_eq!(mail["to"][0]["name"], "王工");
    assert_eq!(mail["from"][0]["name"], "园区服务");
    assert_eq!(mail["headers"]["in-reply-to"], "<issue-77@park.example>");
    assert_eq!(mail["headers"]["references"], "<issue-77@park.example>");
    assert!(
        mail["text"]
            .as_str()
            .is_some_and(|t| t.contains("3号楼东侧路灯不亮")),
        "{mail}"
    );
    assert!(
        mail["html"]
            .as_str()
            .is_some_and(|h| h.contains("<b>路灯</b>")),
        "{mail}"
    );

    let raw = maildev
        .source(mail["id"].as_str().expect("MailDev gives an id"))
        .await;
    assert!(raw.contains("multipart/alternative"), "{raw}");
    // The subject travels RFC 2047-encoded, never as raw UTF-8 in the header.
    assert!(raw.contains("Subject: =?utf-8?"), "{raw}");
}

#[tokio::test]
async fn a_refusing_server_is_transient_and_the_retry_delivers_exactly_once() {
    let Some(maildev) = MailDev::get().await else {
        return;
    };
    let id = unique_id();
    let msg = email(id, "停水通知", None, None);
    let smtp = channel(&maildev);

    maildev.control("down");
    let refused = smtp.send(&msg).await;
    maildev.control("restart");
    assert!(matches!(refused, Outcome::Transient { .. }), "{refused:?}");

    let retried = smtp.send(&msg).await;
    assert!(matches!(retried, Outcome::Accepted { .. }), "{retried:?}");
    let found = maildev.find(&format!("<n{id}@park.example>")).await;
    assert_eq!(found.len(), 1, "{found:?}");
}

#[tokio::test]
async fn sms_content_on_the_smtp_channel_is_permanent() {
    // No server is needed: the message is refused before any connection.
    let smtp = Channel::smtp(SmtpConfig {
        host: "127.0.0.1".to_owned(),
        port: Some(9),
        security: SmtpSecurity::Plain,
        username: None,
        password: None,
        from: "noreply@park.example".to_owned(),
        timeout_secs: 10,
        domain: None,
    })
    .expect("valid config");
    let outcome = smtp.send(&sms(1, "停电")).await;
    assert!(matches!(outcome, Outcome::Permanent { .. }), "{outcome:?}");
}
