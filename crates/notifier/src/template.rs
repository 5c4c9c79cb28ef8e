//! Rendering a notification kind for a channel and a locale from `config/templates/`.
//!
//! One file per kind, channel and locale (`zh-CN/assigned.sms.txt`, `en/assigned.email.txt`),
//! compiled into the binary and overridable file by file from an operator's folder. The file
//! layout and the variables each kind sees are documented in `config/templates/README.md`.

mod builtin;
mod example;
mod filters;
pub mod format;
mod html;
pub mod notice;
mod view;

use std::path::Path;

use minijinja::{context, Environment, UndefinedBehavior, Value};

pub use gridloop_core::Locale;
use gridloop_core::{Channel, NotificationKind};
pub use notice::{
    AgendaItem, DueSoonFacts, EscalationFacts, IssueFacts, MissedVisitFacts, Notice, Recipient,
    ReportFacts, VisitFacts,
};

use crate::policy::{fit_sms, SmsEncoding, MAX_SMS_SEGMENTS};
use crate::{Content, NotifierError};
use view::View;

/// The SMS signature for Chinese messages: carriers in China deliver only texts that start
/// with a registered signature in 【】.
pub const DEFAULT_SIGNATURE_ZH: &str = "【园区服务】";
/// The English one stays within GSM-7, so that an English message keeps 160 characters a
/// segment; a park that must use its registered 【】 signature for English too sets it.
pub const DEFAULT_SIGNATURE_EN: &str = "[Park Service] ";

/// A rendered notification, with what the SMS will cost when it is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub content: Content,
    pub sms: Option<SmsFit>,
}

/// How an SMS fits the air: its encoding, its segments, and whether the hard limit of
/// [`MAX_SMS_SEGMENTS`] had to cut it (worth a warning: the template is too long).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsFit {
    pub encoding: SmsEncoding,
    pub segments: u32,
    pub truncated: bool,
}

/// The loaded templates of every kind, channel and locale.
#[derive(Debug, Clone)]
pub struct Templates {
    env: Environment<'static>,
    signature_zh: String,
    signature_en: String,
}

impl Templates {
    /// The templates compiled into the binary.
    pub fn builtin() -> Templates {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.add_filter("truncate_chars", filters::truncate_chars);
        for &(name, source) in builtin::BUILTIN {
            // The built-ins are checked by the crate's tests; one that does not parse is a
            // bug we want to see in CI, but never a reason to stop a running server.
            if let Err(err) = env.add_template(name, source) {
                tracing::error!(template = name, error = %err, "built-in template does not parse");
            }
        }
        Templates {
            env,
            signature_zh: DEFAULT_SIGNATURE_ZH.to_owned(),
            signature_en: DEFAULT_SIGNATURE_EN.to_owned(),
        }
    }

