//! Every built-in template, rendered from the example notices and compared with the reviewed
//! snapshots in `tests/snapshots/`; plus the SMS length promises and the override folder.

use gridloop_core::{Channel, NotificationKind};
use gridloop_notifier::policy::{sms_segments, SmsEncoding};
use gridloop_notifier::template::{Locale, Notice, Templates};
use gridloop_notifier::{Content, NotifierError};

fn render(kind: NotificationKind, channel: Channel, locale: Locale, notice: &Notice) -> Content {
    Templates::builtin()
        .render(kind, channel, locale, notice)
        .unwrap_or_else(|e| panic!("{locale} {kind} {channel}: {e}"))
        .content
}

fn sms_text(kind: NotificationKind, locale: Locale, notice: &Notice) -> String {
    match render(kind, Channel::Sms, locale, notice) {
        Content::Sms { text } => text,
        other => panic!("expected an SMS, got {other:?}"),
    }
}

#[test]
fn every_kind_renders_on_every_channel_in_every_locale_as_snapshotted() {
    for locale in Locale::ALL {
        for kind in NotificationKind::ALL {
            let notice = Notice::example(kind, locale);
            for channel in Channel::ALL {
                let shown = match render(kind, channel, locale, &notice) {
                    Content::Email {
                        subject,
                        text,
                        html,
                        ..
                    } => format!(
                        "subject: {subject}\n\n----- text -----\n{text}\n----- html -----\n{}",
                        html.unwrap_or_default()
                    ),
                    Content::Sms { text } => {
                        let (encoding, segments) = sms_segments(&text);
                        format!(
                            "{text}\n\n----- {} chars, {encoding:?}, {segments} segment(s) -----",
                            text.chars().count()
                        )
                    }
                };
                insta::assert_snapshot!(format!("{locale}__{kind}__{channel}"), shown);
            }
        }
    }
}

#[test]
fn the_builtin_templates_pass_their_own_check() {
    Templates::builtin().check().unwrap();
}

#[test]
fn every_sms_starts_with_the_signature_and_fits_three_segments() {
    let long = "园区东路与工业大道交叉口路面被重载货车长期碾压后出现大面积坑洼积水，影响企业原料运输和员工通勤安全"
        .repeat(3);
    for locale in Locale::ALL {
        for kind in NotificationKind::ALL {
            let mut notice = Notice::example(kind, locale);
            if let Some(issue) = notice.issue.as_mut() {
                issue.title = long.clone();
                issue.enterprise = long.clone();
                issue.unit = Some(long.clone());
            }
            notice.reason = notice.reason.map(|_| long.clone());
            let text = sms_text(kind, locale, &notice);
            let signature = match locale {
                Locale::ZhCn => "【园区服务】",
                Locale::En => "[Park Service] ",
            };
            assert!(text.starts_with(signature), "{locale} {kind}: {text}");
            let (_, segments) = sms_segments(&text);
            assert!(
                segments <= 3,
                "{locale} {kind}: {segments} segments: {text}"
            );
        }
    }
}

#[test]
fn common_sms_fit_one_segment_with_a_typical_title() {
    for locale in Locale::ALL {
        for kind in [
            NotificationKind::Assigned,
            NotificationKind::DueSoon,
            NotificationKind::Escalated,
            NotificationKind::Resolved,
        ] {
            let text = sms_text(kind, locale, &Notice::example(kind, locale));
            assert_eq!(sms_segments(&text).1, 1, "{locale} {kind}: {text}");
        }
    }
}

#[test]
fn english_sms_with_english_names_stay_gsm7() {
    for kind in NotificationKind::ALL {
        let text = sms_text(kind, Locale::En, &Notice::example(kind, Locale::En));
        assert_eq!(sms_segments(&text).0, SmsEncoding::Gsm7, "{kind}: {text}");
    }
}

#[test]
fn a_template_that_runs_long_is_cut_to_three_segments_and_says_so() {
    let mut notice = Notice::example(NotificationKind::Rejected, Locale::ZhCn);
    notice.reason = Some("理由".repeat(200));
    let long = Templates::builtin()
        .with_signature(Locale::ZhCn, "【一个非常非常长的园区服务平台签名】")
        .render(
            NotificationKind::Rejected,
            Channel::Sms,
            Locale::ZhCn,
            &notice,
        )
        .unwrap();
    // The template shortens the reason itself; the hard limit is for what it does not.
    assert!(!long.sms.unwrap().truncated);

    let dir = temp_dir("long-sms");
    std::fs::create_dir_all(dir.join("zh-CN")).unwrap();
    std::fs::write(dir.join("zh-CN/rejected.sms.txt"), "{{ reason }}").unwrap();
    let rendered = Templates::from_dir(&dir)
        .unwrap()
        .render(
            NotificationKind::Rejected,
            Channel::Sms,
            Locale::ZhCn,
            &notice,
        )
        .unwrap();
    let fit = rendered.sms.unwrap();
    assert!(fit.truncated);
    assert_eq!(fit.segments, 3);
    let Content::Sms { text } = rendered.content else {
        panic!("expected an SMS");
    };
    assert!(text.starts_with("【园区服务】理由理由"));
    assert!(text.ends_with('…'));
}

