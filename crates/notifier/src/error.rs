use thiserror::Error;

/// Everything that can go wrong in the notifier before a message reaches a wire. What a wire
/// answers is not an error but an [`crate::Outcome`].
#[derive(Debug, Error)]
pub enum NotifierError {
    /// A channel's configuration cannot work (bad URL, missing credentials, unreadable folder).
    #[error("channel configuration: {0}")]
    Config(String),
    /// A template is missing or does not render.
    #[error("template {name}: {reason}")]
    Template { name: String, reason: String },
    /// An operator's template folder cannot be read.
    #[error("template folder {path}: {source}")]
    TemplateDir {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}
