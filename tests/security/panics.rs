//! Finding 8: no query string or path parser panics; dates far out of range are a 4xx.