#[test]
fn html_email_escapes_what_users_typed_and_text_email_keeps_it() {
    let mut notice = Notice::example(NotificationKind::Returned, Locale::ZhCn);
    notice.reason = Some("<script>alert('x')</script> & 其他".to_owned());
    let Content::Email { text, html, .. } = render(
        NotificationKind::Returned,
        Channel::Email,
        Locale::ZhCn,
        &notice,
    ) else {
        panic!("expected an email");
    };
    let html = html.unwrap();
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(html.contains("&amp; 其他"), "{html}");
    assert!(text.contains("<script>alert('x')</script> & 其他"));
}

#[test]
fn times_follow_the_recipients_time_zone() {
    let mut notice = Notice::example(NotificationKind::Assigned, Locale::En);
    notice.recipient.time_zone = chrono_tz::America::New_York;
    let text = sms_text(NotificationKind::Assigned, Locale::En, &notice);
    // Due 2025-11-28 06:30 UTC: 14:30 in Shanghai, 01:30 in New York.
    assert!(text.contains("28 Nov 01:30"), "{text}");
}

#[test]
fn an_operator_folder_overrides_some_files_and_keeps_the_rest_built_in() {
    let dir = temp_dir("override");
    std::fs::create_dir_all(dir.join("zh-CN")).unwrap();
    std::fs::write(
        dir.join("zh-CN/assigned.sms.txt"),
        "请处理#{{ issue.id }}，{{ issue.due_at }}前。\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("zh-CN/assigned.email.html"),
        "<p>{{ subject }}</p><pre>{{ text }}</pre>\n",
    )
    .unwrap();
    std::fs::write(dir.join("zh-CN/notes.md"), "ignored").unwrap();
    let templates = Templates::from_dir(&dir).unwrap();
    let notice = Notice::example(NotificationKind::Assigned, Locale::ZhCn);

    let sms = templates
        .render(
            NotificationKind::Assigned,
            Channel::Sms,
            Locale::ZhCn,
            &notice,
        )
        .unwrap();
    assert_eq!(
        sms.content,
        Content::Sms {
            text: "【园区服务】请处理#1043，11月28日 14:30前。".to_owned()
        }
    );
    let Content::Email { html, .. } = templates
        .render(
            NotificationKind::Assigned,
            Channel::Email,
            Locale::ZhCn,
            &notice,
        )
        .unwrap()
        .content
    else {
        panic!("expected an email");
    };
    assert!(html.unwrap().starts_with("<p>新交办问题：#1043"));

    let builtin = Templates::builtin();
    for (kind, locale) in [
        (NotificationKind::DueSoon, Locale::ZhCn),
        (NotificationKind::Assigned, Locale::En),
    ] {
        let notice = Notice::example(kind, locale);
        assert_eq!(
            templates
                .render(kind, Channel::Sms, locale, &notice)
                .unwrap(),
            builtin.render(kind, Channel::Sms, locale, &notice).unwrap()
        );
    }
}

#[test]
fn a_broken_override_is_refused_when_loaded() {
    let dir = temp_dir("broken");
    std::fs::create_dir_all(dir.join("en")).unwrap();
    std::fs::write(dir.join("en/assigned.sms.txt"), "{{ issue.titel }}").unwrap();
    let err = Templates::from_dir(&dir).unwrap_err();
    assert!(
        matches!(&err, NotifierError::Template { name, .. } if name == "en/assigned.sms.txt"),
        "{err}"
    );

    std::fs::write(dir.join("en/assigned.sms.txt"), "{% if %}").unwrap();
    assert!(Templates::from_dir(&dir).is_err());
}

#[test]
fn an_email_template_without_a_subject_line_is_refused() {
    let dir = temp_dir("no-subject");
    std::fs::create_dir_all(dir.join("en")).unwrap();
    std::fs::write(dir.join("en/closed.email.txt"), "Closed.\n").unwrap();
    let err = Templates::from_dir(&dir).unwrap_err();
    assert!(err.to_string().contains("subject"), "{err}");
}

#[test]
fn a_missing_folder_means_the_builtins() {
    let templates = Templates::from_dir(&temp_dir("absent").join("nowhere")).unwrap();
    let notice = Notice::example(NotificationKind::Test, Locale::ZhCn);
    assert_eq!(
        templates
            .render(NotificationKind::Test, Channel::Sms, Locale::ZhCn, &notice)
            .unwrap(),
        Templates::builtin()
            .render(NotificationKind::Test, Channel::Sms, Locale::ZhCn, &notice)
            .unwrap()
    );
}

#[test]
fn the_repositorys_template_folder_loads_and_matches_the_builtins() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/templates");
    let from_dir = Templates::from_dir(&dir).unwrap();
    let builtin = Templates::builtin();
    for locale in Locale::ALL {
        for kind in NotificationKind::ALL {
            let notice = Notice::example(kind, locale);
            for channel in Channel::ALL {
                assert_eq!(
                    from_dir.render(kind, channel, locale, &notice).unwrap(),
                    builtin.render(kind, channel, locale, &notice).unwrap()
                );
            }
        }
    }
}

/// A fresh folder per test and process, so tests running in parallel never share files;
/// removed when dropped, also when the test fails.
fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!(
        "gridloop-notifier-templates-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a writable temporary folder");
    TempDir(dir)
}

struct TempDir(std::path::PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
