//! Messages written to a folder: the channel used when no server is configured, so nothing is
//! lost, and a way to read exactly what would have been sent.

use std::path::{Path, PathBuf};

use lettre::message::Mailbox;
use serde::Deserialize;

use super::email;
use crate::{Address, Content, Message, NotifierError, Outcome};

fn default_from() -> String {
    "gridloop <gridloop@localhost>".to_owned()
}

fn default_domain() -> String {
    "localhost".to_owned()
}

/// `[notify.file]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub dir: PathBuf,
    /// `From:` of the `.eml` files.
    #[serde(default = "default_from")]
    pub from: String,
    /// The right-hand side of `Message-ID`s, as for SMTP.
    #[serde(default = "default_domain")]
    pub domain: String,
}

#[derive(Debug)]
pub struct FileChannel {
    dir: PathBuf,
    from: Mailbox,
    domain: String,
}

impl FileChannel {
    pub fn new(config: FileConfig) -> Result<Self, NotifierError> {
        let from = config
            .from
            .parse()
            .map_err(|e| NotifierError::Config(format!("notify.file.from: {e}")))?;
        Ok(Self {
            from,
            dir: config.dir,
            domain: config.domain,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `{id}.eml` or `{id}.txt`. Writing the same id again replaces the file, so a retried
    /// delivery leaves one file, and the rename means a reader never sees half of one.
    pub async fn send(&self, msg: &Message) -> Outcome {
        let (name, bytes) = match self.render(msg) {
            Ok(rendered) => rendered,
            Err(error) => return Outcome::Permanent { error },
        };
        match write_atomically(&self.dir, &name, bytes).await {
            Ok(path) => Outcome::Accepted {
                provider_id: Some(path.display().to_string()),
            },
            Err(e) => Outcome::Transient {
                error: format!("cannot write {name} in {}: {e}", self.dir.display()),
                retry_after: None,
            },
        }
    }

    fn render(&self, msg: &Message) -> Result<(String, Vec<u8>), String> {
        match (&msg.to, &msg.content) {
            (Address::Email(_), Content::Email { .. }) => {
                let mail = email::build(msg, &self.from, &self.domain)?;
                Ok((format!("{}.eml", msg.id), mail.formatted()))
            }
            (Address::Phone(phone), Content::Sms { text }) => Ok((
                format!("{}.txt", msg.id),
                format!("To: {}\n\n{text}\n", phone.as_str()).into_bytes(),
            )),
            _ => Err("the address and the content are for different channels".to_owned()),
        }
    }
}

/// The file's steps in one task on the blocking pool: each `tokio::fs` call is a trip there and
/// back of its own, and under load a message's three trips cost more than its writing
/// (issue 17: the server's context switches, `perf`).
async fn write_atomically(dir: &Path, name: &str, bytes: Vec<u8>) -> std::io::Result<PathBuf> {
    let dir = dir.to_owned();
    let name = name.to_owned();
    let write = move || {
        std::fs::create_dir_all(&dir)?;
        let target = dir.join(&name);
        // A dot name is skipped by readers that list `*.eml`, and the same folder keeps the
        // rename on one file system.
        let temp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&temp, bytes)?;
        if let Err(e) = std::fs::rename(&temp, &target) {
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
        Ok(target)
    };
    tokio::task::spawn_blocking(write)
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
}
