use gridloop_notifier::channel::{Channel, FileConfig};
use gridloop_notifier::{Content, Outcome};

use crate::support::{email, phone_for, sms, TempDir};

fn channel(dir: &std::path::Path) -> Channel {
    Channel::file(FileConfig {
        dir: dir.to_owned(),
        from: "园区服务 <noreply@park.example>".to_owned(),
        domain: "park.example".to_owned(),
    })
    .expect("valid config")
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn an_email_is_written_as_an_eml_file_and_an_sms_as_a_txt_file() {
    let tmp = TempDir::new("file-channel");
    let files = channel(&tmp.0);

    let outcome = files
        .send(&email(11, "工单 #11 已关闭", None, Some(11)))
        .await;
    assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");
    let outcome = files.send(&sms(12, "您的工单已关闭")).await;
    assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");

    assert_eq!(names(&tmp.0), ["11.eml", "12.txt"]);
    let eml = std::fs::read_to_string(tmp.0.join("11.eml")).expect("eml");
    assert!(eml.contains("Message-ID: <n11@park.example>"), "{eml}");
    assert!(eml.contains("References: <issue-11@park.example>"), "{eml}");
    let txt = std::fs::read_to_string(tmp.0.join("12.txt")).expect("txt");
    assert_eq!(
        txt,
        format!("To: {}\n\n您的工单已关闭\n", phone_for(12).as_str())
    );
}

#[tokio::test]
async fn writing_the_same_id_again_replaces_the_file() {
    let tmp = TempDir::new("file-channel");
    let files = channel(&tmp.0);
    let mut msg = sms(21, "第一次");
    files.send(&msg).await;
    msg.content = Content::Sms {
        text: "第二次".to_owned(),
    };
    let outcome = files.send(&msg).await;
    assert!(matches!(outcome, Outcome::Accepted { .. }), "{outcome:?}");

    assert_eq!(names(&tmp.0), ["21.txt"], "one file, no temp file left");
    let txt = std::fs::read_to_string(tmp.0.join("21.txt")).expect("txt");
    assert!(txt.ends_with("\n第二次\n"), "{txt}");
}

#[tokio::test]
async fn an_unwritable_folder_is_transient() {
    let tmp = TempDir::new("file-channel");
    let blocker = tmp.0.join("not-a-dir");
    std::fs::write(&blocker, b"").expect("file");
    // A folder below a plain file cannot be created, even by root.
    let outcome = channel(&blocker.join("out")).send(&sms(31, "x")).await;
    assert!(matches!(outcome, Outcome::Transient { .. }), "{outcome:?}");
}
