//! Finding 10: titles and names are one line, with no control characters or bidi overrides.
