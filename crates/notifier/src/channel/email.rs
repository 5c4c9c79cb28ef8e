//! Building one RFC 5322 message from a [`Message`], shared by the SMTP and file channels so that a
//! mail written to a folder is byte for byte what would have gone over the wire.

use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart};

use crate::{Address, Content, Inline, Message};

/// Why a message cannot be turned into a mail. Every case is permanent: sending it again will not
/// change the address or the content.
pub(crate) fn build(
    msg: &Message,
    from: &Mailbox,
    domain: &str,
) -> Result<lettre::Message, String> {
    let Address::Email(email) = &msg.to else {
        return Err("an email channel cannot send to a phone number".to_owned());
    };
    let Content::Email {
        subject,
        text,
        html,
        inline,
    } = &msg.content
    else {
        return Err("SMS content cannot go out as an email".to_owned());
    };
    let address = email
        .as_str()
        .parse::<lettre::Address>()
        .map_err(|e| format!("recipient address rejected by the mail builder: {e}"))?;
    let to = Mailbox::new(msg.to_name.clone(), address);

    let mut builder = lettre::Message::builder()
        // The outbox id makes the Message-ID stable across retries, so a receiving server or
        // client that sees the same mail twice can tell.
        .message_id(Some(message_id(msg.id, domain)))
        .from(from.clone())
        .to(to)
        .subject(subject.as_str());
    if let Some(thread) = msg.thread {
        // Every mail about one issue points at the same (virtual) first message, so mail clients
        // group them into one conversation.
        let root = thread_id(thread.issue, domain);
        builder = builder.in_reply_to(root.clone()).references(root);
    }
    let built = match html {
        Some(html) if !inline.is_empty() => {
            // alternative(text, related(html, images…)): clients that show HTML find the
            // images by Content-ID; the others read the text.
            let mut related = MultiPart::related().singlepart(SinglePart::html(html.clone()));
            for image in inline {
                related = related.singlepart(inline_part(image)?);
            }
            builder.multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::plain(text.clone()))
                    .multipart(related),
            )
        }
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            text.clone(),
            html.clone(),
        )),
        None => builder.singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(text.clone()),
        ),
    };
    built.map_err(|e| format!("mail cannot be built: {e}"))
}

fn inline_part(image: &Inline) -> Result<SinglePart, String> {
    let content_type = ContentType::parse(&image.content_type)
        .map_err(|e| format!("inline image '{}': {e}", image.content_id))?;
    Ok(Attachment::new_inline(image.content_id.clone()).body(image.bytes.clone(), content_type))
}

/// `<n{id}@{domain}>`: the `n` keeps the local part from starting with a digit, which some
/// clients mishandle.
pub(crate) fn message_id(id: i64, domain: &str) -> String {
    format!("<n{id}@{domain}>")
}

pub(crate) fn thread_id(issue: i64, domain: &str) -> String {
    format!("<issue-{issue}@{domain}>")
}

#[cfg(test)]
mod tests {
    use gridloop_core::{Email, Phone};

    use super::*;
    use crate::Thread;

    fn from() -> Mailbox {
        "园区服务 <noreply@park.example>".parse().expect("mailbox")
    }

    fn mail(html: Option<&str>, thread: Option<Thread>) -> Message {
        Message {
            id: 42,
            to: Address::Email(Email::parse("wang@example.com").expect("email")),
            to_name: Some("王工".to_owned()),
            content: Content::Email {
                subject: "工单 #7 已派单".to_owned(),
                text: "请处理。".to_owned(),
                html: html.map(str::to_owned),
                inline: Vec::new(),
            },
            thread,
        }
    }

    fn formatted(msg: &Message) -> String {
        let built = build(msg, &from(), "park.example").expect("builds");
        String::from_utf8(built.formatted()).expect("utf-8")
    }

    #[test]
    fn a_mail_carries_a_stable_message_id_and_encoded_chinese_headers() {
        let raw = formatted(&mail(None, None));
        assert!(raw.contains("Message-ID: <n42@park.example>"), "{raw}");
        assert!(raw.contains("Subject: =?utf-8?b?"), "{raw}");
        assert!(raw.contains("To: =?utf-8?b?"), "{raw}");
        assert!(!raw.contains("In-Reply-To"), "{raw}");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
    }

    #[test]
    fn a_mail_about_an_issue_points_at_the_issue_thread() {
        let raw = formatted(&mail(None, Some(Thread { issue: 7 })));
        assert!(raw.contains("In-Reply-To: <issue-7@park.example>"), "{raw}");
        assert!(raw.contains("References: <issue-7@park.example>"), "{raw}");
    }

    #[test]
    fn a_mail_with_html_is_multipart_alternative() {
        let raw = formatted(&mail(Some("<p>请处理。</p>"), None));
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("text/html"), "{raw}");
    }

    #[test]
    fn a_mail_with_inline_images_nests_them_in_multipart_related() {
        let mut msg = mail(Some("<img src=\"cid:trend\">"), None);
        if let Content::Email { inline, .. } = &mut msg.content {
            inline.push(Inline {
                content_id: "trend".into(),
                content_type: "image/png".into(),
                bytes: vec![0x89, b'P', b'N', b'G'],
            });
        }
        let raw = formatted(&msg);
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(raw.contains("multipart/related"), "{raw}");
        assert!(raw.contains("Content-ID: <trend>"), "{raw}");
        assert!(raw.contains("Content-Disposition: inline"), "{raw}");
        assert!(raw.contains("Content-Type: image/png"), "{raw}");
        let (alternative, related) = (
            raw.find("multipart/alternative").expect("alternative"),
            raw.find("multipart/related").expect("related"),
        );
        assert!(
            alternative < related,
            "related nests inside alternative: {raw}"
        );
    }

    #[test]
    fn sms_content_or_a_phone_address_cannot_become_a_mail() {
        let mut msg = mail(None, None);
        msg.content = Content::Sms { text: "x".into() };
        assert!(build(&msg, &from(), "d").is_err());
        let mut msg = mail(None, None);
        msg.to = Address::Phone(Phone::parse("+8613800138000").expect("phone"));
        assert!(build(&msg, &from(), "d").is_err());
    }
}
