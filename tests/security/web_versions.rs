//! Finding 13: web actions require the version the page showed.
