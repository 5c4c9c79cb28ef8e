//! Finding 12: attachments are served under a name that follows their sniffed type, inline only for images, sandboxed.