    /// The built-ins, overridden by the files found in `dir` (`dir/zh-CN/…`, `dir/en/…`).
    /// A file the folder lacks keeps its built-in version, so an operator copies only what
    /// they change. Every template is then rendered once against example notices, so that a
    /// broken override stops the start-up instead of the first real notification.
    pub fn from_dir(dir: &Path) -> Result<Templates, NotifierError> {
        let mut templates = Templates::builtin();
        for locale in Locale::ALL {
            let folder = dir.join(locale.as_str());
            if !folder.is_dir() {
                continue;
            }
            let entries =
                std::fs::read_dir(&folder).map_err(|source| NotifierError::TemplateDir {
                    path: folder.clone(),
                    source,
                })?;
            for entry in entries {
                let path = entry
                    .map_err(|source| NotifierError::TemplateDir {
                        path: folder.clone(),
                        source,
                    })?
                    .path();
                let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
                    continue;
                };
                if !(file.ends_with(".txt") || file.ends_with(".html")) || file.starts_with('.') {
                    continue;
                }
                let name = format!("{locale}/{file}");
                if !builtin::BUILTIN.iter().any(|(n, _)| *n == name) && !is_extra(file) {
                    tracing::warn!(template = %name, "ignoring a template file no notification uses");
                    continue;
                }
                let source = std::fs::read_to_string(&path)
                    .map_err(|source| NotifierError::TemplateDir { path, source })?;
                templates
                    .env
                    .add_template_owned(name.clone(), source)
                    .map_err(|err| template_error(&name, &err))?;
            }
        }
        templates.check()?;
        Ok(templates)
    }

    /// Replaces the SMS signature put before every text in `locale`.
    pub fn with_signature(mut self, locale: Locale, signature: impl Into<String>) -> Templates {
        match locale {
            Locale::ZhCn => self.signature_zh = signature.into(),
            Locale::En => self.signature_en = signature.into(),
        }
        self
    }

    /// Renders every kind on every channel in every locale from [`Notice::example`].
    pub fn check(&self) -> Result<(), NotifierError> {
        for locale in Locale::ALL {
            for kind in NotificationKind::ALL {
                for channel in Channel::ALL {
                    self.render(kind, channel, locale, &Notice::example(kind, locale))?;
                }
            }
        }
        Ok(())
    }

    /// Renders `kind` for `channel` in `locale`.
    ///
    /// An SMS starts with the locale's signature and never costs more than
    /// [`MAX_SMS_SEGMENTS`]: a longer text is cut and ends with an ellipsis (see
    /// [`fit_sms`] for why cutting beats refusing); [`Rendered::sms`] says when that happened.
    pub fn render(
        &self,
        kind: NotificationKind,
        channel: Channel,
        locale: Locale,
        notice: &Notice,
    ) -> Result<Rendered, NotifierError> {
        let view = Value::from_serialize(View::new(kind, locale, notice));
        match channel {
            Channel::Sms => self.render_sms(kind, locale, view),
            Channel::Email => self.render_email(kind, locale, view),
        }
    }

    fn render_sms(
        &self,
        kind: NotificationKind,
        locale: Locale,
        view: Value,
    ) -> Result<Rendered, NotifierError> {
        let body = self.render_one(&format!("{locale}/{kind}.sms.txt"), view)?;
        // Templates may wrap lines for readability; an SMS is one paragraph.
        let joiner = match locale {
            Locale::ZhCn => "",
            Locale::En => " ",
        };
        let body = body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(joiner);
        let signature = match locale {
            Locale::ZhCn => &self.signature_zh,
            Locale::En => &self.signature_en,
        };
        let (text, truncated) = fit_sms(&format!("{signature}{body}"), MAX_SMS_SEGMENTS);
        let (encoding, segments) = crate::policy::sms_segments(&text);
        Ok(Rendered {
            content: Content::Sms { text },
            sms: Some(SmsFit {
                encoding,
                segments,
                truncated,
            }),
        })
    }

    fn render_email(
        &self,
        kind: NotificationKind,
        locale: Locale,
        view: Value,
    ) -> Result<Rendered, NotifierError> {
        let name = format!("{locale}/{kind}.email.txt");
        let rendered = self.render_one(&name, view.clone())?;
        let (subject, body) = split_subject(&rendered).ok_or_else(|| NotifierError::Template {
            name: name.clone(),
            reason: "the first line must be `subject: …`".to_owned(),
        })?;
        let footer_name = format!("{locale}/_footer.email.txt");
        let footer = if self.env.get_template(&footer_name).is_ok() {
            self.render_one(&footer_name, view.clone())?
        } else {
            String::new()
        };
        let footer = footer.trim();
        let text = if footer.is_empty() {
            format!("{body}\n")
        } else {
            format!("{body}\n\n{footer}\n")
        };

        let override_name = format!("{locale}/{kind}.email.html");
        let html = if self.env.get_template(&override_name).is_ok() {
            let ctx = context! { subject => subject, text => text, ..view };
            self.render_one(&override_name, ctx)?
        } else {
            let ctx = context! {
                subject => subject,
                blocks => html::blocks(body),
                footer => html::blocks(footer),
                ..view
            };
            self.render_one(&format!("{locale}/_layout.email.html"), ctx)?
        };
        Ok(Rendered {
            content: Content::Email {
                subject: subject.to_owned(),
                text,
                html: Some(html),
                inline: Vec::new(),
            },
            sms: None,
        })
    }

    fn render_one(&self, name: &str, ctx: Value) -> Result<String, NotifierError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|err| template_error(name, &err))
    }
}

/// A file an operator may add beyond the built-ins: a partial to include (`_name.txt`), or a
/// kind's own HTML email, which replaces the layout for that kind.
fn is_extra(file: &str) -> bool {
    file.starts_with('_')
        || file
            .strip_suffix(".email.html")
            .is_some_and(|kind| NotificationKind::ALL.iter().any(|k| k.as_str() == kind))
}

/// Splits `subject: …` off the first line; the body is what follows, blank lines trimmed.
fn split_subject(rendered: &str) -> Option<(&str, &str)> {
    let rendered = rendered.trim_start();
    let (first, rest) = rendered.split_once('\n').unwrap_or((rendered, ""));
    let subject = first.trim().strip_prefix("subject:")?.trim();
    (!subject.is_empty()).then_some((subject, rest.trim()))
}

/// minijinja's error with its cause chain, which names the line and the undefined variable.
fn template_error(name: &str, err: &minijinja::Error) -> NotifierError {
    let mut reason = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    NotifierError::Template {
        name: name.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_is_the_first_line() {
        assert_eq!(
            split_subject("subject: 你好\n\n正文\n"),
            Some(("你好", "正文"))
        );
        assert_eq!(split_subject("正文"), None);
        assert_eq!(split_subject("subject:   \n正文"), None);
    }

    #[test]
    fn only_known_kinds_may_override_the_html_layout_and_partials_may_be_added() {
        assert!(is_extra("assigned.email.html"));
        assert!(!is_extra("asigned.email.html"));
        assert!(!is_extra("assigned.sms.html"));
        assert!(is_extra("_signature.email.txt"));
    }
}
